//! What several commands set up alike: the configuration with the command's options, the
//! input format's adapter, and the live service's alerts.

use super::Failure;
use callpulse::adapter::Adapter;
use callpulse::alert::Profile;
use callpulse::cli::{EngineArgs, InputArgs};
use callpulse::codec::Decoder;
use callpulse::config::{Config, RawConfig};
use callpulse::problem::ConfigError;
use callpulse::service::alerts::LiveAlerts;
use callpulse::service::State;
use std::net::SocketAddr;

/// The configuration with the input options, and the input format's adapter (a bad mapping
/// file is an invalid configuration: exit 64).
pub fn input_config(engine: &EngineArgs, input: &InputArgs) -> Result<(Config, Adapter), Failure> {
    let cfg = engine.config_with(|raw| input.apply(raw))?;
    let adapter = adapter(&cfg)?;
    Ok((cfg, adapter))
}

/// The adapter of the configured input format.
pub fn adapter(cfg: &Config) -> Result<Adapter, Failure> {
    let decoder = Decoder {
        max_bytes: cfg.engine.max_event_bytes,
    };
    Ok(Adapter::new(&cfg.input, decoder)?)
}

/// The configuration of `run` and `demo`: file, environment and options, and `--listen`.
pub fn service_config(
    engine: &EngineArgs,
    listen: Option<SocketAddr>,
    more: impl FnOnce(&mut RawConfig),
) -> Result<Config, Failure> {
    let mut cfg = engine.config_with(more)?;
    if let Some(listen) = listen {
        cfg.service.listen = listen;
    }
    Ok(cfg)
}

/// The state with the alerts of the configured profile (none when `alerts.profile` is
/// empty); an invalid profile is an invalid configuration (exit 64).
pub fn with_alerts(state: State) -> Result<State, Failure> {
    let cfg = &state.config;
    let Some(name) = cfg.alerts.profile.clone() else {
        return Ok(state);
    };
    let profile = Profile::load(&name)?;
    let problems = profile.check_short_abandon(cfg.engine.short_abandon);
    if !problems.is_empty() {
        let source_name = name.clone();
        return Err(ConfigError {
            source_name,
            problems,
        }
        .into());
    }
    let base = cfg
        .alerts
        .external_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", cfg.service.listen));
    let generator = format!("{base}/api/v1/alerts");
    let alerts = LiveAlerts::new(profile, &cfg.alerts, generator).map_err(|e| {
        Failure::runtime(format_args!("cannot start the alert delivery thread: {e}"))
    })?;
    Ok(state.with_alerts(alerts))
}
