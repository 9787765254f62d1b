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

/// A granule of no beam and no dataset, its root group at `root`.
fn bare(root: u64) -> GranuleIndex {
    GranuleIndex {
        file: magg_h5::FileDesc {
            identity: magg_h5::Identity::sized(100),
            superblock: 0,
            offset_size: 8,
            length_size: 8,
            base: 0,
            root,
        },
        groups: vec!["gt1l".into()],
        beams: vec![],
        datasets: vec![],
    }
}

#[test]
fn corrupt_entries_and_foreign_files_are_refused() {
    let ix = ChunkIndex::new(6, vec![Entry::new("/data/a/G1.h5", bare(96))]);
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

#[test]
fn a_subset_carries_the_tasks_granules_as_they_are() {
    let g = bare;
    let mut ix = ChunkIndex::new(
        7,
        vec![
            Entry::new("/d/G1.h5", g(96)),
            Entry::new("/d/G2.h5", g(97)),
            Entry::new("/d/G3.h5", g(98)),
        ],
    );
    // A corrupt entry stays corrupt in the subset (its checksum travels).
    ix.granules[2].granule.file.root = 1;
    let urls = [
        "s3://b/G3.h5",
        "s3://b/G1.h5",
        "s3://b/G1.h5",
        "s3://b/G9.h5",
    ];
    let sub = ix.subset(urls);
    assert_eq!(sub.summary_order, 7);
    let ids: Vec<&str> = sub.granules.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["G3.h5", "G1.h5"],
        "listed once each, unknown ones left out"
    );
    // Through serde (as inside a task) and made usable again.
    let json = serde_json::to_vec(&sub).unwrap();
    let back: ChunkIndex = serde_json::from_slice(&json).unwrap();
    assert!(back.granule("G1.h5").is_none(), "no lookup before checked");
    let back = back.checked("task").unwrap();
    assert_eq!(back.granule("x/G1.h5").unwrap().unwrap(), &g(96));
    assert!(back.granule("G2.h5").is_none());
    assert!(matches!(
        back.granule("G3.h5"),
        Some(Err(IndexError::Checksum { .. }))
    ));
    let mut other = sub.clone();
    other.version = 9;
    assert!(other.checked("task").is_err());
}

#[test]
fn a_summary_must_cover_its_rows() {
    let s = |block_rows, rows, blocks| Summary {
        block_rows,
        rows,
        cells: vec![vec![1]; blocks],
    };
    assert!(s(10, 25, 3).check().is_ok());
    assert!(s(10, 0, 0).check().is_ok());
    for (bad, why) in [
        (s(10, 25, 2), "2 blocks"),
        (s(10, 25, 4), "4 blocks"),
        (s(0, 25, 3), "blocks of 0"),
    ] {
        let e = bad.check().unwrap_err();
        assert!(e.contains(why), "{e}");
    }
}
