//! `callpulse rules`: a certification profile as Prometheus recording and alerting rules.

use super::Failure;
use callpulse::alert::{rules, Profile};
use callpulse::cli::RulesArgs;

pub fn run(args: &RulesArgs) -> Result<(), Failure> {
    let profile = Profile::load(&args.profile)?;
    let path = rules::write_file(&profile, &args.profile, &args.out).map_err(|e| {
        Failure::runtime(format_args!(
            "cannot write the rules to {}: {e}",
            args.out.display()
        ))
    })?;
    eprintln!("callpulse: wrote {}", path.display());
    Ok(())
}
