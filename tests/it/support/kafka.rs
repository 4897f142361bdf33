//! A real Kafka-protocol broker for the tests: tansu 0.6.0 with in-memory storage, one
//! process per test on its own loopback port, and `tests/python/kafka_tool.py`, a client
//! over kafka-python that shares no code with librdkafka.
//!
//! Outside CI a machine without tansu or kafka-python skips these tests (`start` returns
//! `None` and says so on stderr); with `CI=true` it fails them. `bash .ci/test` installs both.
//!
//! Two faults of tansu 0.6.0's memory storage shape how tests use it (librdkafka and
//! kafka-python themselves work with it without any special settings):
//! - A Fetch returns whole stored batches starting at or after the fetch offset, so a
//!   consumer that resumes *inside* a multi-record batch (a committed offset mid-batch, after
//!   a restart or rebalance) silently skips the rest of that batch. kafka_tool.py therefore
//!   produces one record per batch unless told `--batch`; a librdkafka producer whose output
//!   is read back from a committed offset needs `batch.num.messages=1` in tests.
//! - ListOffsets(latest) answers the base offset of the newest batch plus one, not the high
//!   watermark: `fetch_watermarks`, consumer-lag figures and `auto.offset.reset=latest`
//!   are wrong on multi-record batches. `kafka_tool.py end-offsets` reports the Fetch high
//!   watermark, which is right.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long a broker may take to accept Kafka requests.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts at starting a broker (another process may take the port we picked).
const START_ATTEMPTS: usize = 5;
/// What `tansu broker` prints once it is bound and accepting.
const READY_LINE: &str = "ready in ";
/// kafka_tool.py's exit status when `import kafka` fails.
const NO_KAFKA_PYTHON: i32 = 3;

/// A tansu broker with in-memory storage on a free loopback port, killed on drop.
pub struct Broker {
    child: Child,
    port: u16,
    tansu: PathBuf,
    log: PathBuf,
    /// tansu's working directory, holding the log; removed after the broker is gone.
    dir: tempfile::TempDir,
}

