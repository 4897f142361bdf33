//! `[evidence]`: where `callpulse run` keeps its audit evidence and its checkpoints.

use super::Checker;
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The evidence store of `evidence.path` by default, and where `evidence verify` and `report`
/// look when not told.
pub const DEFAULT_EVIDENCE_PATH: &str = "callpulse-evidence.sqlite";

/// `[evidence]` as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawEvidence {
    pub path: String,
    pub checkpoint_interval: String,
    /// Ed25519 private key (`callpulse evidence keygen`) that signs the chain's heads; empty:
    /// unsigned.
    pub signing_key_file: String,
}

impl Default for RawEvidence {
    fn default() -> Self {
        RawEvidence {
            path: DEFAULT_EVIDENCE_PATH.into(),
            checkpoint_interval: "5s".into(),
            signing_key_file: String::new(),
        }
    }
}

/// The evidence settings: the SQLite file, or `None` to keep no evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceConfig {
    pub path: Option<PathBuf>,
    /// How often `callpulse run` checkpoints its state into the store with Kafka input;
    /// `None` (`0s`): never, and evidence rows are written after every batch.
    pub checkpoint_every: Option<Millis>,
    /// The private key that signs every append's chain head, if any.
    pub signing_key_file: Option<PathBuf>,
}

pub(super) fn evidence(c: &mut Checker, e: &RawEvidence) -> EvidenceConfig {
    let every = c.duration("evidence.checkpoint_interval", &e.checkpoint_interval, 0);
    EvidenceConfig {
        path: Some(e.path.trim())
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
        checkpoint_every: Some(every).filter(|ms| *ms > 0),
        signing_key_file: Some(e.signing_key_file.trim())
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
    }
}
