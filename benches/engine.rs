//! Criterion benches of the replay path, one group per stage, each in events per second
//! (`Throughput::Elements` = lines of the generated stream):
//!
//! | group | what one iteration does |
//! |---|---|
//! | `decode` | bytes of every line → `Event` (`Decoder::decode`) |
//! | `read_and_decode` | `LineReader` over the in-memory text + decode: the rate of merely reading and parsing |
//! | `read_and_parse_floor` | `LineReader` + serde_json into a minimal borrowed struct + the RFC 3339 parse: what reading and parsing costs without callpulse's checks (cf. the first row of `shared/spec/performance-notes.md`) |
//! | `engine` | ingest the pre-decoded events into a fresh engine, flush, take the records: state + aggregation alone |
//! | `replay` | the whole `replay` loop from the in-memory text: read, decode, ingest, records → `PeriodRecord` → JSON to a sink |
//!
//! Before the groups it prints the stream's shape, a sanity replay (nothing should be rejected)
//! and the bytes per in-flight call; after them, an interleaved side-by-side run of
//! `read_and_parse_floor`, `read_and_decode`, `engine` and `replay`, whose ratios are steadier on
//! a noisy machine than figures from groups run a minute apart.
//!
//! Run: `cargo bench --bench engine` (add `-- replay` to run one group; set
//! `CALLPULSE_BENCH_DUMP=/tmp/stream.jsonl` to keep the generated stream,
//! `CALLPULSE_BENCH_LINES` and `CALLPULSE_BENCH_CALLS_PER_SECOND` to change its shape).

#[path = "engine/counting.rs"]
mod counting;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/rounds.rs"]
mod rounds;
mod support;

use callpulse::codec::Decoder;
use callpulse::config::Config;
use callpulse::engine::{Engine, Scope};
use callpulse::event::Event;
use callpulse::output::{Format, RecordWriter};
use callpulse::record::PeriodRecord;
use callpulse::reject::Origin;
use callpulse::source::{decode_line, feed_line, LineReader};
use callpulse::time::Granularity;
use criterion::{
    black_box, criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput,
};
use floor::read_and_parse_floor;
use rounds::Rounds;
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;
use support::{Profile, Stream};

/// The configuration of the benches: defaults, in the time zone of the generated stream.
fn config() -> Config {
    Config::parse("[engine]\ntimezone = \"Asia/Shanghai\"\n", "bench config")
        .expect("the bench configuration is valid")
}

/// Scopes printed by `callpulse replay` by default (`--scope center,queue`).
fn printed(scope: Scope) -> bool {
    matches!(scope, Scope::Center | Scope::Queue(_))
}

/// `read_and_decode`: what `replay --decode-only` does per line.
fn read_and_decode(text: &[u8], decoder: Decoder) -> u64 {
    let mut lines = LineReader::new(text);
    let mut n = 0u64;
    while let Some(line) = lines.next_line(decoder.max_bytes).expect("in memory") {
        if line.bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let _ = black_box(decode_line(&decoder, &line));
        n += 1;
    }
    n
}

/// `engine`: state + aggregation alone, from decoded events.
fn engine_only(cfg: &Config, events: Vec<Event>) -> usize {
    let mut engine = Engine::new(&cfg.engine, &[Granularity::Interval]);
    for (i, event) in events.into_iter().enumerate() {
        engine.ingest(
            event,
            Origin {
                source: 0,
                partition: 0,
                offset: i as i64 + 1,
            },
        );
        if i % 4096 == 4095 {
            black_box(engine.take_records());
            black_box(engine.take_rejections());
        }
    }
    engine.flush();
    black_box(engine.take_rejections());
    engine.take_records().len()
}

/// What one replay did, for the sanity check.
struct Outcome {
    /// Records printed (center and queue scopes), and all records the engine closed.
    records: u64,
    closed: u64,
    engine: Engine,
}

/// `replay`: the loop of `callpulse::replay::run` over an in-memory text, records as JSON
/// lines to a sink, rejections taken and dropped (no `--rejected` file).
fn replay(cfg: &Config, text: &[u8]) -> Outcome {
    let decoder = Decoder {
        max_bytes: cfg.engine.max_event_bytes,
    };
    let mut engine = Engine::new(&cfg.engine, &[Granularity::Interval]);
    // As `callpulse replay` does when it prints no agent records.
    engine.set_agent_records(false);
    let mut writer = RecordWriter::new(std::io::sink(), Format::Json);
    let (mut records, mut all) = (0u64, 0u64);
    let mut drain = |engine: &mut Engine, writer: &mut RecordWriter<std::io::Sink>| {
        for closed in engine.take_records() {
            all += 1;
            if !printed(closed.scope) {
                continue;
            }
            let record = PeriodRecord::new(&closed, engine);
            writer.write(&record).expect("a sink takes everything");
            records += 1;
        }
        black_box(engine.take_rejections());
    };
    let mut lines = LineReader::new(text);
    while let Some(line) = lines.next_line(decoder.max_bytes).expect("in memory") {
        if line.bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let origin = Origin {
            source: 0,
            partition: 0,
            offset: line.number as i64,
        };
        feed_line(&mut engine, &decoder, &line, origin);
        if line.number % 4096 == 0 {
            drain(&mut engine, &mut writer);
        }
    }
    engine.flush();
    drain(&mut engine, &mut writer);
    writer.flush().expect("a sink takes everything");
    Outcome {
        records,
        closed: all,
        engine,
    }
}

