//! CSV/TSV call records → canonical `call.completed` events, one per row, read with a column
//! mapping file ([`Mapping`]; docs/src/inputs/csv.md describes every key).
//!
//! A row gives exactly one event, or a [`RejectReason`]: `skipped:<why>` for rows the mapping
//! says carry nothing to count (phantom calls, calls that never left the IVR), the usual
//! reasons for rows that are wrong. A good header line gives neither; a header that lacks a
//! mapped column (or splits a `merged` pair) is rejected as `bad_value:header`.

mod build;
mod check;
mod mapping;
mod raw;
mod row;
#[cfg(test)]
mod tests;
mod times;

pub use mapping::{Mapping, MappingError};

use crate::event::Event;
use crate::reject::RejectReason;
use build::{DateCache, Row};
use mapping::ColumnRef;
use row::Splitter;

/// Reads CSV rows of one stream with a column mapping.
#[derive(Debug)]
pub struct Csv {
    mapping: Mapping,
    splitter: Splitter,
    /// Field position of each mapped column in the current file (`None`: not in it).
    positions: Vec<Option<usize>>,
    /// How many fields a row has, when the header or `names` says.
    width: Option<usize>,
    /// Position of the first column of each merged pair, when the pair is adjacent.
    merged: Vec<usize>,
    /// The next line is a header.
    expect_header: bool,
    /// The stream has no header lines ([`Csv::headerless`]).
    headerless: bool,
    dates: DateCache,
}

impl Csv {
    pub fn new(mapping: Mapping) -> Csv {
        let mut csv = Csv {
            splitter: Splitter::new(mapping.delimiter, mapping.quote, mapping.trim),
            positions: Vec::new(),
            width: None,
            merged: Vec::new(),
            expect_header: mapping.header,
            headerless: false,
            dates: DateCache::default(),
            mapping,
        };
        let names = csv.mapping.names.clone();
        csv.resolve(names.as_deref());
        csv
    }

    /// Reads one line (or message) without its line end: one event, nothing for a header, or
    /// the reason the row gives none.
    pub fn read(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<(), RejectReason> {
        let mut line = std::str::from_utf8(bytes).map_err(|_| RejectReason::NotUtf8)?;
        if line.trim_ascii().is_empty() {
            return Err(RejectReason::Skipped("blank_line"));
        }
        if self.expect_header {
            // A byte-order mark, as spreadsheet exports write, is not part of the first name.
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        self.splitter.split(line);
        if self.expect_header {
            self.expect_header = false;
            if self.mapping.names.is_none() {
                let names: Vec<String> = (0..self.splitter.len())
                    .map(|i| self.splitter.field(i).unwrap_or_default().to_string())
                    .collect();
                if !self.resolve(Some(&names)) {
                    return Err(RejectReason::BadValue("header"));
                }
            }
            return Ok(());
        }
        if let Some(width) = self.width {
            if self.splitter.len() != width && !self.unmerge(width) {
                return Err(RejectReason::BadValue("row"));
            }
        }
        let row = Row {
            fields: &self.splitter,
            positions: &self.positions,
            columns: &self.mapping.columns,
        };
        out.push(build::event(&self.mapping, &row, &mut self.dates)?);
        Ok(())
    }

    /// A new file begins: its first line is a header if the mapping says so.
    pub fn start_file(&mut self) {
        self.expect_header = self.mapping.header;
        if self.mapping.header && self.mapping.names.is_none() {
            self.resolve(None);
        }
    }

    /// Whether the column names come from each file's header line (`header = true` without
    /// `csv.names`): a stream without header lines (Kafka) cannot be read with this mapping.
    pub fn learns_header(&self) -> bool {
        self.mapping.header && self.mapping.names.is_none()
    }

    /// The stream has no header lines (one row per Kafka message): the first record is a row.
    pub fn headerless(&mut self) {
        self.expect_header = false;
        self.headerless = true;
    }

    /// A reader for another stream of the same input (another Kafka partition): the same
    /// mapping, headerless if this one is, and none of this one's state (no header read, no
    /// date remembered).
    pub fn fresh(&self) -> Csv {
        let mut csv = Csv::new(self.mapping.clone());
        if self.headerless {
            csv.headerless();
        }
        csv
    }

    /// The export is not in event-time order.
    pub fn needs_sorting(&self) -> bool {
        self.mapping.sort()
    }

    /// How far behind the newest event time an event of a sorting export may arrive.
    pub fn sort_window(&self) -> crate::time::Millis {
        self.mapping.sort_window()
    }

    /// Finds the mapped columns among `names` (the header, or `csv.names`); positions need no
    /// names. False if a named column is missing or a merged pair is not adjacent.
    fn resolve(&mut self, names: Option<&[String]>) -> bool {
        let mut complete = true;
        self.positions = self
            .mapping
            .columns
            .iter()
            .map(|c| match &c.at {
                ColumnRef::Position(p) => Some(*p),
                ColumnRef::Name(n) => {
                    let p = names.and_then(|names| names.iter().position(|x| x == n));
                    complete &= p.is_some();
                    p
                }
            })
            .collect();
        self.width = names.map(<[String]>::len);
        self.merged.clear();
        for &(a, b) in &self.mapping.merged {
            match (self.positions[a], self.positions[b]) {
                (Some(pa), Some(pb)) if pb == pa + 1 => self.merged.push(pa),
                _ => complete = false,
            }
        }
        complete
    }

    /// A row one field short whose merged pair ran together: put apart.
    fn unmerge(&mut self, width: usize) -> bool {
        self.splitter.len() + 1 == width && self.merged.iter().any(|&a| self.splitter.unmerge(a))
    }
}
