//! Fuzz target `canonical_decode`: see [`callpulse_fuzz::targets::canonical_decode`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| callpulse_fuzz::targets::canonical_decode(data));