/// Bytes per in-flight call: `n` calls offered in one queue that never finish, 10 ms apart,
/// as the generator writes them (customer and event id). Returns (allocator bytes per call,
/// `state_bytes()` per call, calls in flight).
fn bytes_per_call(cfg: &Config, n: usize, with_customer: bool) -> (f64, f64, usize) {
    let decoder = Decoder::default();
    let mut engine = Engine::new(&cfg.engine, &[Granularity::Interval]);
    let mut line = String::with_capacity(512);
    let mut ts = String::with_capacity(64);
    let mut last = 0;
    let before = counting::begin();
    for i in 0..n {
        last = support::START_MS + i as i64 * 10;
        line.clear();
        ts.clear();
        support::rfc3339(&mut ts, last);
        write!(
            line,
            r#"{{"type":"call.offered","ts":"{ts}","call_id":"CA{:010}","queue":"support","channel":"voice""#,
            8_000_000_000 + i as u64 * 7
        )
        .unwrap();
        if with_customer {
            write!(
                line,
                r#","customer":"cus-{:08x}""#,
                i as u64 * 2_654_435_761 % (1 << 32)
            )
            .unwrap();
        }
        write!(line, r#","event_id":"ev-{:012}"}}"#, 900_000_000 + i).unwrap();
        let event = decoder.decode(line.as_bytes()).expect("a valid offer");
        engine.ingest(event, Origin::default());
    }
    // Let the reorder buffer go (the calls stay in flight: their timeout is hours away).
    engine.advance_to(last + 1);
    drop(engine.take_records());
    let grown = counting::end(before);
    let calls = engine.calls_in_flight();
    let estimate = engine.state_bytes() as f64 / calls.max(1) as f64;
    (grown as f64 / n as f64, estimate, calls)
}

fn report_setup(cfg: &Config, stream: &Stream) {
    let mut out = std::io::stdout().lock();
    let s = stream;
    writeln!(
        out,
        "stream: {} lines, {:.0} bytes/line mean, {} calls over {:.1} h, peak {} calls in flight",
        s.len(),
        s.mean_line_bytes(),
        s.calls,
        s.span_ms as f64 / 3_600_000.0,
        s.peak_in_flight
    )
    .unwrap();
    let outcome = replay(cfg, &s.text);
    let st = outcome.engine.stats();
    writeln!(
        out,
        "sanity replay: read {} accepted {} rejected {} duplicates {} late {} revisions {} evicted {} records printed {} of {} closed",
        st.read,
        st.accepted,
        st.rejected_total(),
        st.duplicates,
        st.late,
        st.revisions,
        st.evicted_calls,
        outcome.records,
        outcome.closed
    )
    .unwrap();
    for (reason, n) in &st.rejected {
        writeln!(out, "  WARNING rejected {reason}: {n}").unwrap();
    }
    writeln!(
        out,
        "sizes: Event {} B, Tally {} B (inline, per scope and period)",
        std::mem::size_of::<Event>(),
        std::mem::size_of::<callpulse::engine::Tally>()
    )
    .unwrap();
    let n = 100_000;
    let (alloc, estimate, calls) = bytes_per_call(cfg, n, true);
    writeln!(
        out,
        "bytes per in-flight call: {alloc:.0} (allocator) / {estimate:.0} (state_bytes estimate), {calls} calls in flight after {n} offers with customer + event_id"
    )
    .unwrap();
    let (alloc, estimate, calls) = bytes_per_call(cfg, n, false);
    writeln!(
        out,
        "bytes per in-flight call: {alloc:.0} (allocator) / {estimate:.0} (state_bytes estimate), {calls} calls in flight after {n} offers without customer"
    )
    .unwrap();
}

fn decode_all(stream: &Stream) -> Vec<Event> {
    let decoder = Decoder::default();
    (0..stream.len())
        .map(|i| {
            decoder
                .decode(stream.line(i))
                .expect("generated lines decode")
        })
        .collect()
}

/// Runs `read_and_decode`, `engine` and `replay` in turn, `rounds` times, and prints each
/// one's median rate and the ratios: the figures to quote side by side.
fn side_by_side(cfg: &Config, stream: &Stream, events: &[Event], rounds: usize) {
    let decoder = Decoder::default();
    let n = stream.len() as f64;
    let mut times = Rounds::<4>::new();
    for _ in 0..rounds {
        times.time(0, n, || {
            read_and_parse_floor(&stream.text[..], decoder.max_bytes)
        });
        times.time(1, n, || read_and_decode(&stream.text, decoder));
        let input = events.to_vec();
        times.time(2, n, || engine_only(cfg, input));
        times.time(3, n, || replay(cfg, &stream.text).records);
    }
    let [floor, parse, engine, whole] = times.medians();
    println!(
        "side by side, {rounds} interleaved rounds, medians (M events/s): read+parse floor {:.2}, read+decode {:.2}, engine alone {:.2}, replay {:.2}; replay = {:.0} % of read+decode, {:.0} % of the floor",
        floor / 1e6,
        parse / 1e6,
        engine / 1e6,
        whole / 1e6,
        100.0 * whole / parse,
        100.0 * whole / floor
    );
}

/// The default stream, or another shape from `CALLPULSE_BENCH_LINES` (lines to generate) and
/// `CALLPULSE_BENCH_CALLS_PER_SECOND` (fewer calls per second over more hours of event time).
fn profile() -> Profile {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f64>().ok());
    let mut p = Profile::default();
    if let Some(lines) = var("CALLPULSE_BENCH_LINES") {
        p.lines = lines as usize;
    }
    if let Some(rate) = var("CALLPULSE_BENCH_CALLS_PER_SECOND") {
        p.calls_per_second = rate;
    }
    p
}

