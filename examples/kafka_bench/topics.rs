//! The topics of a run: `--topic`, or fresh ones made with the Kafka admin API.

use crate::Common;
use anyhow::bail;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The topics of a run: the input, its dead-letter topic, and for the latency baseline a
/// topic of its own.
pub(crate) struct Topics {
    pub(crate) input: String,
    pub(crate) dead_letter: String,
    pub(crate) baseline: String,
}

/// `--topic` and the topics named after it, or fresh ones made here (`baseline` only when
/// asked for).
pub(crate) fn topics(c: &Common, mode: &str, baseline: bool) -> anyhow::Result<Topics> {
    let input = match &c.topic {
        Some(topic) => topic.clone(),
        None => format!("kafka-bench-{mode}-{}", callpulse::time::wall_clock()),
    };
    let t = Topics {
        dead_letter: format!("{input}.dead-letter"),
        baseline: format!("{input}.baseline"),
        input,
    };
    if c.topic.is_some() {
        return Ok(t);
    }
    let mut wanted = vec![(t.input.as_str(), c.partitions), (&t.dead_letter, 1)];
    if baseline {
        wanted.push((&t.baseline, c.partitions));
    }
    if let Err(e) = create_topics(&c.brokers, &wanted) {
        let host = format!("tcp://{}", c.brokers.split(',').next().unwrap_or_default());
        let commands: Vec<String> = wanted
            .iter()
            .map(|(name, n)| {
                format!("  tansu topic create --broker {host} --partitions {n} {name}")
            })
            .collect();
        bail!(
            "cannot create the topics with the Kafka admin API ({e:#}); create them with\n{}\n\
             and run again with --topic {}",
            commands.join("\n"),
            t.input
        );
    }
    let names: Vec<String> = wanted
        .iter()
        .map(|(name, n)| format!("{name} ({n})"))
        .collect();
    println!("topics (partitions): {}", names.join(", "));
    Ok(t)
}

/// Creates topics with the admin API and waits until their metadata shows every partition.
fn create_topics(brokers: &str, topics: &[(&str, i32)]) -> anyhow::Result<()> {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers);
    let admin: AdminClient<DefaultClientContext> = config.create()?;
    let new: Vec<NewTopic> = topics
        .iter()
        .map(|(name, n)| NewTopic::new(name, *n, TopicReplication::Fixed(1)))
        .collect();
    let options = AdminOptions::new()
        .operation_timeout(Some(Duration::from_secs(10)))
        .request_timeout(Some(Duration::from_secs(15)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    for result in runtime.block_on(admin.create_topics(&new, &options))? {
        if let Err((name, code)) = result {
            bail!("{name}: {code}");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    for (name, n) in topics {
        loop {
            let meta = admin
                .inner()
                .fetch_metadata(Some(name), Duration::from_secs(5))?;
            let ready = meta
                .topics()
                .iter()
                .any(|t| t.error().is_none() && t.partitions().len() == *n as usize);
            if ready {
                break;
            }
            if Instant::now() > deadline {
                bail!("{name} has no metadata with {n} partitions after 20 s");
            }
            sleep(Duration::from_millis(100));
        }
    }
    Ok(())
}
