//! The `callpulse` command line: inputs (files, gzip, stdin), exit codes and messages.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod sl_variants;
mod values;

fn callpulse(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("callpulse starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn stdin_and_gzip_input_give_the_same_records_as_the_plain_file() {
    let plain = callpulse(&["replay", "--format=json", "day-shanghai.jsonl"], None);
    assert!(plain.status.success());
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/day-shanghai.jsonl"),
    )
    .unwrap();
    let piped = callpulse(&["replay", "--format=json", "-"], Some(&bytes));
    assert_eq!(plain.stdout, piped.stdout);

    let dir = tempfile::tempdir().unwrap();
    let gz_path = dir.path().join("day.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&bytes).unwrap();
    gz.finish().unwrap();
    let gz = callpulse(
        &["replay", "--format=json", gz_path.to_str().unwrap()],
        None,
    );
    assert_eq!(plain.stdout, gz.stdout);
}

#[test]
fn bad_events_do_not_change_the_exit_code_and_the_summary_counts_them() {
    let out = callpulse(
        &["replay", "-"],
        Some(b"not json\n{\"type\":\"x\",\"ts\":0}\n\n"),
    );
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("read 2 accepted 0 rejected 2"), "{err}");
    assert!(err.contains("rejected invalid_json: 1"), "{err}");
    assert!(err.contains("rejected unknown_type: 1"), "{err}");
    assert!(
        err.contains("-:1 invalid_json: not json"),
        "the first rejected lines are shown: {err}"
    );
    assert!(err.contains("events/s"), "{err}");
}

