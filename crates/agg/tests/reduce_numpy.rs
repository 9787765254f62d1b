//! The whole per-shard reduction (filter → index → group → reduce, at the
//! child order and coarser orders) against an independent reference: numpy
//! for the statistics and mortie for the cells.

// Comparisons with numpy are exact on purpose.
#![allow(clippy::float_cmp)]

mod common;

use common::{Rng, write_f32, write_f64, write_i8};
use magg_agg::{AggConfig, Batch, Plan, ShardAccumulator, SourceSlice, Values};
use serde_json::Value;
use std::path::Path;

const FILL32: f32 = f32::MAX;

/// Loads the raw arrays written by [`reference`] and reduces them with
/// `common::REDUCE_PY`.
const LOAD_PY: &str = r#"
d, shard = sys.argv[1], int(sys.argv[2])
lat = np.fromfile(d + "/lat.f64", dtype="<f8")
lon = np.fromfile(d + "/lon.f64", dtype="<f8")
h = np.fromfile(d + "/h.f32", dtype="<f4")
s = np.fromfile(d + "/s.f32", dtype="<f4")
q = np.fromfile(d + "/q.i8", dtype="i1")
print(json.dumps(reduce_shard(lat, lon, h, s, q, shard, (12, 9, 6))))
"#;

struct Obs {
    lat: Vec<f64>,
    lon: Vec<f64>,
    h: Vec<f32>,
    s: Vec<f32>,
    q: Vec<i8>,
}

/// Clustered observations around one order-6 shard, spilling over its
/// edges, with quality-rejected, fill, NaN and tied values.
fn observations(shard: u64, n: usize, seed: u64) -> Obs {
    let mut rng = Rng::new(seed);
    let (clat, clon) = magg_morton::center(shard).unwrap();
    let coslat = clat.to_radians().cos();
    let clusters: Vec<(f64, f64, f64)> = (0..80)
        .map(|_| {
            let la = clat + 1.4 * (rng.uniform() - 0.5);
            let lo = clon + 1.4 * (rng.uniform() - 0.5) / coslat;
            (la, lo, 2000.0 + 1500.0 * rng.uniform())
        })
        .collect();
    let mut o = Obs {
        lat: vec![],
        lon: vec![],
        h: vec![],
        s: vec![],
        q: vec![],
    };
    for i in 0..n {
        let (la, lo, base) = clusters[rng.below(clusters.len() as u64) as usize];
        o.lat.push(la + 0.01 * rng.normal());
        o.lon.push(lo + 0.01 * rng.normal() / coslat);
        let mut h = base + 0.5 * rng.normal();
        if i % 7 == 0 {
            h = (h * 2.0).round() / 2.0; // ties
        }
        o.h.push(h as f32);
        o.s.push((0.03 * (0.8 * rng.normal()).exp()).max(0.005) as f32);
        o.q.push(i8::from(rng.uniform() < 0.08));
        match rng.below(200) {
            0 | 1 => o.h[i] = FILL32,
            2 => o.s[i] = FILL32,
            3 => o.h[i] = f32::NAN,
            4 => o.lat[i] = f64::NAN,
            5 => o.lon[i] = f64::INFINITY,
            _ => {}
        }
    }
    o
}

fn push_in_batches(acc: &mut ShardAccumulator, o: &Obs, batches: usize) {
    let n = o.lat.len();
    let step = n.div_ceil(batches);
    for start in (0..n).step_by(step) {
        let r = start..(start + step).min(n);
        acc.push(&Batch {
            latitude: SourceSlice::new(&o.lat[r.clone()]),
            longitude: SourceSlice::new(&o.lon[r.clone()]),
            variables: vec![
                SourceSlice::with_fill(&o.h[r.clone()], f64::from(FILL32)),
                SourceSlice::with_fill(&o.s[r.clone()], f64::from(FILL32)),
            ],
            filters: vec![Values::I8(&o.q[r])],
        })
        .unwrap();
    }
}

fn reference(dir: &Path, o: &Obs, shard: u64) -> Value {
    write_f64(&dir.join("lat.f64"), &o.lat);
    write_f64(&dir.join("lon.f64"), &o.lon);
    write_f32(&dir.join("h.f32"), &o.h);
    write_f32(&dir.join("s.f32"), &o.s);
    write_i8(&dir.join("q.i8"), &o.q);
    let script = format!("{}{LOAD_PY}", common::REDUCE_PY);
    let out = magg_testkit::run_python(&script, &[dir.to_str().unwrap(), &shard.to_string()]);
    serde_json::from_str(&out).unwrap()
}

fn run(config: &AggConfig, tol: f64) {
    let plan = Plan::new(config).unwrap();
    let shard = magg_morton::geo_to_morton(-80.0, 120.0, 6).unwrap();
    let obs = observations(shard, 40_000, 7);
    let mut acc = ShardAccumulator::new(&plan, shard).unwrap();
    push_in_batches(&mut acc, &obs, 5);
    let dir = tempfile::tempdir().unwrap();
    let r = reference(dir.path(), &obs, shard);

    let st = acc.stats();
    let rs = &r["stats"];
    assert_eq!(st.rows, rs["rows"].as_u64().unwrap());
    assert_eq!(
        st.rejected_filters,
        rs["rejected_filters"].as_u64().unwrap()
    );
    assert_eq!(st.rejected_values, rs["rejected_values"].as_u64().unwrap());
    assert_eq!(
        st.rejected_coordinates,
        rs["rejected_coordinates"].as_u64().unwrap()
    );
    assert_eq!(st.outside_shard, rs["outside_shard"].as_u64().unwrap());
    assert_eq!(st.kept, rs["kept"].as_u64().unwrap());
    assert!(
        st.kept > 10_000 && st.outside_shard > 1000,
        "test data should straddle the shard: {st:?}"
    );

    let grouped = acc.finish();
    for order in [12u8, 9, 6] {
        let grid = grouped.reduce(order).unwrap();
        assert_eq!(grid.n_cells(), 1 << (2 * (order - 6)));
        assert_eq!(
            grid.first_nested,
            magg_morton::decode(shard).unwrap().nested << (2 * (order - 6))
        );
        let count_sum: f64 = (0..grid.n_cells())
            .map(|c| grid.column("count").unwrap().get_f64(c))
            .sum();
        assert_eq!(
            count_sum as u64, st.kept,
            "order {order}: counts add up to the kept observations"
        );
        let worst = common::compare(&grid, r[order.to_string()].as_array().unwrap(), tol);
        println!(
            "order {order}: {} populated cells, worst relative difference {worst:e}",
            grid.populated
        );
    }
}

#[test]
fn atl06_default_matches_numpy_and_mortie() {
    // float32 outputs: numpy's float64 result rounded to float32.
    run(&AggConfig::atl06_default(), 1e-6);
}

#[test]
fn float64_outputs_match_numpy_to_1e12() {
    let text = magg_agg::ATL06_YAML.replace("dtype: float32", "dtype: float64");
    run(&AggConfig::from_yaml_str(&text).unwrap(), 1e-12);
}