impl Broker {
    /// Starts tansu and waits until it answers Kafka requests (a `tansu topic list`
    /// against it succeeds).
    ///
    /// Without tansu or kafka-python: panics when `CI=true`, otherwise prints
    /// `skipping: ... not installed` to stderr and returns `None`. (kafka-python is checked
    /// here too because every broker test reads its results back through kafka_tool.py.)
    pub fn start() -> Option<Broker> {
        let tansu = match tansu_bin() {
            Some(path) => path,
            None => {
                return missing(
                    "tansu",
                    "cargo install tansu --version 0.6.0 --features dynostore --locked",
                )
            }
        };
        if !kafka_python_installed() {
            return missing("kafka-python", "pip install kafka-python==3.0.12");
        }
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            match Broker::spawn(&tansu) {
                Ok(broker) => return Some(broker),
                Err(why) => failures.push(why),
            }
        }
        panic!(
            "tansu broker did not start in {START_ATTEMPTS} attempts:\n{}",
            failures.join("\n---\n")
        );
    }

    fn spawn(tansu: &Path) -> Result<Broker, String> {
        let port = free_port();
        let dir = tempfile::Builder::new()
            .prefix("callpulse-tansu-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let log = dir.path().join("tansu.log");
        let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let url = format!("tcp://127.0.0.1:{port}");
        let mut cmd = Command::new(tansu);
        cmd.args(["broker", "--storage-engine", "memory://tansu/"])
            .args(["--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--cluster-id", &format!("callpulse-test-{port}")])
            // tansu reads `.env` from its working directory: give it an empty one.
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        quiet_tansu_env(&mut cmd);
        let child = cmd
            .spawn()
            .map_err(|e| format!("{}: {e}", tansu.display()))?;
        let mut broker = Broker {
            child,
            port,
            tansu: tansu.to_path_buf(),
            log,
            dir,
        };
        broker.wait_ready()?;
        Ok(broker)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "tansu on port {} exited with {status}:\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            let log = fs::read_to_string(&self.log).unwrap_or_default();
            if log.contains("AddrInUse") {
                return Err(format!(
                    "port {} was taken:\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            // The ready line comes after the bind, so the port is ours and not a neighbour's.
            let ready = log.contains(READY_LINE);
            if ready && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                let listed = self.tansu(&["topic", "list"]);
                if listed.status.success() {
                    return Ok(());
                }
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(format!(
                    "tansu on port {} not ready after {READY_TIMEOUT:?}:\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            sleep(Duration::from_millis(20));
        }
    }

    /// `127.0.0.1:PORT`, for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Creates `name` with `partitions` partitions (`tansu topic create`); panics on failure.
    pub fn create_topic(&self, name: &str, partitions: i32) {
        let partitions = partitions.to_string();
        let out = self.tansu(&["topic", "create", "--partitions", &partitions, name]);
        if !out.status.success() {
            panic!(
                "tansu topic create {name} --partitions {partitions} failed ({}):\n{}{}\nbroker log:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                self.log_tail()
            );
        }
    }

    /// The last lines of the broker's stdout and stderr, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Runs a tansu client subcommand against this broker (`--broker` is appended).
    fn tansu(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(&self.tansu);
        cmd.args(args)
            .args(["--broker", &format!("tcp://127.0.0.1:{}", self.port)])
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        quiet_tansu_env(&mut cmd);
        cmd.output()
            .unwrap_or_else(|e| panic!("{}: {e}", self.tansu.display()))
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `tests/python/kafka_tool.py` with `args` and returns its stdout; panics with its
/// stderr on failure. Without kafka-python: panics, saying whether to install it (CI) or
/// that the test should have been skipped by [`Broker::start`].
pub fn kafka_python(args: &[&str]) -> String {
    kafka_python_with_input(args, &[])
}

/// Sends `lines` to `topic` with kafka-python, one record per batch, keyed by each line's
/// `call_id` (lines without one: no key), and checks every one was acknowledged. One record
/// per batch: tansu 0.6.0 answers a fetch from an offset inside a record batch with the
/// batches after it, so a consumer resuming mid-batch would lose the rest of that batch
/// (Kafka returns the batch that holds the offset, and librdkafka skips the records before
/// it).
pub fn produce_by_call_id(broker: &Broker, topic: &str, lines: &[String]) {
    let mut input = lines.join("\n");
    input.push('\n');
    let bootstrap = broker.bootstrap();
    let args = [
        "produce",
        "--brokers",
        &bootstrap,
        "--topic",
        topic,
        "--key-field",
        "call_id",
        "-",
    ];
    let out = kafka_python_with_input(&args, input.as_bytes());
    let sent: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sent["sent"].as_u64(), Some(lines.len() as u64), "{out}");
}

/// The end offset of each partition of `topic` by partition number (the Fetch high
/// watermark, see the module docs): how many records each holds.
pub fn end_offsets(broker: &Broker, topic: &str) -> std::collections::BTreeMap<String, i64> {
    let out = kafka_python(&[
        "end-offsets",
        "--brokers",
        &broker.bootstrap(),
        "--topic",
        topic,
    ]);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("end-offsets: {e}: {out}"))
}

/// Topic `calls` of two partitions (and `dead-letters`) holding `lines`, produced by
/// kafka-python keyed by call id; checked to have records on both partitions, so that the
/// test reads two partitions' watermarks.
pub fn calls_on_two_partitions(broker: &Broker, lines: &[String]) {
    broker.create_topic("calls", 2);
    broker.create_topic("dead-letters", 1);
    produce_by_call_id(broker, "calls", lines);
    let ends = end_offsets(broker, "calls");
    assert!(
        ends.len() == 2 && ends.values().all(|&n| n > 0),
        "both partitions: {ends:?}"
    );
}

/// [`kafka_python`] with `input` on the tool's stdin (for `produce ... -`).
pub fn kafka_python_with_input(args: &[&str], input: &[u8]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/kafka_tool.py");
    let mut child = Command::new(python())
        .arg(&script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} {}: {e}", python(), script.display()));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    // A writer thread, so a tool that prints a lot before reading cannot deadlock us.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("kafka_tool.py runs");
    let _ = writer.join();
    if out.status.code() == Some(NO_KAFKA_PYTHON) {
        panic!(
            "kafka_tool.py {args:?}: kafka-python is not installed for {} \
             (pip install kafka-python==3.0.12, or run bash .ci/test){}",
            python(),
            if ci() {
                ""
            } else {
                "; tests should call Broker::start first, which skips without it"
            }
        );
    }
    if !out.status.success() {
        panic!(
            "kafka_tool.py {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8(out.stdout).expect("kafka_tool.py prints UTF-8")
}

/// `CI=true` (or `CI=1`): missing tools fail the tests instead of skipping them.
fn ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true") | Ok("1"))
}

fn missing(what: &str, install: &str) -> Option<Broker> {
    if ci() {
        panic!("{what} is not installed and CI=true: install it ({install}) or run bash .ci/test");
    }
    // Straight to stderr, past libtest's capture, so a passing run still says it skipped.
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let _ = writeln!(
        std::io::stderr(),
        "skipping: {what} not installed ({install}, or run bash .ci/test): {test}"
    );
    None
}

/// `$TANSU`, else `tansu` on PATH, else `$CARGO_HOME/bin` or `~/.cargo/bin`.
fn tansu_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TANSU") {
        return Some(PathBuf::from(path)).filter(|path| path.is_file());
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    on_path
        .into_iter()
        .chain(cargo_home.map(|home| home.join("bin")))
        .map(|dir| dir.join("tansu"))
        .find(|path| path.is_file())
}

/// `$PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn kafka_python_installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        Command::new(python())
            .args(["-c", "import kafka"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|status| status.success())
            .unwrap_or(false)
    })
}

/// Plain, quiet tansu output: no colours, no `RUST_LOG` inherited from the test run
/// (`TANSU_LOG` sets it), no OTLP export, no schema registry from the environment.
fn quiet_tansu_env(cmd: &mut Command) {
    cmd.env("NO_COLOR", "1")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("SCHEMA_REGISTRY")
        .env_remove("STORAGE_ENGINE")
        .env_remove("LISTENER_URL")
        .env_remove("ADVERTISED_LISTENER_URL")
        .env_remove("CLUSTER_ID");
    match std::env::var("TANSU_LOG") {
        Ok(filter) => cmd.env("RUST_LOG", filter),
        Err(_) => cmd.env_remove("RUST_LOG"),
    };
}

/// A loopback port nobody listens on now and that this process has not handed out before.
/// (The OS may still give it to someone else before tansu binds it: `start` retries.)
fn free_port() -> u16 {
    static GIVEN: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let given = GIVEN.get_or_init(Default::default);
    loop {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .expect("bind 127.0.0.1:0")
            .port();
        if given.lock().unwrap().insert(port) {
            return port;
        }
    }
}
