//! Arbitrary bytes as a chunk index (`magg_index::ChunkIndex::from_bytes`,
//! plain and gzip): `Ok` or a typed error, never a panic; a parsed index
//! serializes and parses back to itself; every entry whose checksum holds
//! turns into a file and datasets (`magg_h5::File::from_desc`,
//! `dataset_from_desc`) or a typed error, with no request made; every
//! summary answers a block lookup.

#![no_main]

use libfuzzer_sys::fuzz_target;
use magg_index::ChunkIndex;

fuzz_target!(|data: &[u8]| {
    let _ = ChunkIndex::from_bytes("fuzz.json.gz", data);
    let Ok(ix) = ChunkIndex::from_bytes("fuzz.json", data) else {
        return;
    };
    let again = ChunkIndex::from_bytes("again.json", &ix.to_bytes("again.json"))
        .expect("own output parses");
    assert_eq!(again.to_bytes("x.json"), ix.to_bytes("x.json"));
    let opts = magg_h5::OpenOptions::default();
    for e in &ix.granules {
        let Some(Ok(g)) = ix.granule(&e.id) else {
            continue;
        };
        for b in &g.beams {
            for order in [0u8, 6, 12, 29] {
                let _ = b.summary.rows_for(order, 12345, ix.summary_order);
            }
        }
        // A local path that does not exist: describing makes no request.
        let Ok(file) = magg_h5::File::from_desc("/nonexistent/fuzz.h5", &g.file, &opts) else {
            continue;
        };
        for d in &g.datasets {
            if let Ok(ds) = file.dataset_from_desc(d) {
                let _ = (ds.shape(), ds.dtype(), ds.fill_value(), ds.chunk_shape());
            }
        }
    }
});
