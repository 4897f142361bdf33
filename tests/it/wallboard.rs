//! The wallboard at `/`: its stream (`/api/v1/stream`, read with `support::sse`), its
//! assets (content types, the Content-Security-Policy, nothing loaded from elsewhere), and the
//! page itself in a real headless Chromium: every queue of the demo rendered, values that
//! change as events are appended to a followed file, an alert banner naming its clause when a
//! queue breaches, the language switch, and screenshots under `<target>/wallboard-test/`.
//!
//! Chromium is driven over the DevTools protocol on a pipe (see [`Browser`]): the test opens a
//! page once, waits for what it expects to appear in its DOM (new values and the banner come
//! over the stream, without a reload) and compares it with the JSON API. Under CI
//! (`CI=true`) a missing Chromium fails the tests; elsewhere they are skipped with a note.

use crate::support::lines::{abandoned, answered, offered};
use crate::support::profiles::SERVICE_LEVEL_15M;
use crate::support::service::{append_lines as append, Followed, Service};
use crate::support::sse::EventStream;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use callpulse::time::rfc3339;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const WAIT: Duration = Duration::from_secs(60);

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn utc(ms: i64) -> String {
    rfc3339::format(ms, &chrono::Utc)
}

/// Calls `check` every 200 ms until it returns `Some`, or panics after `within`.
fn poll<T>(what: &str, within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The shape every board has; returns the queue names.
fn check_board(b: &Value) -> Vec<String> {
    let k = &b["kpis"];
    assert_eq!(k["window"], "15m", "{b}");
    let queues: Vec<String> = k["queues"]
        .as_array()
        .expect("kpis.queues")
        .iter()
        .map(|q| q["queue"].as_str().unwrap().to_string())
        .collect();
    for q in k["queues"].as_array().unwrap() {
        for key in [
            "service_level",
            "answer_rate",
            "asa_seconds",
            "waiting",
            "longest_wait_seconds",
            "agents_available",
            "agents_on_call",
        ] {
            assert!(q.get(key).is_some(), "queue lacks {key}: {q}");
        }
        let name = q["queue"].as_str().unwrap();
        let trend = b["trend"]["queues"][name].as_array().expect("a trend");
        assert_eq!(trend.len(), 12, "twelve 5-minute buckets: {b}");
        assert!(trend.iter().all(|p| p.get("offered").is_some()));
        let sl = &b["targets"]["queues"][name]["service_level"];
        assert_eq!(sl["clause"], "9.3.1", "{b}");
        assert_eq!(sl["comparison"], "<");
        assert_eq!(sl["threshold"], 0.8);
        assert_eq!(sl["at_risk"], 0.02, "the criterion's hysteresis");
        assert_eq!(sl["min_volume"], 20);
        assert_eq!(
            b["targets"]["queues"][name]["answer_rate"]["threshold"], 0.9,
            "the hardest of the answer-rate criteria"
        );
        assert_eq!(
            b["targets"]["queues"][name]["asa_seconds"]["threshold"], 20.0,
            "the hardest of the ASA criteria"
        );
    }
    assert!(k["center"].is_object(), "{b}");
    assert_eq!(b["trend"]["bucket_minutes"], 5);
    assert_eq!(b["trend"]["starts"].as_array().unwrap().len(), 12);
    assert_eq!(b["profile"]["id"], "yd-t-2823-2015");
    assert_eq!(b["default_lang"], "zh", "Chinese for the built-in profile");
    assert_eq!(
        b["targets"]["center"]["availability"]["threshold"], 0.999,
        "{b}"
    );
    assert!(b["alerts"].is_array(), "{b}");
    queues
}

#[test]
fn the_stream_pushes_boards_as_the_demo_runs_built_like_the_kpis_snapshot() {
    let demo = Service::start(&["demo", "--seed", "7"], &[]);
    demo.wait_ready(Duration::from_secs(120));
    let mut stream = EventStream::open(&format!("{}/api/v1/stream", demo.base), None);
    assert_eq!(stream.status, 200);
    let header = |name| stream.header(name).unwrap_or_default().to_string();
    assert!(
        header("content-type").starts_with("text/event-stream"),
        "{:?}",
        stream.headers
    );
    assert!(
        header("cache-control").contains("no-cache"),
        "{:?}",
        stream.headers
    );

    let first = stream.next_event(WAIT);
    assert_eq!(first.field("event"), Some("board"), "{first:?}");
    assert_eq!(
        first.field("retry"),
        Some("2000"),
        "the browser reconnects 2 s after a drop"
    );
    let b1 = json(first.field("data").expect("a data line"));
    let queues = check_board(&b1);
    assert_eq!(queues.len(), 3, "the demo's three queues: {queues:?}");

    // The same queues, in the same order, as /api/v1/kpis.
    let kpis = json(&demo.get("/api/v1/kpis").1);
    let names: Vec<&str> = kpis["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue"].as_str().unwrap())
        .collect();
    assert_eq!(names, queues);

    let second = stream.next_event(WAIT);
    let b2 = json(second.field("data").expect("a data line"));
    check_board(&b2);
    // The server pushes when the input changed something, at most once a second and at least
    // every 5 s (src/service/http.rs); the test checks that boards keep coming and that each
    // is built anew, not how fast (tests never assert on timing).
    eprintln!(
        "second board {} ms after the first",
        (second.at - first.at).as_millis()
    );
    let third = stream.next_event(WAIT);
    let b3 = json(third.field("data").unwrap());
    check_board(&b3);
    let built = |b: &Value| b["built_ms"].as_i64().expect("built_ms");
    assert!(
        built(&b1) < built(&b2) && built(&b2) < built(&b3),
        "each board is new: {} {} {}",
        built(&b1),
        built(&b2),
        built(&b3)
    );

    // A bad window is refused like /api/v1/kpis refuses it.
    let (code, body) = demo.get("/api/v1/stream?window=5h");
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("5h"), "{body}");
}

