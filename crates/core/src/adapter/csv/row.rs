//! One line into its fields: delimiter and quoting by `csv-core`, spaces trimmed, and a pair
//! of adjacent columns that some rows run together put apart again.
//!
//! A record is one line: a quoted field cannot hold a line break (the line reader has already
//! cut the input at every `\n`). Inside quotes, a doubled quote is one quote. `csv-core` never
//! fails: an unclosed quote runs to the end of the line.

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// Splits lines into fields, reusing its buffers from one line to the next.
#[derive(Debug)]
pub struct Splitter {
    reader: Reader,
    /// Without quoting a field is what lies between delimiters: split without `csv-core`.
    delimiter: Option<u8>,
    trim: bool,
    /// The unquoted text of the fields of the last line, one after the other.
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Each field of the last line as a range of `out`, trimmed.
    fields: Vec<(usize, usize)>,
}

impl Splitter {
    /// `quote` `None`: quote characters are ordinary text.
    pub fn new(delimiter: u8, quote: Option<u8>, trim: bool) -> Splitter {
        let mut builder = ReaderBuilder::new();
        builder.delimiter(delimiter);
        match quote {
            Some(q) => builder.quote(q),
            None => builder.quoting(false),
        };
        Splitter {
            reader: builder.build(),
            delimiter: quote.is_none().then_some(delimiter),
            trim,
            out: Vec::new(),
            ends: vec![0; 32],
            fields: Vec::with_capacity(32),
        }
    }

    /// Splits `line` (valid UTF-8, without its line end); the fields are then read with
    /// [`Splitter::len`] and [`Splitter::field`].
    pub fn split(&mut self, line: &str) {
        self.reader.reset();
        self.fields.clear();
        if self.out.len() < line.len() + 1 {
            self.out.resize(line.len() + 1, 0);
        }
        if let Some(delimiter) = self.delimiter {
            let bytes = line.as_bytes();
            self.out[..bytes.len()].copy_from_slice(bytes);
            let (mut start, mut end) = (0, 0);
            while end < bytes.len() {
                if bytes[end] == delimiter {
                    self.push_field(start, end);
                    start = end + 1;
                }
                end += 1;
            }
            self.push_field(start, end);
            return;
        }
        let (mut input, mut nout, mut nend) = (line.as_bytes(), 0, 0);
        loop {
            let (result, read, written, ended) =
                self.reader
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            input = &input[read..];
            nout += written;
            nend += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record | ReadRecordResult::End => break,
            }
        }
        let mut start = 0;
        for i in 0..nend {
            let end = self.ends[i];
            self.push_field(start, end);
            start = end;
        }
    }

    fn push_field(&mut self, start: usize, end: usize) {
        let range = if self.trim {
            trimmed(&self.out, (start, end))
        } else {
            (start, end)
        };
        self.fields.push(range);
    }

    /// How many fields the last line has.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Field `i` of the last line (from 0).
    pub fn field(&self, i: usize) -> Option<&str> {
        let &(start, end) = self.fields.get(i)?;
        // Removing ASCII quote characters from UTF-8 text leaves UTF-8 text.
        std::str::from_utf8(&self.out[start..end]).ok()
    }

    /// Puts apart field `i` where a row ran two adjacent columns together, separated by
    /// spaces (`0       TT`): the text before the first run of whitespace becomes field `i`,
    /// the text after it field `i + 1`. False (and nothing changes) when the field holds no
    /// whitespace between two non-empty parts.
    pub fn unmerge(&mut self, i: usize) -> bool {
        let Some(&(start, end)) = self.fields.get(i) else {
            return false;
        };
        let (start, end) = trimmed(&self.out, (start, end));
        let text = &self.out[start..end];
        let Some(gap) = text.iter().position(u8::is_ascii_whitespace) else {
            return false;
        };
        let rest = text[gap..]
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(end, |n| start + gap + n);
        if gap == 0 || rest == end {
            return false;
        }
        self.fields[i] = (start, start + gap);
        self.fields.insert(i + 1, (rest, end));
        true
    }
}

fn trimmed(bytes: &[u8], (mut start, mut end): (usize, usize)) -> (usize, usize) {
    while start < end && bytes[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &mut Splitter, line: &str) -> Vec<String> {
        s.split(line);
        (0..s.len())
            .map(|i| s.field(i).unwrap().to_string())
            .collect()
    }

    #[test]
    fn commas_and_quotes_with_doubled_quotes_inside() {
        let mut s = Splitter::new(b',', Some(b'"'), true);
        assert_eq!(
            fields(&mut s, r#"c1,"Sales, VIP","say ""hi""",,x"#),
            ["c1", "Sales, VIP", r#"say "hi""#, "", "x"]
        );
        assert_eq!(fields(&mut s, "only"), ["only"]);
        assert_eq!(fields(&mut s, "a,"), ["a", ""]);
    }

    #[test]
    fn tabs_with_spaces_trimmed_and_quotes_taken_literally_when_quoting_is_off() {
        let mut s = Splitter::new(b'\t', None, true);
        assert_eq!(
            fields(&mut s, "AA0101\t TT \t\"x\t9:00:01"),
            ["AA0101", "TT", "\"x", "9:00:01"]
        );
        let mut raw = Splitter::new(b'\t', None, false);
        assert_eq!(fields(&mut raw, " TT \tx"), [" TT ", "x"]);
    }

    #[test]
    fn semicolons_and_an_unclosed_quote_runs_to_the_end_of_the_line() {
        let mut s = Splitter::new(b';', Some(b'\''), true);
        assert_eq!(fields(&mut s, "a;'b;c"), ["a", "b;c"]);
        assert_eq!(fields(&mut s, "'x'';y';z"), ["x';y", "z"]);
    }

    #[test]
    fn many_fields_grow_the_buffers() {
        let mut s = Splitter::new(b',', Some(b'"'), true);
        let line = (0..100)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let got = fields(&mut s, &line);
        assert_eq!(got.len(), 100);
        assert_eq!(got[99], "99");
    }

    #[test]
    fn a_merged_pair_is_put_apart_at_its_first_run_of_spaces() {
        let mut s = Splitter::new(b'\t', None, true);
        let got = fields(&mut s, "AA0108\t3364\t0\t0       TT\t990717");
        assert_eq!(got.len(), 5);
        assert!(s.unmerge(3));
        let got: Vec<_> = (0..s.len()).map(|i| s.field(i).unwrap()).collect();
        assert_eq!(got, ["AA0108", "3364", "0", "0", "TT", "990717"]);
    }

    #[test]
    fn a_field_without_inner_spaces_is_not_put_apart() {
        let mut s = Splitter::new(b'\t', None, false);
        for line in ["0TT\tx", "  TT\tx", "0   \tx", ""] {
            s.split(line);
            assert!(!s.unmerge(0), "{line:?}");
        }
        assert!(!s.unmerge(7));
    }
}
