//! The one integration-test binary of callpulse: each module proves one part of the contract.

mod cli;
mod config_files;
mod engine_cases;
mod golden;
mod oracle;
mod properties;
mod rejections;
mod support;
