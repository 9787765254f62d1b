use super::*;

#[test]
fn blocks_for_a_cell_at_any_order() {
    // Three blocks of 10 rows (the last of 5), cells at order 6.
    let s = Summary {
        block_rows: 10,
        rows: 25,
        cells: vec![vec![100, 101], vec![101, 400], vec![4000]],
    };
    // The same order.
    assert_eq!(s.rows_for(6, 101, 6), vec![0..20]);
    assert_eq!(s.rows_for(6, 400, 6), vec![10..20]);
    assert_eq!(s.rows_for(6, 4000, 6), vec![20..25]);
    assert!(s.rows_for(6, 7, 6).is_empty());
    // A coarser shard (order 5: 100 and 101 have parent 25, 400 has 100).
    assert_eq!(s.rows_for(5, 25, 6), vec![0..20]);
    assert_eq!(s.rows_for(5, 1000, 6), vec![20..25]);
    // A finer shard: its order-6 ancestor must be listed.
    assert_eq!(s.rows_for(8, 400 * 16 + 3, 6), vec![10..20]);
    assert!(s.rows_for(8, 402 * 16, 6).is_empty());
}

#[test]
fn nested_ids_nest_across_orders() {
    // The summary compares ancestors computed by shifting: the hash at a
    // coarser order must be the shifted hash at a finer one, for points
    // anywhere, including on cell edges.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..20_000 {
        let (lat, lon) = if i % 4 == 0 {
            // Edges and corners: multiples of coarse fractions of a degree.
            (
                f64::from((next() % 361) as u32) / 2.0 - 90.0,
                f64::from((next() % 721) as u32) / 2.0 - 180.0,
            )
        } else {
            (
                (next() as f64 / u64::MAX as f64) * 180.0 - 90.0,
                (next() as f64 / u64::MAX as f64) * 360.0 - 180.0,
            )
        };
        let fine = magg_morton::geo_to_nested(lat, lon, 12).unwrap();
        for order in [4u8, 6, 8] {
            let coarse = magg_morton::geo_to_nested(lat, lon, order).unwrap();
            assert_eq!(
                coarse,
                fine >> (2 * (12 - order)),
                "({lat}, {lon}) at {order}"
            );
        }
    }
}

#[test]
fn summaries_list_the_cells_of_each_block() {
    let lat = [-80.0, -80.0, f64::NAN, -70.0, 3e38];
    let lon = [10.0, 10.0, 10.0, 10.0, 10.0];
    let s = build::summarize(&lat, &lon, 2, 6);
    let c = |la: f64| magg_morton::geo_to_nested(la, 10.0, 6).unwrap();
    assert_eq!(s.rows, 5);
    assert_eq!(s.cells, vec![vec![c(-80.0)], vec![c(-70.0)], vec![]]);
}

#[test]
fn corrupt_entries_and_foreign_files_are_refused() {
    let g = GranuleIndex {
        file: magg_h5::FileDesc {
            identity: magg_h5::Identity::sized(100),
            superblock: 0,
            offset_size: 8,
            length_size: 8,
            base: 0,
            root: 96,
        },
        groups: vec!["gt1l".into()],
        beams: vec![],
        datasets: vec![],
    };
    let ix = ChunkIndex::new(6, vec![Entry::new("/data/a/G1.h5", g)]);
    for loc in ["x.json", "x.json.gz"] {
        let back = ChunkIndex::from_bytes(loc, &ix.to_bytes(loc)).unwrap();
        assert!(back.granule("s3://b/other/G1.h5").unwrap().is_ok());
        assert!(back.granule("G2.h5").is_none());
    }
    let mut bad = ix.clone();
    bad.granules[0].granule.file.root = 97;
    let bad = ChunkIndex::from_bytes("x", &bad.to_bytes("x")).unwrap();
    assert!(matches!(
        bad.granule("G1.h5"),
        Some(Err(IndexError::Checksum { .. }))
    ));
    assert!(ChunkIndex::from_bytes("x", b"{\"format\":\"other\"}").is_err());
    let mut v2 = ix.clone();
    v2.version = 2;
    assert!(ChunkIndex::from_bytes("x", &v2.to_bytes("x")).is_err());
    assert!(ChunkIndex::from_bytes("x.gz", b"not gzip").is_err());
}
