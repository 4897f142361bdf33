//! A headless Chromium driven over the DevTools protocol on a pipe (see [`Browser`]): the
//! wallboard tests' browser, which loads a page, waits for what it expects, evaluates script
//! and takes screenshots.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long [`Browser::wait_for`] waits for what it expects (a loaded CI machine is slow).
const WAIT: Duration = Duration::from_secs(60);

/// The Chromium binary, or `None` (outside CI) when none is installed.
pub(crate) fn chromium() -> Option<&'static str> {
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

    /// Clicks the element `selector` finds, as the viewer would: the click counts as a user
    /// gesture (what a browser asks before it lets a page play sound).
    pub(crate) fn click(&mut self, selector: &str) {
        let r = self.call(
            "Runtime.evaluate",
            serde_json::json!({
                "expression": format!("document.querySelector({selector:?}).click()"),
                "userGesture": true,
            }),
        );
        assert!(r.get("exceptionDetails").is_none(), "{selector}: {r}");
    }

    /// Runs `script` in every page loaded from now on, before the page's own scripts (to
    /// record errors, or to stand in for an answer no real service configuration gives).
    pub(crate) fn before_load(&mut self, script: &str) {
        self.call("Page.enable", serde_json::json!({}));
        self.call(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({"source": script}),
        );
    }

    /// A PNG of the element `selector` matches (its bounding box, at the current size) in
    /// `<target>/wallboard-test/NAME`.
    pub(crate) fn screenshot_of(&mut self, selector: &str, name: &str) -> PathBuf {
        let rect = self.eval(&format!(
            "(() => {{ const r = document.querySelector({selector:?}).getBoundingClientRect(); \
             return [r.x + scrollX, r.y + scrollY, r.width, r.height]; }})()"
        ));
        let n = |i: usize| rect[i].as_f64().unwrap();
        let shot = self.call(
            "Page.captureScreenshot",
            serde_json::json!({"format": "png", "captureBeyondViewport": true,
                "clip": {"x": n(0), "y": n(1), "width": n(2), "height": n(3), "scale": 1}}),
        );
        let png = STANDARD
            .decode(shot["data"].as_str().unwrap())
            .expect("the screenshot is base64");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
        let file = screenshots().join(name);
        std::fs::write(&file, &png).unwrap();
        eprintln!("screenshot: {}", file.display());
        file
    }

    /// The page's DOM as HTML.
    pub(crate) fn html(&mut self) -> String {
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
    pub(crate) fn screenshot(&mut self, name: &str, width: u32, height: u32) -> PathBuf {
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
pub(crate) fn screenshots() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("wallboard-test");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
