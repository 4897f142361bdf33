//! `callpulse`: arguments → configuration → command → exit code.
//!
//! Exit codes: 0 success (rejected events do not change it), 1 an I/O or runtime error,
//! 2 bad arguments, 64 an invalid configuration.

use callpulse::cli::{Cli, Command};
use callpulse::replay::{self, Replay};
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
