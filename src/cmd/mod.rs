//! The commands of `callpulse`, one file each, and [`Failure`]: why one failed, which is the
//! process's exit code.
//!
//! These modules live in the binary crate, declared from `main.rs`, not in the library: they
//! are the wiring between the command line (the [`callpulse::cli`] arguments) and the
//! library, plus what only a process has (stdin, stdout, stderr, an exit code). Nothing else
//! calls them, and keeping them out keeps exit-code policy out of the library's API; the
//! integration tests drive them through the binary. What is not wiring lives in the library
//! (the simulator's clock in `sim`, the report's source in `report`, the instance's name in
//! `service::checkpoint`).
//!
//! A command returns `Result<(), Failure>` and prints no error itself: `main` prints the
//! failure's message once, as `callpulse: …`, and exits with its code.

pub mod convert;
pub mod demo;
pub mod evidence;
pub mod produce;
pub mod replay;
pub mod report;
pub mod rules;
pub mod run;
pub mod setup;
pub mod simulate;
pub mod token;

use std::fmt;

/// Why a command failed. The exit codes:
///
/// | variant | code | meaning |
/// |---|---|---|
/// | (none) | 0 | success; rejected events do not change it |
/// | [`Failure::Runtime`] | 1 | an I/O or runtime error: an input not readable, an output not writable, the service stopped by an error |
/// | [`Failure::Usage`] | 2 | bad arguments (clap's, or an empty token on stdin) |
/// | [`Failure::Config`] | 64 | an invalid configuration, mapping or profile; a report request that cannot be answered |
/// | [`Failure::Broken`] | 65 | `evidence verify`: the chain is broken |
/// | [`Failure::BadSignature`] | 66 | `evidence verify --public-key`: a signature fails or the last rows are unsigned |
#[derive(Debug)]
pub enum Failure {
    /// Exit 1, with the error and its causes (`cause: cause of cause`).
    Runtime(anyhow::Error),
    /// Exit 2.
    Usage(String),
    /// Exit 64.
    Config(String),
    /// Exit 65; the verdict is on stdout, nothing more on stderr.
    Broken,
    /// Exit 66; the verdict is on stdout, nothing more on stderr.
    BadSignature,
}

impl Failure {
    /// A runtime failure (exit 1) with this message.
    pub fn runtime(message: impl fmt::Display) -> Failure {
        Failure::Runtime(anyhow::anyhow!("{message}"))
    }

    /// An invalid configuration (exit 64) with this message.
    pub fn config(message: impl fmt::Display) -> Failure {
        Failure::Config(message.to_string())
    }

    /// The process's exit code.
    pub fn code(&self) -> u8 {
        match self {
            Failure::Runtime(_) => 1,
            Failure::Usage(_) => 2,
            Failure::Config(_) => 64,
            Failure::Broken => 65,
            Failure::BadSignature => 66,
        }
    }

    /// What `main` prints on stderr after `callpulse: `, if anything.
    pub fn message(&self) -> Option<String> {
        match self {
            Failure::Runtime(e) => Some(format!("{e:#}")),
            Failure::Usage(m) | Failure::Config(m) => Some(m.clone()),
            Failure::Broken | Failure::BadSignature => None,
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Runtime(e)
    }
}

impl From<callpulse::config::ConfigError> for Failure {
    fn from(e: callpulse::config::ConfigError) -> Failure {
        Failure::config(e)
    }
}

/// Whether the error is a closed pipe (`| head`): the reader has all it wants, not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_exit_code_and_the_verdicts_print_nothing_more() {
        let runtime = Failure::from(anyhow::anyhow!("disk full").context("cannot write x"));
        assert_eq!(runtime.code(), 1);
        assert_eq!(runtime.message().unwrap(), "cannot write x: disk full");
        assert_eq!(Failure::Usage("u".into()).code(), 2);
        assert_eq!(Failure::config("c").code(), 64);
        assert_eq!(Failure::Broken.code(), 65);
        assert_eq!(Failure::BadSignature.code(), 66);
        assert!(Failure::Broken.message().is_none());
        assert!(Failure::BadSignature.message().is_none());
    }
}
