//! Fuzz target `snapshot`: see [`callpulse_fuzz::targets::snapshot`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| callpulse_fuzz::targets::snapshot(data));
