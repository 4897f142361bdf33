use super::*;
use std::io::Write;
use std::time::SystemTime;

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Polls until caught up: (line number, text) of every line handed out.
fn poll(t: &mut Tail) -> Vec<(u64, String)> {
    let mut all = Vec::new();
    loop {
        let mut out = Vec::new();
        let caught_up = t.poll(&mut out).unwrap();
        all.extend(
            out.into_iter()
                .map(|l| (l.number, String::from_utf8(l.bytes).unwrap())),
        );
        if caught_up {
            return all;
        }
    }
}

fn lines(v: &[(u64, &str)]) -> Vec<(u64, String)> {
    v.iter().map(|(n, s)| (*n, s.to_string())).collect()
}

fn start(p: &Path, pos: Option<Position>) -> (Tail, Resumed) {
    Tail::start_with(p, pos, Duration::ZERO).unwrap()
}

fn saved(t: &Tail) -> Option<Position> {
    t.position().unwrap()
}

#[test]
fn a_partial_line_waits_for_its_newline() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    append(&p, "a\nb");
    let (mut t, how) = start(&p, None);
    assert_eq!(how, Resumed::Fresh);
    assert_eq!(poll(&mut t), lines(&[(1, "a")]));
    assert_eq!(saved(&t).unwrap().offset, 2);
    append(&p, "c\r\nd\n");
    assert_eq!(poll(&mut t), lines(&[(2, "bc"), (3, "d")]));
    assert_eq!(saved(&t).unwrap().offset, 8);
}

#[test]
fn a_rotation_while_running_reads_the_old_file_to_its_end_then_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    append(&p, "1\n");
    let (mut t, _) = start(&p, None);
    assert_eq!(poll(&mut t), lines(&[(1, "1")]));
    append(&p, "2\n3");
    std::fs::rename(&p, dir.path().join("queue_log.1")).unwrap();
    append(&p, "new-1\n");
    assert_eq!(poll(&mut t), lines(&[(2, "2"), (3, "3"), (1, "new-1")]));
}

#[test]
fn a_writer_still_appending_to_the_renamed_file_is_read_before_the_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    let mut writer = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .unwrap();
    writer.write_all(b"1\n").unwrap();
    let (mut t, _) = Tail::start_with(&p, None, Duration::from_secs(3600)).unwrap();
    assert_eq!(poll(&mut t), lines(&[(1, "1")]));
    // logrotate: rename, create; the writer reopens its log only later.
    std::fs::rename(&p, dir.path().join("queue_log.1")).unwrap();
    append(&p, "new-1\n");
    assert!(poll(&mut t).is_empty());
    writer.write_all(b"2\n").unwrap();
    assert_eq!(poll(&mut t), lines(&[(2, "2")]));
    // Within the grace period the position still names the old file.
    let pos = saved(&t).unwrap();
    assert_eq!((pos.offset, pos.line), (4, 2));
}

#[test]
fn a_truncation_starts_the_file_again() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    append(&p, "one\ntwo\n");
    let (mut t, _) = start(&p, None);
    assert_eq!(poll(&mut t).len(), 2);
    std::fs::File::create(&p).unwrap();
    append(&p, "x\n");
    assert_eq!(poll(&mut t), lines(&[(1, "x")]));
}

#[test]
fn a_truncation_followed_by_more_lines_than_before_is_seen_by_the_first_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    append(&p, "1793610000|a\n");
    let (mut t, _) = start(&p, None);
    assert_eq!(poll(&mut t).len(), 1);
    // copytruncate, then the writer goes on past the old length between two polls.
    std::fs::File::create(&p).unwrap();
    append(&p, "1793610060|b\n1793610061|c\n");
    let got = poll(&mut t);
    assert_eq!(
        got,
        lines(&[(1, "1793610060|b"), (2, "1793610061|c")]),
        "read again from the start"
    );
}

#[test]
fn a_restart_goes_on_at_the_saved_position_neither_twice_nor_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    append(&p, "1\n2\n");
    let (mut t, _) = start(&p, None);
    assert_eq!(poll(&mut t).len(), 2);
    let pos = saved(&t);
    append(&p, "3\n");
    let (mut t, how) = start(&p, pos);
    assert_eq!(how, Resumed::Same);
    assert_eq!(poll(&mut t), lines(&[(3, "3")]));
}

#[test]
fn a_restart_after_a_truncation_and_regrowth_reads_the_file_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    append(&p, "first line\nsecond line\n");
    let (mut t, _) = start(&p, None);
    assert_eq!(poll(&mut t).len(), 2);
    let pos = saved(&t);
    drop(t);
    std::fs::File::create(&p).unwrap();
    append(&p, "another first\nanother second\nthird\n");
    let (mut t, how) = start(&p, pos);
    assert_eq!(how, Resumed::Lost);
    assert_eq!(poll(&mut t).len(), 3);
}

