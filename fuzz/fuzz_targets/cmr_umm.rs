//! Arbitrary bytes as a CMR `umm_json` granule search page
//! (`magg_catalog::cmr::parse_page`): `Ok` or an error, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = magg_catalog::cmr::parse_page(data);
});
