//! Fuzz target `profile`: see [`callpulse_fuzz::targets::profile`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| callpulse_fuzz::targets::profile(data));
