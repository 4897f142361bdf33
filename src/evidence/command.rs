//! `callpulse evidence verify` and `callpulse evidence keygen`: what they print, and their
//! exit codes.
//!
//! `verify`: 0 the chain is intact (and, with `--public-key`, every signature holds and the
//! last row is signed); 65 the chain is broken; 66 a signature fails or rows are unsigned;
//! 1 the store or the key cannot be read. `keygen`: 0 written, 1 not.

use super::sign::{self, fingerprint};
use super::verify::{signing_keys, verify_signatures, Signed, Verdict};
use std::path::Path;

/// Exit code: the chain is broken.
pub const BROKEN: u8 = 65;
/// Exit code: with `--public-key`, a signature fails or the last rows are unsigned.
pub const BAD_SIGNATURE: u8 = 66;

/// Verifies the store at `store` (with `public_key`, its signatures too); prints the verdict
/// on stdout and returns the exit code.
pub fn verify(store: &Path, public_key: Option<&Path>) -> u8 {
    let unreadable = |e: &dyn std::fmt::Display| {
        eprintln!(
            "callpulse: cannot read the evidence store {}: {e}",
            store.display()
        );
        1
    };
    if !store.is_file() {
        eprintln!("callpulse: no evidence store at {}", store.display());
        return 1;
    }
    let key = match public_key.map(sign::read_public).transpose() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("callpulse: {e}");
            return 1;
        }
    };
    let (head_seq, gaps) = match super::verify(store) {
        Ok(Verdict::Intact {
            rows,
            head_seq,
            head,
            gaps,
        }) => {
            println!(
                "intact: {rows} rows; the last is row {head_seq}, hash {head}\n\
                 (keep this line: rows removed at the end leave a shorter chain that is intact)"
            );
            (head_seq, gaps)
        }
        Ok(Verdict::Broken { seq, problem }) => {
            println!("BROKEN at row {seq}: {problem}");
            return BROKEN;
        }
        Err(e) => return unreadable(&e),
    };
    for g in &gaps {
        println!(
            "GAP at row {}: {} rows were lost (the store could not be written), recorded {}",
            g.seq, g.lost, g.at
        );
    }
    let Some(key) = key else {
        match signing_keys(store) {
            Ok(keys) if !keys.is_empty() => println!(
                "signed by key {}: check the signatures with --public-key FILE",
                keys.join(", ")
            ),
            Ok(_) => {
                println!("unsigned: no signing key was configured (evidence.signing_key_file)")
            }
            Err(e) => return unreadable(&e),
        }
        return 0;
    };
    match verify_signatures(store, &key, head_seq) {
        Ok(Signed::Valid { signatures }) => {
            println!(
                "signed: {signatures} signatures by key {}, all valid; the last row is signed",
                fingerprint(&key)
            );
            0
        }
        Ok(Signed::Failed { seq, problem }) => {
            println!("SIGNATURE FAILS at row {seq}: {problem}");
            BAD_SIGNATURE
        }
        Err(e) => unreadable(&e),
    }
}

/// Writes a new key pair as `PREFIX.key` (0600) and `PREFIX.pub`; prints both paths and the
/// public key's fingerprint.
pub fn keygen(prefix: &Path) -> u8 {
    let written = sign::generate().and_then(|key| {
        let paths = sign::write_pair(&key, prefix)?;
        Ok((paths, fingerprint(&key.verifying_key())))
    });
    match written {
        Ok(((private, public), fp)) => {
            println!(
                "private key {} (mode 0600: keep it on the callpulse host only; set evidence.signing_key_file)\n\
                 public key  {} (give it to the auditor: callpulse evidence verify --public-key)\n\
                 fingerprint {fp}",
                private.display(),
                public.display()
            );
            0
        }
        Err(e) => {
            eprintln!("callpulse: {e}");
            1
        }
    }
}
