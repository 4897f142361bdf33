//! Fuzz target `queue_log`: see [`callpulse_fuzz::targets::queue_log`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| callpulse_fuzz::targets::queue_log(data));