#[test]
fn a_missing_file_exits_1_with_one_line() {
    let out = callpulse(&["replay", "no-such-file.jsonl"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("callpulse: cannot open no-such-file.jsonl"),
        "{err}"
    );
}

#[test]
fn an_invalid_configuration_exits_64_listing_every_problem() {
    let out = callpulse(
        &[
            "replay",
            "--interval=7m",
            "--threshold=soon",
            "--timezone=Mars/Base",
            "-",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(64));
    let err = stderr(&out);
    for key in [
        "engine.interval",
        "engine.threshold",
        "engine.timezone",
        "\"7m\"",
        "\"soon\"",
        "\"Mars/Base\"",
    ] {
        assert!(err.contains(key), "{key} in {err}");
    }
}

#[test]
fn options_override_the_configuration_file() {
    let input = b"{\"type\":\"call.offered\",\"ts\":\"2026-11-02T09:00:00Z\",\"call_id\":\"c\",\"queue\":\"q\"}\n{\"type\":\"call.answered\",\"ts\":\"2026-11-02T09:00:25Z\",\"call_id\":\"c\",\"agent_id\":\"a\"}\n";
    let out = callpulse(
        &[
            "replay",
            "--config=day-shanghai.toml",
            "--threshold=30s",
            "--interval=60m",
            "--format=json",
            "-",
        ],
        Some(input),
    );
    let first: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(first["threshold_seconds"], 30.0);
    assert_eq!(first["answered_within_threshold"], 1);
    assert_eq!(first["start"], "2026-11-02T17:00:00+08:00");
    assert_eq!(first["end"], "2026-11-02T18:00:00+08:00");
}

#[test]
fn simulated_demo_data_replays_with_only_its_deliberate_malformed_lines_rejected() {
    let sim = callpulse(&["simulate", "--hours", "12", "--seed", "7"], None);
    assert!(sim.status.success(), "{}", stderr(&sim));
    let lines = sim
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert!(lines > 1_000, "{lines} lines");
    let again = callpulse(&["simulate", "--hours", "12", "--seed", "7"], None);
    assert_eq!(
        sim.stdout, again.stdout,
        "the same seed gives the same events"
    );
    let replay = callpulse(
        &["replay", "--period=day", "--format=json", "-"],
        Some(&sim.stdout),
    );
    assert!(replay.status.success());
    let center: serde_json::Value =
        serde_json::from_slice(replay.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert!(center["offered"].as_u64().unwrap() > 100, "{center}");
    let err = stderr(&replay);
    let rejected: u64 = err
        .split_whitespace()
        .skip_while(|w| *w != "rejected")
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(rejected * 1000 < lines as u64, "{err}");
}

#[test]
fn environment_variables_override_the_file_and_options_override_both() {
    let input = b"{\"type\":\"call.offered\",\"ts\":\"2026-11-02T09:00:00Z\",\"call_id\":\"c\",\"queue\":\"q\"}\n";
    let run = |envs: &[(&str, &str)], args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_callpulse"));
        cmd.args(["replay", "--config=day-shanghai.toml", "--format=json"])
            .args(args)
            .arg("-")
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    };
    let first = |o: &Output| -> serde_json::Value {
        serde_json::from_slice(o.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap()
    };
    let env = [
        ("CALLPULSE_ENGINE_THRESHOLD", "25s"),
        ("CALLPULSE_ENGINE_TIMEZONE", "UTC"),
    ];
    let o = run(&env, &[]);
    assert_eq!(first(&o)["threshold_seconds"], 25.0);
    assert_eq!(first(&o)["start"], "2026-11-02T09:00:00Z");
    let o = run(&env, &["--threshold=40s"]);
    assert_eq!(first(&o)["threshold_seconds"], 40.0);
    let o = run(&[("CALLPULSE_ENGINE_THRESHOLD", "soon")], &[]);
    assert_eq!(o.status.code(), Some(64));
    assert!(
        stderr(&o).contains("with CALLPULSE_ENGINE_THRESHOLD from the environment"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn run_reports_every_problem_of_its_service_config_at_once_with_exit_64() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[kafka]\ntopics = []\n[kafka.client]\n\"group.id\" = \"x\"\n[http]\nlisten = \"nope\"\n",
    )
    .unwrap();
    let out = callpulse(&["run", "--config", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    let err = stderr(&out);
    for key in ["kafka.topics", "kafka.client.\"group.id\"", "http.listen"] {
        assert!(err.contains(key), "{key} missing from:\n{err}");
    }
}

#[test]
fn run_with_an_unknown_librdkafka_setting_names_it_and_exits_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(["run", "--listen", "127.0.0.1:0"])
        .env("CALLPULSE_KAFKA_CLIENT_NO_SUCH_SETTING", "1")
        // No evidence store in the working folder.
        .env("CALLPULSE_EVIDENCE_PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no.such.setting"), "{}", stderr(&out));
}

#[test]
fn converted_queue_log_replays_to_the_same_records_as_the_queue_log_itself() {
    let files = ["queue_log/queue_log.1", "queue_log/queue_log"];
    let mut direct = vec!["replay", "--format=json", "--input-format=queue_log"];
    direct.extend(files);
    let direct = callpulse(&direct, None);
    assert!(direct.status.success(), "{}", stderr(&direct));
    let mut convert = vec!["convert", "--input-format", "queue_log"];
    convert.extend(files);
    let converted = callpulse(&convert, None);
    assert!(converted.status.success(), "{}", stderr(&converted));
    let summary = stderr(&converted);
    assert!(summary.starts_with("lines 82 events written"), "{summary}");
    for line in String::from_utf8_lossy(&converted.stdout).lines() {
        callpulse::codec::decode(line).unwrap_or_else(|r| panic!("{r}: {line}"));
    }
    let replayed = callpulse(&["replay", "--format=json", "-"], Some(&converted.stdout));
    assert!(replayed.status.success(), "{}", stderr(&replayed));
    assert_eq!(
        String::from_utf8_lossy(&direct.stdout),
        String::from_utf8_lossy(&replayed.stdout)
    );
    assert!(!direct.stdout.is_empty());
}

#[test]
fn the_csv_format_without_a_mapping_is_an_invalid_configuration() {
    let out = callpulse(&["replay", "--input-format", "csv", "-"], None);
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("input.mapping"), "{}", stderr(&out));
}

#[test]
fn a_mapping_with_problems_exits_64_naming_each() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("bad.toml");
    std::fs::write(
        &mapping,
        "[csv]\ndelimiter = \"\"\ntimezone = \"Mars/Base\"\n",
    )
    .unwrap();
    let out = callpulse(
        &[
            "convert",
            "--input-format=csv",
            "--mapping",
            mapping.to_str().unwrap(),
            "-",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("\"Mars/Base\""), "{err}");
    assert!(err.contains("delimiter"), "{err}");
}

#[test]
fn a_csv_mapping_that_learns_its_columns_from_a_header_is_refused_for_kafka() {
    let mapping =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/mappings/anonymous-bank-1999.toml");
    let out = callpulse(
        &[
            "run",
            "--input-format",
            "csv",
            "--mapping",
            mapping.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("csv.names"), "{}", stderr(&out));
}

#[test]
fn a_csv_mapping_that_sorts_is_refused_for_a_live_stream() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("sorting.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv/calls-positions.toml"),
    )
    .unwrap();
    let sorting = text.replace("header = false\n", "header = false\nsort = true\n");
    assert_ne!(sorting, text);
    std::fs::write(&mapping, sorting).unwrap();
    let out = callpulse(
        &[
            "run",
            "--input-format",
            "csv",
            "--mapping",
            mapping.to_str().unwrap(),
            "--follow",
            dir.path().join("calls.csv").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("csv.sort"), "{}", stderr(&out));
}

#[test]
fn convert_refuses_to_write_over_one_of_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("queue_log");
    let text = "1793610000|c1|sales|NONE|ENTERQUEUE||0123456789|1\n";
    std::fs::write(&input, text).unwrap();
    let path = input.to_str().unwrap();
    let out = callpulse(
        &[
            "convert",
            "--input-format",
            "queue_log",
            "--output",
            path,
            path,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is one of the input files"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&input).unwrap(),
        text,
        "input untouched"
    );
}

#[test]
fn rules_writes_the_profile_as_prometheus_rules_and_refuses_a_bad_profile_with_64() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rules");
    let o = callpulse(&["rules", "--out", out.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let written = std::fs::read_to_string(out.join("callpulse.rules.yml")).unwrap();
    let profile = callpulse::alert::Profile::load("yd-t-2823-2015").unwrap();
    assert_eq!(
        written,
        callpulse::alert::rules::rules_file(&profile, "yd-t-2823-2015")
    );

    // Kept inline, not in tests/fixtures/profiles/: a profile made invalid on purpose (an id
    // with a space and a window it refuses) for the errors it must name.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[profile]\nid = \"x\"\nstandard = \"s\"\nname_zh = \"z\"\nname_en = \"e\"\n\
         [[criteria]]\nid = \"a b\"\nclause = \"9.3.1\"\nname_zh = \"z\"\nname_en = \"e\"\n\
         metric = \"service_level\"\nscope = \"queue\"\nwindow = \"5m\"\ncomparison = \"<\"\n\
         threshold = 0.8\nseverity = \"critical\"\n",
    )
    .unwrap();
    let o = callpulse(
        &[
            "rules",
            "--profile",
            bad.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(64), "{}", stderr(&o));
    let text = stderr(&o);
    assert!(text.contains("criteria[0].id"), "{text}");
    assert!(text.contains("criteria[0].window"), "{text}");
}

#[test]
fn a_missing_alert_profile_stops_the_service_with_64_before_it_serves() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[alerts]\nprofile = \"no/such/profile.toml\"\n[http]\nlisten = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let o = callpulse(&["demo", "--config", config.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(64), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no/such/profile.toml"),
        "{}",
        stderr(&o)
    );
}

/// `callpulse token hash` prints the line of a tokens file for the token on stdin: the
/// SHA-256 of the token without the newline a shell adds (FIPS 180-2's vector for "abc").
#[test]
fn token_hash_prints_the_sha256_line_of_the_token_read_on_stdin() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    for (input, code) in [
        ("abc\n", Some(0)),
        ("abc\r\n", Some(0)),
        ("abc", Some(0)),
        ("\n", Some(2)),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_callpulse"))
            .args(["token", "hash"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), code, "{input:?}");
        if code == Some(0) {
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                "sha256 = \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"\n",
                "{input:?}"
            );
        }
    }
}
