//! `local::build_indexed`: the shard map equals `local::build`'s, and the
//! same reads give one chunk index entry per granule (all granules, also
//! those outside the region), each covering the six beams and checksummed.

use magg_catalog::{BuildSpec, local, regions};
use magg_index::{DEFAULT_SUMMARY_ORDER, IndexSpec};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_comes_with_the_same_map() {
    let urls: Vec<String> = magg_testkit::sample_granule_paths();
    let region = regions::region("antarctica").unwrap();
    let spec = BuildSpec::default();
    let moc = spec.region_moc(&region).unwrap();
    let layout = local::Layout::atl06();
    let index = IndexSpec {
        groups: layout.groups.clone(),
        latitude: "/{group}/land_ice_segments/latitude".into(),
        longitude: "/{group}/land_ice_segments/longitude".into(),
        datasets: vec!["/{group}/land_ice_segments/h_li".into()],
        summary_order: DEFAULT_SUMMARY_ORDER,
        link: None,
    };
    let plain = local::build(&urls, &region, &moc, &spec, &layout, 4)
        .await
        .unwrap();
    let (map, pass) = local::build_indexed(&urls, &region, &moc, &spec, (&layout, &index), 4)
        .await
        .unwrap();
    assert_eq!(map.to_json(), plain.to_json());
    assert!(pass.skipped.is_empty(), "{:?}", pass.skipped);
    assert_eq!(pass.index.len(), urls.len());
    assert!(pass.io.requests > 0 && pass.io.rounds > 0);
    for (u, e) in urls.iter().zip(&pass.index.granules) {
        assert_eq!(&e.url, u);
        let g = pass.index.granule(u).unwrap().unwrap();
        assert_eq!(g.groups, layout.groups);
        assert!(!g.beams.is_empty());
        for b in &g.beams {
            assert!(g.dataset(&b.latitude).is_some());
            assert!(
                g.dataset(&format!("/{}/land_ice_segments/h_li", b.group))
                    .is_some()
            );
        }
    }
}
