//! `callpulse`: arguments → command → exit code.
//!
//! [`main`] parses the arguments (a bad one is one line and exit 2), sets up logging, runs the
//! command (each in its own file under `cmd/`) and turns its [`Failure`] into the message
//! `callpulse: …` on stderr and the exit code: 0 success (rejected events do not change it),
//! 1 an I/O or runtime error, 2 bad arguments, 64 an invalid configuration, 65 and 66 the
//! verdicts of `evidence verify` (table at [`Failure`]).

mod allocator;
mod cmd;

use callpulse::cli::{Cli, Command, EvidenceCommand, TokenCommand};
use clap::Parser as _;
use cmd::Failure;
use std::process::ExitCode;

fn main() -> ExitCode {
    let result = match parse() {
        Ok(Some(command)) => {
            init_logging();
            run(command)
        }
        Ok(None) => Ok(()),
        Err(failure) => Err(failure),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if let Some(message) = failure.message() {
                eprintln!("callpulse: {message}");
            }
            ExitCode::from(failure.code())
        }
    }
}

/// The command to run; `None` when clap printed what was asked (`--help`, `--version`).
fn parse() -> Result<Option<Command>, Failure> {
    match Cli::try_parse() {
        Ok(cli) => Ok(Some(cli.command)),
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            Ok(None)
        }
        Err(e) => {
            // One line, with the bad value, instead of clap's usage block.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad arguments");
            Err(Failure::Usage(first.trim_start_matches("error: ").into()))
        }
    }
}

/// Log lines on stderr, filtered by `CALLPULSE_LOG` (default `warn`).
fn init_logging() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CALLPULSE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
}

/// Runs one command.
fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Replay(args) => cmd::replay::run(args),
        Command::Convert(args) => cmd::convert::run(&args),
        Command::Produce(args) => cmd::produce::run(&args),
        Command::Simulate(args) => cmd::simulate::run(&args),
        Command::Run(args) => cmd::run::run(&args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Rules(args) => cmd::rules::run(&args),
        Command::Evidence(EvidenceCommand::Verify(args)) => {
            cmd::evidence::verify(&args.store, args.public_key.as_deref())
        }
        Command::Evidence(EvidenceCommand::Keygen(args)) => cmd::evidence::keygen(&args.out),
        Command::Report(args) => cmd::report::run(&args),
        Command::Token(TokenCommand::Hash) => cmd::token::hash(),
    }
}
