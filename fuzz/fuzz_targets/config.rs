//! Fuzz target `config`: see [`callpulse_fuzz::targets::config`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| callpulse_fuzz::targets::config(data));
