//! The deployment files of `deploy/` against the code: the Grafana dashboard and the generated
//! rules ask only for series that callpulse exports (or that the rules record), and the
//! Dockerfile, docker-compose file, Kubernetes manifests and systemd unit parse, pass the
//! validators available (docker compose, kubernetes-validate, promtool,
//! amtool, systemd-analyze) and use callpulse's port, paths, probes, shutdown timeout and real
//! configuration keys.
//!
//! YAML is read through `tests/python/yaml_to_json.py` (PyYAML). A missing tool fails the test
//! under `CI=true` and skips it elsewhere, as in the other modules. The Docker image itself is
//! built only where a Docker daemon answers (none is installed for the tests).

use crate::support::service::Service;
use callpulse::alert::profile::Profile;
use callpulse::config::BUILT_IN_PROFILE;
use callpulse::config::{Config, Environment, RawConfig, DEFAULT_LISTEN};
use callpulse::service::alerts::LiveAlerts;
use callpulse::service::{metrics, Shared, State};
use callpulse::time::{Millis, MINUTE};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn deploy(path: &str) -> PathBuf {
    root().join("deploy").join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `true` when `program args` runs; otherwise fails under CI and says it skips elsewhere.
fn have(what: &str, program: &str, args: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{what} is missing under CI"
        );
        eprintln!("skipping: {what} not installed");
    }
    ok
}

/// Runs a command; panics with its output unless it succeeds. Returns stdout and stderr.
fn run(program: &str, args: &[&str]) -> (String, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{stdout}{stderr}"
    );
    (stdout, stderr)
}

fn pyyaml() -> bool {
    have(
        "PyYAML (python3 -m pip install PyYAML)",
        "python3",
        &[
            root()
                .join("tests/python/yaml_to_json.py")
                .to_str()
                .unwrap(),
            "--probe",
        ],
    )
}

/// Every YAML document of `path`.
fn yaml(path: &Path) -> Vec<Value> {
    let script = root().join("tests/python/yaml_to_json.py");
    let (out, _) = run(
        "python3",
        &[script.to_str().unwrap(), path.to_str().unwrap()],
    );
    let mut files: Vec<Value> = serde_json::from_str(&out).unwrap();
    match files.pop().unwrap()["documents"].take() {
        Value::Array(docs) => docs,
        other => panic!("{other}"),
    }
}

fn one_yaml(path: &Path) -> Value {
    let mut docs = yaml(path);
    assert_eq!(docs.len(), 1, "{}: one document", path.display());
    docs.pop().unwrap()
}

/// A YAML list of strings (volumes, arguments).
fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_else(|| panic!("not a string: {s}")))
        .collect()
}

fn str_of<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what}: not a string: {v}"))
}

/// The default listen port of the code (9898).
fn port() -> u16 {
    DEFAULT_LISTEN.rsplit_once(':').unwrap().1.parse().unwrap()
}

/// The default `service.shutdown_timeout`.
fn shutdown_timeout() -> Millis {
    Config::default().service.shutdown_timeout
}

/// `30s`, `1m30s`, `2min` as systemd, compose and Kubernetes write them.
fn seconds(text: &str) -> f64 {
    let mut total = 0.0;
    let mut number = String::new();
    let mut unit = String::new();
    let mut flush = |number: &mut String, unit: &mut String| {
        if number.is_empty() {
            return;
        }
        let n: f64 = number.parse().unwrap_or_else(|_| panic!("{text}"));
        total += n * match unit.as_str() {
            "" | "s" | "sec" => 1.0,
            "ms" => 0.001,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            u => panic!("unit {u} in {text}"),
        };
        number.clear();
        unit.clear();
    };
    for c in text.trim().chars() {
        if c.is_ascii_digit() || c == '.' {
            if !unit.is_empty() {
                flush(&mut number, &mut unit);
            }
            number.push(c);
        } else if !c.is_whitespace() {
            unit.push(c);
        }
    }
    flush(&mut number, &mut unit);
    total
}

// ---- Metric names in PromQL ----------------------------------------------------------------

/// PromQL's functions, aggregations and keywords: identifiers that are never metric names.
const PROMQL_WORDS: &[&str] = &[
    // keywords and set operators
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "atan2",
    "inf",
    "nan",
    "start",
    "end",
    // aggregations
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
    // functions
    "abs",
    "absent",
    "absent_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "delta",
    "deriv",
    "exp",
    "floor",
    "histogram_avg",
    "histogram_count",
    "histogram_sum",
    "histogram_fraction",
    "histogram_quantile",
    "histogram_stddev",
    "histogram_stdvar",
    "holt_winters",
    "double_exponential_smoothing",
    "hour",
    "idelta",
    "increase",
    "irate",
    "label_join",
    "label_replace",
    "ln",
    "log2",
    "log10",
    "minute",
    "month",
    "predict_linear",
    "rate",
    "resets",
    "round",
    "scalar",
    "sgn",
    "sort",
    "sort_desc",
    "sort_by_label",
    "sort_by_label_desc",
    "sqrt",
    "time",
    "timestamp",
    "vector",
    "year",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "quantile_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "last_over_time",
    "present_over_time",
    "mad_over_time",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "cos",
    "cosh",
    "sin",
    "sinh",
    "tan",
    "tanh",
    "deg",
    "rad",
    "pi",
    // Grafana's variable functions
    "label_values",
    "label_names",
    "metrics",
    "query_result",
];

