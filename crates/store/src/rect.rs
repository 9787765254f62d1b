//! The arrays of a rectilinear grid's store (`StoreSpec::grid`), from
//! `magg-grid`'s [`StoreLayout`](magg_grid::StoreLayout): in group `0`,
//! every variable is a `(y, x)` array over the whole grid, chunked by
//! tile (the worker of tile `(r, c)` writes chunk `(r, c)`), with
//! `grid_mapping` / `coordinates` pointing at the CF grid-mapping scalar
//! `spatial_ref`; `y` and `x` (cell centres) and `spatial_ref` are written
//! once with the template. The group carries the layout's attributes
//! (`crs`, `resolution`, `bounds`, `chunk_shape`).
//!
//! With time windows, every per-window variable is `(time, y, x)`, chunk
//! (window, tile) — the worker of a tile writes all its windows — with the
//! CF `time` / `time_bnds` coordinates HEALPix stores have, and derived
//! variables (dh/dt) are `(y, x)`, chunk = tile.

use magg_agg::FillValue;
use magg_grid::{CoordDtype, CoordValues, Grid, RectilinearGrid, RectilinearSpec};
use serde_json::{Map, Value};

use crate::TIME_DIMENSION;
use crate::error::{Result, StoreError};
use crate::spec::{StoreSpec, VariableSpec};
use crate::template::{OrderArrays, Shape, Storage, build_array, time_arrays};

/// The grid of a spec.
pub(crate) fn grid(spec: &RectilinearSpec) -> Result<RectilinearGrid> {
    RectilinearGrid::new(spec).map_err(|e| StoreError::Spec(e.to_string()))
}

/// The one group of arrays (order `0`) of a rectilinear store.
pub(crate) fn build_arrays(
    storage: &Storage,
    spec: &StoreSpec,
    rect: &RectilinearSpec,
) -> Result<OrderArrays> {
    let layout = grid(rect)?.layout();
    let shape = layout
        .shape
        .clone()
        .ok_or_else(|| StoreError::Spec("a rectilinear grid has a shape".into()))?;
    // `(y, x)`, chunk = tile; per-window variables of a store with
    // windows get a leading `time` dimension, chunk = (window, tile).
    let plane = |timed: bool| {
        let mut s = Shape {
            extent: shape.clone(),
            chunk: layout.chunk_shape.clone(),
            dims: layout.dims.clone(),
        };
        if timed {
            s.extent.insert(0, spec.windows.len() as u64);
            s.chunk.insert(0, 1);
            s.dims.insert(0, TIME_DIMENSION.to_string());
        }
        s
    };
    let array = |v: &VariableSpec, timed: bool| {
        let mut v = v.clone();
        v.attrs.extend(layout.variable_attrs.clone());
        build_array(storage, spec, plane(timed), 0, &v)
    };
    let timed = !spec.windows.is_empty();
    let variables = spec
        .variables
        .iter()
        .map(|v| array(v, timed))
        .collect::<Result<Vec<_>>>()?;
    let derived = spec
        .derived
        .iter()
        .map(|v| array(v, false))
        .collect::<Result<Vec<_>>>()?;
    let grid_coords = layout
        .coordinates
        .iter()
        .map(|c| {
            let fill = match c.dtype {
                CoordDtype::Float64 => FillValue::F64(f64::NAN),
                CoordDtype::Int64 => FillValue::I64(0),
                CoordDtype::Uint64 => FillValue::U64(0),
            };
            let mut var = VariableSpec::new(&c.name, fill);
            var.attrs.clone_from(&c.attrs);
            let extent: Vec<u64> = match &c.values {
                CoordValues::Float64(v) => vec![v.len() as u64],
                CoordValues::ScalarInt64(_) | CoordValues::PerShard => Vec::new(),
            };
            let shape = Shape {
                chunk: extent.clone(),
                extent,
                dims: c.dims.clone(),
            };
            Ok((
                build_array(storage, spec, shape, 0, &var)?,
                c.values.clone(),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(OrderArrays {
        order: 0,
        variables,
        derived,
        time: time_arrays(storage, spec, 0)?,
        cell_ids: None,
        morton: None,
        grid_coords,
    })
}

/// The attributes of the group: the run's and the layout's.
pub(crate) fn group_attrs(spec: &StoreSpec, rect: &RectilinearSpec) -> Map<String, Value> {
    let mut attrs = spec.attrs.clone();
    if let Ok(g) = grid(rect) {
        attrs.extend(g.layout().group_attrs);
    }
    attrs
}

/// Writes the grid's coordinates (nothing for a HEALPix group).
pub(crate) async fn write_coordinates(arrays: &OrderArrays, url: &str) -> Result<()> {
    for (array, values) in &arrays.grid_coords {
        match values {
            CoordValues::Float64(v) => crate::coords::store_at(array, &[0], v, url).await?,
            CoordValues::ScalarInt64(v) => {
                crate::coords::store_at(array, &[], &[*v], url).await?;
            }
            CoordValues::PerShard => {}
        }
    }
    Ok(())
}

/// The chunk of tile `shard` in the `(y, x)` arrays.
pub(crate) fn chunk_position(rect: &RectilinearSpec, shard: u64) -> Result<Vec<u64>> {
    grid(rect)?
        .chunk_position(shard)
        .map_err(|e| StoreError::Spec(e.to_string()))?
        .ok_or_else(|| StoreError::Spec("a rectilinear grid fixes chunk positions".into()))
}
