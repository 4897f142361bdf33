//! `callpulse convert`: input files in any input format → canonical JSON events (a closed
//! pipe downstream is not a failure).

use super::{is_broken_pipe, setup, Failure};
use anyhow::Context as _;
use callpulse::cli::ConvertArgs;
use std::io::Write;

pub fn run(args: &ConvertArgs) -> Result<(), Failure> {
    let (cfg, mut adapter) = setup::input_config(&args.engine, &args.input)?;
    let result = (|| -> anyhow::Result<callpulse::convert::Converted> {
        if let Some(path) = &args.output {
            let same = |f: &String| {
                std::fs::canonicalize(f)
                    .ok()
                    .is_some_and(|f| std::fs::canonicalize(path).is_ok_and(|out| out == f))
            };
            if args.files.iter().any(same) {
                anyhow::bail!(
                    "--output {} is one of the input files: it would be emptied before it is read",
                    path.display()
                );
            }
        }
        let mut out: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            ),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut out);
        callpulse::convert::convert(
            &args.files,
            &mut adapter,
            cfg.engine.max_event_bytes,
            args.rejected.as_deref(),
            &mut out,
        )
    })();
    match result {
        Ok(done) => {
            let _ = done.write_to(&mut std::io::stderr(), "written");
            Ok(())
        }
        Err(e) if is_broken_pipe(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
