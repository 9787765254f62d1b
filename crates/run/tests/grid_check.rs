//! A run checks that the shard map was made for the config's grid, naming
//! both when not.

use magg_agg::{AggConfig, GridSpec};
use magg_catalog::build::assemble;
use magg_catalog::{BuildSpec, GranuleRef, GranuleUrls, ShardMap, Window};
use magg_coverage::{Moc, Region};
use magg_run::check_orders;

const POLAR: &str = "  grid:\n    type: rectilinear\n    crs: EPSG:3031\n    resolution: 5000\n    \
                     bounds: [-3200000, -3200000, 3200000, 3200000]\n    chunk_shape: [256, 256]\n";

fn polar_config(resolution: u32) -> AggConfig {
    let (head, _) = magg_agg::ATL06_YAML
        .split_once("\noutput:\n")
        .expect("an output section");
    let grid = POLAR.replace("resolution: 5000", &format!("resolution: {resolution}"));
    AggConfig::from_yaml_str(&format!("{head}\noutput:\n{grid}")).unwrap()
}

fn map(spec: &BuildSpec, shard: u64) -> ShardMap {
    let g = GranuleRef {
        id: "g.h5".into(),
        urls: GranuleUrls {
            file: Some("g.h5".into()),
            ..GranuleUrls::default()
        },
        bbox: magg_catalog::BBox {
            west: 0.0,
            south: -80.0,
            east: 0.0,
            north: -80.0,
        },
        time_start: None,
        time_end: None,
        concept_id: None,
        window: 0,
    };
    let moc = Moc::from_cells(6, [0]).unwrap();
    let query = spec.query("test", &Region::new("r", vec![]), &moc).unwrap();
    let map = assemble([(&g, vec![shard])], query, vec![Window::all()], spec);
    // Through JSON: what `magg run` reads.
    ShardMap::from_json(&map.to_json(), "map").unwrap()
}

#[test]
fn maps_and_configs_of_different_grids_are_refused_naming_both() {
    let rect = match polar_config(5000).output.grid {
        GridSpec::Rectilinear(r) => r,
        g @ GridSpec::Healpix(_) => panic!("{g:?}"),
    };
    let tiles = BuildSpec {
        grid: Some(rect),
        ..BuildSpec::default()
    };
    let healpix = BuildSpec::default();
    let word = magg_morton::geo_to_morton(-80.0, 0.0, 6).unwrap();

    // A HEALPix map, a rectilinear config.
    let e = check_orders(&map(&healpix, word), &polar_config(5000))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("\"type\":\"healpix\"") && e.contains("\"type\":\"rectilinear\""),
        "{e}"
    );
    // A map of tiles, a HEALPix config.
    let e = check_orders(&map(&tiles, 12), &AggConfig::atl06_default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("\"crs\":\"EPSG:3031\"") && e.contains("\"child_order\":12"),
        "{e}"
    );
    // Another resolution.
    let e = check_orders(&map(&tiles, 12), &polar_config(2500))
        .unwrap_err()
        .to_string();
    assert!(e.contains("5000") && e.contains("2500"), "{e}");
    // The same grid.
    check_orders(&map(&tiles, 12), &polar_config(5000)).unwrap();
    // HEALPix as before.
    check_orders(&map(&healpix, word), &AggConfig::atl06_default()).unwrap();
}
