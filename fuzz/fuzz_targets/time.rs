//! Fuzz target `time`: see [`callpulse_fuzz::targets::time`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| callpulse_fuzz::targets::time(data));
