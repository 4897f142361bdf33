//! `callpulse`: arguments → configuration → command → exit code.
//!
//! Exit codes: 0 success (rejected events do not change it), 1 an I/O or runtime error,
//! 2 bad arguments, 64 an invalid configuration.

use callpulse::cli::{Cli, Command, DemoArgs, EngineArgs, RunArgs, SimulateArgs};
use callpulse::config::Config;
use callpulse::output::RejectWriter;
use callpulse::produce::LineProducer;
use callpulse::replay::{self, Replay};
use callpulse::service::{self, kafka, Shared, Shutdown, State};
use callpulse::sim::{SimConfig, Simulator};
use callpulse::time::{self, rfc3339, Granularity, Millis, HOUR};
use clap::Parser as _;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line, with the bad value, instead of clap's usage block.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad arguments");
            eprintln!("callpulse: {}", first.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CALLPULSE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match cli.command {
        Command::Simulate(args) => simulate(&args),
        Command::Run(args) => run(&args),
        Command::Demo(args) => demo(args),
        Command::Replay(args) => {
            let cfg = match args.engine.config() {
                Ok(cfg) => cfg,
                Err(e) => {
                    eprintln!("callpulse: {e}");
                    return ExitCode::from(64);
                }
            };
            let r = Replay {
                files: args.files,
                granularity: args.period.into(),
                format: args.format,
                rejected: args.rejected,
                scopes: args
                    .scope
                    .iter()
                    .map(|s| format!("{s:?}").to_lowercase())
                    .collect(),
                progress: !args.no_progress,
                decode_only: args.decode_only,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            match replay::run(&cfg, &r, &mut out) {
                Ok(summary) => {
                    let _ = out.flush();
                    let _ = summary.write_to(&mut std::io::stderr());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    let _ = out.flush();
                    eprintln!("callpulse: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// The configuration of `run` and `demo`: file, environment and options, and `--listen`.
fn service_config(engine: &EngineArgs, listen: Option<&str>) -> Result<Config, ExitCode> {
    let mut cfg = engine.config().map_err(|e| {
        eprintln!("callpulse: {e}");
        ExitCode::from(64)
    })?;
    if let Some(text) = listen {
        cfg.service.listen = text.parse().map_err(|_| {
            eprintln!("callpulse: --listen must be an IP address and port such as 127.0.0.1:9898, got {text:?}");
            ExitCode::from(2)
        })?;
    }
    Ok(cfg)
}

fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("callpulse: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &RunArgs) -> ExitCode {
    let cfg = match service_config(&args.engine, args.listen.as_deref()) {
        Ok(cfg) => cfg,
        Err(code) => return code,
    };
    let kafka_cfg = cfg.kafka.clone();
    let listen = cfg.service.listen;
    let shared = Shared::new(State::new(cfg, kafka_cfg.topics.clone()));
    exit_code(service::serve(
        shared,
        listen,
        Shutdown::new(),
        move |shared, shutdown| kafka::consume(shared, &kafka_cfg, shutdown),
    ))
}

/// A fixed-offset zone where the local time now is about 10:00, so the demo center is busy
/// whenever it is started. Used when no time zone was asked for.
fn busy_zone(now: Millis) -> String {
    let utc_hour = now.rem_euclid(24 * HOUR) / HOUR;
    let mut n = 10 - utc_hour;
    if n < -12 {
        n += 24;
    }
    match n {
        0 => "Etc/UTC".into(),
        n if n > 0 => format!("Etc/GMT-{n}"),
        n => format!("Etc/GMT+{}", -n),
    }
}

fn demo(mut args: DemoArgs) -> ExitCode {
    let now = kafka::wall_clock();
    let zone_asked = args.engine.timezone.is_some()
        || args.engine.config.is_some()
        || std::env::var_os("CALLPULSE_ENGINE_TIMEZONE").is_some();
    if !zone_asked {
        args.engine.timezone = Some(busy_zone(now));
    }
    // The simulator's events arrive in order: no need to wait 30 s for stragglers.
    if args.engine.lateness.is_none() && std::env::var_os("CALLPULSE_ENGINE_LATENESS").is_none() {
        args.engine.lateness = Some("2s".into());
    }
    let cfg = match service_config(&args.engine, args.listen.as_deref()) {
        Ok(cfg) => cfg,
        Err(code) => return code,
    };
    let start = match args.backfill.as_deref().map(time::parse_duration) {
        None => cfg.engine.calendar().period(Granularity::Day, now).start,
        Some(Ok(back)) => now - back,
        Some(Err(e)) => {
            eprintln!("callpulse: --backfill: {e}");
            return ExitCode::from(2);
        }
    };
    let rejected: Option<RejectWriter<Box<dyn Write + Send>>> = match &args.rejected {
        None => None,
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Some(RejectWriter::new(Box::new(std::io::BufWriter::new(f)))),
            Err(e) => {
                eprintln!("callpulse: cannot create {}: {e}", path.display());
                return ExitCode::from(1);
            }
        },
    };
    let tz = cfg.engine.timezone;
    eprintln!(
        "callpulse: demo center in {tz} (local time {}), simulated from {}",
        rfc3339::format(now, &tz),
        rfc3339::format(start, &tz)
    );
    let sim = SimConfig {
        seed: args.seed,
        start,
        utc_offset: utc_offset(&tz, now),
        ..SimConfig::default()
    };
    let listen = cfg.service.listen;
    let shared = Shared::new(State::new(cfg, vec!["demo".into()]));
    exit_code(service::serve(
        shared,
        listen,
        Shutdown::new(),
        move |shared, shutdown| service::demo::run(shared, sim, rejected, shutdown),
    ))
}

/// The offset of `tz` from UTC at `t`.
fn utc_offset(tz: &chrono_tz::Tz, t: Millis) -> Millis {
    use chrono::{Offset, TimeZone};
    let utc = chrono::DateTime::from_timestamp_millis(t)
        .unwrap_or_default()
        .naive_utc();
    Millis::from(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()) * 1_000
}

fn simulate(args: &SimulateArgs) -> ExitCode {
    let start_text = args.start.clone().unwrap_or_else(|| {
        if args.brokers.is_some() {
            "now"
        } else {
            "2026-11-02T00:00:00+08:00"
        }
        .to_string()
    });
    let start = if start_text == "now" {
        Some(kafka::wall_clock())
    } else {
        rfc3339::parse(&start_text)
    };
    let Some(start) = start else {
        eprintln!("callpulse: --start must be RFC 3339 with an offset, or now, got {start_text:?}");
        return ExitCode::from(2);
    };
    if !(args.hours > 0.0 && args.hours <= 24.0 * 400.0) {
        eprintln!(
            "callpulse: --hours must be more than 0 and at most 9600, got {}",
            args.hours
        );
        return ExitCode::from(2);
    }
    if !(args.rate >= 0.0 && args.rate.is_finite()) {
        eprintln!(
            "callpulse: --rate must be 0 or more events per second, got {}",
            args.rate
        );
        return ExitCode::from(2);
    }
    let end = start + (args.hours * HOUR as f64) as i64;
    let mut sim = Simulator::new(SimConfig {
        seed: args.seed,
        start,
        ..SimConfig::default()
    });
    if let (Some(brokers), Some(topic)) = (&args.brokers, &args.topic) {
        let result = (|| -> anyhow::Result<()> {
            let mut producer = LineProducer::new(brokers, topic, Some(args.rate))?;
            while let Some(line) = sim.next() {
                if sim.now() >= end {
                    break;
                }
                producer.send(&line)?;
            }
            let sent = producer.finish()?;
            eprintln!(
                "callpulse: sent {} events to {topic} in {:.1} s ({:.0} events/s)",
                sent.events,
                sent.seconds,
                sent.events as f64 / sent.seconds.max(1e-9)
            );
            Ok(())
        })();
        return exit_code(result);
    }
    let result = (|| -> std::io::Result<()> {
        let mut out: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(std::fs::File::create(path)?),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut out);
        while let Some(line) = sim.next() {
            if sim.now() >= end {
                break;
            }
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("callpulse: cannot write events: {e}");
            ExitCode::from(1)
        }
    }
}
