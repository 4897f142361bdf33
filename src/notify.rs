//! Delivery of alerts, on a thread of its own so a slow receiver never holds the engine:
//!
//! - **Alertmanager** (API v2, `POST /api/v2/alerts`, to every configured URL): a firing alert
//!   at once and again every `resend_interval` while it fires (with its latest value), with
//!   `endsAt` four resends ahead (so Alertmanager resolves it by itself if callpulse dies); a
//!   resolved one at once, with `endsAt` at its resolution, and again at the next resends
//!   (up to [`RESOLUTION_TRIES`]) while an Alertmanager does not take it.
//! - **Webhook** (optional): every firing and resolved transition once, as JSON
//!   `{"status", "alert", "labels", "annotations"}`; a failed delivery is retried at each
//!   tick, up to [`MAX_UNSENT`] kept.
//!
//! Alertmanager wants wall-clock times: `startsAt` and a resolution's `endsAt` are the event
//! times, never later than now.

use crate::alert::lifecycle::{Alert, Transition};
use crate::time::{rfc3339, wall_clock, Millis};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Webhook deliveries kept for retry; older ones are dropped (and counted).
pub const MAX_UNSENT: usize = 1_000;

/// Where and how alerts go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// Alertmanager base URLs (`http://alertmanager:9093`).
    pub alertmanagers: Vec<String>,
    pub webhook: Option<String>,
    /// Resend interval of firing alerts to Alertmanager, milliseconds.
    pub resend: Millis,
    /// Timeout of one HTTP request, milliseconds.
    pub timeout: Millis,
    /// Labels added to every alert (e.g. `center = "shanghai"`).
    pub labels: BTreeMap<String, String>,
    /// The `generatorURL` of every alert (the alerts API of this instance).
    pub generator_url: String,
}

impl Targets {
    pub fn any(&self) -> bool {
        !self.alertmanagers.is_empty() || self.webhook.is_some()
    }
}

/// An alert ready to send: its labels and annotations, made once by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub firing: bool,
    /// A firing alert's fresh value and words, not a transition: replaces the copy that is
    /// re-sent, sends nothing now.
    pub update: bool,
    pub alert: Alert,
    /// The alert as `/api/v1/alerts` shows it: what the webhook sends.
    pub view: serde_json::Value,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// Deliveries by receiver (`alertmanager`, `webhook`) and result (`ok`, `error`, `dropped`).
#[derive(Debug, Default)]
pub struct Counts {
    pub alertmanager_ok: AtomicU64,
    pub alertmanager_error: AtomicU64,
    pub webhook_ok: AtomicU64,
    pub webhook_error: AtomicU64,
    pub webhook_dropped: AtomicU64,
    /// Alerts not even queued: the delivery queue was full.
    pub queue_dropped: AtomicU64,
}

/// The sending side: the state hands transitions to it.
#[derive(Debug, Clone)]
pub struct Notifier {
    tx: mpsc::SyncSender<Outgoing>,
    pub counts: Arc<Counts>,
}

/// Alerts waiting for the delivery thread; beyond this (receivers unreachable for a long
/// time) more are dropped and counted.
pub const QUEUE: usize = 10_000;

impl Notifier {
    /// Starts the delivery thread; it ends when every [`Notifier`] is dropped, after a last
    /// attempt at what it holds.
    pub fn start(targets: Targets) -> std::io::Result<Notifier> {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let counts = Arc::new(Counts::default());
        let thread_counts = Arc::clone(&counts);
        std::thread::Builder::new()
            .name("alerts".into())
            .spawn(move || Delivery::new(targets, thread_counts).run(rx))?;
        Ok(Notifier { tx, counts })
    }

    /// Hands over a firing or resolved alert (other transitions are not delivered), or the
    /// update of one still firing.
    pub fn send(&self, outgoing: Outgoing) {
        // The thread only ends when the senders are gone: a send fails only when full.
        if self.tx.try_send(outgoing).is_err() {
            self.counts.queue_dropped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("alert delivery queue full: an alert was dropped");
        }
    }

    /// Whether `t` is delivered at all.
    pub fn delivers(t: &Transition) -> bool {
        matches!(t, Transition::Firing(_) | Transition::Resolved(_))
    }
}

/// One alert in Alertmanager's v2 API.
#[derive(Debug, Serialize)]
struct AmAlert<'a> {
    labels: &'a BTreeMap<String, String>,
    annotations: &'a BTreeMap<String, String>,
    #[serde(rename = "startsAt")]
    starts_at: String,
    #[serde(rename = "endsAt")]
    ends_at: String,
    #[serde(rename = "generatorURL")]
    generator_url: &'a str,
}

/// The webhook's body.
#[derive(Debug, Serialize)]
struct Hook<'a> {
    status: &'static str,
    alert: &'a serde_json::Value,
    labels: &'a BTreeMap<String, String>,
    annotations: &'a BTreeMap<String, String>,
}

struct Delivery {
    targets: Targets,
    counts: Arc<Counts>,
    agent: ureq::Agent,
    /// Firing alerts by their labels, resent while firing.
    firing: BTreeMap<Vec<(String, String)>, Outgoing>,
    /// Resolutions an Alertmanager did not take, re-sent at the next ticks (with their tries).
    unsent_resolutions: Vec<(Outgoing, u32)>,
    unsent_hooks: VecDeque<Vec<u8>>,
}

