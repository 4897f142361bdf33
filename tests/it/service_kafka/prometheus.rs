//! A real Prometheus server scraping the service, to compute the service level from the
//! exported series (skipped outside CI when prometheus is not installed).

use crate::support::service::try_get;
use serde_json::Value;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A Prometheus server scraping one target every second, on a free port, killed on drop.
pub(super) struct Prometheus {
    child: std::process::Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    /// `None` outside CI when prometheus is not installed.
    pub(super) fn start(target: &str) -> Option<Prometheus> {
        if Command::new("prometheus")
            .arg("--version")
            .output()
            .is_err()
        {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "prometheus is needed (Debian package prometheus)"
            );
            eprintln!("skipping the Prometheus check: prometheus not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let target = target.trim_start_matches("http://");
        std::fs::write(
            dir.path().join("prometheus.yml"),
            format!(
                "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
                 scrape_configs:\n  - job_name: callpulse\n    static_configs:\n      \
                 - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).unwrap())
            .spawn()
            .expect("prometheus starts");
        Some(Prometheus {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        })
    }

    /// Runs an instant query until it has a result.
    pub(super) fn query_until(&self, promql: &str, within: Duration) -> f64 {
        let url = format!("{}/api/v1/query?query={}", self.base, encode(promql));
        let deadline = Instant::now() + within;
        loop {
            if let Ok((200, body)) = try_get(&url) {
                let v: Value = serde_json::from_str(&body).unwrap();
                if let Some(value) = v["data"]["result"][0]["value"][1].as_str() {
                    return value.parse().unwrap();
                }
            }
            assert!(
                Instant::now() < deadline,
                "no answer from Prometheus to {promql}"
            );
            sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes a query parameter.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
