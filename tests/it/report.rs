//! `callpulse report`: golden reports of the fixture center in both languages and every
//! format (regenerate with `CALLPULSE_BLESS=1 cargo test --test it report::` and review the
//! diff), figures checked by hand, a report from a real evidence store against its rows (in
//! [`store`]), the HTML printed by headless Chromium, and the exit codes.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod store;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report")
}

/// Runs `callpulse report ARGS` in the fixture folder: (exit code, stdout, stderr).
fn report(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .arg("report")
        .args(args)
        .current_dir(fixtures())
        .output()
        .expect("callpulse runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const FIXTURE: [&str; 8] = [
    "--config",
    "center.toml",
    "--from",
    "2026-10-01",
    "--to",
    "2026-12-31",
    "--input",
    "center.jsonl",
];

fn fixture_report(more: &[&str]) -> String {
    let mut args = FIXTURE.to_vec();
    args.extend_from_slice(more);
    let (code, out, err) = report(&args);
    assert_eq!(code, 0, "{err}");
    out
}

/// Compares `actual` with `tests/fixtures/report/golden/NAME` (see
/// [`support::golden::check`]).
///
/// [`support::golden::check`]: crate::support::golden::check
fn check_golden(name: &str, actual: &str) {
    crate::support::golden::check(&fixtures().join("golden").join(name), actual);
}

#[test]
fn golden_markdown_in_chinese_by_default_and_in_english() {
    check_golden("report.zh.md", &fixture_report(&[]));
    check_golden("report.en.md", &fixture_report(&["--lang", "en"]));
}

#[test]
fn golden_csv_json_and_html() {
    check_golden(
        "report.en.csv",
        &fixture_report(&["--format", "csv", "--lang", "en"]),
    );
    check_golden("report.json", &fixture_report(&["--format", "json"]));
    check_golden("report.zh.html", &fixture_report(&["--format", "html"]));
}

#[test]
fn golden_submission_file_of_the_last_three_months() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("submission");
    let (code, _, err) = report(&[
        "--config",
        "center.toml",
        "--input",
        "center.jsonl",
        "--submission",
        "--to",
        "2026-12-31",
        "--out",
        prefix.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(dir.path().join("submission.csv")).unwrap();
    let json = std::fs::read_to_string(dir.path().join("submission.json")).unwrap();
    check_golden("submission.csv", &csv);
    check_golden("submission.json", &json);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["from"], "2026-10-01");
    // Three months × (center, sales, support).
    assert_eq!(v["rows"].as_array().unwrap().len(), 9);
}

fn scope<'a>(month: &'a Value, queue: Option<&str>) -> &'a Value {
    month["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["queue"].as_str() == queue)
        .unwrap()
}

fn criterion<'a>(scope: &'a Value, id: &str) -> &'a Value {
    scope["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["criterion"] == id)
        .unwrap()
}

