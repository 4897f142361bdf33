//! Interleaved rounds: several measurements taken in turn, round after round, so that a busy
//! machine slows each of them alike, and their medians quoted side by side. Steadier than
//! criterion groups run a minute apart: `#[path = "support/rounds.rs"] mod rounds;`.

use criterion::black_box;
use std::time::Instant;

/// The rates of `N` measurements over the rounds so far.
pub struct Rounds<const N: usize> {
    rates: [Vec<f64>; N],
}

impl<const N: usize> Rounds<N> {
    pub fn new() -> Self {
        Rounds {
            rates: std::array::from_fn(|_| Vec::new()),
        }
    }

    /// Runs `f`, which handles `items` items, as measurement `i` of this round, and keeps its
    /// rate (items per second).
    pub fn time<T>(&mut self, i: usize, items: f64, f: impl FnOnce() -> T) {
        let start = Instant::now();
        black_box(f());
        self.rates[i].push(items / start.elapsed().as_secs_f64());
    }

    /// The median rate of each measurement (the middle one, rounds sorted).
    pub fn medians(self) -> [f64; N] {
        self.rates.map(|mut r| {
            assert!(!r.is_empty(), "a measurement without a round");
            r.sort_by(f64::total_cmp);
            r[r.len() / 2]
        })
    }
}
