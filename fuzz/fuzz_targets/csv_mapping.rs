//! Fuzz target `csv_mapping`: see [`callpulse_fuzz::targets::csv_mapping`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| callpulse_fuzz::targets::csv_mapping(data));
