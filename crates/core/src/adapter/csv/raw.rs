//! The mapping file exactly as written: every key with its default; unknown keys are errors
//! (a typo must not silently fall back to a default).

use serde::Deserialize;
use std::collections::BTreeMap;

/// How far out of event-time order a sorting export may be (`csv.sort_window`): a month, so
/// a monthly export in any row order (by line, by agent) comes out exactly sorted.
pub const DEFAULT_SORT_WINDOW: &str = "32d";

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub csv: RawCsv,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCsv {
    pub delimiter: String,
    pub quote: String,
    pub header: Option<bool>,
    pub names: Option<Vec<String>>,
    pub trim: bool,
    pub merged: Vec<Vec<String>>,
    pub timezone: String,
    pub date_format: String,
    pub time_format: String,
    pub datetime_format: String,
    pub tolerance: String,
    pub sort: bool,
    pub sort_window: String,
    pub channel: String,
    pub columns: RawColumns,
    pub empty: BTreeMap<String, OneOrMany>,
    pub outcomes: BTreeMap<String, String>,
    pub times: RawTimes,
    pub skip: Vec<RawSkip>,
}

impl Default for RawCsv {
    fn default() -> Self {
        RawCsv {
            delimiter: ",".into(),
            quote: "\"".into(),
            header: None,
            names: None,
            trim: true,
            merged: Vec::new(),
            timezone: "UTC".into(),
            date_format: "%Y-%m-%d".into(),
            time_format: "%H:%M:%S".into(),
            datetime_format: "%Y-%m-%d %H:%M:%S".into(),
            tolerance: "0s".into(),
            sort: false,
            sort_window: DEFAULT_SORT_WINDOW.into(),
            channel: "voice".into(),
            columns: RawColumns::default(),
            empty: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            times: RawTimes::default(),
            skip: Vec::new(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawColumns {
    pub call_id: Option<OneOrMany>,
    pub queue: Option<String>,
    pub customer: Option<String>,
    pub agent: Option<String>,
    pub outcome: Option<String>,
    pub date: Option<String>,
    pub date_of: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawTimes {
    pub offered_at: Option<OneOrMany>,
    pub answered_at: Option<OneOrMany>,
    pub abandoned_at: Option<OneOrMany>,
    pub ended_at: Option<OneOrMany>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSkip {
    pub reason: String,
    pub outcome: Option<String>,
    pub empty: Option<OneOrMany>,
    pub present: Option<OneOrMany>,
    #[serde(default)]
    pub equals: BTreeMap<String, OneOrMany>,
}

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn list(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}
