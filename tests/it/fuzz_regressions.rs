//! The fuzz targets' inputs replayed on stable Rust: every input a fuzzer found to crash,
//! panic or allocate without bound (`fuzz/regressions/<target>/`, kept after the fix) and every
//! seed of the corpus (`fuzz/corpus/<target>/`), each through the very function the fuzz target
//! runs (`fuzz/src/targets.rs`, included here).

#[path = "../../fuzz/src/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

/// The files under `fuzz/<kind>/<target>/` of every target, with the target's name.
fn inputs(kind: &str) -> Vec<(&'static str, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind);
    let mut found = Vec::new();
    for name in targets::NAMES {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in dir {
            found.push((name, entry.expect("a readable directory").path()));
        }
    }
    found.sort();
    found
}

fn replay(kind: &str) -> usize {
    let inputs = inputs(kind);
    for (name, path) in &inputs {
        let data = std::fs::read(path).expect("a readable input");
        eprintln!("{name}: {}", path.display());
        targets::run(name, &data);
    }
    inputs.len()
}

#[test]
fn every_input_a_fuzzer_broke_the_library_with_now_passes() {
    assert!(replay("regressions") > 0, "fuzz/regressions holds inputs");
}

#[test]
fn every_seed_of_the_fuzz_corpus_passes() {
    assert!(replay("corpus") > 0, "fuzz/corpus holds seeds");
}

#[test]
fn every_snapshot_seed_restores_under_the_current_layout() {
    // A seed of an older layout stops at the header or the decoding and exercises nothing
    // past them: the seeds are written again whenever `SNAPSHOT_FORMAT` changes
    // (fuzz/README.md, Seeds).
    let seeds: Vec<_> = inputs("corpus")
        .into_iter()
        .filter(|(name, _)| *name == "snapshot")
        .collect();
    assert!(!seeds.is_empty());
    for (_, path) in seeds {
        let data = std::fs::read(&path).expect("a readable seed");
        assert!(
            targets::restored(&data).is_some(),
            "{} does not restore",
            path.display()
        );
    }
}
