//! Accumulator behaviour: input checks, filtering, empty shards, dtype
//! conversion, and properties of the pyramid and of selection quantiles.

// Exact float comparisons are intended.
#![allow(clippy::float_cmp)]

use magg_agg::{
    AggConfig, AggError, Batch, Column, Plan, ShardAccumulator, SourceSlice, Values, stats,
};
use proptest::prelude::*;

fn atl06() -> Plan {
    Plan::new(&AggConfig::atl06_default()).unwrap()
}

fn shard() -> u64 {
    magg_morton::geo_to_morton(-80.0, 120.0, 6).unwrap()
}

fn batch<'a>(lat: &'a [f64], lon: &'a [f64], h: &'a [f32], s: &'a [f32], q: &'a [i8]) -> Batch<'a> {
    Batch {
        latitude: SourceSlice::new(lat),
        longitude: SourceSlice::new(lon),
        variables: vec![
            SourceSlice::with_fill(h, f64::from(f32::MAX)),
            SourceSlice::with_fill(s, f64::from(f32::MAX)),
        ],
        filters: vec![Values::I8(q)],
    }
}

#[test]
fn shard_must_be_a_cell_at_the_parent_order() {
    let plan = atl06();
    let o7 = magg_morton::geo_to_morton(-80.0, 120.0, 7).unwrap();
    let err = ShardAccumulator::new(&plan, o7).unwrap_err().to_string();
    assert!(
        err.contains("order-7") && err.contains("parent_order"),
        "{err}"
    );
    let err = ShardAccumulator::new(&plan, 0).unwrap_err();
    assert!(matches!(err, AggError::Shard { word: 0, .. }), "{err}");
}

#[test]
fn malformed_batches_are_errors_naming_the_column() {
    let mut acc = ShardAccumulator::new(&atl06(), shard()).unwrap();
    let (lat, lon) = ([-80.0, -80.0], [120.0, 120.0]);
    let (h, s, q) = ([1.0f32, 2.0], [0.1f32], [0i8, 0]);
    let err = acc
        .push(&batch(&lat, &lon, &h, &s, &q))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column `s_li` has 1 rows, latitude has 2"),
        "{err}"
    );
    let mut b = batch(&lat, &lon, &h, &h, &q);
    b.filters.clear();
    let err = acc.push(&b).unwrap_err().to_string();
    assert!(
        err.contains("0 filter columns given, the config has 1 filters"),
        "{err}"
    );
    b.variables.pop();
    let err = acc.push(&b).unwrap_err().to_string();
    assert!(
        err.contains("1 variable columns given, the config has 2"),
        "{err}"
    );
    assert!(acc.is_empty());
}

#[test]
fn empty_shard_reduces_to_fill_values() {
    let grouped = ShardAccumulator::new(&atl06(), shard()).unwrap().finish();
    assert_eq!(grouped.observations(), 0);
    let grid = grouped.reduce(12).unwrap();
    assert_eq!((grid.populated, grid.n_cells()), (0, 4096));
    assert_eq!(grid.column("count"), Some(&Column::I32(vec![0; 4096])));
    let Some(Column::F32(v)) = grid.column("h_q50") else {
        panic!("h_q50 is float32")
    };
    assert!(v.iter().all(|x| x.is_nan()));
    let err = grouped.reduce(13).unwrap_err().to_string();
    assert!(err.contains("order 13 is outside 6..=12"), "{err}");
    assert!(grouped.reduce(5).is_err());
}

#[test]
fn filters_count_what_they_drop() {
    let mut acc = ShardAccumulator::new(&atl06(), shard()).unwrap();
    let lat = [-80.0, -80.0, -80.0, -80.0, f64::NAN, 95.0, 10.0, -80.0];
    let lon = [120.0; 8];
    let h = [1.0f32, 2.0, f32::MAX, f32::NAN, 5.0, 6.0, 7.0, 8.0];
    let s = [0.1f32, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, f32::INFINITY];
    let q = [0i8, 1, 0, 0, 0, 0, 0, 0];
    let st = acc.push(&batch(&lat, &lon, &h, &s, &q)).unwrap();
    assert_eq!(
        (
            st.rows,
            st.rejected_filters,
            st.rejected_values,
            st.rejected_coordinates,
            st.outside_shard,
            st.kept
        ),
        (8, 1, 3, 2, 1, 1)
    );
    let grid = acc.finish().reduce(6).unwrap();
    assert_eq!(grid.column("count"), Some(&Column::I32(vec![1])));
    assert_eq!(grid.column("h_mean"), Some(&Column::F32(vec![1.0])));
    assert_eq!(grid.column("h_variance"), Some(&Column::F32(vec![0.0])));
}

