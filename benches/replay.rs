//! Criterion benches of the whole `callpulse replay` from a file, against the references the
//! speed goals are stated in, each measured in the same run (`Throughput::Elements` = lines):
//!
//! | group | what one iteration does |
//! |---|---|
//! | `replay_file/floor` | read the file, serde into a minimal borrowed struct, parse the RFC 3339 timestamp: the parse floor (`support/floor.rs`) |
//! | `replay_file/one_thread` | `replay::run --period month --single-thread`: reading, decoding and the engine on one thread |
//! | `replay_file/two_threads` | `replay::run --period month`, as the command runs: reading and decoding on a thread beside the engine's |
//!
//! After the groups, the three run in turn for `CALLPULSE_BENCH_ROUNDS` (default 7)
//! interleaved rounds, and the medians are printed with the two ratios the goals name: the
//! replay as a share of the floor (goal ≥ 0.5), and two threads over one (goal ≥ 1.6 on two
//! cores). Interleaved medians are steadier than groups run a minute apart on a busy machine.
//!
//! The input is `CALLPULSE_BENCH_INPUT` (canonical JSON Lines, plain: the Anonymous Bank's
//! 852,217 events are `../shared/data/anonymous-bank-1999/events.jsonl.gz`, unzipped), else
//! the generated stream of `benches/engine.rs` written to a temporary file. Records go to a
//! sink as JSON, as `--format json` prints them; replays of one input must agree on them.
//!
//! Run: `CALLPULSE_BENCH_INPUT=/tmp/events.jsonl cargo bench --bench replay`.

#[path = "../src/allocator.rs"]
mod allocator;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/rounds.rs"]
mod rounds;
// Only its generator is used here; the stream's shape figures are the engine bench's.
#[allow(dead_code)]
mod support;

use callpulse::adapter::Adapter;
use callpulse::config::Config;
use callpulse::output::Format;
use callpulse::replay::{self, Replay};
use callpulse::time::Granularity;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rounds::Rounds;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `--period month --timezone UTC`, as the speed issue measures.
fn config() -> Config {
    Config::parse("[engine]\ntimezone = \"UTC\"\n", "bench config")
        .expect("the bench configuration is valid")
}

/// Counts the bytes written and keeps a digest of them: what a replay printed, cheaply.
#[derive(Default)]
struct Digest {
    bytes: u64,
    hash: u64,
}

impl Write for Digest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            self.hash = (self.hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One replay of `path`; returns (events read, bytes printed, digest of what was printed).
fn replay(cfg: &Config, path: &Path, single_thread: bool) -> (u64, u64, u64) {
    let r = Replay {
        files: vec![path.display().to_string()],
        granularity: Granularity::Month,
        format: Format::Json,
        sl_variants: false,
        rejected: None,
        scopes: vec!["center".into(), "queue".into()],
        progress: false,
        decode_only: false,
        single_thread,
    };
    let mut out = Digest::default();
    let summary = replay::run(
        cfg,
        &r,
        &mut Adapter::Canonical(Default::default()),
        &mut out,
    )
    .expect("the bench input replays");
    (summary.stats.read, out.bytes, out.hash)
}

fn floor(path: &Path, max_bytes: usize) -> u64 {
    let file = std::fs::File::open(path).expect("the bench input opens");
    floor::read_and_parse_floor(BufReader::with_capacity(1 << 16, file), max_bytes)
}

/// The input file: `CALLPULSE_BENCH_INPUT`, or the generated stream written to a temporary
/// file (kept alive by the returned guard).
fn input() -> (PathBuf, Option<tempfile::TempPath>) {
    if let Some(path) = std::env::var_os("CALLPULSE_BENCH_INPUT") {
        return (PathBuf::from(path), None);
    }
    let stream = support::generate(&support::Profile::default());
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(&stream.text).expect("the stream is written");
    let path = file.into_temp_path();
    (path.to_path_buf(), Some(path))
}

/// The three in turn, `rounds` times; prints their medians and the goals' ratios.
fn side_by_side(cfg: &Config, path: &Path, lines: f64, rounds: usize) {
    let max_bytes = cfg.engine.max_event_bytes;
    let mut times = Rounds::<3>::new();
    for _ in 0..rounds {
        times.time(0, lines, || floor(path, max_bytes));
        for (i, single) in [(1, true), (2, false)] {
            times.time(i, lines, || replay(cfg, path, single));
        }
    }
    let [floor, one, two] = times.medians();
    println!(
        "side by side, {rounds} interleaved rounds, medians (M lines/s): floor {:.2}, replay on one thread {:.2}, on two {:.2}",
        floor / 1e6,
        one / 1e6,
        two / 1e6
    );
    println!(
        "replay (two threads) = {:.2} of the floor (goal >= 0.5); two threads / one = {:.2}x (goal >= 1.6 on 2 cores; {} cores here)",
        two / floor,
        two / one,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}

fn benches(c: &mut Criterion) {
    let cfg = config();
    let (path, _guard) = input();
    let max_bytes = cfg.engine.max_event_bytes;
    let lines = floor(&path, max_bytes);
    let one = replay(&cfg, &path, true);
    let two = replay(&cfg, &path, false);
    assert_eq!(one, two, "one thread and two print the same records");
    println!(
        "input: {} ({lines} lines, {} events read, {} bytes of records)",
        path.display(),
        one.0,
        one.1
    );

    let mut g = c.benchmark_group("replay_file");
    g.throughput(Throughput::Elements(lines));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("floor", |b| b.iter(|| floor(&path, max_bytes)));
    g.bench_function("one_thread", |b| b.iter(|| replay(&cfg, &path, true)));
    g.bench_function("two_threads", |b| b.iter(|| replay(&cfg, &path, false)));
    g.finish();

    let rounds = std::env::var("CALLPULSE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    side_by_side(&cfg, &path, lines as f64, rounds);
}

criterion_group!(replay_benches, benches);
criterion_main!(replay_benches);