#[test]
fn a_restart_after_a_rotation_reads_the_rest_of_the_renamed_file_first() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    append(&p, "1\n");
    let (mut t, _) = start(&p, None);
    assert_eq!(poll(&mut t).len(), 1);
    let pos = saved(&t);
    drop(t);
    append(&p, "2\n");
    std::fs::rename(&p, dir.path().join("queue_log.1")).unwrap();
    append(&p, "new-1\nnew-2\n");
    let (mut t, how) = start(&p, pos);
    assert_eq!(
        how,
        Resumed::Rotated {
            from: dir.path().join("queue_log.1"),
            then: vec![]
        }
    );
    assert_eq!(poll(&mut t), lines(&[(2, "2"), (1, "new-1"), (2, "new-2")]));
}

fn set_mtime(p: &Path, seconds_ago: u64) {
    let t = SystemTime::now() - Duration::from_secs(seconds_ago);
    std::fs::File::options()
        .append(true)
        .open(p)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

#[test]
fn two_rotations_while_stopped_read_both_rotated_files_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    append(&p, "a1\n");
    let (mut t, _) = start(&p, None);
    assert_eq!(poll(&mut t).len(), 1);
    let pos = saved(&t);
    drop(t);
    append(&p, "a2\n");
    std::fs::rename(&p, dir.path().join("queue_log.1")).unwrap();
    append(&p, "b1\n");
    std::fs::rename(
        dir.path().join("queue_log.1"),
        dir.path().join("queue_log.2"),
    )
    .unwrap();
    std::fs::rename(&p, dir.path().join("queue_log.1")).unwrap();
    append(&p, "c1\n");
    append(
        &dir.path().join("queue_log.9.gz"),
        "compressed, never read\n",
    );
    set_mtime(&dir.path().join("queue_log.2"), 200);
    set_mtime(&dir.path().join("queue_log.1"), 100);
    let (mut t, how) = start(&p, pos);
    assert_eq!(
        how,
        Resumed::Rotated {
            from: dir.path().join("queue_log.2"),
            then: vec![dir.path().join("queue_log.1")]
        }
    );
    assert_eq!(poll(&mut t), lines(&[(2, "a2"), (1, "b1"), (1, "c1")]));
}

#[test]
fn a_position_saved_for_another_path_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("log_a");
    let b = dir.path().join("log_b");
    append(&a, "a1\n");
    append(&b, "b1\nb2\n");
    let (mut t, _) = start(&a, None);
    assert_eq!(poll(&mut t).len(), 1);
    let pos = saved(&t);
    let (mut t, how) = start(&b, pos);
    assert_eq!(how, Resumed::Fresh);
    assert_eq!(poll(&mut t), lines(&[(1, "b1"), (2, "b2")]));
}

#[test]
fn a_line_longer_than_the_limit_is_cut_and_marked_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    let long = "x".repeat(3 * MAX_LINE);
    append(&p, &long);
    let (mut t, _) = start(&p, None);
    assert!(poll(&mut t).is_empty());
    append(&p, "\nnext\n");
    let mut out = Vec::new();
    while !t.poll(&mut out).unwrap() {}
    assert_eq!(out.len(), 2);
    assert!(out[0].too_long);
    assert_eq!(out[0].bytes.len(), MAX_LINE);
    assert_eq!((out[1].number, out[1].bytes.as_slice()), (2, &b"next"[..]));
    assert_eq!(saved(&t).unwrap().offset, 3 * MAX_LINE as u64 + 6);
}

#[test]
fn a_file_that_appears_later_is_read_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    let (mut t, _) = start(&p, None);
    assert!(!t.is_open());
    assert_eq!(saved(&t), None, "no position without a file");
    assert!(poll(&mut t).is_empty());
    append(&p, "first\n");
    assert_eq!(poll(&mut t), lines(&[(1, "first")]));
}

#[test]
fn a_missing_folder_waits_like_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("not-yet/queue_log");
    let (mut t, how) = start(&p, None);
    assert_eq!(how, Resumed::Fresh);
    assert!(poll(&mut t).is_empty());
    std::fs::create_dir(dir.path().join("not-yet")).unwrap();
    append(&p, "first\n");
    assert_eq!(poll(&mut t), lines(&[(1, "first")]));
}

#[test]
fn a_file_that_cannot_be_read_is_an_error_not_a_wait() {
    if nix_is_root() {
        return; // root reads any file: nothing to prove here
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("queue_log");
    append(&p, "x\n");
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    assert!(Tail::start(&p, None).is_err());
}

fn nix_is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(true)
}