/// Tries of a resolution before Alertmanager is left to expire the alert by its `endsAt`.
const RESOLUTION_TRIES: u32 = 10;

fn utc(ms: Millis) -> String {
    rfc3339::format(ms, &chrono::Utc)
}

impl Delivery {
    fn new(targets: Targets, counts: Arc<Counts>) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(targets.timeout.max(1) as u64)))
            .build()
            .into();
        Delivery {
            targets,
            counts,
            agent,
            firing: BTreeMap::new(),
            unsent_resolutions: Vec::new(),
            unsent_hooks: VecDeque::new(),
        }
    }

    fn run(mut self, rx: mpsc::Receiver<Outgoing>) {
        let resend = Duration::from_millis(self.targets.resend.max(1_000) as u64);
        let mut next = Instant::now() + resend;
        loop {
            match rx.recv_timeout(next.saturating_duration_since(Instant::now())) {
                Ok(o) => self.take(o),
                Err(RecvTimeoutError::Timeout) => {
                    // Resolutions first: Alertmanager takes a batch in order.
                    let retried = std::mem::take(&mut self.unsent_resolutions);
                    let mut all: Vec<Outgoing> = retried.iter().map(|(o, _)| o.clone()).collect();
                    all.extend(self.firing.values().cloned());
                    if !self.to_alertmanagers(&all) {
                        self.unsent_resolutions = retried
                            .into_iter()
                            .filter(|(_, tries)| tries + 1 < RESOLUTION_TRIES)
                            .map(|(o, tries)| (o, tries + 1))
                            .collect();
                    }
                    self.retry_hooks();
                    next = Instant::now() + resend;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.retry_hooks();
                    return;
                }
            }
        }
    }

    fn take(&mut self, o: Outgoing) {
        let key: Vec<(String, String)> = o.labels.clone().into_iter().collect();
        if o.update {
            if let Some(held) = self.firing.get_mut(&key) {
                *held = o;
            }
            return;
        }
        if o.firing {
            // A resolution still waiting for Alertmanager is outdated by the alert firing again.
            self.unsent_resolutions
                .retain(|(r, _)| r.labels != o.labels);
            self.firing.insert(key, o.clone());
        } else {
            self.firing.remove(&key);
        }
        tracing::debug!(alert = %o.alert.criterion, firing = o.firing, "delivering");
        if !self.to_alertmanagers(std::slice::from_ref(&o)) && !o.firing {
            self.unsent_resolutions.push((o.clone(), 1));
        }
        if self.targets.webhook.is_some() {
            let body = serde_json::to_vec(&Hook {
                status: if o.firing { "firing" } else { "resolved" },
                alert: &o.view,
                labels: &o.labels,
                annotations: &o.annotations,
            })
            .expect("an alert serialises");
            if self.unsent_hooks.len() == MAX_UNSENT {
                self.unsent_hooks.pop_front();
                self.counts.webhook_dropped.fetch_add(1, Ordering::Relaxed);
            }
            self.unsent_hooks.push_back(body);
            self.retry_hooks();
        }
    }

    /// Sends `alerts` to every Alertmanager; whether all of them took it.
    fn to_alertmanagers(&self, alerts: &[Outgoing]) -> bool {
        if alerts.is_empty() || self.targets.alertmanagers.is_empty() {
            return true;
        }
        let now = wall_clock();
        let body: Vec<AmAlert> = alerts
            .iter()
            .map(|o| AmAlert {
                labels: &o.labels,
                annotations: &o.annotations,
                starts_at: utc(o.alert.active_since.min(now)),
                ends_at: utc(match (o.firing, o.alert.resolved_at) {
                    (false, Some(at)) => at.min(now),
                    _ => now + 4 * self.targets.resend,
                }),
                generator_url: &self.targets.generator_url,
            })
            .collect();
        let body = serde_json::to_vec(&body).expect("alerts serialise");
        let mut all = true;
        for base in &self.targets.alertmanagers {
            let url = format!("{}/api/v2/alerts", base.trim_end_matches('/'));
            match self.post(&url, &body) {
                Ok(()) => {
                    self.counts.alertmanager_ok.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::warn!(%url, error = %e, "cannot send alerts to Alertmanager");
                    self.counts
                        .alertmanager_error
                        .fetch_add(1, Ordering::Relaxed);
                    all = false;
                }
            }
        }
        all
    }

    fn retry_hooks(&mut self) {
        let Some(url) = self.targets.webhook.clone() else {
            return;
        };
        while let Some(body) = self.unsent_hooks.front() {
            match self.post(&url, body) {
                Ok(()) => {
                    self.counts.webhook_ok.fetch_add(1, Ordering::Relaxed);
                    self.unsent_hooks.pop_front();
                }
                Err(e) => {
                    tracing::warn!(%url, error = %e, kept = self.unsent_hooks.len(), "webhook delivery failed; retrying later");
                    self.counts.webhook_error.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }
    }

    fn post(&self, url: &str, body: &[u8]) -> Result<(), String> {
        self.agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