fn benches(c: &mut Criterion) {
    let cfg = config();
    let stream = support::generate(&profile());
    // `CALLPULSE_BENCH_DUMP=path` keeps the stream, to time `callpulse replay` on the same bytes.
    if let Some(path) = std::env::var_os("CALLPULSE_BENCH_DUMP") {
        std::fs::write(&path, &stream.text).expect("cannot write CALLPULSE_BENCH_DUMP");
    }
    report_setup(&cfg, &stream);
    let events = decode_all(&stream);
    let lines = stream.len() as u64;
    let decoder = Decoder {
        max_bytes: cfg.engine.max_event_bytes,
    };

    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(lines));
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("lines", |b| {
        b.iter(|| {
            for i in 0..stream.len() {
                black_box(decoder.decode(black_box(stream.line(i))).ok());
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("read_and_decode");
    g.throughput(Throughput::Elements(lines));
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("lines", |b| {
        b.iter(|| read_and_decode(black_box(&stream.text), decoder))
    });
    g.finish();

    let mut g = c.benchmark_group("read_and_parse_floor");
    g.throughput(Throughput::Elements(lines));
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("lines", |b| {
        b.iter(|| read_and_parse_floor(black_box(&stream.text[..]), decoder.max_bytes))
    });
    g.finish();

    // The slower groups get more time, so ten samples fit even when the machine is busy.
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(lines));
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("ingest_flush", |b| {
        b.iter_batched(
            || events.clone(),
            |events| engine_only(&cfg, events),
            BatchSize::LargeInput,
        )
    });
    g.finish();

    // `checkpoint`: the live service's engine (intervals, days, months) halfway through the
    // stream, as bytes and back: what a checkpoint holds the state's lock for.
    let service_granularities = [Granularity::Interval, Granularity::Day, Granularity::Month];
    let mut halfway = Engine::new(&cfg.engine, &service_granularities);
    for (i, event) in events.iter().take(events.len() / 2).enumerate() {
        let origin = Origin {
            source: 0,
            partition: 0,
            offset: i as i64 + 1,
        };
        halfway.ingest(event.clone(), origin);
    }
    black_box((
        halfway.take_records(),
        halfway.take_rejections(),
        halfway.take_outages(),
    ));
    let bytes = halfway.snapshot();
    eprintln!(
        "checkpoint: after {} events, {} calls in flight, {} buffered: engine state {} bytes",
        events.len() / 2,
        halfway.calls_in_flight(),
        halfway.buffered(),
        bytes.len()
    );
    let mut g = c.benchmark_group("checkpoint");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("snapshot", |b| b.iter(|| halfway.snapshot().len()));
    g.bench_function("restore", |b| {
        b.iter(|| {
            let mut e = Engine::new(&cfg.engine, &service_granularities);
            e.restore(black_box(&bytes)).expect("the snapshot restores");
            e.calls_in_flight()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("replay");
    g.throughput(Throughput::Elements(lines));
    g.sampling_mode(SamplingMode::Flat);
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("lines_to_json", |b| {
        b.iter(|| replay(&cfg, black_box(&stream.text)).records)
    });
    g.finish();

    // Not while profiling (`--profile-time`): it would mix other stages into the profile.
    if !std::env::args().any(|a| a == "--profile-time") {
        side_by_side(&cfg, &stream, &events, 7);
    }
}

criterion_group! {
    name = engine;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    targets = benches
}
criterion_main!(engine);
