//! Signed chain heads: an Ed25519 key the forger does not hold.
//!
//! The hash chain alone is unkeyed: someone who can write the file can drop the triggers,
//! change a row, compute every later hash again and recreate the triggers, and the chain
//! verifies. With `evidence.signing_key_file`, every transaction that appends rows also
//! appends a row to the `signature` table: the chain's head after it (row number and hash),
//! the instance, when, the key's fingerprint and the Ed25519 signature of
//!
//! ```text
//! callpulse-evidence-head v1\n<seq>\n<hash>\n<instance>\n<signed_at>\n
//! ```
//!
//! Signing head *N* vouches for rows 1 to *N* (each hash covers the one before). A row
//! changed and the chain re-hashed no longer matches the signed hashes from that row on;
//! signatures removed leave the last row unsigned. Only a chain cut back exactly to an
//! earlier signed head still verifies: compare the head with one kept elsewhere (the audit
//! report, the `callpulse_evidence_head_row` metric).
//!
//! Key files are two lines of text: a header naming the kind, then the raw 32-byte key in
//! standard base64 ([`PRIVATE_HEADER`], [`PUBLIC_HEADER`]). The fingerprint of a public key is
//! the SHA-256 of its 32 bytes, in hex.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// First line of a private key file.
pub const PRIVATE_HEADER: &str = "callpulse-evidence-ed25519-private-key v1";
/// First line of a public key file.
pub const PUBLIC_HEADER: &str = "callpulse-evidence-ed25519-public-key v1";

/// A key file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a callpulse {kind} key: {why}")]
    Format {
        path: PathBuf,
        kind: &'static str,
        why: String,
    },
    #[error("cannot get random bytes for a key: {0}")]
    Random(String),
}

/// The SHA-256 of a public key's 32 bytes, in hex.
pub fn fingerprint(key: &VerifyingKey) -> String {
    let mut out = String::with_capacity(64);
    for byte in Sha256::digest(key.as_bytes()) {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The bytes a head's signature is over.
pub fn message(seq: i64, hash: &str, instance: &str, signed_at: &str) -> Vec<u8> {
    format!("callpulse-evidence-head v1\n{seq}\n{hash}\n{instance}\n{signed_at}\n").into_bytes()
}

/// A private key and the instance name it signs as.
pub struct Signer {
    key: SigningKey,
    pub instance: String,
    /// Fingerprint of the public half.
    pub key_id: String,
}

/// One signature row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadSignature {
    pub seq: i64,
    pub hash: String,
    pub instance: String,
    pub signed_at: String,
    pub key_id: String,
    /// Base64 of the 64-byte signature.
    pub signature: String,
}

impl Signer {
    pub fn new(key: SigningKey, instance: String) -> Self {
        let key_id = fingerprint(&key.verifying_key());
        Signer {
            key,
            instance,
            key_id,
        }
    }

    /// Signs the head `seq`, `hash`, now (`signed_at`, RFC 3339).
    pub fn sign(&self, seq: i64, hash: &str, signed_at: &str) -> HeadSignature {
        let sig = self
            .key
            .sign(&message(seq, hash, &self.instance, signed_at));
        HeadSignature {
            seq,
            hash: hash.to_string(),
            instance: self.instance.clone(),
            signed_at: signed_at.to_string(),
            key_id: self.key_id.clone(),
            signature: STANDARD.encode(sig.to_bytes()),
        }
    }
}

/// Whether `s` is a valid signature of its head by `key`.
pub fn check(s: &HeadSignature, key: &VerifyingKey) -> bool {
    let Ok(bytes) = STANDARD.decode(s.signature.trim()) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify_strict(&message(s.seq, &s.hash, &s.instance, &s.signed_at), &sig)
        .is_ok()
}

/// A new key pair from the operating system's random source.
pub fn generate() -> Result<SigningKey, KeyError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes `PREFIX.key` (0600) and `PREFIX.pub` (0644); refuses to overwrite either. Returns
/// both paths.
pub fn write_pair(key: &SigningKey, prefix: &Path) -> Result<(PathBuf, PathBuf), KeyError> {
    let with = |ext: &str| {
        let mut p = prefix.as_os_str().to_owned();
        p.push(ext);
        PathBuf::from(p)
    };
    let (private, public) = (with(".key"), with(".pub"));
    for p in [&private, &public] {
        if p.exists() {
            return Err(KeyError::Write {
                path: p.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "it exists; remove it first or choose another --out",
                ),
            });
        }
    }
    let write = |path: &Path, mode: u32, text: String| {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        let mut f = crate::fsmode::open_mode(path, &mut options, mode)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    };
    let text = |header: &str, bytes: &[u8]| format!("{header}\n{}\n", STANDARD.encode(bytes));
    write(
        &private,
        crate::fsmode::FILE_MODE,
        text(PRIVATE_HEADER, key.as_bytes()),
    )
    .map_err(|source| KeyError::Write {
        path: private.clone(),
        source,
    })?;
    let public_text = text(PUBLIC_HEADER, key.verifying_key().as_bytes());
    write(&public, crate::fsmode::PUBLIC_MODE, public_text).map_err(|source| KeyError::Write {
        path: public.clone(),
        source,
    })?;
    Ok((private, public))
}

fn read_key(path: &Path, header: &str, kind: &'static str) -> Result<[u8; 32], KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let format = |why: String| KeyError::Format {
        path: path.to_path_buf(),
        kind,
        why,
    };
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() != Some(header) {
        return Err(format(format!("the first line must be {header:?}")));
    }
    let body = lines
        .next()
        .ok_or_else(|| format("no key after the header".into()))?;
    let bytes = STANDARD
        .decode(body)
        .map_err(|e| format(format!("not base64: {e}")))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format(format!("{} bytes, not 32", b.len())))
}

/// Reads a private key file written by [`write_pair`].
pub fn read_private(path: &Path) -> Result<SigningKey, KeyError> {
    read_key(path, PRIVATE_HEADER, "private").map(|b| SigningKey::from_bytes(&b))
}

/// Reads a public key file written by [`write_pair`].
pub fn read_public(path: &Path) -> Result<VerifyingKey, KeyError> {
    let bytes = read_key(path, PUBLIC_HEADER, "public")?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| KeyError::Format {
        path: path.to_path_buf(),
        kind: "public",
        why: format!("not an Ed25519 point: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_pair_reads_back_signs_and_rejects_a_changed_head() {
        let dir = tempfile::tempdir().unwrap();
        let key = generate().unwrap();
        let (private, public) = write_pair(&key, &dir.path().join("k")).unwrap();
        assert!(
            write_pair(&key, &dir.path().join("k")).is_err(),
            "no overwrite"
        );
        let signer = Signer::new(read_private(&private).unwrap(), "i1".into());
        let public = read_public(&public).unwrap();
        assert_eq!(signer.key_id, fingerprint(&public));
        let s = signer.sign(7, "ab", "2026-11-02T10:00:00Z");
        assert!(check(&s, &public));
        for changed in [
            HeadSignature {
                seq: 8,
                ..s.clone()
            },
            HeadSignature {
                hash: "ac".into(),
                ..s.clone()
            },
            HeadSignature {
                instance: "i2".into(),
                ..s.clone()
            },
        ] {
            assert!(!check(&changed, &public));
        }
        let other = generate().unwrap().verifying_key();
        assert!(!check(&s, &other));
        let bad = dir.path().join("bad.pub");
        std::fs::write(&bad, "hello\n").unwrap();
        assert!(read_public(&bad)
            .unwrap_err()
            .to_string()
            .contains("first line"));
    }
}
