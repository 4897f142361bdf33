//! The live service as a process (`callpulse run` or `demo` on a free port) and plain HTTP
//! requests to it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A running `callpulse` service, killed on drop.
pub struct Service {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// Everything the process wrote to stderr so far (filled by a reader thread).
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Service {
    /// Starts `callpulse ARGS --listen 127.0.0.1:0` with `envs` and waits for its address.
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> Service {
        Self::spawn(Command::new(env!("CARGO_BIN_EXE_callpulse")), args, envs)
    }

    /// `callpulse run --config CONFIG --follow EVENTS` with `envs`: a service that follows a
    /// file, configured by a file.
    pub fn follow_configured(
        config: &std::path::Path,
        events: &std::path::Path,
        envs: &[(&str, &str)],
    ) -> Service {
        Self::start(
            &[
                "run",
                "--config",
                config.to_str().unwrap(),
                "--follow",
                events.to_str().unwrap(),
            ],
            envs,
        )
    }

    /// [`Service::start`] with the soft and hard limits of open files set to `nofile` (by
    /// the shell's `ulimit -n`, which sets both: the service cannot raise it back).
    pub fn start_with_open_file_limit(
        nofile: u64,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Service {
        let mut sh = Command::new("sh");
        sh.args([
            "-c",
            &format!("ulimit -n {nofile} && exec \"$0\" \"$@\""),
            env!("CARGO_BIN_EXE_callpulse"),
        ]);
        Self::spawn(sh, args, envs)
    }

    fn spawn(mut command: Command, args: &[&str], envs: &[(&str, &str)]) -> Service {
        // No evidence store in the working folder unless a test asks for one.
        let no_store = !envs.iter().any(|(k, _)| *k == "CALLPULSE_EVIDENCE_PATH");
        let mut child = command
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .envs(no_store.then_some(("CALLPULSE_EVIDENCE_PATH", "")))
            .envs(envs.iter().copied())
            .env("CALLPULSE_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("callpulse starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("callpulse: serving ") {
                    // `http://ADDR/ …` or `https://ADDR/ …`
                    let base = rest.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(base.trim_end_matches('/').to_string());
                }
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!(
                    "callpulse did not report its address:\n{}",
                    log.lock().unwrap()
                )
            });
        Service {
            child,
            base,
            stderr: log,
        }
    }

    /// `callpulse run --follow INPUT`, keeping its position and rejected lines in `dir`
    /// (`position.json`, `rejected.tsv`), polling every 200 ms, with `envs` besides.
    pub fn follow(
        input: &std::path::Path,
        dir: &std::path::Path,
        envs: &[(&str, &str)],
    ) -> Service {
        let position = dir.join("position.json");
        let rejected = dir.join("rejected.tsv");
        let mut all = vec![
            ("CALLPULSE_INPUT_REJECTED_FILE", rejected.to_str().unwrap()),
            ("CALLPULSE_INPUT_POLL_INTERVAL", "200ms"),
        ];
        all.extend_from_slice(envs);
        Service::start(
            &[
                "run",
                "--follow",
                input.to_str().unwrap(),
                "--position-file",
                position.to_str().unwrap(),
            ],
            &all,
        )
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        get(&format!("{}{path}", self.base))
    }

    /// The process id of the service.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Polls `check` on `/metrics` until it returns `Some`, or panics after `within`.
    pub fn wait_for<T>(
        &self,
        what: &str,
        within: Duration,
        check: impl Fn(&str) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            let (_, text) = self.get("/metrics");
            if let Some(v) = check(&text) {
                return v;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}\n--- metrics ---\n{text}\n--- log ---\n{}",
                    self.log()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `/readyz` answers 200 (for the demo: its backfill is applied), or panics
    /// after `within`.
    pub fn wait_ready(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let (status, body) = self.get("/readyz");
            if status == 200 {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "not ready within {within:?}: {body}\n--- log ---\n{}",
                    self.log()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// Sends `signal` (a name `kill` knows, such as `HUP`) to the process.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill runs");
        assert!(ok.success(), "kill -{signal} {pid}");
    }

    /// Whether the process still runs.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("wait works").is_none()
    }

    /// Sends SIGTERM and waits for the exit (panics after `within`).
    pub fn terminate(mut self, within: Duration) -> ExitStatus {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(ok.success(), "kill -TERM {pid}");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                return status;
            }
            if Instant::now() > deadline {
                panic!(
                    "callpulse did not exit within {within:?} of SIGTERM:\n{}",
                    self.log()
                );
            }
            sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET `url`: status and body, whatever the status; panics when there is no answer.
pub fn get(url: &str) -> (u16, String) {
    try_get(url).unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// GET `url`: status and body, or why there was no answer.
pub fn try_get(url: &str) -> Result<(u16, String), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// The value of the sample `name{labels}` (labels exactly as printed, `""` for none) in a
/// text exposition.
pub fn sample(metrics: &str, name: &str, labels: &str) -> Option<f64> {
    let series = if labels.is_empty() {
        format!("{name} ")
    } else {
        format!("{name}{{{labels}}} ")
    };
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&series))
        .map(|v| v.trim().parse().expect("a sample value is a number"))
}

/// Runs `promtool check metrics` on `text`: its complaints (empty when clean). Panics when
/// promtool is missing under CI; outside CI returns `None` when it is missing.
pub fn promtool_check(text: &str) -> Option<String> {
    use std::io::Write;
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(_) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipping the promtool check: promtool not installed");
            return None;
        }
        Err(e) => panic!("promtool is needed (Debian package prometheus): {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// GET `uri` from the router of `shared`, without a socket: status and body.
pub async fn route_get(
    shared: &callpulse::service::Shared,
    uri: &str,
) -> (axum::http::StatusCode, String) {
    route_get_as(shared, uri, None).await
}

/// [`route_get`] with `Authorization: Bearer TOKEN` when `bearer` is given.
pub async fn route_get_as(
    shared: &callpulse::service::Shared,
    uri: &str,
    bearer: Option<&str>,
) -> (axum::http::StatusCode, String) {
    use tower::ServiceExt as _;
    let mut request = axum::http::Request::get(uri);
    if let Some(token) = bearer {
        request = request.header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = callpulse::service::http::router(shared.clone())
        .oneshot(request.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Appends `lines` to the file at `path` (created if missing) and syncs it, as a writer of a
/// followed log does.
pub fn append_lines(path: &std::path::Path, lines: &[String]) {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    f.sync_all().unwrap();
}

/// Feeds one input line to `state` as offset `offset` of partition 0 of source 0, with the
/// wall clock at `now`.
pub fn feed_line(
    state: &mut callpulse::service::State,
    offset: i64,
    line: &str,
    now: callpulse::time::Millis,
) {
    let origin = callpulse::reject::Origin {
        source: 0,
        partition: 0,
        offset,
    };
    state.feed(line.as_bytes(), origin, now);
}

/// Feeds `lines` (offsets 0, 1, …) to the service's state with the wall clock at `now`, keeps
/// what they had rejected, and marks the input ready: a service that has read its input.
pub fn feed_all(
    shared: &callpulse::service::Shared,
    lines: &[String],
    now: callpulse::time::Millis,
) {
    let mut state = shared.lock();
    for (i, line) in lines.iter().enumerate() {
        feed_line(&mut state, i as i64, line, now);
    }
    let rejected = state.drain();
    state.keep_rejected(&rejected, now);
    state.process.input_ready = true;
}

/// A service state of 5-minute intervals, without lateness, grace or alerts, recording into a
/// new evidence store at `store`: each event closes what it passes at once.
pub fn recording_state(store: &std::path::Path) -> callpulse::service::State {
    use callpulse::service::evidence::Recorder;
    let cfg = crate::support::config(
        "[engine]\ninterval = \"5m\"\nlateness = \"0s\"\ngrace = \"0s\"\n[alerts]\nprofile = \"\"\n",
    );
    callpulse::service::State::new(cfg, vec!["test".into()])
        .with_evidence(Recorder::open(store, None).unwrap())
}

/// `callpulse run --follow` on a file of canonical events with a certification profile,
/// judged every second of live time; what the alerting and wallboard tests share.
pub struct Followed {
    pub service: Service,
    pub events: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Followed {
    /// Starts callpulse following a file that holds `lines`, with `profile` (TOML text) and
    /// `alerts` added to its `[alerts]` section (receivers, intervals, labels).
    pub fn start(profile: &str, alerts: &str, lines: &[String]) -> Followed {
        Followed::start_with(profile, alerts, lines, &[])
    }

    /// [`Followed::start`] with more settings in the environment.
    pub fn start_with(
        profile: &str,
        alerts: &str,
        lines: &[String],
        envs: &[(&str, &str)],
    ) -> Followed {
        let dir = tempfile::tempdir().unwrap();
        let path = |f: &str| dir.path().join(f).display().to_string();
        std::fs::write(dir.path().join("profile.toml"), profile).unwrap();
        let events = dir.path().join("events.jsonl");
        std::fs::write(&events, "").unwrap();
        append_lines(&events, lines);
        let config = dir.path().join("callpulse.toml");
        std::fs::write(
            &config,
            format!(
                "[engine]\nlateness = \"0s\"\n\n\
                 [input]\npoll_interval = \"100ms\"\nposition_file = {:?}\nrejected_file = {:?}\n\n\
                 [service]\nidle_after = \"1s\"\n\n\
                 [alerts]\nprofile = {:?}\nevaluation_interval = \"1s\"\n{alerts}\n",
                path("position.json"),
                path("rejected.tsv"),
                path("profile.toml"),
            ),
        )
        .unwrap();
        let service = Service::follow_configured(&config, &events, envs);
        Followed {
            service,
            events,
            _dir: dir,
        }
    }

    /// Appends `lines` to the followed file.
    pub fn append(&self, lines: &[String]) {
        append_lines(&self.events, lines);
    }
}
