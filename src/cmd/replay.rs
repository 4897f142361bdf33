//! `callpulse replay`: input files through the engine; closed period records on stdout, the
//! summary on stderr.

use super::{setup, Failure};
use callpulse::cli::ReplayArgs;
use callpulse::replay::{self, Replay};
use std::io::Write as _;

pub fn run(args: ReplayArgs) -> Result<(), Failure> {
    let (cfg, mut adapter) = setup::input_config(&args.engine, &args.input)?;
    let r = Replay {
        files: args.files,
        granularity: args.period.into(),
        format: args.format,
        sl_variants: args.sl_variants,
        rejected: args.rejected,
        scopes: args
            .scope
            .iter()
            .map(|s| format!("{s:?}").to_lowercase())
            .collect(),
        progress: !args.no_progress,
        decode_only: args.decode_only,
        single_thread: args.single_thread,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let summary = replay::run(&cfg, &r, &mut adapter, &mut out);
    let _ = out.flush();
    let _ = summary?.write_to(&mut std::io::stderr());
    Ok(())
}
