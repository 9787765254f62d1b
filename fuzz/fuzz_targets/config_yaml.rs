//! Arbitrary text as a pipeline config (`magg_agg::AggConfig::from_yaml_str`):
//! `Ok` or a typed error naming the key, never a panic or a hang.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = magg_agg::AggConfig::from_yaml_str(text);
});
