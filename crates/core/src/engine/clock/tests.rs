//! The clock's rules, one at a time, on bare instants.

use super::*;
use crate::time::{HOUR, MINUTE};

const T0: Millis = 1_793_610_000_000; // 2026-11-02T08:20:00Z
const DAY: Millis = 24 * HOUR;

fn clock() -> Clock {
    Clock::new(Settings {
        jump: 6 * HOUR,
        quorum: 3,
        max_future: 5 * MINUTE,
    })
}

/// Feeds instants; returns what each was seen as, and the keys rejected with their verdict.
fn feed(c: &mut Clock, instants: &[Millis]) -> (Vec<Seen>, Vec<(Millis, Verdict)>) {
    let mut rejected = Vec::new();
    let seen = instants
        .iter()
        .enumerate()
        .map(|(i, &at)| c.observe(at, (at, 0, i as u64), &mut rejected))
        .collect();
    let rejected = rejected
        .into_iter()
        .map(|((at, _, _), v)| (at, v))
        .collect();
    (seen, rejected)
}

fn minutes(n: i64) -> Vec<Millis> {
    (0..n).map(|m| T0 + m * MINUTE).collect()
}

#[test]
fn an_in_order_stream_moves_the_frontier_with_every_event_after_the_first() {
    let mut c = clock();
    let (seen, rejected) = feed(&mut c, &minutes(10));
    assert_eq!(
        seen[0],
        Seen::Tentative,
        "the first event waits for the second"
    );
    assert!(seen[1..].iter().all(|s| *s == Seen::Current));
    assert!(rejected.is_empty());
    assert_eq!(c.frontier(), T0 + 9 * MINUTE);
}

#[test]
fn a_real_jump_is_borne_out_by_the_next_event() {
    let mut c = clock();
    feed(&mut c, &minutes(5));
    let morning = T0 + DAY;
    let (seen, rejected) = feed(&mut c, &[morning, morning + MINUTE]);
    assert_eq!(seen, [Seen::Tentative, Seen::Current]);
    assert!(rejected.is_empty());
    assert_eq!(c.frontier(), morning + MINUTE);
}

#[test]
fn a_jump_of_exactly_max_time_jump_is_near_and_one_millisecond_more_is_tentative() {
    let mut c = clock();
    feed(&mut c, &minutes(2));
    let f = c.frontier();
    assert_eq!(feed(&mut c, &[f + 6 * HOUR]).0, [Seen::Current]);
    let f = c.frontier();
    assert_eq!(feed(&mut c, &[f + 6 * HOUR + 1]).0, [Seen::Tentative]);
}

#[test]
fn one_event_far_ahead_costs_itself_alone() {
    for ahead in [25 * HOUR, 30 * DAY, 73 * 365 * DAY] {
        let mut c = clock();
        feed(&mut c, &minutes(60));
        let outlier = T0 + 30 * MINUTE + ahead;
        let (seen, rejected) = feed(&mut c, &[outlier]);
        assert_eq!(seen, [Seen::Tentative]);
        let later: Vec<Millis> = (60..63).map(|m| T0 + m * MINUTE).collect();
        let (seen, rejected_later) = feed(&mut c, &later);
        assert!(seen.iter().all(|s| *s == Seen::Current), "{ahead}");
        assert!(rejected.is_empty());
        assert_eq!(
            rejected_later,
            [(outlier, Verdict::Contradicted)],
            "the third event at the frontier rejects it ({ahead})"
        );
        assert_eq!(
            c.frontier(),
            T0 + 62 * MINUTE,
            "the frontier never moved to it"
        );
        assert_eq!(c.tentative(), 0);
    }
}

#[test]
fn a_first_event_in_2099_is_rejected_and_the_stream_keeps_its_time() {
    let mut c = clock();
    let y2099 = T0 + 73 * 365 * DAY;
    let (seen, _) = feed(&mut c, &[y2099]);
    assert_eq!(seen, [Seen::Tentative]);
    let (_, rejected) = feed(&mut c, &minutes(5));
    assert_eq!(rejected, [(y2099, Verdict::Contradicted)]);
    assert_eq!(c.frontier(), T0 + 4 * MINUTE);
}

#[test]
fn a_first_event_in_1970_is_left_behind_as_too_late() {
    let mut c = clock();
    let (_, rejected) = feed(&mut c, &[1_000]);
    assert!(rejected.is_empty());
    let (seen, rejected) = feed(&mut c, &minutes(3));
    assert_eq!(seen, [Seen::Tentative, Seen::Current, Seen::Current]);
    assert_eq!(rejected, [(1_000, Verdict::Stale)]);
    assert_eq!(c.frontier(), T0 + 2 * MINUTE);
}

