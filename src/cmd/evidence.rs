//! `callpulse evidence verify` and `callpulse evidence keygen`: what they print, and how they
//! fail.
//!
//! `verify`: 0 the chain is intact (and, with `--public-key`, every signature holds and the
//! last row is signed); 65 the chain is broken; 66 a signature fails or rows are unsigned;
//! 1 the store or the key cannot be read. `keygen`: 0 written, 1 not.

use super::Failure;
use callpulse::evidence::sign::{self, fingerprint};
use callpulse::evidence::verify::{signing_keys, verify_signatures, Signed, Verdict};
use std::path::Path;

/// Verifies the store at `store` (with `public_key`, its signatures too); prints the verdict
/// on stdout.
pub fn verify(store: &Path, public_key: Option<&Path>) -> Result<(), Failure> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Failure::runtime(format_args!(
            "cannot read the evidence store {}: {e}",
            store.display()
        ))
    };
    if !store.is_file() {
        return Err(Failure::runtime(format_args!(
            "no evidence store at {}",
            store.display()
        )));
    }
    let key = public_key
        .map(sign::read_public)
        .transpose()
        .map_err(Failure::runtime)?;
    let (head_seq, gaps) = match callpulse::evidence::verify(store) {
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
            return Err(Failure::Broken);
        }
        Err(e) => return Err(unreadable(&e)),
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
            Err(e) => return Err(unreadable(&e)),
        }
        return Ok(());
    };
    match verify_signatures(store, &key, head_seq) {
        Ok(Signed::Valid { signatures }) => {
            println!(
                "signed: {signatures} signatures by key {}, all valid; the last row is signed",
                fingerprint(&key)
            );
            Ok(())
        }
        Ok(Signed::Failed { seq, problem }) => {
            println!("SIGNATURE FAILS at row {seq}: {problem}");
            Err(Failure::BadSignature)
        }
        Err(e) => Err(unreadable(&e)),
    }
}

/// Writes a new key pair as `PREFIX.key` (0600) and `PREFIX.pub`; prints both paths and the
/// public key's fingerprint.
pub fn keygen(prefix: &Path) -> Result<(), Failure> {
    let key = sign::generate().map_err(Failure::runtime)?;
    let (private, public) = sign::write_pair(&key, prefix).map_err(Failure::runtime)?;
    println!(
        "private key {} (mode 0600: keep it on the callpulse host only; set evidence.signing_key_file)\n\
         public key  {} (give it to the auditor: callpulse evidence verify --public-key)\n\
         fingerprint {}",
        private.display(),
        public.display(),
        fingerprint(&key.verifying_key())
    );
    Ok(())
}
