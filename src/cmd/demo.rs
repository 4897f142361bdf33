//! `callpulse demo`: the live service fed by the built-in simulator, in a zone where the
//! center is busy now unless a zone was asked for.

use super::{setup, Failure};
use callpulse::cli::DemoArgs;
use callpulse::output::RejectWriter;
use callpulse::service::{self, Shared, Shutdown, State};
use callpulse::sim::{busy_zone, SimConfig};
use callpulse::time::{rfc3339, utc_offset, wall_clock, Granularity};
use std::io::Write;

pub fn run(mut args: DemoArgs) -> Result<(), Failure> {
    let now = wall_clock();
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
    let cfg = setup::service_config(&args.engine, args.listen, |_| {})?;
    let start = match args.backfill {
        None => cfg.engine.calendar().period(Granularity::Day, now).start,
        Some(back) => now - back,
    };
    let rejected: Option<RejectWriter<Box<dyn Write + Send>>> = match &args.rejected {
        None => None,
        Some(path) => {
            let f = callpulse::fsmode::create(path).map_err(|e| {
                Failure::runtime(format_args!("cannot create {}: {e}", path.display()))
            })?;
            Some(RejectWriter::new(Box::new(std::io::BufWriter::new(f))))
        }
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
    let state = setup::with_alerts(State::new(cfg, vec!["demo".into()]))?;
    Ok(service::serve(
        Shared::new(state),
        listen,
        Shutdown::new(),
        move |shared, shutdown| service::demo::run(shared, sim, rejected, shutdown),
    )?)
}
