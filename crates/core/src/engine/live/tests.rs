use super::*;

const T0: Millis = 1_800_000_000_000; // a whole minute

fn answered(wait: Millis) -> Delta {
    Delta::Answered { wait }
}

#[test]
fn a_window_covers_the_current_minute_and_the_ones_before_it() {
    let mut live = Live::new([]);
    let q = Scope::Queue(0);
    for m in 0..20 {
        live.add(
            q,
            T0 + m * MINUTE + 30 * SECOND,
            Delta::Offered,
            20_000,
            None,
        );
    }
    let at = T0 + 19 * MINUTE + 59_999;
    assert_eq!(live.window(q, at, 15).counts.offered, 15);
    assert_eq!(live.window(q, at, 60).counts.offered, 20);
    assert_eq!(live.window(q, at, 1).counts.offered, 1);
    assert_eq!(
        live.window(q, T0 + 20 * MINUTE, 15).counts.offered,
        14,
        "a new minute pushes the oldest one out"
    );
    assert_eq!(live.window(Scope::Queue(1), at, 15), Window::default());
}

#[test]
fn the_threshold_counts_20_000_ms_in_and_20_001_ms_out() {
    let mut live = Live::new([20_000]);
    let q = Scope::Queue(0);
    for wait in [20_000, 20_001] {
        live.add(q, T0, Delta::Offered, 20_000, None);
        live.add(q, T0, answered(wait), 20_000, None);
    }
    let w = live.window(q, T0, 15).counts;
    assert_eq!((w.offered, w.answered, w.answered_within), (2, 2, 1));
    assert_eq!(w.service_level(), Some(0.5));
    assert_eq!(w.asa_seconds(), Some(20.0005));
    let (a, _) = live.waits(q).unwrap();
    let at_20 = live.bounds().iter().position(|&b| b == 20_000).unwrap();
    assert_eq!(
        a.le[at_20], 1,
        "the 20 s bucket holds 20.000 s and not 20.001 s"
    );
    assert_eq!(a.le[at_20 + 1], 2);
    assert_eq!((a.count, a.sum), (2, 40_001));
}

#[test]
fn a_checkpoint_keeps_a_window_as_its_sums_in_their_former_order_flows_and_callbacks_last() {
    let w = Window {
        counts: CallCounts {
            offered: 1,
            answered: 2,
            answered_within: 3,
            abandoned: 4,
            abandoned_within: 5,
            short_abandoned: 6,
            flowed_out: 11,
            callbacks_requested: 12,
            wait_ms: 7,
        },
        handled: 8,
        talk_sum: 9,
        wrap_sum: 10,
    };
    let bytes = postcard::to_stdvec(&w).unwrap();
    let flat = (
        1u64, 2u64, 3u64, 4u64, 5u64, 6u64, 7i64, 8u64, 9i64, 10i64, 11u64, 12u64,
    );
    assert_eq!(bytes, postcard::to_stdvec(&flat).unwrap());
    assert_eq!(postcard::from_bytes::<Window>(&bytes).unwrap(), w);
}

#[test]
fn a_configured_threshold_becomes_a_bucket_bound() {
    let live = Live::new([12_500, 20_000, 0]);
    assert!(live.bounds().contains(&12_500));
    assert_eq!(
        live.bounds().iter().filter(|&&b| b == 20_000).count(),
        1,
        "bounds are unique"
    );
    assert!(live.bounds().windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_delta_older_than_the_ring_feeds_only_the_wait_buckets() {
    let mut live = Live::new([]);
    let q = Scope::Queue(0);
    let now = T0 + 100 * MINUTE;
    live.add(q, now, Delta::Offered, 20_000, None);
    // Same ring slot as `now`, RING minutes earlier.
    let old = now - RING as i64 * MINUTE;
    live.add(q, old, answered(1_000), 20_000, None);
    assert_eq!(live.window(q, now, 60).counts.answered, 0);
    assert_eq!(live.window(q, now, 60).counts.offered, 1);
    assert_eq!(live.waits(q).unwrap().0.count, 1);
}

#[test]
fn handled_calls_and_wrap_ups_give_the_window_its_handling_time() {
    let mut live = Live::new([]);
    let q = Scope::Queue(0);
    assert_eq!(
        live.window(q, T0, 30).aht_seconds(),
        None,
        "no call handled"
    );
    let handled = |talk| Delta::Handled {
        talk,
        resolved: None,
    };
    live.add(q, T0, handled(100_000), 20_000, None);
    live.add(q, T0 + MINUTE, handled(200_000), 20_000, None);
    live.add(q, T0 + MINUTE, Delta::Wrapup { wrap: 30_000 }, 20_000, None);
    let w = live.window(q, T0 + MINUTE, 30);
    assert_eq!((w.handled, w.talk_sum, w.wrap_sum), (2, 300_000, 30_000));
    assert_eq!(w.aht_seconds(), Some(165.0));
    assert_eq!(live.window(q, T0 + MINUTE, 1).aht_seconds(), Some(230.0));
    // A wrap-up alone (its conversation ended before the window): no handled call, no AHT.
    let later = T0 + 40 * MINUTE;
    live.add(q, later, Delta::Wrapup { wrap: 30_000 }, 20_000, None);
    assert_eq!(live.window(q, later, 30).wrap_sum, 30_000);
    assert_eq!(live.window(q, later, 30).aht_seconds(), None);
}

#[test]
fn short_abandons_leave_the_denominator_and_agent_scopes_are_ignored() {
    let mut live = Live::new([]);
    let q = Scope::Queue(0);
    for _ in 0..2 {
        live.add(q, T0, Delta::Offered, 20_000, Some(5_000));
    }
    live.add(q, T0, Delta::Abandoned { wait: 3_000 }, 20_000, Some(5_000));
    live.add(q, T0, answered(1_000), 20_000, Some(5_000));
    let w = live.window(q, T0, 15).counts;
    assert_eq!(w.short_abandoned, 1);
    assert_eq!(w.service_level(), Some(1.0));
    live.add(Scope::Agent(0), T0, Delta::Offered, 20_000, None);
    assert!(live.waits(Scope::Agent(0)).is_none());
}