// ---- the assets ----------------------------------------------------------------------------

/// GET `url`: status, the headers asked for (lower-case names) and the body.
fn get_with_headers(url: &str, names: &[&str]) -> (u16, Vec<Option<String>>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent.get(url).call().unwrap();
    let headers = names
        .iter()
        .map(|n| {
            response
                .headers()
                .get(*n)
                .map(|v| v.to_str().unwrap().to_string())
        })
        .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap();
    (status, headers, body)
}

#[test]
fn the_wallboard_assets_are_built_in_with_their_types_and_a_policy_against_other_origins() {
    let demo = Service::start(&["demo", "--seed", "7"], &[]);
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/wallboard/wallboard.css", "text/css; charset=utf-8"),
        ("/wallboard/wallboard.js", "text/javascript; charset=utf-8"),
        ("/wallboard/auth.js", "text/javascript; charset=utf-8"),
    ] {
        let (code, h, body) = get_with_headers(
            &format!("{}{path}", demo.base),
            &[
                "content-type",
                "content-security-policy",
                "x-content-type-options",
            ],
        );
        assert_eq!(code, 200, "{path}");
        assert_eq!(h[0].as_deref(), Some(content_type), "{path}");
        let csp = h[1].clone().unwrap_or_default();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("http"),
            "{csp}"
        );
        assert_eq!(h[2].as_deref(), Some("nosniff"), "{path}");
        // Nothing fetched from elsewhere: no URL but the SVG namespace, no font, no import.
        let foreign = body
            .replace("http://www.w3.org/2000/svg", "")
            .contains("://");
        assert!(!foreign, "{path} names another origin");
        for banned in ["@import", "@font-face", "url(", "cdn"] {
            assert!(!body.contains(banned), "{path} contains {banned}");
        }
    }
    let (_, _, html) = get_with_headers(&format!("{}/", demo.base), &[]);
    for script in ["auth", "wallboard"] {
        assert!(
            html.contains(&format!(
                r#"<script src="/wallboard/{script}.js" defer></script>"#
            )),
            "the scripts are files: the CSP forbids inline script"
        );
    }
    assert_eq!(html.matches("<script").count(), 2);
    assert!(!html.contains("style="), "no inline style either");
    // The board is the stream's payload, once.
    let (code, h, body) =
        get_with_headers(&format!("{}/api/v1/board", demo.base), &["content-type"]);
    assert_eq!(code, 200);
    assert_eq!(h[0].as_deref(), Some("application/json"));
    check_board(&json(&body));
}

