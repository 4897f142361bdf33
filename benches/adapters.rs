//! Criterion benches of the input adapters, in records (lines) per second:
//!
//! | group | what one iteration does |
//! |---|---|
//! | `csv_adapter` | January of the Anonymous Bank (31,599 rows, in memory) through `Adapter::Csv` with the shipped mapping: split, trim, mend, times of day in Asia/Jerusalem, one `call.completed` per row |
//! | `csv_replay` | the same rows through `source::read_files` into the engine (sorted by event time within the mapping's `sort_window`, monthly records): `callpulse replay` without the gunzip |
//! | `queue_log_adapter` | a generated queue_log (20,000 callers: enter, ring, connect, complete; one in five abandons; agents pausing) through `Adapter::QueueLog` |
//!
//! After the groups, an interleaved side-by-side run of `csv_adapter` and `csv_replay` prints
//! their medians and the ratio of the replay to the adapter measured in the same run.
//!
//! Run: `cargo bench --bench adapters`.

#[path = "../src/allocator.rs"]
mod allocator;
#[path = "support/rounds.rs"]
mod rounds;
use callpulse::adapter::csv::{Csv, Mapping};
use callpulse::adapter::Adapter;
use callpulse::config::InputFormat;
use callpulse::config::{Config, InputConfig};
use callpulse::engine::Engine;
use callpulse::event::Event;
use callpulse::reject::{Origin, RejectReason};
use callpulse::source::{self, Sink};
use callpulse::time::Granularity;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rounds::Rounds;
use std::io::{Read, Write};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// January of the Anonymous Bank, decompressed.
fn january() -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(root().join("data/anonymous-bank-1999/january.txt.gz")).unwrap(),
    )
    .read_to_string(&mut text)
    .unwrap();
    text
}

fn bank_adapter() -> Adapter {
    let mapping = Mapping::load(&root().join("config/mappings/anonymous-bank-1999.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    Adapter::Csv(Box::new(Csv::new(mapping)))
}

/// A queue_log of `callers` callers in two queues, in time order.
fn queue_log(callers: u64) -> String {
    let mut out = String::new();
    let t0 = 1_793_610_000u64;
    for agent in ["PJSIP/a1", "PJSIP/a2", "PJSIP/a3"] {
        for q in ["sales", "support"] {
            out.push_str(&format!("{t0}|NONE|{q}|{agent}|ADDMEMBER|\n"));
        }
    }
    for i in 0..callers {
        let t = t0 + 10 + i * 3;
        let q = if i % 3 == 0 { "support" } else { "sales" };
        let agent = ["PJSIP/a1", "PJSIP/a2", "PJSIP/a3"][(i % 3) as usize];
        let id = format!("{t}.{i}");
        out.push_str(&format!("{t}|{id}|{q}|NONE|ENTERQUEUE||0123456789|1\n"));
        if i % 5 == 4 {
            out.push_str(&format!("{}|{id}|{q}|NONE|ABANDON|1|1|20\n", t + 20));
            continue;
        }
        out.push_str(&format!("{}|{id}|{q}|{agent}|RINGNOANSWER|5000\n", t + 6));
        out.push_str(&format!(
            "{}|{id}|{q}|{agent}|CONNECT|12|{id}.1|3\n",
            t + 12
        ));
        if i % 50 == 0 {
            out.push_str(&format!("{}|NONE|{q}|{agent}|PAUSE|break\n", t + 13));
            out.push_str(&format!("{}|NONE|{q}|{agent}|UNPAUSE|\n", t + 14));
        }
        out.push_str(&format!(
            "{}|{id}|{q}|{agent}|COMPLETECALLER|12|100|1\n",
            t + 112
        ));
    }
    out
}

fn lines(text: &str) -> impl Iterator<Item = &[u8]> {
    text.lines().map(str::as_bytes)
}

/// Runs every line through a fresh adapter; returns the events made (kept from the optimiser).
fn adapt(mut adapter: Adapter, text: &str) -> usize {
    let mut out: Vec<Event> = Vec::new();
    let mut n = 0;
    adapter.start_file();
    for line in lines(text) {
        out.clear();
        if adapter.read(line, &mut out).is_ok() {
            n += out.len();
        }
        black_box(&out);
    }
    n
}

struct EngineSink(Engine);

impl Sink for EngineSink {
    fn event(&mut self, event: Event, origin: Origin) -> anyhow::Result<()> {
        self.0.ingest(event, origin);
        Ok(())
    }
    fn reject(&mut self, reason: RejectReason, origin: Origin, bytes: &[u8]) -> anyhow::Result<()> {
        self.0.reject(reason, origin, bytes);
        Ok(())
    }
    fn tick(&mut self, _: &source::Progress) -> anyhow::Result<()> {
        black_box(self.0.take_records());
        black_box(self.0.take_rejections());
        Ok(())
    }
}

/// January through `read_files` (its sort window) into the engine: the `csv_replay` group.
fn replay_bank(cfg: &Config, files: &[String]) -> usize {
    let mut sink = EngineSink(Engine::new(&cfg.engine, &[Granularity::Month]));
    let mut adapter = bank_adapter();
    source::read_files(files, &mut adapter, 65_536, &mut sink).unwrap();
    sink.0.flush();
    black_box(sink.0.take_records()).len()
}

/// Runs the adapter alone and the replay in turn, `rounds` times, and prints each one's median
/// rate and their ratio: the replay measured against its reference in the same run.
fn side_by_side(bank: &str, rows: u64, cfg: &Config, files: &[String], rounds: usize) {
    let n = rows as f64;
    let mut times = Rounds::<2>::new();
    for _ in 0..rounds {
        times.time(0, n, || adapt(bank_adapter(), bank));
        times.time(1, n, || replay_bank(cfg, files));
    }
    let [adapter, replay] = times.medians();
    println!(
        "side by side, {rounds} interleaved rounds, medians (M rows/s): csv_adapter {:.2}, csv_replay {:.2}; csv_replay = {:.0} % of csv_adapter",
        adapter / 1e6,
        replay / 1e6,
        100.0 * replay / adapter
    );
}

fn adapters(c: &mut Criterion) {
    let bank = january();
    let rows = bank.lines().count() as u64 - 1;
    let mut g = c.benchmark_group("csv_adapter");
    g.throughput(Throughput::Elements(rows));
    g.sample_size(20);
    g.bench_function("anonymous_bank_january", |b| {
        b.iter(|| adapt(bank_adapter(), &bank))
    });
    g.finish();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("january.tsv");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(bank.as_bytes())
        .unwrap();
    let files = vec![file.display().to_string()];
    let mut cfg = Config::default();
    cfg.engine.timezone = chrono_tz::Asia::Jerusalem;
    let mut g = c.benchmark_group("csv_replay");
    g.throughput(Throughput::Elements(rows));
    g.sample_size(10);
    g.bench_function("anonymous_bank_january", |b| {
        b.iter(|| replay_bank(&cfg, &files))
    });
    g.finish();
    side_by_side(&bank, rows, &cfg, &files, 7);

    let log = queue_log(20_000);
    let n = log.lines().count() as u64;
    let input = InputConfig {
        format: InputFormat::QueueLog,
        ..Config::default().input
    };
    let mut g = c.benchmark_group("queue_log_adapter");
    g.throughput(Throughput::Elements(n));
    g.sample_size(20);
    g.bench_function("generated_20000_callers", |b| {
        b.iter(|| {
            let adapter = Adapter::new(&input, Default::default()).unwrap();
            adapt(adapter, &log)
        })
    });
    g.finish();
}

criterion_group!(benches, adapters);
criterion_main!(benches);
