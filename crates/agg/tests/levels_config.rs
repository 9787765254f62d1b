//! `data_source.levels` / `base_level` / `read_plan` (multi-level reads):
//! each mistake is refused naming its key.

use magg_agg::AggConfig;

const BASE: &str = r#"
data_source:
  groups: [gt1l]
  coordinates:
    latitude: "/{group}/heights/lat_ph"
    longitude: "/{group}/heights/lon_ph"
  variables:
    h_ph: "/{group}/heights/h_ph"
  base_level: photons
  levels:
    photons:
      path: "/{group}/heights"
      coordinates: {latitude: lat_ph, longitude: lon_ph}
      link: null
    segments:
      path: "/{group}/geolocation"
      coordinates: {latitude: reference_photon_lat, longitude: reference_photon_lon}
      link:
        to: photons
        index_beg: ph_index_beg
        count: "/{group}/geolocation/segment_ph_cnt"
        index_base: 1
  read_plan:
    spatial_index: segments
    pad: 1
aggregation:
  variables:
    count: {function: len, source: h_ph, dtype: int32}
output:
  grid: {type: healpix, parent_order: 6, child_order: 12}
"#;

#[track_caller]
fn refused(from: &str, to: &str, key: &str, why: &str) {
    assert!(BASE.contains(from), "{from}");
    let text = BASE.replacen(from, to, 1);
    let e = AggConfig::from_yaml_str(&text).expect_err("refused");
    let shown = e.to_string();
    assert_eq!(e.key(), Some(key), "{shown}");
    assert!(shown.contains(why), "`{why}` not in: {shown}");
}

#[test]
fn a_valid_linked_config_resolves_relative_and_absolute_paths() {
    let c = AggConfig::from_yaml_str(BASE).unwrap();
    let l = c.link_plan().unwrap();
    assert_eq!(l.index_beg, "/{group}/geolocation/ph_index_beg");
    assert_eq!(l.count, "/{group}/geolocation/segment_ph_cnt");
    assert!((l.margin_m - magg_agg::DEFAULT_LINK_MARGIN_M).abs() < 1e-12);
    // The base level as the spatial index: the plain search.
    let own = BASE.replace("spatial_index: segments", "spatial_index: photons");
    assert!(
        AggConfig::from_yaml_str(&own)
            .unwrap()
            .link_plan()
            .is_none()
    );
    // Levels without a read plan describe the file; rows are searched as usual.
    let (head, _) = BASE.split_once("  read_plan:").unwrap();
    let (_, tail) = BASE.split_once("    pad: 1\n").unwrap();
    let c = AggConfig::from_yaml_str(&format!("{head}{tail}")).unwrap();
    assert!(c.link_plan().is_none());
}

#[test]
fn each_mistake_names_its_key() {
    refused(
        "  base_level: photons\n",
        "",
        "data_source.base_level",
        "missing",
    );
    refused(
        "  base_level: photons\n",
        "  base_level: shots\n",
        "data_source.base_level",
        "`shots` is not a level",
    );
    refused(
        "      link: null\n",
        "      link: {to: segments, index_beg: a, count: b, index_base: 0}\n",
        "data_source.levels.photons.link",
        "the base level links to no other level",
    );
    refused(
        "coordinates: {latitude: lat_ph, longitude: lon_ph}",
        "coordinates: {latitude: lat_ph, longitude: lon}",
        "data_source.levels.photons.coordinates.longitude",
        "differs from `data_source.coordinates.longitude`",
    );
    refused(
        "        to: photons\n",
        "        to: segments\n",
        "data_source.levels.segments.link.to",
        "links go to the base level",
    );
    refused(
        "        index_base: 1\n",
        "        index_base: 2\n",
        "data_source.levels.segments.link.index_base",
        "must be 0 or 1",
    );
    refused(
        "        index_base: 1\n",
        "",
        "data_source.levels.segments.link",
        "missing field `index_base`",
    );
    refused(
        "        index_base: 1\n",
        "        index_base: 1\n        stride: 2\n",
        "data_source.levels.segments.link.stride",
        "unknown field `stride`",
    );
    refused(
        "    spatial_index: segments\n",
        "    spatial_index: granules\n",
        "data_source.read_plan.spatial_index",
        "`granules` is not a level",
    );
    refused(
        "    pad: 1\n",
        "    pad: -1\n",
        "data_source.read_plan.pad",
        "",
    );
    refused(
        "    pad: 1\n",
        "    pad: 1\n    margin_m: 0\n",
        "data_source.read_plan.margin_m",
        "positive number of metres",
    );
    refused(
        "  read_plan:\n",
        "  read_plan:\n    kind: photons\n",
        "data_source.read_plan.kind",
        "unknown field `kind`",
    );
}

#[test]
fn levels_and_read_plan_need_each_other() {
    // Only the segments level: a linked level without its base.
    let (head, rest) = BASE.split_once("    photons:\n").unwrap();
    let (_, tail) = rest.split_once("    segments:\n").unwrap();
    let e = AggConfig::from_yaml_str(&format!("{head}    segments:\n{tail}")).unwrap_err();
    assert_eq!(e.key(), Some("data_source.base_level"), "{e}");
    // A read plan without levels.
    let (head, rest) = BASE.split_once("  base_level: photons\n").unwrap();
    let (_, tail) = rest.split_once("  read_plan:").unwrap();
    let e = AggConfig::from_yaml_str(&format!("{head}  read_plan:{tail}")).unwrap_err();
    assert_eq!(e.key(), Some("data_source.read_plan"), "{e}");
    assert!(e.to_string().contains("needs `data_source.levels`"), "{e}");
    // A level that is not the base without a link.
    let e = AggConfig::from_yaml_str(&BASE.replacen(
        "      link:\n        to: photons\n        index_beg: ph_index_beg\n        count: \"/{group}/geolocation/segment_ph_cnt\"\n        index_base: 1\n",
        "",
        1,
    ))
    .unwrap_err();
    assert_eq!(e.key(), Some("data_source.levels.segments.link"), "{e}");
}
