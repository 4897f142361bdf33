//! Fuzz target `csv_rows`: see [`callpulse_fuzz::targets::csv_rows`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| callpulse_fuzz::targets::csv_rows(data));
