//! Arbitrary text as a shard map (`magg_catalog::ShardMap::from_json`):
//! `Ok` or a typed error, never a panic; a parsed map serializes and parses
//! back to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use magg_catalog::ShardMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(map) = ShardMap::from_json(text, "fuzz") {
        let again = ShardMap::from_json(&map.to_json(), "round trip").expect("own output parses");
        assert_eq!(again, map);
    }
});
