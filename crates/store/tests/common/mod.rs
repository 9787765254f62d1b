//! Shared fixtures: a small store spec (parent order 2, orders 3 and 5) and
//! known per-cell values, so Python readers can recompute what to expect.
#![allow(dead_code, unreachable_pub)]

use magg_store::{
    ColumnRef, Compression, CreateMode, FillValue, Location, OutputStore, ShardStatus, StoreSpec,
    VariableSpec,
};

/// Parent (shard) order of the test store.
pub const PARENT: u8 = 2;
/// Output orders of the test store.
pub const ORDERS: [u8; 2] = [3, 5];
/// `h_max`'s fill value (a non-NaN float fill).
pub const H_MAX_FILL: f32 = 3.4028235e38;

/// Shards (nested ids at the parent order) the tests write with data.
pub const DATA_SHARDS: [u64; 4] = [0, 37, 100, 191];
/// A shard written with no data at all (every value is the fill value).
pub const EMPTY_SHARD: u64 = 64;
/// Shards of the store never written by the populated store.
pub const UNWRITTEN_SHARDS: [u64; 2] = [1, 7];
/// Every shard of the test store, in chunk order (sorted nested ids).
pub const SHARDS: [u64; 7] = [0, 1, 7, 37, 64, 100, 191];
/// A shard at the parent order that the store does not hold.
pub const FOREIGN_SHARD: u64 = 2;

/// The chunk index of a shard (nested id) of [`SHARDS`].
pub fn chunk_of(nested: u64) -> usize {
    SHARDS.iter().position(|&s| s == nested).unwrap()
}

pub fn spec(fingerprint: &str) -> StoreSpec {
    let mut attrs = serde_json::Map::new();
    attrs.insert("product".into(), "ATL06".into());
    attrs.insert("cycle".into(), 22.into());
    StoreSpec {
        parent_order: PARENT,
        orders: ORDERS.to_vec(),
        // Given out of order: the store sorts them.
        shards: SHARDS.iter().rev().map(|&n| shard_word(n)).collect(),
        variables: vec![
            VariableSpec::new("count", FillValue::U32(0)).with_attr("function", "count"),
            VariableSpec::new("h_mean", FillValue::F32(f32::NAN))
                .with_attr("units", "m")
                .with_attr("long_name", "mean height"),
            VariableSpec::new("h_max", FillValue::F32(H_MAX_FILL)).with_attr("units", "m"),
            VariableSpec::new("h_var", FillValue::F64(f64::NAN)),
        ],
        windows: Vec::new(),
        derived: Vec::new(),
        compression: Compression::default(),
        fingerprint: fingerprint.into(),
        attrs,
        grid: None,
    }
}

/// The shard's morton word.
pub fn shard_word(nested: u64) -> u64 {
    magg_morton::encode(PARENT, nested).unwrap()
}

/// Known values for one cell (nested id `id`): `count = id % 5`; cells with
/// `count == 0` are empty (fill values everywhere). The same formulas are
/// used by the Python checks.
pub fn cell_values(id: u64) -> (u32, f32, f32, f64) {
    let count = (id % 5) as u32;
    if count == 0 {
        return (0, f32::NAN, H_MAX_FILL, f64::NAN);
    }
    let h_mean = id as f32 * 0.25 - 1000.0;
    let h_max = h_mean + 1.5;
    let h_var = (id as f64).sqrt() / 3.0;
    (count, h_mean, h_max, h_var)
}

/// Columns of one shard at one order; all fill when `empty`.
pub fn shard_columns(
    store: &OutputStore,
    shard: u64,
    order: u8,
    empty: bool,
) -> (Vec<u32>, Vec<f32>, Vec<f32>, Vec<f64>) {
    let range = store.chunk_range(shard, order).unwrap();
    let mut cols = (vec![], vec![], vec![], vec![]);
    for id in range {
        let (c, m, x, v) = if empty {
            cell_values(0)
        } else {
            cell_values(id)
        };
        cols.0.push(c);
        cols.1.push(m);
        cols.2.push(x);
        cols.3.push(v);
    }
    cols
}

pub async fn write_shard(store: &OutputStore, nested: u64, empty: bool) {
    let shard = shard_word(nested);
    for order in ORDERS {
        let (c, m, x, v) = shard_columns(store, shard, order, empty);
        store
            .write_shard(
                shard,
                order,
                &[
                    ("h_var", ColumnRef::F64(&v)),
                    ("count", ColumnRef::U32(&c)),
                    ("h_mean", ColumnRef::F32(&m)),
                    ("h_max", ColumnRef::F32(&x)),
                ],
            )
            .await
            .unwrap();
    }
    let mut status = ShardStatus::new(shard);
    status.observations = if empty { 0 } else { 1000 + nested };
    status.granules_read = 3;
    status.seconds = 0.125;
    store.write_status(&status).await.unwrap();
}

/// Creates the test store at `path` and writes every test shard.
pub async fn populated_store(path: &std::path::Path) -> OutputStore {
    populated_store_at(&Location::parse(path.to_str().unwrap()).unwrap()).await
}

/// Creates the test store at `location` and writes every test shard.
pub async fn populated_store_at(location: &Location) -> OutputStore {
    let store = OutputStore::create_at(location, &spec("fp-1"), CreateMode::New)
        .await
        .unwrap();
    for n in DATA_SHARDS {
        write_shard(&store, n, false).await;
    }
    write_shard(&store, EMPTY_SHARD, true).await;
    store
}
