//! `callpulse simulate`: the simulated center's events as JSON Lines on stdout or a file, or
//! to a Kafka topic (`--brokers`).

use super::Failure;
use callpulse::cli::{EngineArgs, SimulateArgs};
use callpulse::produce::LineProducer;
use callpulse::sim::{SimConfig, Simulator};
use callpulse::time::HOUR;
use std::io::Write;

pub fn run(args: &SimulateArgs) -> Result<(), Failure> {
    let start = args.start.unwrap_or_else(|| {
        if args.brokers.is_some() {
            callpulse::time::wall_clock()
        } else {
            SimConfig::default().start // 2026-11-02T00:00:00+08:00
        }
    });
    let end = start + (args.hours * HOUR as f64) as i64;
    let mut sim = Simulator::new(SimConfig {
        seed: args.seed,
        start,
        ..SimConfig::default()
    });
    if let (Some(brokers), Some(topic)) = (&args.brokers, &args.topic) {
        // No configuration file here: `[kafka.client]` comes from the environment
        // (CALLPULSE_KAFKA_CLIENT_*), as for `run`; a bad one fails like the broker (exit 1).
        let env = EngineArgs::default()
            .config()
            .map_err(anyhow::Error::from)?;
        let mut kafka = env.kafka;
        kafka.brokers.clone_from(brokers);
        let client = callpulse::kafka_client::client_config(&kafka);
        let mut producer = LineProducer::new(&client, topic, Some(args.rate))?;
        while let Some(line) = sim.next() {
            if sim.now() >= end {
                break;
            }
            producer.send(&line)?;
        }
        let sent = producer.finish()?;
        eprintln!(
            "callpulse: sent {} events to {topic} in {:.1} s ({:.0} events/s)",
            sent.events,
            sent.seconds,
            sent.events as f64 / sent.seconds.max(1e-9)
        );
        return Ok(());
    }
    let result = (|| -> std::io::Result<()> {
        let mut out: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(std::fs::File::create(path)?),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut out);
        while let Some(line) = sim.next() {
            if sim.now() >= end {
                break;
            }
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()
    })();
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::runtime(format_args!("cannot write events: {e}")))
        }
        _ => Ok(()),
    }
}