const GROUPING: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// The metric names a PromQL expression selects: identifiers outside strings, label
/// matchers `{...}`, ranges `[...]`, grouping label lists and Grafana variables (`$queue`,
/// `${queue}`), that are neither numbers nor PromQL's functions and keywords. A name written
/// as `{__name__="x"}` is taken too.
pub fn metric_names(expr: &str) -> BTreeSet<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    let ident_start = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':';
    let ident_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    // Skips a balanced bracket from `i` (at the opening one); returns the text inside.
    let skip = |i: &mut usize, open: char, close: char| -> String {
        let mut depth = 0;
        let mut inside = String::new();
        let mut quote: Option<char> = None;
        while *i < chars.len() {
            let c = chars[*i];
            *i += 1;
            if let Some(q) = quote {
                if c == '\\' {
                    inside.push(c);
                    if *i < chars.len() {
                        inside.push(chars[*i]);
                    }
                    *i += 1;
                    continue;
                }
                if c == q {
                    quote = None;
                }
                inside.push(c);
                continue;
            }
            match c {
                '"' | '\'' | '`' => quote = Some(c),
                c if c == open => {
                    depth += 1;
                    if depth == 1 {
                        continue;
                    }
                }
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return inside;
                    }
                }
                _ => {}
            }
            inside.push(c);
        }
        inside
    };
    let mut last_word = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c == '{' {
            let inside = skip(&mut i, '{', '}');
            if let Some(rest) = inside.split("__name__").nth(1) {
                let name: String = rest
                    .trim_start_matches(|c: char| c.is_whitespace() || c == '=' || c == '"')
                    .chars()
                    .take_while(|&c| ident_char(c))
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else if c == '[' {
            skip(&mut i, '[', ']');
        } else if c == '(' && GROUPING.contains(&last_word.as_str()) {
            skip(&mut i, '(', ')');
            last_word.clear();
        } else if c == '$' {
            i += 1;
            if i < chars.len() && chars[i] == '{' {
                skip(&mut i, '{', '}');
            } else {
                while i < chars.len() && ident_char(chars[i]) {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            // A number or a duration: 0.8, 1e3, 0x1F, 15m, 1h30m.
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '.'
                    || ((chars[i] == '+' || chars[i] == '-') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
        } else if ident_start(c) {
            let start = i;
            while i < chars.len() && ident_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            let call = j < chars.len() && chars[j] == '(';
            let lower = word.to_ascii_lowercase();
            if !call && !PROMQL_WORDS.contains(&lower.as_str()) {
                out.insert(word.clone());
            }
            last_word = lower;
            continue;
        } else {
            i += 1;
        }
        if !c.is_whitespace() {
            last_word.clear();
        }
    }
    out
}

#[test]
fn metric_names_are_taken_from_promql_and_nothing_else() {
    let names = metric_names(
        r#"sum by (queue) (increase(callpulse_calls_offered_total{queue=~"$queue", window="15m"}[15m] offset 1h))
           / on (queue) group_left(instance) max without (instance) (queue:callpulse_asa_seconds:15m > bool 20)
           or vector(0) * 1e3 + count(ALERTS{alertstate="firing"}) and {__name__="callpulse_ready"}
           unless clamp_min(rate(callpulse_wait_seconds_bucket[${__rate_interval}]), 0.5)"#,
    );
    let expected: BTreeSet<String> = [
        "ALERTS",
        "callpulse_calls_offered_total",
        "callpulse_ready",
        "callpulse_wait_seconds_bucket",
        "queue:callpulse_asa_seconds:15m",
    ]
    .map(String::from)
    .into();
    assert_eq!(names, expected);
    assert_eq!(
        metric_names("label_values(callpulse_queue_threshold_seconds, queue)"),
        BTreeSet::from([
            "callpulse_queue_threshold_seconds".to_string(),
            "queue".to_string()
        ]),
        "label_values: the label is an identifier too, taken out by the caller"
    );
}

/// The sample names of a text exposition.
fn exported(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_string())
        .collect()
}

/// Every PromQL expression of the dashboard (panel targets, variable queries, annotations),
/// with where it is.
fn dashboard_exprs(dashboard: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                let here = map
                    .get("title")
                    .or_else(|| map.get("name"))
                    .and_then(Value::as_str)
                    .map(|t| format!("{at} / {t}"))
                    .unwrap_or_else(|| at.to_string());
                for (k, child) in map {
                    match (k.as_str(), child) {
                        ("expr", Value::String(e)) => out.push((here.clone(), e.clone())),
                        ("definition", Value::String(e)) => out.push((here.clone(), e.clone())),
                        _ => walk(child, &here, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|c| walk(c, at, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for part in ["panels", "templating", "annotations"] {
        walk(&dashboard[part], "dashboard", &mut out);
    }
    out
}

fn dashboard() -> Value {
    let path = deploy("grafana/dashboards/callpulse.json");
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The generated rules: recorded names, and every expression with the rule's name.
fn rules() -> (BTreeSet<String>, Vec<(String, String)>) {
    let doc = one_yaml(&deploy("prometheus/callpulse.rules.yml"));
    let mut recorded = BTreeSet::new();
    let mut exprs = Vec::new();
    for group in doc["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            let name = rule
                .get("record")
                .or_else(|| rule.get("alert"))
                .and_then(Value::as_str)
                .unwrap()
                .to_string();
            if rule.get("record").is_some() {
                recorded.insert(name.clone());
            }
            exprs.push((
                format!("rule {name}"),
                str_of(&rule["expr"], &name).to_string(),
            ));
        }
    }
    (recorded, exprs)
}

/// Series Prometheus makes itself: alert states of the rules, and the scrape health.
const PROMETHEUS_OWN: &[&str] = &["ALERTS", "ALERTS_FOR_STATE", "up"];

/// The exposition of a service state fed the scenario of `prometheus_rules` (every kind of
/// event: forecasts, surveys, complaints, an outage), 100 minutes of it: series the demo's
/// simulator never makes (it sends no forecasts) are exported there.
fn fed_state_exposition() -> String {
    let mut cfg = Config::default();
    cfg.engine.lateness = 0;
    cfg.engine.grace = MINUTE;
    cfg.alerts.every = MINUTE;
    // The window sums are those the profile's criteria judge.
    let profile = Profile::load(BUILT_IN_PROFILE).unwrap();
    let alerts = LiveAlerts::new(profile, &cfg.alerts, "http://test/api/v1/alerts".into()).unwrap();
    let shared = Shared::new(State::new(cfg, vec!["scenario".into()]).with_alerts(alerts));
    let registry = metrics::registry(&shared);
    let events = crate::prometheus_rules::scenario();
    let end = crate::prometheus_rules::T0 + 100 * MINUTE;
    {
        let mut state = shared.lock();
        for (n, (_, line)) in events.iter().take_while(|(t, _)| *t < end).enumerate() {
            crate::support::service::feed_line(&mut state, n as i64, line, end);
        }
        state.idle_advance(end);
        state.drain();
    }
    metrics::render(&registry)
}

#[test]
fn every_series_of_the_dashboard_and_the_rules_is_exported_by_callpulse() {
    if !pyyaml() {
        return;
    }
    // A live `callpulse demo`, once its window sums are there.
    let demo = Service::start(&["demo", "--backfill", "2h"], &[]);
    let live = demo.wait_for("the demo's window sums", Duration::from_secs(60), |text| {
        (text.contains("callpulse_window_calls_offered{")
            && text.contains("callpulse_center_window_monitored_seconds{"))
        .then(|| text.to_string())
    });
    let mut have = exported(&live);
    let demo_names = have.len();
    have.extend(exported(&fed_state_exposition()));
    assert!(
        demo_names > 80 && have.contains("callpulse_window_forecast_calls"),
        "the expositions look too small: {have:?}"
    );
    let (recorded, rule_exprs) = rules();
    have.extend(recorded.iter().cloned());
    have.extend(PROMETHEUS_OWN.iter().map(|s| s.to_string()));

    let dash = dashboard();
    let mut exprs = dashboard_exprs(&dash);
    let dashboard_count = exprs.len();
    exprs.extend(rule_exprs);
    // Labels named in label_values(metric, label) are not metric names.
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut used = BTreeSet::new();
    for (at, expr) in &exprs {
        let mut names = metric_names(expr);
        if let Some(args) = expr.trim().strip_prefix("label_values(") {
            if let Some((_, label)) = args.trim_end_matches(')').rsplit_once(',') {
                names.remove(label.trim());
            }
        }
        assert!(!names.is_empty(), "{at}: no metric in {expr:?}");
        for name in names {
            if !have.contains(&name) {
                missing.entry(name.clone()).or_default().push(at.clone());
            }
            used.insert(name);
        }
    }
    // The dashboard is built on the recording rules.
    for rule in [
        "queue:callpulse_service_level:15m",
        "queue:callpulse_answer_rate:60m",
        "queue:callpulse_asa_seconds:15m",
        "center:callpulse_availability:month",
        "center:callpulse_service_level:day",
    ] {
        assert!(
            dashboard_exprs(&dash).iter().any(|(_, e)| e.contains(rule)),
            "the dashboard does not show {rule}"
        );
    }
    assert!(dashboard_count >= 20, "{dashboard_count} expressions");
    assert!(
        missing.is_empty(),
        "{} series used in deploy/ are not exported by callpulse (nor recorded by the rules):\n{}",
        missing.len(),
        missing
            .iter()
            .map(|(name, at)| format!("  {name}  (in {})", at.join("; ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "{} series checked in {} expressions",
        used.len(),
        exprs.len()
    );
}

// ---- Grafana --------------------------------------------------------------------------------

#[test]
fn the_dashboard_is_a_grafana_dashboard_with_a_queue_variable_on_a_prometheus_datasource() {
    let dash = dashboard();
    assert_eq!(dash["uid"], "callpulse-kpis");
    assert!(dash["schemaVersion"].as_u64().unwrap() >= 39);
    assert!(dash["title"].as_str().unwrap().contains("callpulse"));
    let vars = dash["templating"]["list"].as_array().unwrap();
    let var = |name: &str| {
        vars.iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no variable {name}"))
    };
    assert_eq!(var("datasource")["type"], "datasource");
    assert_eq!(var("datasource")["query"], "prometheus");
    let queue = var("queue");
    assert_eq!(queue["type"], "query");
    assert!(queue["definition"]
        .as_str()
        .unwrap()
        .starts_with("label_values("));
    assert_eq!(queue["query"]["query"], queue["definition"]);
    assert_eq!(queue["includeAll"], true);
    assert_eq!(queue["multi"], true);

    // Every panel: a unique id, inside the 24-column grid, no overlap; every query on the
    // dashboard's datasource variable; the per-queue panels filter by $queue.
    let mut ids = BTreeSet::new();
    let mut cells: BTreeMap<(u64, u64), u64> = BTreeMap::new();
    let panels = dash["panels"].as_array().unwrap();
    let mut filtered = 0;
    for p in panels {
        let id = p["id"].as_u64().unwrap();
        assert!(ids.insert(id), "panel id {id} twice");
        let g = &p["gridPos"];
        let (x, y, w, h) = (
            g["x"].as_u64().unwrap(),
            g["y"].as_u64().unwrap(),
            g["w"].as_u64().unwrap(),
            g["h"].as_u64().unwrap(),
        );
        assert!(x + w <= 24 && w > 0 && h > 0, "panel {id}: {g}");
        for cx in x..x + w {
            for cy in y..y + h {
                if let Some(other) = cells.insert((cx, cy), id) {
                    panic!("panels {other} and {id} overlap at {cx},{cy}");
                }
            }
        }
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(p["datasource"]["uid"], "${datasource}", "panel {id}");
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "panel {id} has no query");
        for t in targets {
            assert_eq!(t["datasource"]["uid"], "${datasource}", "panel {id}");
            if t["expr"].as_str().unwrap().contains("$queue") {
                filtered += 1;
            }
        }
    }
    assert!(filtered >= 10, "{filtered} queries filter by $queue");
    assert!(
        panels
            .iter()
            .any(|p| p["type"] == "row" && p["repeat"] == "queue"),
        "a row repeated per queue"
    );
    let titles: Vec<&str> = panels
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    for want in [
        "Service level",
        "Answer rate",
        "Average speed of answer",
        "Calls waiting",
        "Availability",
        "Staffing gap",
        "Alerts",
    ] {
        assert!(
            titles.iter().any(|t| t.contains(want)),
            "no panel about {want}: {titles:?}"
        );
    }
}

#[test]
fn grafana_provisioning_loads_the_dashboard_from_where_compose_mounts_it() {
    if !pyyaml() {
        return;
    }
    let ds = one_yaml(&deploy("grafana/provisioning/datasources/prometheus.yml"));
    assert_eq!(ds["apiVersion"], 1);
    let source = &ds["datasources"][0];
    assert_eq!(source["type"], "prometheus");
    let dash = dashboard();
    let default = &dash["templating"]["list"][0]["current"]["value"];
    assert_eq!(
        &source["uid"], default,
        "the dashboard's default datasource"
    );
    let url = str_of(&source["url"], "url");

    let provider = one_yaml(&deploy("grafana/provisioning/dashboards/callpulse.yml"));
    assert_eq!(provider["apiVersion"], 1);
    let path = str_of(&provider["providers"][0]["options"]["path"], "path");

    let compose = one_yaml(&deploy("docker-compose.yml"));
    let grafana = &compose["services"]["grafana"];
    let mounts: Vec<&str> = strings(&grafana["volumes"]);
    assert!(
        mounts.contains(&format!("./grafana/dashboards:{path}:ro").as_str()),
        "{mounts:?} does not mount the dashboards at {path}"
    );
    for dir in ["datasources", "dashboards"] {
        let mount = format!("./grafana/provisioning/{dir}:/etc/grafana/provisioning/{dir}:ro");
        assert!(mounts.contains(&mount.as_str()), "{mount} in {mounts:?}");
    }
    let home = str_of(
        &grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"],
        "home",
    );
    assert_eq!(home, format!("{path}/callpulse.json"));
    assert!(compose["services"].get("prometheus").is_some());
    assert_eq!(
        url, "http://prometheus:9090",
        "the compose service's name and port"
    );
}

// ---- Configuration keys in the deployment files -------------------------------------------

/// Checks `vars` against callpulse's configuration: each is a key the environment overrides
/// (or `CALLPULSE_LOG`), the values validate, and each `CALLPULSE_KAFKA_CLIENT_*` is a
/// librdkafka property. Returns the validated configuration.
fn check_variables(file: &str, vars: &BTreeMap<String, String>, base: Option<&str>) -> Config {
    assert!(!vars.is_empty(), "{file}: no CALLPULSE_* variable");
    let env = Environment::from_pairs(vars.clone());
    let text = base.unwrap_or("");
    let (raw, used) =
        RawConfig::from_text(text, file, &env).unwrap_or_else(|e| panic!("{file}: {e}"));
    for var in vars.keys() {
        assert!(
            var == "CALLPULSE_LOG" || used.contains(var),
            "{file}: {var} is not a configuration key of callpulse"
        );
    }
    let cfg = raw
        .validate()
        .unwrap_or_else(|p| panic!("{file}: invalid configuration: {p:?}"));
    // librdkafka refuses a property it does not know when the client is made.
    let mut client = rdkafka::ClientConfig::new();
    client
        .set("group.id", "check")
        .set("bootstrap.servers", "127.0.0.1:1");
    for (k, v) in &cfg.kafka.client {
        client.set(k, v);
    }
    if let Err(e) = client.create::<rdkafka::consumer::BaseConsumer>() {
        panic!("{file}: librdkafka refuses {:?}: {e}", cfg.kafka.client);
    }
    cfg
}

/// Every `CALLPULSE_*` word of a text, for files whose variables are checked one by one.
fn variables_named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("CALLPULSE_") {
        let name: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !name.ends_with('_') {
            out.insert(name);
        }
    }
    out
}

/// Whether `var` is a variable callpulse reads: a key of the configuration, a librdkafka
/// setting (`CALLPULSE_KAFKA_CLIENT_*`) or the log filter.
fn is_key(var: &str) -> bool {
    if var == "CALLPULSE_LOG" {
        return true;
    }
    if let Some(setting) = var.strip_prefix("CALLPULSE_KAFKA_CLIENT_") {
        return !setting.is_empty();
    }
    // A value of the wrong type is refused naming the variable: it is a key all the same.
    match RawConfig::from_text("", "check", &Environment::from_pairs([(var, "x")])) {
        Ok((_, used)) => used.iter().any(|u| u == var),
        Err(e) => e.to_string().contains(var),
    }
}

/// The book's Deployment page (it was the README's `## Deployment` section).
fn readme_deployment_section() -> String {
    read(&root().join("docs/src/operator/deployment.md"))
}

#[test]
fn every_callpulse_variable_named_in_deploy_is_a_configuration_key() {
    let mut texts: Vec<(String, String)> = [
        deploy("Dockerfile"),
        deploy("docker-compose.yml"),
        deploy("systemd/callpulse.service"),
    ]
    .into_iter()
    .chain(
        std::fs::read_dir(deploy("kubernetes"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    )
    .map(|f| (f.display().to_string(), read(&f)))
    .collect();
    texts.push((
        "docs/src/operator/deployment.md".into(),
        readme_deployment_section(),
    ));
    let mut seen = 0;
    for (name, text) in texts {
        for var in variables_named(&text) {
            assert!(
                is_key(&var),
                "{name}: {var} is not a configuration key of callpulse"
            );
            seen += 1;
        }
    }
    assert!(seen >= 10, "{seen} variables");
    assert!(!is_key("CALLPULSE_HTTP_LISTN"));
    assert!(is_key("CALLPULSE_SERVICE_READY_MAX_LAG"));
}

fn listen_port(cfg: &Config) -> u16 {
    cfg.service.listen.port()
}

// ---- Dockerfile -----------------------------------------------------------------------------

#[test]
fn the_dockerfile_builds_in_stages_and_runs_as_a_user_on_the_port_with_a_health_check() {
    let text = read(&deploy("Dockerfile"));
    // Instructions, with continuation lines joined.
    let joined = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("\\\n", " ");
    let instructions: Vec<(String, String)> = joined
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (op, rest) = l.trim().split_once(' ').unwrap();
            (op.to_uppercase(), rest.trim().to_string())
        })
        .collect();
    let all = |op: &str| -> Vec<&str> {
        instructions
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, r)| r.as_str())
            .collect()
    };
    let froms = all("FROM");
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    assert!(froms[0].starts_with("rust:") && froms[0].ends_with(" AS build"));
    let runtime = froms.last().unwrap();
    assert!(
        runtime.starts_with("debian:") && runtime.contains("-slim"),
        "{runtime}"
    );
    // The build stage installs librdkafka's build needs, as .ci/test does.
    let runs = all("RUN").join("\n");
    for dep in [
        "gcc",
        "g++",
        "make",
        "pkg-config",
        "libssl-dev",
        "zlib1g-dev",
    ] {
        assert!(runs.contains(dep), "the build stage lacks {dep}");
    }
    // Every COPY from the context names something that exists.
    for copy in all("COPY") {
        if copy.starts_with("--from") {
            continue;
        }
        let parts: Vec<&str> = copy.split_whitespace().collect();
        for src in &parts[..parts.len() - 1] {
            assert!(
                root().join(src).exists(),
                "COPY {src}: not in the repository"
            );
        }
    }
    // Runtime: the user, the port, the health check, the paths.
    let user = all("USER");
    let user = user.last().expect("a USER");
    assert!(
        !user.starts_with("root") && !user.starts_with("0"),
        "{user}"
    );
    assert_eq!(all("EXPOSE"), [port().to_string()]);
    let health = all("HEALTHCHECK").join(" ");
    assert!(
        health.contains(&format!("http://127.0.0.1:{}/healthz", port())),
        "{health}"
    );
    let mut env = BTreeMap::new();
    for line in all("ENV") {
        for pair in line.split_whitespace() {
            let (k, v) = pair.split_once('=').expect("ENV KEY=VALUE");
            env.insert(k.to_string(), v.to_string());
        }
    }
    let cfg = check_variables("deploy/Dockerfile", &env, None);
    assert_eq!(listen_port(&cfg), port());
    assert!(
        cfg.service.listen.ip().is_unspecified(),
        "listen on every interface"
    );
    let store = cfg.evidence.path.clone().expect("an evidence store");
    let volume = all("VOLUME").join(" ");
    let state_dir = store.parent().unwrap().display().to_string();
    assert!(
        volume.contains(&format!("\"{state_dir}\"")),
        "VOLUME {volume}"
    );
    assert_eq!(all("WORKDIR").last().unwrap(), &state_dir);
    let cmd = all("CMD").join(" ");
    let copied_config = all("COPY")
        .iter()
        .find_map(|c| c.strip_prefix("config/callpulse.toml "))
        .expect("the config file is copied")
        .to_string();
    assert!(
        cmd.contains(&format!("\"--config\", \"{copied_config}\"")),
        "{cmd}"
    );
    assert!(all("ENTRYPOINT")
        .join("")
        .contains("/usr/local/bin/callpulse"));

    // The image itself, where a Docker daemon answers (none is installed for the tests).
    let daemon = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if daemon && std::env::var("CALLPULSE_DOCKER_BUILD").as_deref() == Ok("1") {
        run(
            "docker",
            &[
                "build",
                "-f",
                "deploy/Dockerfile",
                "-t",
                "callpulse:test",
                ".",
            ],
        );
    } else {
        eprintln!(
            "not building the image: set CALLPULSE_DOCKER_BUILD=1 where a Docker daemon runs"
        );
    }
}

// ---- docker compose -------------------------------------------------------------------------

/// `docker compose` (the plugin) or `docker-compose` (Debian's package).
fn compose_command() -> Option<(&'static str, Vec<&'static str>)> {
    let plugin = Command::new("docker")
        .args(["compose", "version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if plugin {
        return Some(("docker", vec!["compose"]));
    }
    have(
        "docker compose (Debian: docker-compose)",
        "docker-compose",
        &["version"],
    )
    .then(|| ("docker-compose", vec![]))
}

#[test]
fn the_compose_file_is_valid_and_wires_kafka_callpulse_prometheus_alertmanager_and_grafana() {
    if !pyyaml() {
        return;
    }
    let file = deploy("docker-compose.yml");
    let compose = one_yaml(&file);
    let services = compose["services"].as_object().unwrap();
    for s in [
        "kafka",
        "callpulse",
        "prometheus",
        "alertmanager",
        "grafana",
    ] {
        assert!(services.contains_key(s), "no service {s}");
    }
    assert!(str_of(&services["kafka"]["image"], "kafka").starts_with("apache/kafka:"));
    let kafka_env = &services["kafka"]["environment"];
    assert_eq!(
        kafka_env["KAFKA_PROCESS_ROLES"], "broker,controller",
        "KRaft"
    );

    let cp = &services["callpulse"];
    assert_eq!(cp["build"]["dockerfile"], "deploy/Dockerfile");
    assert!(root().join("deploy/Dockerfile").exists());
    let env: BTreeMap<String, String> = cp["environment"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), String::from)))
        .collect();
    let cfg = check_variables("deploy/docker-compose.yml", &env, None);
    assert!(
        cfg.kafka.brokers.starts_with("kafka:9092"),
        "{}",
        cfg.kafka.brokers
    );
    assert_eq!(
        kafka_env["KAFKA_ADVERTISED_LISTENERS"], "PLAINTEXT://kafka:9092",
        "the address callpulse is given"
    );
    assert!(cfg.kafka.client.contains_key("group.instance.id"));
    let p = listen_port(&cfg);
    assert_eq!(p, port());
    assert_eq!(cp["ports"][0], format!("127.0.0.1:{p}:{p}"));
    let grace = seconds(str_of(&cp["stop_grace_period"], "stop_grace_period"));
    assert!(
        grace * 1000.0 > cfg.service.shutdown_timeout as f64,
        "stop_grace_period {grace}s ≤ shutdown_timeout"
    );
    let store = cfg.evidence.path.unwrap();
    let volumes: Vec<&str> = strings(&cp["volumes"]);
    assert!(
        volumes
            .iter()
            .any(|v| v.ends_with(&format!(":{}", store.parent().unwrap().display()))),
        "{volumes:?} keeps no evidence store"
    );

    // Prometheus: its config and the generated rules, mounted side by side; its targets.
    let prom = &services["prometheus"];
    let mounts: Vec<&str> = strings(&prom["volumes"]);
    assert!(
        mounts.contains(&"./prometheus/callpulse.rules.yml:/etc/prometheus/callpulse.rules.yml:ro")
    );
    assert!(mounts.contains(&"./compose/prometheus.yml:/etc/prometheus/prometheus.yml:ro"));
    let prom_cfg = one_yaml(&deploy("compose/prometheus.yml"));
    assert_eq!(prom_cfg["rule_files"][0], "callpulse.rules.yml");
    assert_eq!(
        prom_cfg["scrape_configs"][0]["static_configs"][0]["targets"][0],
        format!("callpulse:{p}")
    );
    assert_eq!(
        prom_cfg["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"][0],
        "alertmanager:9093"
    );
    let am_mounts = services["alertmanager"]["volumes"][0].as_str().unwrap();
    assert!(am_mounts.starts_with("./prometheus/alertmanager.yml:"));

    // Every file a service mounts exists.
    for (name, svc) in services {
        for v in svc["volumes"].as_array().into_iter().flatten() {
            let v = v.as_str().unwrap();
            if let Some(local) = v.strip_prefix("./") {
                let local = local.split(':').next().unwrap();
                assert!(
                    deploy(local).exists(),
                    "service {name} mounts missing {local}"
                );
            }
        }
    }

    if have("promtool", "promtool", &["--version"]) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            deploy("compose/prometheus.yml"),
            dir.path().join("prometheus.yml"),
        )
        .unwrap();
        std::fs::copy(
            deploy("prometheus/callpulse.rules.yml"),
            dir.path().join("callpulse.rules.yml"),
        )
        .unwrap();
        let (out, err) = run(
            "promtool",
            &[
                "check",
                "config",
                dir.path().join("prometheus.yml").to_str().unwrap(),
            ],
        );
        assert!(
            format!("{out}{err}").contains("1 rule files found"),
            "{out}{err}"
        );
    }
    if let Some((program, base)) = compose_command() {
        let dir = tempfile::tempdir().unwrap();
        let env_file = dir.path().join("compose.env");
        std::fs::write(&env_file, "GRAFANA_ADMIN_PASSWORD=a-long-test-password\n").unwrap();
        for profile in [&[][..], &["--profile", "demo"][..]] {
            let mut args = base.clone();
            args.extend(["-f", "deploy/docker-compose.yml"]);
            args.extend(["--env-file", env_file.to_str().unwrap()]);
            args.extend(profile);
            args.extend(["config", "--quiet"]);
            run(program, &args);
        }
        // The shipped example, copied unedited, is refused: no default password.
        let mut args = base.clone();
        let example = deploy(".env.example");
        args.extend(["-f", "deploy/docker-compose.yml", "--env-file"]);
        args.extend([example.to_str().unwrap(), "config", "--quiet"]);
        let out = Command::new(program)
            .args(&args)
            .env_remove("GRAFANA_ADMIN_PASSWORD")
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            !out.status.success()
                && String::from_utf8_lossy(&out.stderr).contains("GRAFANA_ADMIN_PASSWORD"),
            "compose starts Grafana without an admin password: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Finding 6 of issue 15: compose published Alertmanager, Prometheus and Grafana (admin/admin)
/// on every interface. Only callpulse and Grafana are published, on loopback; Grafana's admin
/// password comes from deploy/.env (ignored by git), never from the compose file.
#[test]
fn compose_publishes_only_callpulse_and_grafana_on_loopback_and_no_default_password() {
    if !pyyaml() {
        return;
    }
    let compose = one_yaml(&deploy("docker-compose.yml"));
    let services = compose["services"].as_object().unwrap();
    let mut published = BTreeSet::new();
    for (name, svc) in services {
        for port in svc["ports"].as_array().into_iter().flatten() {
            let port = str_of(port, "a port");
            assert!(
                port.starts_with("127.0.0.1:") && !port.contains("0.0.0.0"),
                "service {name} publishes {port:?} beyond loopback"
            );
            published.insert(name.as_str());
        }
        assert!(
            svc.get("network_mode").map_or(true, |m| m != "host"),
            "service {name} shares the host's network"
        );
    }
    assert_eq!(published, BTreeSet::from(["callpulse", "grafana"]));
    let text = read(&deploy("docker-compose.yml"));
    assert!(!text.contains("admin/admin") && !text.contains("admin / admin"));
    let grafana_env = &services["grafana"]["environment"];
    assert_eq!(
        grafana_env["GF_SECURITY_ADMIN_PASSWORD"]
            .as_str()
            .and_then(|v| v.strip_prefix("${GRAFANA_ADMIN_PASSWORD:?")),
        Some("set GRAFANA_ADMIN_PASSWORD in deploy/.env (copy deploy/.env.example)}"),
        "the password is required from the environment file, with no default"
    );
    for (k, v) in grafana_env.as_object().unwrap() {
        let v = v.as_str().unwrap_or_default();
        assert!(
            (!k.contains("PASSWORD") || v.starts_with("${")) && v != "admin",
            "{k} = {v:?} is written in the compose file"
        );
    }
    let example = read(&deploy(".env.example"));
    assert!(
        example.lines().any(|l| l == "GRAFANA_ADMIN_PASSWORD="),
        "the example holds no password: {example}"
    );
    assert!(
        read(&root().join(".gitignore"))
            .lines()
            .any(|l| l == "deploy/.env"),
        "deploy/.env is never committed"
    );
}

// ---- Kubernetes -----------------------------------------------------------------------------

fn container(statefulset: &Value) -> &Value {
    &statefulset["spec"]["template"]["spec"]["containers"][0]
}

#[test]
fn the_kubernetes_manifests_run_a_statefulset_of_one_consumer_group_with_probes_and_a_budget() {
    if !pyyaml() {
        return;
    }
    let dir = deploy("kubernetes");
    let kustomization = one_yaml(&dir.join("kustomization.yaml"));
    let mut docs = Vec::new();
    for file in kustomization["resources"].as_array().unwrap() {
        let file = dir.join(str_of(file, "resource"));
        docs.extend(yaml(&file));
    }
    let find = |kind: &str, name: &str| -> &Value {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    let sts = find("StatefulSet", "callpulse");
    let spec = &sts["spec"];
    assert!(spec["replicas"].as_u64().unwrap() >= 2, "several replicas");
    let selector = &spec["selector"]["matchLabels"];
    let pod = &spec["template"];
    for (k, v) in selector.as_object().unwrap() {
        assert_eq!(
            &pod["metadata"]["labels"][k], v,
            "the selector matches the pods"
        );
    }

    // The configuration: the ConfigMap's file with the container's variables over it.
    let cm = find("ConfigMap", "callpulse-config");
    let toml = str_of(&cm["data"]["callpulse.toml"], "callpulse.toml");
    let c = container(sts);
    let args: Vec<&str> = strings(&c["args"]);
    assert_eq!(args[0], "run");
    let config_at = args[args.iter().position(|a| *a == "--config").unwrap() + 1];
    let mounts = c["volumeMounts"].as_array().unwrap();
    let mount_of = |volume: &str| -> &str {
        mounts
            .iter()
            .find(|m| m["name"] == volume)
            .and_then(|m| m["mountPath"].as_str())
            .unwrap_or_else(|| panic!("no mount of {volume}"))
    };
    assert_eq!(config_at, format!("{}/callpulse.toml", mount_of("config")));
    let volumes = pod["spec"]["volumes"].as_array().unwrap();
    assert!(volumes
        .iter()
        .any(|v| v["name"] == "config" && v["configMap"]["name"] == "callpulse-config"));
    let mut env = BTreeMap::new();
    let mut from_pod_name = Vec::new();
    for e in c["env"].as_array().unwrap() {
        let name = str_of(&e["name"], "env").to_string();
        let value = match (&e["value"], &e["valueFrom"]["fieldRef"]["fieldPath"]) {
            (Value::String(v), _) => v.clone(),
            (_, Value::String(field)) => {
                assert_eq!(field, "metadata.name");
                from_pod_name.push(name.clone());
                "callpulse-0".to_string()
            }
            _ => panic!("{e}"),
        };
        env.insert(name, value);
    }
    assert_eq!(
        from_pod_name,
        ["CALLPULSE_KAFKA_CLIENT_GROUP_INSTANCE_ID"],
        "group.instance.id is the pod's name"
    );
    let cfg = check_variables("deploy/kubernetes (ConfigMap + env)", &env, Some(toml));
    assert_eq!(cfg.kafka.client["group.instance.id"], "callpulse-0");
    let p = listen_port(&cfg);
    assert_eq!(p, port());
    assert!(cfg.service.listen.ip().is_unspecified());

    // The evidence store on the pod's own volume.
    let store = cfg.evidence.path.clone().expect("an evidence store");
    let claims = spec["volumeClaimTemplates"].as_array().unwrap();
    assert_eq!(claims.len(), 1);
    let claim = str_of(&claims[0]["metadata"]["name"], "claim");
    assert_eq!(
        Path::new(mount_of(claim)),
        store.parent().unwrap(),
        "the evidence store is on the claimed volume"
    );
    assert!(cfg.evidence.checkpoint_every.is_some(), "checkpoints on");
    assert_eq!(
        spec["persistentVolumeClaimRetentionPolicy"]["whenScaled"],
        "Retain"
    );

    // Port, probes, shutdown.
    let ports = c["ports"].as_array().unwrap();
    assert_eq!(ports[0]["containerPort"], p);
    let port_name = str_of(&ports[0]["name"], "port name");
    let probe = |kind: &str| -> (String, String) {
        let get = &c[kind]["httpGet"];
        (
            str_of(&get["path"], kind).to_string(),
            get["port"].to_string().trim_matches('"').to_string(),
        )
    };
    assert_eq!(
        probe("livenessProbe"),
        ("/healthz".into(), port_name.into())
    );
    assert_eq!(
        probe("readinessProbe"),
        ("/readyz".into(), port_name.into())
    );
    assert_eq!(probe("startupProbe"), ("/healthz".into(), port_name.into()));
    let grace = pod["spec"]["terminationGracePeriodSeconds"]
        .as_u64()
        .unwrap();
    assert!(
        grace * 1000 > cfg.service.shutdown_timeout as u64,
        "terminationGracePeriodSeconds {grace} ≤ shutdown_timeout"
    );
    let ann = &pod["metadata"]["annotations"];
    assert_eq!(ann["prometheus.io/scrape"], "true");
    assert_eq!(ann["prometheus.io/port"], p.to_string());
    assert_eq!(ann["prometheus.io/path"], "/metrics");
    assert_eq!(pod["spec"]["securityContext"]["runAsNonRoot"], true);

    // Services and the disruption budget select the same pods.
    assert_eq!(spec["serviceName"], "callpulse-headless");
    for name in ["callpulse", "callpulse-headless"] {
        let svc = find("Service", name);
        assert_eq!(&svc["spec"]["selector"], selector, "Service {name}");
        assert_eq!(svc["spec"]["ports"][0]["port"], p);
        assert_eq!(svc["spec"]["ports"][0]["targetPort"], port_name);
    }
    assert_eq!(
        find("Service", "callpulse-headless")["spec"]["clusterIP"],
        "None"
    );
    let pdb = find("PodDisruptionBudget", "callpulse");
    assert_eq!(&pdb["spec"]["selector"]["matchLabels"], selector);
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);

    // The Prometheus config that scrapes the pods by their annotations.
    let prom = one_yaml(&dir.join("prometheus.yml"));
    let relabel = prom["scrape_configs"][0]["relabel_configs"].to_string();
    for a in [
        "prometheus_io_scrape",
        "prometheus_io_port",
        "prometheus_io_path",
    ] {
        assert!(relabel.contains(a), "the scrape config ignores {a}");
    }
    if have("promtool", "promtool", &["--version"]) {
        check_kubernetes_prometheus(&dir.join("prometheus.yml"));
    }

    // Validators: the set kustomize would build (the resources the kustomization lists, a
    // fresh machine need not have kubectl), checked by kubernetes-validate against the
    // Kubernetes schemas.
    let kustomization = one_yaml(&dir.join("kustomization.yaml"));
    let built: Vec<String> = kustomization["resources"]
        .as_array()
        .expect("the kustomization lists its resources")
        .iter()
        .map(|r| std::fs::read_to_string(dir.join(r.as_str().unwrap())).unwrap())
        .collect();
    let built = built.join("\n---\n");
    for kind in ["ConfigMap", "Service", "StatefulSet", "PodDisruptionBudget"] {
        assert!(
            built.contains(&format!("kind: {kind}")),
            "{kind} not listed"
        );
    }
    if have(
        "kubernetes-validate (python3 -m pip install kubernetes-validate)",
        "kubernetes-validate",
        &["--version"],
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("callpulse.yaml");
        std::fs::write(&file, built).unwrap();
        let (out, err) = run("kubernetes-validate", &["--strict", file.to_str().unwrap()]);
        assert_eq!(
            format!("{out}{err}")
                .matches(" passed for resource ")
                .count(),
            5,
            "{out}{err}"
        );
    }
}

/// promtool on the in-cluster Prometheus config, with the rules beside it. Debian's
/// Prometheus is built without Kubernetes discovery: there the discovery is replaced by a
/// static target and the rest (rules, relabelling, alerting) is checked.
fn check_kubernetes_prometheus(config: &Path) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        deploy("prometheus/callpulse.rules.yml"),
        dir.path().join("callpulse.rules.yml"),
    )
    .unwrap();
    let copy = dir.path().join("prometheus.yml");
    std::fs::copy(config, &copy).unwrap();
    let out = Command::new("promtool")
        .args(["check", "config", copy.to_str().unwrap()])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        assert!(text.contains("1 rule files found"), "{text}");
        return;
    }
    assert!(
        text.contains("field kubernetes_sd_configs not found"),
        "promtool check config {}:\n{text}",
        config.display()
    );
    let static_targets = read(config).replace(
        "kubernetes_sd_configs:\n      - role: pod",
        "static_configs:\n      - targets: [\"callpulse-0:9898\"]",
    );
    assert!(!static_targets.contains("kubernetes_sd_configs"));
    std::fs::write(&copy, static_targets).unwrap();
    let (out, err) = run("promtool", &["check", "config", copy.to_str().unwrap()]);
    assert!(
        format!("{out}{err}").contains("1 rule files found"),
        "{out}{err}"
    );
    eprintln!("promtool has no Kubernetes discovery: checked the rest with a static target");
}

