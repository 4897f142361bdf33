//! The `callpulse run` child process of `latency`: started, its address read, waited ready.

use crate::http::http_get;
use crate::topics::Topics;
use anyhow::{bail, Context as _};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The callpulse child; killed if still running when dropped (after an error).
pub(crate) struct Service {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `callpulse run` and reads its address from stderr; the rest of its stderr goes to
/// ours.
pub(crate) fn spawn_service(
    bin: &PathBuf,
    brokers: &str,
    topics: &Topics,
    group: &str,
    lateness: Option<&str>,
) -> anyhow::Result<Service> {
    let mut command = Command::new(bin);
    command
        .args(["run", "--listen", "127.0.0.1:0"])
        .env("CALLPULSE_KAFKA_BROKERS", brokers)
        .env("CALLPULSE_KAFKA_TOPICS", &topics.input)
        .env("CALLPULSE_KAFKA_GROUP_ID", group)
        .env("CALLPULSE_KAFKA_DEAD_LETTER_TOPIC", &topics.dead_letter);
    if let Some(lateness) = lateness {
        command.env("CALLPULSE_ENGINE_LATENESS", lateness);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        const SERVING: &str = "callpulse: serving http://";
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            match line
                .strip_prefix(SERVING)
                .and_then(|rest| rest.split('/').next())
            {
                Some(addr) => {
                    let _ = tx.send(addr.to_string());
                }
                None => eprintln!("[callpulse] {line}"),
            }
        }
    });
    let mut service = Service {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .context("callpulse did not print its address within 30 s")?;
    service.addr = addr
        .parse()
        .with_context(|| format!("callpulse printed a bad address {addr:?}"))?;
    Ok(service)
}

pub(crate) fn wait_ready(addr: SocketAddr, within: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let answer = http_get(addr, "/readyz");
        if matches!(answer, Ok((200, _))) {
            return Ok(());
        }
        if started.elapsed() > within {
            bail!("/readyz not 200 after {within:?}: {answer:?}");
        }
        sleep(Duration::from_millis(50));
    }
}
