//! `callpulse report`: the audit report (appendix A.4) or the 6.1.2 submission file, from the
//! evidence stores or from input files. 0 written, 1 unreadable input or unwritable output,
//! 64 a request that cannot be answered or an invalid configuration (2 a bad date: clap's).

use super::{setup, Failure};
use anyhow::Context as _;
use callpulse::cli::ReportArgs;
use callpulse::evidence::sign;
use callpulse::report::{self, Range, ReportError, Source};
use std::io::Write as _;
use std::path::Path;

pub fn run(args: &ReportArgs) -> Result<(), Failure> {
    let (cfg, mut adapter) = setup::input_config(&args.engine, &args.input)?;
    let calendar = cfg.engine.calendar();
    let to = args.to;
    let range = if args.submission {
        let three = Range::last_three_months(to, &calendar);
        if let (Some(from), Some(r)) = (args.from, &three) {
            if from != r.from {
                eprintln!(
                    "callpulse: --from {from} ignored: the submission covers the three calendar months {} to {to}",
                    r.from
                );
            }
        }
        three
    } else {
        let from = args
            .from
            .ok_or_else(|| Failure::config("--from is required (except with --submission)"))?;
        Range::new(from, to, &calendar)
    };
    let range =
        range.ok_or_else(|| Failure::config(format_args!("--from must not be after --to {to}")))?;
    let source = Source::requested(&args.stores, &args.inputs, &cfg).map_err(failure)?;
    let lang = args.lang.unwrap_or_else(|| report::default_lang(&cfg));
    let given_key = match args.public_key.as_deref().map(sign::read_public) {
        None => None,
        Some(Ok(key)) => Some(sign::fingerprint(&key)),
        Some(Err(e)) => return Err(Failure::config(e)),
    };
    let mut built = report::make(&cfg, &range, &source, &mut adapter, args.queue.as_deref())
        .map_err(failure)?;
    if let Some(fp) = &given_key {
        report::signed_by(&mut built, fp);
    }
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    if args.submission {
        let s = report::submission::build(&built);
        let prefix = args
            .out
            .clone()
            .unwrap_or_else(|| "callpulse-submission".into())
            .display()
            .to_string();
        write(
            format!("{prefix}.csv").as_ref(),
            &report::submission::csv(&s),
        )?;
        write(
            format!("{prefix}.json").as_ref(),
            &report::submission::json(&s),
        )?;
        return Ok(());
    }
    let text = report::render(&built, args.format, lang);
    match &args.out {
        Some(path) => write(path, &text)?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("cannot write the report")?,
    }
    Ok(())
}

/// A bad request is exit 64, an unreadable input exit 1.
fn failure(e: ReportError) -> Failure {
    match e {
        ReportError::Usage(m) => Failure::Config(m),
        e @ ReportError::Input(_) => Failure::runtime(e),
    }
}
