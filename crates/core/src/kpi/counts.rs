//! [`CallCounts`]: the additive call counts the call KPIs (9.3.1 service level, 9.3.3 answer
//! rate, the abandon rate, 9.3.2 ASA) are computed from, one vocabulary for every scope,
//! window and period that counts calls.

use crate::time::Millis;
use std::ops::{Add, AddAssign};

/// The call counts of one scope over one span (a period, a window, some intervals). Every field
/// is a sum, so counts of intervals, partitions or instances add up ([`AddAssign`]); the KPIs
/// are derived from the sum, never averaged.
///
/// "Within" is within the scope's service-level threshold (the one its period or window is
/// judged by). Additions are plain, as the engine's merges are: counts restored from a
/// checkpoint are bounded ([`crate::engine::tally::MAX_COUNT`],
/// [`crate::engine::tally::MAX_SUM`]) far below the integer limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCounts {
    /// Calls offered to a person (center: each call once, at its first offer).
    pub offered: u64,
    /// Calls answered by a person.
    pub answered: u64,
    /// Answered with a wait ≤ the threshold.
    pub answered_within: u64,
    pub abandoned: u64,
    /// Abandoned with a wait ≤ the threshold (the service-level definitions that ignore or
    /// credit early abandons read it: [`super::definition`]).
    pub abandoned_within: u64,
    /// Abandoned with a wait < the short-abandon threshold (0 unless one is configured); they
    /// leave the denominators.
    pub short_abandoned: u64,
    /// Left this queue for another before answer (overflow): still counted in `offered` here,
    /// and offered again to the queue it flowed to. Always 0 for the center, which counts
    /// each call once.
    pub flowed_out: u64,
    /// Left the queue unanswered with a callback request the ACD will place (`call.abandoned`
    /// with cause `callback`): not abandons.
    pub callbacks_requested: u64,
    /// Total wait (queue + ring) of the answered calls, in milliseconds.
    pub wait_ms: Millis,
}

impl CallCounts {
    /// Calls offered less short abandons: the denominator of the service level, the answer rate
    /// and the abandon rate.
    pub fn offered_counted(&self) -> u64 {
        self.offered.saturating_sub(self.short_abandoned)
    }

    /// 9.3.1 service level ([`super::service_level`]).
    pub fn service_level(&self) -> Option<f64> {
        super::service_level(self.answered_within, self.offered, self.short_abandoned)
    }

    /// 9.3.3 answer rate ([`super::answer_rate`]).
    pub fn answer_rate(&self) -> Option<f64> {
        super::answer_rate(self.answered, self.offered, self.short_abandoned)
    }

    /// The abandon rate ([`super::abandon_rate`]).
    pub fn abandon_rate(&self) -> Option<f64> {
        super::abandon_rate(self.abandoned, self.offered, self.short_abandoned)
    }

    /// 9.3.2 average speed of answer, seconds ([`super::asa_seconds`]).
    pub fn asa_seconds(&self) -> Option<f64> {
        super::asa_seconds(self.wait_ms, self.answered)
    }

    /// The counts, for bounds checks (the wait is a sum: [`CallCounts::wait_ms`]).
    pub fn counts(&self) -> [u64; 8] {
        [
            self.offered,
            self.answered,
            self.answered_within,
            self.abandoned,
            self.abandoned_within,
            self.short_abandoned,
            self.flowed_out,
            self.callbacks_requested,
        ]
    }
}

impl AddAssign for CallCounts {
    fn add_assign(&mut self, o: CallCounts) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.answered_within += o.answered_within;
        self.abandoned += o.abandoned;
        self.abandoned_within += o.abandoned_within;
        self.short_abandoned += o.short_abandoned;
        self.flowed_out += o.flowed_out;
        self.callbacks_requested += o.callbacks_requested;
        self.wait_ms += o.wait_ms;
    }
}

impl Add for CallCounts {
    type Output = CallCounts;

    fn add(mut self, o: CallCounts) -> CallCounts {
        self += o;
        self
    }
}

/// `impl Serialize` writing a struct as the listed fields, in order: `name` (the field of that
/// name) or `name = expression` over the struct bound to `$it`. For a struct that embeds parts
/// (a [`CallCounts`]) but must keep the flat field names and order it was written with.
///
/// ```ignore
/// serialize_fields!(Row |r| { month, offered = r.counts.offered });
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __serialize_fields {
    ($ty:ident |$it:ident| { $($name:ident $(= $value:expr)?),+ $(,)? }) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let $it = self;
                let len = [$(stringify!($name)),+].len();
                let mut s = ser.serialize_struct(stringify!($ty), len)?;
                $(
                    s.serialize_field(
                        stringify!($name),
                        &$crate::kpi::counts::serialize_fields!(@value $it, $name $(, $value)?),
                    )?;
                )+
                s.end()
            }
        }
    };
    (@value $it:ident, $name:ident) => { $it.$name };
    (@value $it:ident, $name:ident, $value:expr) => { $value };
}
pub use __serialize_fields as serialize_fields;

/// `impl Serialize` and `impl Deserialize` of a struct as the listed fields, in order: `name:
/// type = place` (a field of the struct bound to `$it`). The saved layout (a checkpoint's
/// postcard bytes, which are the fields in order) stays the flat one it was written with while
/// the struct embeds parts. Reading starts from `Default` and sets each place.
macro_rules! saved_fields {
    ($ty:ident as $saved:ident |$it:ident| { $($name:ident : $fty:ty = $place:expr),+ $(,)? }) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let $it = self;
                let len = [$(stringify!($name)),+].len();
                let mut s = ser.serialize_struct(stringify!($ty), len)?;
                $( s.serialize_field(stringify!($name), &$place)?; )+
                s.end()
            }
        }

        /// The saved layout of the struct of the same name.
        #[derive(serde::Deserialize)]
        struct $saved {
            $( $name: $fty, )+
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let saved = <$saved as serde::Deserialize>::deserialize(d)?;
                let mut $it = <$ty>::default();
                $( $place = saved.$name; )+
                Ok($it)
            }
        }
    };
}
pub(crate) use saved_fields;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_every_kpi_reads_its_formula() {
        let a = CallCounts {
            offered: 6,
            answered: 5,
            answered_within: 4,
            abandoned: 1,
            abandoned_within: 1,
            short_abandoned: 0,
            flowed_out: 2,
            callbacks_requested: 0,
            wait_ms: 50_000,
        };
        let b = CallCounts {
            offered: 5,
            answered: 4,
            answered_within: 4,
            abandoned: 1,
            abandoned_within: 0,
            short_abandoned: 1,
            flowed_out: 0,
            callbacks_requested: 3,
            wait_ms: 40_000,
        };
        let s = a + b;
        assert_eq!(s.counts(), [11, 9, 8, 2, 1, 1, 2, 3]);
        assert_eq!(s.wait_ms, 90_000);
        assert_eq!(s.offered_counted(), 10);
        assert_eq!(s.service_level(), Some(0.8));
        assert_eq!(s.answer_rate(), Some(0.9));
        assert_eq!(s.abandon_rate(), Some(0.1));
        assert_eq!(s.asa_seconds(), Some(10.0));
        let mut t = a;
        t += b;
        assert_eq!(t, s);
        let empty = CallCounts::default();
        assert_eq!(
            (
                empty.service_level(),
                empty.answer_rate(),
                empty.abandon_rate(),
                empty.asa_seconds()
            ),
            (None, None, None, None)
        );
    }
}