// ---- in Chromium ----------------------------------------------------------------------------

/// The Chromium binary, or `None` (outside CI) when none is installed.
fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
    if found.is_none() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("chromium is needed (Debian package chromium)");
        }
        eprintln!("skipping: no chromium installed");
    }
    found
}

/// A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
/// JSON messages ended by NUL on file descriptors 3 and 4, wired here to the shell's stdin and
/// stdout). `--dump-dom` is no use for a page with an open event stream: with
/// `--virtual-time-budget` the never-ending request holds virtual time forever, without it the
/// DOM is dumped at the load event, before any data. Over the protocol the test waits for what
/// it expects, as long as it takes, in a page that keeps its stream open.
pub(crate) struct Browser {
    child: Child,
    stdin: std::process::ChildStdin,
    replies: mpsc::Receiver<Value>,
    id: u64,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A browser with its own profile folder (localStorage persists within it) and one page
    /// of `width`×`height` CSS pixels, on `about:blank`.
    pub(crate) fn launch(width: u32, height: u32) -> Option<Browser> {
        let bin = chromium()?;
        let profile = tempfile::tempdir().unwrap();
        let script = format!(
            "exec {bin} --headless --no-sandbox --disable-gpu --no-first-run \
             --disable-extensions --disable-dev-shm-usage --hide-scrollbars \
             --user-data-dir='{}' --window-size={width},{height} --remote-debugging-pipe \
             about:blank 3<&0 4>&1 0</dev/null 1>/dev/null 2>/dev/null",
            profile.path().display()
        );
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, replies) = mpsc::channel();
        std::thread::spawn(move || {
            let mut pending: Vec<u8> = Vec::new();
            let mut buf = [0u8; 65536];
            loop {
                let n = match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buf[..n]);
                while let Some(end) = pending.iter().position(|&b| b == 0) {
                    let message: Vec<u8> = pending.drain(..=end).collect();
                    let v: Value = serde_json::from_slice(&message[..end]).unwrap();
                    if v.get("id").is_some() && tx.send(v).is_err() {
                        return;
                    }
                }
            }
        });
        let mut b = Browser {
            child,
            stdin,
            replies,
            id: 0,
            session: String::new(),
            _profile: profile,
        };
        let target = b.call(
            "Target.createTarget",
            serde_json::json!({"url": "about:blank"}),
        );
        let target = target["targetId"].as_str().unwrap().to_string();
        let attached = b.call(
            "Target.attachToTarget",
            serde_json::json!({"targetId": target, "flatten": true}),
        );
        b.session = attached["sessionId"].as_str().unwrap().to_string();
        b.call(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        Some(b)
    }

    /// One command (to the page once attached): its result; panics on an error.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.id += 1;
        let mut message = serde_json::json!({"id": self.id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = Value::String(self.session.clone());
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.stdin.write_all(&bytes).unwrap();
        self.stdin.flush().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let reply = self
                .replies
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("chromium did not answer {method}"));
            if reply["id"] == self.id {
                assert!(reply.get("error").is_none(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    pub(crate) fn goto(&mut self, url: &str) {
        self.call("Page.navigate", serde_json::json!({"url": url}));
    }

    /// The value of a JavaScript expression in the page.
    pub(crate) fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            serde_json::json!({"expression": expression, "returnByValue": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    /// The page's DOM as HTML.
    fn html(&mut self) -> String {
        self.eval("document.documentElement.outerHTML")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until `expression` is true in the page; panics with the DOM after [`WAIT`].
    pub(crate) fn wait_for(&mut self, what: &str, expression: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            // While a page loads, `document.body` may not be there yet: false, not an error.
            let test = format!(
                "(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()"
            );
            if self.eval(&test) == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let html = self.html();
                panic!("timed out waiting for {what} ({expression}):\n{html}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The number of boards the page has taken (the load's fetch, then the stream's).
    pub(crate) fn boards(&mut self) -> u64 {
        self.eval("Number(document.body.dataset.boards || 0)")
            .as_u64()
            .unwrap_or(0)
    }

    /// A PNG of the page in `<target>/wallboard-test/NAME`, checked to be `width`×`height`.
    fn screenshot(&mut self, name: &str, width: u32, height: u32) -> PathBuf {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        // Let the layout follow the new size.
        std::thread::sleep(Duration::from_millis(500));
        let shot = self.call(
            "Page.captureScreenshot",
            serde_json::json!({"format": "png"}),
        );
        let png = STANDARD
            .decode(shot["data"].as_str().unwrap())
            .expect("the screenshot is base64");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((w, h), (width, height), "{name}");
        assert!(
            png.len() > 20_000,
            "an empty-looking screenshot: {} bytes",
            png.len()
        );
        let file = screenshots().join(name);
        std::fs::write(&file, &png).unwrap();
        eprintln!("screenshot: {}", file.display());
        file
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `<target>/wallboard-test/` (the cargo target folder, never the source tree).
fn screenshots() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("wallboard-test");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The tile of `queue` in the page's HTML (`""` is the center's).
fn tile<'a>(dom: &'a str, queue: &str) -> &'a str {
    let mark = format!(r#"data-queue="{queue}""#);
    let start = dom
        .match_indices("<section class=\"tile")
        .map(|(i, _)| i)
        .find(|&i| dom[i..].split('>').next().unwrap().contains(&mark))
        .unwrap_or_else(|| panic!("no tile for {queue:?} in:\n{dom}"));
    let end = dom[start..].find("</section>").unwrap() + start;
    &dom[start..end]
}

/// The value shown for `measure` in a tile.
fn shown(tile: &str, measure: &str) -> String {
    let mark = format!(r#"data-measure="{measure}""#);
    let at = tile
        .find(&mark)
        .unwrap_or_else(|| panic!("no {measure} in {tile}"));
    let rest = &tile[at..];
    let v = rest.find(r#"<span class="v">"#).unwrap() + r#"<span class="v">"#.len();
    rest[v..v + rest[v..].find('<').unwrap()].to_string()
}

fn state_of(tile: &str, measure: &str) -> String {
    let mark = format!(r#"data-measure="{measure}" data-state=""#);
    let at = tile
        .find(&mark)
        .unwrap_or_else(|| panic!("no {mark} in {tile}"))
        + mark.len();
    tile[at..at + tile[at..].find('"').unwrap()].to_string()
}

/// The first firing banner's HTML.
fn banner(dom: &str) -> &str {
    let at = dom
        .find(r#"class="banner firing""#)
        .unwrap_or_else(|| panic!("no banner:\n{dom}"));
    &dom[at..at + dom[at..].find("</div>").unwrap()]
}

#[test]
fn chromium_renders_every_demo_queue_live_in_both_languages_and_says_when_it_reconnects() {
    let Some(mut browser) = Browser::launch(1920, 1080) else {
        return;
    };
    let demo = Service::start(&["demo", "--seed", "11"], &[]);
    demo.wait_ready(Duration::from_secs(120));
    let kpis = json(&demo.get("/api/v1/kpis").1);
    let queues: Vec<String> = kpis["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(queues.len(), 3);

    // A fresh browser on the built-in profile: Chinese; boards keep coming over the stream.
    browser.goto(&format!("{}/", demo.base));
    browser.wait_for("the first board", "document.body.dataset.boards >= 1");
    let first = browser.boards();
    let shown_at = browser.eval("document.getElementById('asof').textContent");
    browser.wait_for(
        "three more boards from the stream",
        &format!("document.body.dataset.boards >= {}", first + 3),
    );
    browser.wait_for(
        "the live badge",
        "document.getElementById('conn').dataset.conn === 'live'",
    );
    let later = browser.eval("document.getElementById('asof').textContent");
    assert_ne!(shown_at, later, "the clock shown moves with the demo");

    let zh = browser.html();
    assert!(zh.contains(r#"<html lang="zh-CN""#), "{zh}");
    for text in [
        "呼叫中心实时看板",
        "服务水平",
        "接通率",
        "平均应答速度",
        "全中心",
        "实时",
    ] {
        assert!(zh.contains(text), "{text} missing:\n{zh}");
    }
    // Banners carry both names of their indicator; the page's own words are Chinese only.
    for text in ["Call center wallboard", "Whole center", "Longest wait"] {
        assert!(!zh.contains(text), "{text} in Chinese:\n{zh}");
    }
    for q in &queues {
        let t = tile(&zh, q);
        let v = shown(t, "service_level");
        assert!(v.ends_with(" %"), "{q}: {v}");
        let state = state_of(t, "service_level");
        assert!(
            ["met", "risk", "breach", "idle"].contains(&state.as_str()),
            "{q}: {state}"
        );
        assert!(t.contains(r#"class="spark""#), "{q} has its sparkline");
        assert!(t.contains(r#"data-points="12""#), "{q}: twelve points");
        assert!(t.contains("<polyline"), "{q}: a service-level line");
        // The demo's queues have handled calls in the last 30 minutes: Erlang C gives the
        // agents needed, shown with the agents staffed.
        assert!(
            !t.contains(r#"data-part="staffing" hidden="""#),
            "the Erlang C figure is shown: {t}"
        );
        let needed = shown(t, "agents_needed");
        assert!(
            needed.parse::<u32>().is_ok(),
            "{q}: agents needed {needed:?}"
        );
    }
    let center = tile(&zh, "");
    assert!(
        center.contains(r#"data-measure="availability""#),
        "{center}"
    );
    browser.screenshot("demo-zh-1920x1080.png", 1920, 1080);

    // ?lang=en switches and is remembered by a visit without it.
    browser.goto(&format!("{}/?lang=en", demo.base));
    browser.wait_for("English", "document.documentElement.lang === 'en'");
    browser.wait_for("a board", "document.body.dataset.boards >= 1");
    let en = browser.html();
    for text in [
        "Call center wallboard",
        "Service level",
        "Answer rate",
        "Whole center",
        ">live<",
    ] {
        assert!(en.contains(text), "{text} missing:\n{en}");
    }
    for text in ["呼叫中心实时看板", "空闲坐席", "最长等待"] {
        assert!(!en.contains(text), "{text} in English:\n{en}");
    }
    browser.screenshot("demo-en-1366x768.png", 1366, 768);
    browser.goto(&format!("{}/", demo.base));
    browser.wait_for("a board", "document.body.dataset.boards >= 1");
    assert_eq!(
        browser.eval("document.documentElement.lang"),
        "en",
        "the choice is kept in localStorage"
    );
    // The button switches back, and that is remembered too.
    browser.eval("document.getElementById('lang').click()");
    browser.wait_for("Chinese", "document.documentElement.lang === 'zh-CN'");
    assert_eq!(
        browser.eval("localStorage.getItem('callpulse.wallboard.lang')"),
        "zh"
    );
    assert!(browser.html().contains("呼叫中心实时看板"));

    // The service stops: the page says it is reconnecting.
    demo.terminate(Duration::from_secs(20));
    browser.wait_for(
        "the reconnecting badge",
        "document.getElementById('conn').dataset.conn === 'reconnecting'",
    );
    assert!(browser.html().contains("正在重新连接"));
}

// ---- a followed file: values change, a breach raises a banner -----------------------------

/// A followed file with the one-criterion profile (see [`support::service::Followed`]).
struct Board(Followed);

impl std::ops::Deref for Board {
    type Target = Followed;
    fn deref(&self) -> &Followed {
        &self.0
    }
}

impl Board {
    fn start(lines: &[String]) -> Board {
        Board(Followed::start(SERVICE_LEVEL_15M, "", lines))
    }

    fn queue(&self, name: &str) -> Value {
        let (code, body) = self.service.get(&format!("/api/v1/kpis?queue={name}"));
        assert_eq!(code, 200, "{body}\n{}", self.service.log());
        json(&body)["queues"][0].clone()
    }

    fn firing(&self) -> Vec<Value> {
        let v = json(&self.service.get("/api/v1/alerts").1);
        v["active"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["state"] == "firing")
            .cloned()
            .collect()
    }
}

/// `n` calls of `queue` offered at `at` (ms) and answered 5 s later (within 20 s).
fn quick_calls(queue: &str, first: usize, n: usize, at: i64) -> Vec<(i64, String)> {
    (first..first + n)
        .flat_map(|i| {
            let call = format!("{queue}-{i}");
            [
                (at, offered(&utc(at), &call, queue)),
                (at + 5_000, answered(&utc(at + 5_000), &call)),
            ]
        })
        .collect()
}

fn in_order(mut lines: Vec<(i64, String)>) -> Vec<String> {
    lines.sort_by_key(|(at, _)| *at);
    lines.into_iter().map(|(_, l)| l).collect()
}

#[test]
fn chromium_shows_new_values_and_an_alert_banner_with_its_clause_when_a_queue_breaches() {
    let Some(mut browser) = Browser::launch(1920, 1080) else {
        return;
    };
    // Two minutes ago: four calls of each queue answered within 5 s (service level 100 %).
    // In the file before the start: read before the idle input moves the watermark on.
    let t0 = now_ms() - 120_000;
    let mut lines = quick_calls("north", 0, 4, t0);
    lines.extend(quick_calls("south", 0, 4, t0));
    let center = Board::start(&in_order(lines));
    poll("the first calls", WAIT, || {
        (center.queue("north")["offered"] == 4 && center.queue("south")["offered"] == 4)
            .then_some(())
    });

    // A custom profile: English unless the viewer asks otherwise.
    browser.goto(&format!("{}/", center.service.base));
    browser.wait_for(
        "the south tile",
        r#"document.querySelector('[data-queue="south"] [data-measure="offered"] .v')?.textContent === "4""#,
    );
    let before = browser.html();
    assert!(before.contains(r#"<html lang="en""#), "{before}");
    let south = tile(&before, "south");
    assert_eq!(shown(south, "service_level"), "100.0 %", "{south}");
    assert_eq!(state_of(south, "service_level"), "met");
    assert!(before.contains(r#"data-part="all-clear""#), "no alert yet");
    assert!(!before.contains(r#"class="banner"#), "{before}");
    let boards_before = browser.boards();

    // Six calls of `south` abandoned after 1 s: 4 of 10 within the threshold, 40 %. Stamped
    // 2 s ahead of the wall clock: the idle follower's watermark is at the wall clock.
    let t1 = now_ms() + 2_000;
    let more: Vec<(i64, String)> = (0..6)
        .flat_map(|i| {
            let call = format!("south-late-{i}");
            [
                (t1, offered(&utc(t1), &call, "south")),
                (t1 + 1_000, abandoned(&utc(t1 + 1_000), &call)),
            ]
        })
        .collect();
    append(&center.events, &in_order(more));
    poll("the appended calls", WAIT, || {
        (center.queue("south")["offered"] == 10).then_some(())
    });
    let alert = poll("the south alert to fire", WAIT, || {
        center
            .firing()
            .into_iter()
            .find(|a| a["name"] == "south" && a["criterion"] == "service_level_below_80")
    });
    assert_eq!(alert["clause"], "9.3.1");

    // The same page, not reloaded: the stream brings the new values and the banner.
    browser.wait_for(
        "the banner",
        r#"document.querySelector('.banner.firing[data-queue="south"]')"#,
    );
    assert!(
        browser.boards() > boards_before,
        "boards came over the stream"
    );
    let after = browser.html();
    let south = tile(&after, "south");
    assert_eq!(shown(south, "service_level"), "40.0 %", "{south}");
    assert_eq!(state_of(south, "service_level"), "breach");
    assert_eq!(shown(south, "offered"), "10");
    assert!(south.contains(r#"data-state="breach""#));
    assert!(
        south.contains("alerting"),
        "the tile of a firing queue is marked"
    );
    let north = tile(&after, "north");
    assert_eq!(shown(north, "service_level"), "100.0 %");
    assert_eq!(state_of(north, "service_level"), "met");
    assert!(!north.contains("alerting"));
    // The banner: one, for south, naming the clause and the criterion in English.
    let b = banner(&after);
    assert!(
        b.contains(r#"data-criterion="service_level_below_80""#),
        "{b}"
    );
    assert!(b.contains(r#"data-clause="9.3.1""#), "{b}");
    assert!(b.contains("clause 9.3.1"), "{b}");
    assert!(b.contains("Service level — queue south"), "{b}");
    assert!(b.contains("40.0 % &lt; 80.0 %"), "{b}");
    assert_eq!(after.matches(r#"class="banner firing""#).count(), 1);

    // In Chinese: the clause and the Chinese name lead.
    browser.goto(&format!("{}/?lang=zh", center.service.base));
    browser.wait_for(
        "the banner in Chinese",
        "document.querySelector('.banner.firing')",
    );
    let zh = browser.html();
    let b = banner(&zh);
    assert!(b.contains("条款 9.3.1"), "{b}");
    assert!(b.contains("服务水平 — 队列 south"), "{b}");
    browser.screenshot("breach-zh-1920x1080.png", 1920, 1080);
}

// ---- the board through the router, without a process ----------------------------------------

/// A profile with a per-queue override, a criterion switched off for one queue, and a
/// criterion without hysteresis. Kept here, not in `tests/fixtures/profiles/`: only this test
/// needs overrides, and its assertions read the numbers below.
const OVERRIDES: &str = r#"
[profile]
id = "overrides"
standard = "YD/T 2823-2015"
name_zh = "覆盖"
name_en = "Overrides"

[[criteria]]
id = "sl"
clause = "9.3.1"
name_zh = "服务水平"
name_en = "Service level"
metric = "service_level"
scope = "queue"
window = "15m"
comparison = "<"
threshold = 0.80
hysteresis = 0.02
for = "5m"
min_volume = 20
severity = "critical"

[criteria.overrides.q2]
threshold = 0.90
hysteresis = 0.03
min_volume = 5

[[criteria]]
id = "asa"
clause = "9.3.2"
name_zh = "平均应答速度"
name_en = "Average speed of answer"
metric = "asa_seconds"
scope = "queue"
window = "15m"
comparison = ">"
threshold = 30
for = "5m"
severity = "warning"

[criteria.overrides.q2]
enabled = false

[[criteria]]
id = "avail"
clause = "9.4.1"
name_zh = "系统可用性"
name_en = "Availability"
metric = "availability"
scope = "center"
window = "month"
comparison = "<"
threshold = 0.999
for = "0s"
severity = "critical"
"#;

#[tokio::test]
async fn the_board_carries_each_queues_own_targets_and_the_last_hour() {
    use crate::support::lines::{heartbeat, q1_threshold_calls};
    use crate::support::service::{feed_line, route_get};
    use callpulse::alert::Profile;
    use callpulse::service::alerts::LiveAlerts;
    use callpulse::service::{Shared, State};

    let cfg = crate::support::config("[engine]\nlateness = \"0s\"\n");
    let profile = Profile::parse(OVERRIDES, "overrides.toml").unwrap();
    let live = LiveAlerts::new(profile, &cfg.alerts, "http://x/api/v1/alerts".into()).unwrap();
    let shared = Shared::new(State::new(cfg, vec!["test".into()]).with_alerts(live));

    // Before any event: the board is there, empty.
    let (status, body) = route_get(&shared, "/api/v1/board").await;
    assert_eq!(status, 200, "{body}");
    let empty = json(&body);
    assert_eq!(empty["kpis"]["queues"].as_array().unwrap().len(), 0);
    assert!(empty["kpis"]["as_of"].is_null());
    assert_eq!(
        empty["default_lang"], "en",
        "another profile than the built-in one"
    );

    {
        let now = rfc3339::parse("2026-11-02T10:01:00Z").unwrap();
        let mut state = shared.lock();
        let mut lines = q1_threshold_calls();
        lines.push(heartbeat("2026-11-02T10:01:00Z"));
        for (i, line) in lines.iter().enumerate() {
            feed_line(&mut state, i as i64, line, now);
        }
        let _ = state.drain();
    }
    let b = json(&route_get(&shared, "/api/v1/board?window=60m").await.1);
    assert_eq!(b["kpis"]["window"], "60m");
    // The kpis part is /api/v1/kpis itself.
    let kpis = json(&route_get(&shared, "/api/v1/kpis?window=60m").await.1);
    assert_eq!(b["kpis"], kpis);

    let q1 = &b["targets"]["queues"]["q1"];
    assert_eq!(q1["service_level"]["threshold"], 0.8);
    assert_eq!(q1["service_level"]["at_risk"], 0.02);
    assert_eq!(q1["service_level"]["min_volume"], 20);
    assert_eq!(q1["service_level"]["window"], "15m");
    assert_eq!(q1["asa_seconds"]["comparison"], ">");
    assert_eq!(q1["asa_seconds"]["threshold"], 30.0);
    assert_eq!(
        q1["asa_seconds"]["at_risk"], 3.0,
        "no hysteresis: 10 % of 30 s"
    );
    let q2 = &b["targets"]["queues"]["q2"];
    assert_eq!(q2["service_level"]["threshold"], 0.9, "the override");
    assert_eq!(q2["service_level"]["at_risk"], 0.03);
    assert_eq!(q2["service_level"]["min_volume"], 5);
    assert!(q2.get("asa_seconds").is_none(), "switched off for q2: {q2}");
    let avail = &b["targets"]["center"]["availability"];
    assert_eq!(avail["clause"], "9.4.1");
    assert!(
        (avail["at_risk"].as_f64().unwrap() - 0.0005).abs() < 1e-12,
        "no hysteresis: half the way to 100 %: {avail}"
    );

    // The last hour in 5-minute buckets; the calls at 10:00 are in the newest one
    // (09:57–10:01, ending with the minute of the live clock), the service level that of
    // /api/v1/kpis.
    assert_eq!(
        b["trend"]["starts"][11], "2026-11-02T09:57:00Z",
        "{}",
        b["trend"]
    );
    assert_eq!(b["trend"]["starts"][0], "2026-11-02T09:02:00Z");
    let t = b["trend"]["queues"]["q1"].as_array().unwrap();
    assert_eq!(t.len(), 12);
    assert_eq!(t[11]["offered"], 4);
    assert_eq!(t[11]["service_level"], 0.5);
    assert!(t[..11]
        .iter()
        .all(|p| p["offered"] == 0 && p["service_level"].is_null()));
    assert_eq!(b["trend"]["center"][11]["offered"], 5);
    assert_eq!(b["alerts"], serde_json::json!([]), "nothing judged yet");

    // Without a profile: no targets, no alerts, Chinese by default.
    let plain = Shared::new(State::new(
        crate::support::config("[engine]\nlateness = \"0s\"\n"),
        vec!["test".into()],
    ));
    let b = json(&route_get(&plain, "/api/v1/board").await.1);
    assert!(b["alerts"].is_null() && b["profile"].is_null(), "{b}");
    assert_eq!(b["targets"]["center"], serde_json::json!({}));
    assert_eq!(b["default_lang"], "zh");
}
