//! `[evidence]`: where `callpulse run` keeps its audit evidence.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[evidence]` as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawEvidence {
    pub path: String,
}

impl Default for RawEvidence {
    fn default() -> Self {
        RawEvidence {
            path: "callpulse-evidence.sqlite".into(),
        }
    }
}

/// The evidence settings: the SQLite file, or `None` to keep no evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceConfig {
    pub path: Option<PathBuf>,
}

pub(super) fn evidence(e: &RawEvidence) -> EvidenceConfig {
    EvidenceConfig {
        path: Some(e.path.trim())
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
    }
}
