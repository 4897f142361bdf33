//! `callpulse produce`: input files' events to a Kafka topic as canonical JSON, keyed by call
//! id, at `--rate`.

use super::{setup, Failure};
use callpulse::cli::ProduceArgs;
use callpulse::produce::LineProducer;

pub fn run(args: &ProduceArgs) -> Result<(), Failure> {
    let (cfg, mut adapter) = setup::input_config(&args.engine, &args.input)?;
    let mut kafka = cfg.kafka.clone();
    if let Some(brokers) = &args.brokers {
        kafka.brokers.clone_from(brokers);
    }
    let topic = args
        .topic
        .clone()
        .unwrap_or_else(|| cfg.kafka.topics[0].clone());
    let client = callpulse::kafka_client::client_config(&kafka);
    let producer = LineProducer::new(&client, &topic, Some(args.rate))?;
    let progress = !args.no_progress && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let done = callpulse::convert::produce(
        &args.files,
        &mut adapter,
        cfg.engine.max_event_bytes,
        args.rejected.as_deref(),
        producer,
        progress,
    )?;
    let _ = done.write_to(&mut std::io::stderr(), &format!("sent to {topic}"));
    Ok(())
}
