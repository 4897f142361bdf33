//! `callpulse run`: the live service, fed by Kafka or by a followed file, with its evidence
//! store and alerts.

use super::{setup, Failure};
use callpulse::cli::RunArgs;
use callpulse::config::Config;
use callpulse::evidence::sign::{read_private, Signer};
use callpulse::service::checkpoint::instance_name;
use callpulse::service::evidence::Recorder;
use callpulse::service::{self, kafka, Shared, Shutdown, State};

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let cfg = setup::service_config(&args.engine, args.listen, |raw| {
        args.input.apply(raw);
        if let Some(path) = &args.follow {
            raw.input.follow = path.display().to_string();
        }
        if let Some(path) = &args.position_file {
            raw.input.position_file = path.display().to_string();
        }
    })?;
    let mut adapter = setup::adapter(&cfg)?;
    let mapping = cfg.input.mapping.clone().unwrap_or_default();
    adapter.check_live(cfg.input.follow.is_none(), &mapping.display().to_string())?;
    let recorder = recorder(&cfg)?;
    let with_evidence = move |state: State| match recorder {
        Some(r) => state.with_evidence(r),
        None => state,
    };
    let listen = cfg.service.listen;
    let input = cfg.input.clone();
    if let Some(path) = input.follow.clone() {
        let state = State::new(cfg, vec![path.display().to_string()]).with_adapter(adapter);
        let state = setup::with_alerts(with_evidence(state))?;
        return Ok(service::serve(
            Shared::new(state),
            listen,
            Shutdown::new(),
            move |shared, shutdown| service::follow::run(shared, &input, shutdown),
        )?);
    }
    adapter.headerless();
    let kafka_cfg = cfg.kafka.clone();
    let state = State::new(cfg, kafka_cfg.topics.clone()).with_adapter(adapter);
    let state = setup::with_alerts(with_evidence(state))?;
    Ok(service::serve(
        Shared::new(state),
        listen,
        Shutdown::new(),
        move |shared, shutdown| kafka::consume(shared, &kafka_cfg, shutdown),
    )?)
}

/// The evidence store, when `evidence.path` is set, signing with `evidence.signing_key_file`
/// when that is set (a key that cannot be read is an invalid configuration: exit 64).
fn recorder(cfg: &Config) -> Result<Option<Recorder>, Failure> {
    let signer = match &cfg.evidence.signing_key_file {
        None => None,
        Some(file) => match read_private(file) {
            Ok(key) => Some(Signer::new(key, instance_name(cfg))),
            Err(e) => {
                return Err(Failure::config(format_args!(
                    "evidence.signing_key_file: {e}"
                )))
            }
        },
    };
    let Some(path) = &cfg.evidence.path else {
        return Ok(None);
    };
    Recorder::open(path, signer).map(Some).map_err(|e| {
        Failure::runtime(format_args!(
            "cannot open the evidence store {}: {e}",
            path.display()
        ))
    })
}