/// The fixture by hand (see tests/fixtures/report/center.jsonl): October, sales: waits 10 s,
/// 20 s, 30 s answered, one abandoned, and one call offered at 23:50 on 31 October (Shanghai;
/// 15:50 UTC) answered after 5 s; support: 5 s and 15 s. November: sales four calls after
/// 10 s; support 25 s and 35 s; the IVR down 40 minutes. December: sales three calls after
/// exactly 20 s, support none; the ACD down 5 minutes.
#[test]
fn figures_computed_by_hand() {
    let v: Value = serde_json::from_str(&fixture_report(&["--format", "json"])).unwrap();
    let months = v["months"].as_array().unwrap();
    assert_eq!(months.len(), 3);
    let (oct, nov, dec) = (&months[0], &months[1], &months[2]);
    // October, center: 7 offered, 6 answered, 5 within 20 s (10, 20, 5, 5, 15; not 30).
    let c = scope(oct, None);
    assert_eq!(c["figures"]["offered"], 7);
    assert_eq!(c["figures"]["answered"], 6);
    assert_eq!(c["figures"]["answered_within_threshold"], 5);
    assert_eq!(c["figures"]["service_level"].as_f64(), Some(5.0 / 7.0));
    // ASA (10 + 20 + 30 + 5 + 5 + 15) / 6 = 85 / 6 s.
    assert_eq!(c["figures"]["asa_seconds"].as_f64(), Some(85.0 / 6.0));
    // Answer rate 6 / 7 = 85.7 %: coefficient 0.9, not met.
    let ar = criterion(c, "answer_rate");
    assert_eq!(ar["coefficient"].as_f64(), Some(0.9));
    assert_eq!(ar["status"], "not_met");
    // The call at 23:50 on 31 October is October's: sales offered 5 there.
    assert_eq!(scope(oct, Some("sales"))["figures"]["offered"], 5);
    assert_eq!(scope(nov, Some("sales"))["figures"]["offered"], 4);
    // November support: ASA 30 s is not met, coefficient 0.8; service level 0 % (not "no calls").
    let sup = scope(nov, Some("support"));
    assert_eq!(criterion(sup, "asa")["actual"].as_f64(), Some(30.0));
    assert_eq!(criterion(sup, "asa")["coefficient"].as_f64(), Some(0.8));
    assert_eq!(
        criterion(sup, "service_level")["actual"].as_f64(),
        Some(0.0)
    );
    // December: ASA exactly 20 s meets; support had no calls: "no calls", no score.
    let sales = scope(dec, Some("sales"));
    assert_eq!(criterion(sales, "asa")["actual"].as_f64(), Some(20.0));
    assert_eq!(criterion(sales, "asa")["status"], "met");
    let sup = scope(dec, Some("support"));
    assert_eq!(criterion(sup, "service_level")["status"], "no_calls");
    assert_eq!(criterion(sup, "service_level")["actual"], Value::Null);
    assert_eq!(sup["efficiency"]["points"], Value::Null);
    // Chapter 12, October sales: SL 60 % → 75, ASA 16.25 s → 100, AR 80 % → 90:
    // 75 × 0.15 + 100 × 0.10 + 90 × 0.10 = 30.25 of 35.
    let e = &scope(oct, Some("sales"))["efficiency"];
    assert!((e["points"].as_f64().unwrap() - 30.25).abs() < 1e-9);
    // Availability: 40 minutes of November's 30 days down = 1 − 2400 / 2 592 000.
    let nov_c = scope(nov, None);
    let avail = criterion(nov_c, "availability")["actual"].as_f64().unwrap();
    assert!((avail - (1.0 - 2400.0 / 2_592_000.0)).abs() < 1e-12);
    // December is monitored from its start to the end of the last event's hour (28 December
    // 11:00, the data ends there): 27 days 11 hours, of which 5 minutes down. Time after the
    // data is not counted as up.
    let dec_c = scope(dec, None);
    let avail = criterion(dec_c, "availability")["actual"].as_f64().unwrap();
    assert!((avail - (1.0 - 300.0 / (27.0 * 86_400.0 + 11.0 * 3_600.0))).abs() < 1e-12);
    assert_eq!(
        criterion(nov_c, "outage_recovery")["actual"].as_f64(),
        Some(40.0)
    );
    assert_eq!(criterion(nov_c, "outage_recovery")["status"], "not_met");
    let outages = v["outages"].as_array().unwrap();
    assert_eq!(outages.len(), 2);
    assert_eq!(outages[0]["within_30_minutes"], false);
    assert_eq!(outages[1]["within_30_minutes"], true);
    // Stability of the center: levels 5/7, 4/6, 1 → population CV.
    let levels = [5.0 / 7.0, 4.0 / 6.0, 1.0];
    let mean = levels.iter().sum::<f64>() / 3.0;
    let sd = (levels.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
    let st = &v["stability"][0];
    assert!((st["cv"].as_f64().unwrap() - sd / mean).abs() < 1e-12);
    assert_eq!(st["score"].as_f64(), Some(70.0));
    // Input: 56 lines, one not JSON, one without a queue, one duplicate.
    let k = &v["completeness"];
    assert_eq!(k["events_read"], 56);
    assert_eq!(k["rejected"]["invalid_json"], 1);
    assert_eq!(k["rejected"]["missing_field:queue"], 1);
    assert_eq!(k["duplicates"], 1);
    // October has 31 × 24 hourly intervals, 4 of them with calls (09:00 and 14:00 on the
    // 8th and 15th, 10:00 on the 20th, 23:00 on the 31st).
    assert_eq!(oct["completeness"]["expected_intervals"], 31 * 24);
    assert_eq!(oct["completeness"]["intervals_with_calls"], 4);
    assert_eq!(v["provenance"]["kind"], "files");
    assert_eq!(
        v["provenance"]["files"][0]["sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
}

#[test]
fn one_queue_only() {
    let v: Value =
        serde_json::from_str(&fixture_report(&["--format", "json", "--queue", "support"])).unwrap();
    let scopes = v["months"][0]["scopes"].as_array().unwrap();
    assert_eq!(scopes.len(), 1);
    assert_eq!(scopes[0]["queue"], "support");
}

#[test]
fn exit_codes() {
    // (the range and source, exit code, what stderr names): 2 a value that is not a date
    // (an argument error, as clap reports it), 64 a bad request, 1 an unreadable input.
    let cases: [(&[&str], i32, &str); 7] = [
        (
            &["--from", "2026-13-01", "--input", "center.jsonl"],
            2,
            "'2026-13-01'",
        ),
        (
            &["--to", "12/31/2026", "--input", "center.jsonl"],
            2,
            "'12/31/2026'",
        ),
        (
            &[
                "--from",
                "2026-12-02",
                "--to",
                "2026-12-01",
                "--input",
                "center.jsonl",
            ],
            64,
            "--from",
        ),
        (
            &["--input", "center.jsonl", "--queue", "nope"],
            64,
            "sales, support",
        ),
        (
            &["--input", "center.jsonl", "--store", "x.sqlite"],
            64,
            "two sources",
        ),
        (
            &["--store", "/nonexistent/evidence.sqlite"],
            1,
            "/nonexistent/evidence.sqlite",
        ),
        (&["--input", "/nonexistent.jsonl"], 1, "/nonexistent.jsonl"),
    ];
    for (args, expected, names) in cases {
        // Defaults for what a case does not give: the fixture's three months.
        let mut all = vec!["--config", "center.toml"];
        if !args.contains(&"--from") {
            all.extend(["--from", "2026-10-01"]);
        }
        if !args.contains(&"--to") {
            all.extend(["--to", "2026-12-31"]);
        }
        all.extend_from_slice(args);
        let (code, _, err) = report(&all);
        assert_eq!(code, expected, "{args:?}: {err}");
        assert!(err.contains(names), "{args:?}: {err}");
    }
}

/// The HTML report in real headless Chromium: a PNG screenshot and an A4 PDF, kept under
/// target/report-test/.
#[test]
fn the_html_report_renders_and_prints_in_headless_chromium() {
    let Some(chromium) = crate::support::browser::chromium() else {
        return;
    };
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("report-test");
    std::fs::create_dir_all(&out_dir).unwrap();
    for lang in ["zh", "en"] {
        let html = out_dir.join(format!("report.{lang}.html"));
        std::fs::write(&html, fixture_report(&["--format", "html", "--lang", lang])).unwrap();
        let url = format!("file://{}", html.display());
        let profile = tempfile::tempdir().unwrap();
        let png = out_dir.join(format!("report.{lang}.png"));
        let pdf = out_dir.join(format!("report.{lang}.pdf"));
        let _ = std::fs::remove_file(&png);
        let _ = std::fs::remove_file(&pdf);
        for (flag, file) in [("--screenshot", &png), ("--print-to-pdf", &pdf)] {
            let status = Command::new(chromium)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    &format!("--user-data-dir={}", profile.path().display()),
                    &format!("{flag}={}", file.display()),
                    "--window-size=1240,1754",
                    &url,
                ])
                .output()
                .expect("chromium starts");
            assert!(
                status.status.success(),
                "chromium {flag}: {}",
                String::from_utf8_lossy(&status.stderr)
            );
        }
        let png_bytes = std::fs::read(&png).unwrap();
        assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert!(png_bytes.len() > 20_000, "png of {} bytes", png_bytes.len());
        let pdf_bytes = std::fs::read(&pdf).unwrap();
        assert_eq!(&pdf_bytes[..5], b"%PDF-");
        assert!(pdf_bytes.len() > 20_000, "pdf of {} bytes", pdf_bytes.len());
    }
}