// ---- systemd --------------------------------------------------------------------------------

#[test]
fn the_systemd_unit_verifies_restarts_on_failure_and_waits_longer_than_the_shutdown() {
    let path = deploy("systemd/callpulse.service");
    let text = read(&path);
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with('[') || line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=').unwrap_or_else(|| panic!("{line}"));
        keys.entry(k.to_string()).or_default().push(v.to_string());
    }
    let one = |k: &str| -> &str {
        let v = keys.get(k).unwrap_or_else(|| panic!("no {k}="));
        v.last().unwrap()
    };
    assert_eq!(one("Restart"), "on-failure");
    assert_eq!(one("KillSignal"), "SIGTERM");
    let stop = seconds(one("TimeoutStopSec"));
    assert!(
        stop * 1000.0 > shutdown_timeout() as f64,
        "TimeoutStopSec {stop}s ≤ service.shutdown_timeout"
    );
    let exec = one("ExecStart");
    assert!(
        exec.starts_with("/usr/local/bin/callpulse run --config /etc/callpulse/"),
        "{exec}"
    );
    assert_ne!(one("User"), "root");
    for hardening in [
        "NoNewPrivileges",
        "ProtectSystem",
        "ProtectHome",
        "PrivateTmp",
        "PrivateDevices",
        "RestrictAddressFamilies",
        "SystemCallFilter",
        "CapabilityBoundingSet",
    ] {
        assert!(keys.contains_key(hardening), "no {hardening}=");
    }
    // The variables are configuration keys; the store is in the working (state) directory.
    let mut env = BTreeMap::new();
    for v in keys.get("Environment").unwrap() {
        let (k, val) = v.split_once('=').unwrap();
        env.insert(k.to_string(), val.to_string());
    }
    let cfg = check_variables("deploy/systemd/callpulse.service", &env, None);
    let store = cfg.evidence.path.unwrap();
    let dir = store.parent().unwrap();
    assert_eq!(Path::new(one("WorkingDirectory")), dir);
    assert_eq!(
        Path::new("/var/lib").join(one("StateDirectory")),
        dir,
        "systemd makes the store's folder for the user"
    );

    if !have("systemd-analyze", "systemd-analyze", &["--version"]) {
        return;
    }
    // verify wants the binary of ExecStart: point it at the one built for the tests. It exits
    // 0 on unknown keys and bad values, so any word about the unit is a failure.
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("callpulse.service");
    std::fs::write(
        &unit,
        text.replace("/usr/local/bin/callpulse", env!("CARGO_BIN_EXE_callpulse")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", unit.to_str().unwrap()])
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let about_unit: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("callpulse.service"))
        .collect();
    assert!(
        out.status.success() && about_unit.is_empty(),
        "systemd-analyze verify:\n{said}"
    );
}

/// The checks above can fail: a wrong variable, a librdkafka setting that does not exist.
#[test]
#[should_panic(expected = "CALLPULSE_HTTP_LISTN is not a configuration key")]
fn a_misspelt_variable_is_refused() {
    check_variables(
        "test",
        &BTreeMap::from([(
            "CALLPULSE_HTTP_LISTN".to_string(),
            "0.0.0.0:9898".to_string(),
        )]),
        None,
    );
}

#[test]
#[should_panic(expected = "librdkafka refuses")]
fn an_unknown_librdkafka_setting_is_refused() {
    check_variables(
        "test",
        &BTreeMap::from([(
            "CALLPULSE_KAFKA_CLIENT_GROUP_INSTANCE".to_string(),
            "callpulse-0".to_string(),
        )]),
        None,
    );
}

#[test]
fn durations_read_as_the_tools_write_them() {
    assert_eq!(seconds("30s"), 30.0);
    assert_eq!(seconds("1m30s"), 90.0);
    assert_eq!(seconds("2min"), 120.0);
    assert_eq!(seconds("45"), 45.0);
}