#[test]
fn a_later_event_within_31_days_bears_out_a_first_one_and_one_further_does_not() {
    let mut c = clock();
    feed(&mut c, &[T0]);
    feed(&mut c, &[T0 + REACH]);
    assert_eq!(c.frontier(), T0, "31 days later still bears it out");
    let mut c = clock();
    feed(&mut c, &[T0]);
    feed(&mut c, &[T0 + REACH + 1]);
    assert_eq!(
        c.frontier(),
        Millis::MIN,
        "either of the two may be the wrong clock"
    );
}

#[test]
fn a_straggler_behind_the_frontier_does_not_count_against_a_jump() {
    let mut c = clock();
    feed(&mut c, &minutes(10));
    let morning = T0 + DAY;
    feed(&mut c, &[morning]);
    // Three events from before the jump, arriving late: none is at the frontier.
    let (_, rejected) = feed(&mut c, &[T0, T0 + MINUTE, T0 + 2 * MINUTE]);
    assert!(rejected.is_empty());
    assert_eq!(c.tentative(), 1);
    feed(&mut c, &[morning + 1]);
    assert_eq!(c.frontier(), morning + 1);
}

#[test]
fn at_the_end_an_uncontradicted_jump_counts_and_a_contradicted_one_does_not() {
    let mut c = clock();
    feed(&mut c, &minutes(3));
    let jump = T0 + DAY;
    feed(&mut c, &[jump]);
    let mut rejected = Vec::new();
    c.finish(&mut rejected);
    assert!(rejected.is_empty());
    assert_eq!(c.frontier(), jump);

    let mut c = clock();
    feed(&mut c, &minutes(3));
    feed(&mut c, &[jump, T0 + 4 * MINUTE]);
    let mut rejected = Vec::new();
    c.finish(&mut rejected);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].1, Verdict::Contradicted);
    assert_eq!(c.frontier(), T0 + 4 * MINUTE);
}

#[test]
fn at_the_end_an_uncontradicted_event_beyond_reach_of_the_frontier_is_rejected() {
    let mut c = clock();
    feed(&mut c, &minutes(3));
    let far = T0 + 73 * 365 * DAY; // a device clock in 2099, the last event of the input
    feed(&mut c, &[far]);
    let mut rejected = Vec::new();
    c.finish(&mut rejected);
    assert_eq!(rejected, [((far, 0, 0), Verdict::Contradicted)]);
    assert_eq!(c.frontier(), T0 + 2 * MINUTE);

    let mut c = clock();
    feed(&mut c, &minutes(3));
    let month = T0 + 2 * MINUTE + REACH; // exactly at reach: it counts
    feed(&mut c, &[month]);
    let mut rejected = Vec::new();
    c.finish(&mut rejected);
    assert!(rejected.is_empty());
    assert_eq!(c.frontier(), month);
}

#[test]
fn with_a_wall_clock_the_future_is_refused_and_the_present_needs_no_second_event() {
    let mut c = clock();
    c.set_wall(Some(T0));
    let (seen, _) = feed(&mut c, &[T0 + 5 * MINUTE, T0 + 5 * MINUTE + 1]);
    assert_eq!(
        seen,
        [Seen::Current, Seen::Refused],
        "5 min ahead is in, 1 ms more is not"
    );
    assert_eq!(c.frontier(), T0 + 5 * MINUTE);
}

#[test]
fn a_frontier_restored_ahead_of_the_wall_clock_is_dropped() {
    let mut c = clock();
    feed(&mut c, &minutes(3));
    c.set_wall(Some(T0 - DAY));
    assert_eq!(c.frontier(), Millis::MIN);
}

#[test]
fn tentative_events_are_bounded() {
    let mut c = clock();
    feed(&mut c, &minutes(2));
    // Ever earlier jumps, none bearing out another (each 7 h before the last), all far ahead.
    let far: Vec<Millis> = (0..MAX_TENTATIVE as i64 + 1)
        .map(|i| T0 + 400 * DAY - i * 7 * HOUR)
        .collect();
    let (seen, rejected) = feed(&mut c, &far);
    assert!(seen.iter().all(|s| *s == Seen::Tentative));
    assert_eq!(c.tentative(), MAX_TENTATIVE);
    assert_eq!(
        rejected,
        [(far[0], Verdict::Contradicted)],
        "the oldest goes"
    );
}
