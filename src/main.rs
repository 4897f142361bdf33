//! `callpulse`: arguments → configuration → command → exit code.
//!
//! Exit codes: 0 success (rejected events do not change it), 1 an I/O or runtime error,
//! 2 bad arguments, 64 an invalid configuration.

use callpulse::cli::{Cli, Command, SimulateArgs};
use callpulse::replay::{self, Replay};
use callpulse::sim::{SimConfig, Simulator};
use callpulse::time::{rfc3339, HOUR};
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
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CALLPULSE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match cli.command {
        Command::Simulate(args) => simulate(&args),
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

fn simulate(args: &SimulateArgs) -> ExitCode {
    let Some(start) = rfc3339::parse(&args.start) else {
        eprintln!(
            "callpulse: --start must be RFC 3339 with an offset, got {:?}",
            args.start
        );
        return ExitCode::from(2);
    };
    if !(args.hours > 0.0 && args.hours <= 24.0 * 400.0) {
        eprintln!(
            "callpulse: --hours must be more than 0 and at most 9600, got {}",
            args.hours
        );
        return ExitCode::from(2);
    }
    let end = start + (args.hours * HOUR as f64) as i64;
    let mut sim = Simulator::new(SimConfig {
        seed: args.seed,
        start,
        ..SimConfig::default()
    });
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