#[test]
fn a_region_keeps_only_the_observations_of_its_child_cells() {
    // Points spread over the shard; the region is the child cells of
    // every third point, given as one order-12 word each, plus one
    // order-14 word inside a fourth point's child cell.
    let shard = shard();
    let n = 300;
    let lat: Vec<f64> = (0..n).map(|i| -80.0 + 0.002 * f64::from(i)).collect();
    let lon: Vec<f64> = (0..n).map(|i| 120.0 + 0.003 * f64::from(i)).collect();
    let (h, s, q) = (vec![1.0f32; 300], vec![0.1f32; 300], vec![0i8; 300]);
    let child = |i: usize| magg_morton::geo_to_nested(lat[i], lon[i], 12).unwrap();
    let mut words: Vec<u64> = (0..300)
        .step_by(3)
        .map(|i| magg_morton::encode(12, child(i)).unwrap())
        .collect();
    words.push(magg_morton::geo_to_morton(lat[4], lon[4], 14).unwrap());
    let region = magg_agg::ShardRegion::Cells(words);
    let mut acc = ShardAccumulator::in_region(&atl06(), shard, &region).unwrap();
    let mut whole = ShardAccumulator::new(&atl06(), shard).unwrap();
    let st = acc.push(&batch(&lat, &lon, &h, &s, &q)).unwrap();
    let all = whole.push(&batch(&lat, &lon, &h, &s, &q)).unwrap();
    let selected: std::collections::BTreeSet<u64> =
        (0..300).step_by(3).chain([4]).map(child).collect();
    let expect = (0..300).filter(|&i| selected.contains(&child(i))).count() as u64;
    assert!(all.kept > expect && expect > 100, "{all:?} {expect}");
    assert_eq!(st.kept, expect);
    assert_eq!(st.outside_region, all.kept - expect);
    assert_eq!(st.outside_shard, all.outside_shard);
    let grid = acc.finish().reduce(12).unwrap();
    let first = magg_morton::child_nested_range(shard, 12).unwrap().start;
    let Some(Column::I32(count)) = grid.column("count") else {
        panic!("count is int32")
    };
    for (i, &c) in count.iter().enumerate() {
        assert_eq!(c > 0, selected.contains(&(first + i as u64)), "cell {i}");
    }
}

#[test]
fn integer_outputs_truncate_and_expressions_feed_functions() {
    let text = magg_agg::ATL06_YAML.replacen(
        "    h_min:\n",
        "    h_int:\n      function: mean\n      source: h_li\n      dtype: int64\n      fill_value: -1\n    \
         h_neg_max:\n      function: max\n      expression: -h_li * 2\n      dtype: float64\n    \
         s_sigma:\n      function: sigma\n      source: s_li\n      dtype: float64\n    \
         h_min:\n",
        1,
    );
    let plan = Plan::new(&AggConfig::from_yaml_str(&text).unwrap()).unwrap();
    let mut acc = ShardAccumulator::new(&plan, shard()).unwrap();
    let (lat, lon) = ([-80.0; 3], [120.0; 3]);
    let (h, s, q) = ([-1.5f32, -2.5, -3.0], [0.5f32, 1.0, 2.0], [0i8; 3]);
    acc.push(&batch(&lat, &lon, &h, &s, &q)).unwrap();
    let grid = acc.finish().reduce(6).unwrap();
    assert_eq!(grid.column("h_int"), Some(&Column::I64(vec![-2]))); // mean -2.333 truncates
    assert_eq!(grid.column("h_neg_max"), Some(&Column::F64(vec![6.0])));
    let sigma = 1.0 / (4.0f64 + 1.0 + 0.25).sqrt();
    assert_eq!(grid.column("s_sigma"), Some(&Column::F64(vec![sigma])));
    assert_eq!(
        grid.column("h_sigma"),
        Some(&Column::F32(vec![sigma as f32]))
    );
}

/// numpy's linear quantile from a full sort (the definition, written out).
fn quantile_by_sort(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let idx = (sorted.len() - 1) as f64 * q;
    let lo = idx.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let gamma = idx - idx.floor();
    let diff = sorted[hi] - sorted[lo];
    if gamma >= 0.5 {
        sorted[hi] - diff * (1.0 - gamma)
    } else {
        sorted[lo] + diff * gamma
    }
}

proptest! {
    #[test]
    fn selection_quantiles_equal_sorted_quantiles(
        x in prop::collection::vec(prop_oneof![-1e6f64..1e6, (0i32..4).prop_map(f64::from)], 1..300),
        qs in prop::collection::vec(0.0f64..=1.0, 1..5),
    ) {
        let mut scratch = x.clone();
        for q in qs {
            prop_assert_eq!(stats::quantile(&mut scratch, q), quantile_by_sort(&x, q));
        }
    }

    #[test]
    fn coarser_orders_aggregate_the_raw_values(
        pts in prop::collection::vec((-0.5f64..0.5, -0.5f64..0.5, 0f32..100.0), 1..400),
        order in 6u8..=12,
    ) {
        let plan = atl06();
        let (clat, clon) = magg_morton::center(shard()).unwrap();
        let lat: Vec<f64> = pts.iter().map(|p| clat + p.0).collect();
        let lon: Vec<f64> = pts.iter().map(|p| clon + p.1 * 5.0).collect();
        let h: Vec<f32> = pts.iter().map(|p| p.2).collect();
        let s = vec![0.1f32; pts.len()];
        let q = vec![0i8; pts.len()];
        let mut acc = ShardAccumulator::new(&plan, shard()).unwrap();
        acc.push(&batch(&lat, &lon, &h, &s, &q)).unwrap();
        let grouped = acc.finish();
        let fine = grouped.reduce(12).unwrap();
        let coarse = grouped.reduce(order).unwrap();
        let per = 1usize << (2 * (12 - order));
        for c in 0..coarse.n_cells() {
            let kids = c * per..(c + 1) * per;
            let col = |g: &magg_agg::ShardGrid, n: &str, i: usize| g.column(n).unwrap().get_f64(i);
            let count: f64 = kids.clone().map(|k| col(&fine, "count", k)).sum();
            prop_assert_eq!(col(&coarse, "count", c), count);
            if count > 0.0 {
                let min = kids.clone().map(|k| col(&fine, "h_min", k)).filter(|v| !v.is_nan()).fold(f64::INFINITY, f64::min);
                let max = kids.map(|k| col(&fine, "h_max", k)).filter(|v| !v.is_nan()).fold(f64::NEG_INFINITY, f64::max);
                prop_assert_eq!(col(&coarse, "h_min", c), min);
                prop_assert_eq!(col(&coarse, "h_max", c), max);
                prop_assert!(col(&coarse, "h_q50", c) >= min && col(&coarse, "h_q50", c) <= max);
            }
        }
    }
}
