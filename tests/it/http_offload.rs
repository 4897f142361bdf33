//! Issue 15, finding 2: with 10,000 queues the Prometheus exposition was built on an async
//! worker under the state lock, and `/healthz` waited for each scrape. Every answer that
//! reads the state is now built on the blocking pool: the async workers stay free for the
//! probes, however long a scrape takes.

use crate::support::lines::offered;
use crate::support::service::{append_lines, Service};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const QUEUES: usize = 10_000;

/// Scrapes at once: more than the service's two async workers.
const SCRAPERS: usize = 3;

/// GET `url` with a timeout: whether it answered 200.
fn answers(url: &str, timeout: Duration) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    let _ = response.body_mut().read_to_string();
    match response.status().as_u16() {
        200 => Ok(()),
        s => Err(format!("status {s}")),
    }
}

#[test]
fn healthz_answers_while_the_metrics_of_10_000_queues_are_scraped_over_and_over() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let lines: Vec<String> = (0..QUEUES)
        .map(|i| {
            offered(
                "2026-11-02T10:00:00Z",
                &format!("c{i}"),
                &format!("q{i:05}"),
            )
        })
        .collect();
    append_lines(&events, &lines);
    let path = |f: &str| dir.path().join(f).display().to_string();
    let service = Service::start(
        &["run", "--follow", events.to_str().unwrap()],
        &[
            ("CALLPULSE_INPUT_POSITION_FILE", &path("position.json")),
            ("CALLPULSE_INPUT_REJECTED_FILE", &path("rejected.tsv")),
            ("CALLPULSE_ALERTS_PROFILE", ""),
            ("CALLPULSE_LIMITS_MAX_QUEUES", "10000"),
        ],
    );
    let last = format!("/api/v1/kpis?queue=q{:05}", QUEUES - 1);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(300);
    while service.get(&last).0 != 200 {
        assert!(
            Instant::now() < deadline,
            "the queues were not read:\n{}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    eprintln!("{QUEUES} queues read after {:?}", started.elapsed());

    // Scrapes at once, more than the service's async workers; each may take long (tens of
    // seconds in a debug build on a busy machine): no limit but a generous one.
    let running = Arc::new(AtomicUsize::new(SCRAPERS));
    let scrapers: Vec<_> = (0..SCRAPERS)
        .map(|_| {
            let (url, running) = (format!("{}/metrics", service.base), running.clone());
            std::thread::spawn(move || {
                let t = Instant::now();
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_global(Some(Duration::from_secs(900)))
                    .build()
                    .into();
                let body = agent
                    .get(&url)
                    .call()
                    .expect("a scrape answers")
                    .body_mut()
                    .with_config()
                    .limit(1 << 30)
                    .read_to_string()
                    .unwrap();
                running.fetch_sub(1, Ordering::SeqCst);
                assert!(body.contains("queue=\"q09999\""), "every queue is exported");
                eprintln!("a scrape of {} bytes took {:?}", body.len(), t.elapsed());
            })
        })
        .collect();

    // While they run, every probe answers. The timeout is generous: it bounds a wait that
    // should not happen at all (a stalled probe waited for a whole scrape).
    let healthz = format!("{}/healthz", service.base);
    let mut failures = Vec::new();
    let mut probes = 0;
    std::thread::sleep(Duration::from_millis(200));
    while running.load(Ordering::SeqCst) > 0 {
        if let Err(e) = answers(&healthz, Duration::from_secs(5)) {
            failures.push(format!("probe {probes}: {e}"));
        }
        probes += 1;
        std::thread::sleep(Duration::from_millis(200));
    }
    for s in scrapers {
        s.join().expect("a scraper");
    }
    eprintln!("{probes} probes during the scrapes");
    assert!(
        failures.is_empty(),
        "{} of {probes} /healthz probes failed during the scrapes: {failures:#?}",
        failures.len()
    );
}
