//! Reading what to draw from a magg store: one variable at one order, every
//! completed shard's chunk, with the attributes that label the map.

use futures::TryStreamExt;
use magg_store::OutputStore;
use serde_json::{Map, Value};

use crate::error::VizError;
use crate::grid_field::{GridField, MapField};
use crate::map::CellField;

/// Chunks (tiles) read at once.
const READ_CONCURRENCY: usize = magg_store::READ_CONCURRENCY;

/// Mean radius of the authalic sphere, km (cell sizes in titles).
const AUTHALIC_RADIUS_KM: f64 = 6371.007;

/// A store variable ready to plot, with its labels: HEALPix cells
/// ([`CellField`], the default) or a rectilinear grid's
/// ([`GridField`]).
#[derive(Debug, Clone)]
pub struct StoreField<F = CellField> {
    /// The cells with data and their values.
    pub field: F,
    /// Variable name.
    pub variable: String,
    /// The variable's attributes (`units`, `long_name`, `function`, ...).
    pub variable_attrs: Map<String, Value>,
    /// Run attributes of the store (`product`, `cycle`, `region`, ...).
    pub run_attrs: Map<String, Value>,
    /// The store URL.
    pub store: String,
    /// Completed shards read.
    pub shards: usize,
    /// The time window drawn (its label), for a variable with a `time`
    /// dimension.
    pub window: Option<String>,
}

/// Reads `variable` at `order` (default: the store's finest) from every
/// shard with a completed status record (a store without time windows, or
/// a variable without a `time` dimension; else [`read_field_at`]).
pub async fn read_field(
    store: &OutputStore,
    variable: &str,
    order: Option<u8>,
) -> Result<StoreField, VizError> {
    read_field_at(store, variable, order, None).await
}

/// [`read_field`] at time window `time` (a label or a 0-based index),
/// which a variable with a `time` dimension needs and one without refuses.
pub async fn read_field_at(
    store: &OutputStore,
    variable: &str,
    order: Option<u8>,
    time: Option<&str>,
) -> Result<StoreField, VizError> {
    let spec = store.spec();
    let var = known_variable(store, variable)?;
    let order = order.unwrap_or_else(|| spec.child_order());
    if !spec.orders.contains(&order) {
        return Err(VizError::UnknownOrder {
            store: store.url().to_string(),
            order,
            known: spec.orders.clone(),
        });
    }
    let window = window_of(store, variable, time)?;
    let fill = var.fill_value.as_f64();
    let read = store
        .read_cells(
            order,
            variable,
            window,
            |_, column| Ok::<_, VizError>(column.to_f64()),
            |&v| v.is_finite() && !same(v, fill),
        )
        .await?;
    if read.shards == 0 {
        return Err(nothing_done(store));
    }
    let words = read
        .cells
        .into_iter()
        .map(|nested| {
            magg_morton::encode(order, nested).map_err(|source| VizError::Cell {
                word: nested,
                source,
            })
        })
        .collect::<Result<_, _>>()?;
    let field = CellField {
        order,
        words,
        values: read.values,
    };
    Ok(StoreField::of(field, store, var, read.shards, window))
}

/// The window `time` selects for `variable` (see
/// [`StoreSpec::window_for`](magg_store::StoreSpec::window_for)).
fn window_of(
    store: &OutputStore,
    variable: &str,
    time: Option<&str>,
) -> Result<Option<usize>, VizError> {
    store
        .spec()
        .window_for(variable, time)
        .map_err(|e| VizError::Invalid(format!("store {}: {e}", store.url())))
}

/// The error of a store with no completed shard.
fn nothing_done(store: &OutputStore) -> VizError {
    VizError::Empty(format!(
        "store {}: no completed shard (no status record under _magg/status): nothing to plot yet",
        store.url()
    ))
}

/// [`read_field_at`] of a store on a rectilinear grid: the cells with data
/// of every tile with a completed status record, by `(row, col)`.
pub async fn read_grid_field_at(
    store: &OutputStore,
    variable: &str,
    time: Option<&str>,
) -> Result<StoreField<GridField>, VizError> {
    let spec = store.spec();
    let rect = spec.grid.as_ref().ok_or_else(|| {
        VizError::Invalid(format!(
            "store {}: a HEALPix store (read it with read_field_at)",
            store.url()
        ))
    })?;
    let var = known_variable(store, variable)?;
    let window = window_of(store, variable, time)?;
    let tiles = store.done_shards().await?;
    if tiles.is_empty() {
        return Err(nothing_done(store));
    }
    let fill = var.fill_value.as_f64();
    let mut field = GridField::new(rect)?;
    let [rows, cols] = rect.chunk_shape.map(u64::from);
    let (height, width) = (field.grid().height(), field.grid().width());
    let parts: Vec<GridPart> = store
        .read_chunks(0, variable, &tiles, window, READ_CONCURRENCY)
        .map_err(VizError::from)
        .and_then(|(tile, column)| {
            let part = field_tile(store, rect, tile).map(|(tr, tc)| {
                let mut cells = Vec::new();
                let mut values = Vec::new();
                for (i, v) in column.to_f64().into_iter().enumerate() {
                    let (row, col) = (tr * rows + i as u64 / cols, tc * cols + i as u64 % cols);
                    if row < height && col < width && v.is_finite() && !same(v, fill) {
                        cells.push((row, col));
                        values.push(v);
                    }
                }
                (cells, values)
            });
            futures::future::ready(part)
        })
        .try_collect()
        .await?;
    for (c, v) in parts {
        field.cells.extend(c);
        field.values.extend(v);
    }
    Ok(StoreField::of(field, store, var, tiles.len(), window))
}

/// One tile's cells with data, `(row, col)`, and their values.
type GridPart = (Vec<(u64, u64)>, Vec<f64>);

/// `(tile_row, tile_col)` of a tile of the store's grid.
fn field_tile(
    store: &OutputStore,
    rect: &magg_grid::RectilinearSpec,
    tile: u64,
) -> Result<(u64, u64), VizError> {
    magg_grid::RectilinearGrid::new(rect)
        .and_then(|g| g.tile(tile))
        .map_err(|e| VizError::Invalid(format!("store {}: tile {tile}: {e}", store.url())))
}

/// The variable `variable` of the store (the error lists the others).
fn known_variable<'s>(
    store: &'s OutputStore,
    variable: &str,
) -> Result<&'s magg_store::VariableSpec, VizError> {
    let spec = store.spec();
    spec.variable(variable)
        .ok_or_else(|| VizError::UnknownVariable {
            store: store.url().to_string(),
            name: variable.to_string(),
            known: spec
                .variables
                .iter()
                .chain(&spec.derived)
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Whether a value is the fill value (exactly: fills are sentinels).
#[allow(clippy::float_cmp)]
fn same(a: f64, fill: f64) -> bool {
    a == fill || (a.is_nan() && fill.is_nan())
}

/// Approximate edge of a cell at `order`, km (square root of its area).
pub fn cell_size_km(order: u8) -> f64 {
    let area = 4.0 * std::f64::consts::PI * AUTHALIC_RADIUS_KM.powi(2)
        / (12.0 * 4f64.powi(i32::from(order)));
    area.sqrt()
}

/// A length in km for titles: `1.6 km`, `92 km`, `250 m`.
pub fn format_km(km: f64) -> String {
    if km < 1.0 {
        format!("{:.0} m", km * 1000.0)
    } else if km < 10.0 {
        format!("{km:.1} km")
    } else {
        format!("{km:.0} km")
    }
}

fn attr_str(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl<F> StoreField<F> {
    /// `field`, read from `shards` completed shards of variable `var` of
    /// `store` (at time window `window`), labelled from the store.
    fn of(
        field: F,
        store: &OutputStore,
        var: &magg_store::VariableSpec,
        shards: usize,
        window: Option<usize>,
    ) -> StoreField<F> {
        let spec = store.spec();
        StoreField {
            field,
            variable: var.name.clone(),
            variable_attrs: var.attrs.clone(),
            run_attrs: spec.attrs.clone(),
            store: store.url().to_string(),
            shards,
            window: window.map(|w| spec.windows[w].label.clone()),
        }
    }
}

impl<F: MapField> StoreField<F> {
    /// The variable's units attribute, if any.
    pub fn units(&self) -> Option<String> {
        attr_str(&self.variable_attrs, "units")
    }

    /// The map's title line: variable, product, cycle, cell order.
    pub fn title(&self) -> String {
        let mut parts = vec![
            attr_str(&self.variable_attrs, "long_name").unwrap_or_else(|| self.variable.clone()),
        ];
        if let Some(p) = attr_str(&self.run_attrs, "product") {
            match attr_str(&self.run_attrs, "product_version") {
                Some(v) => parts.push(format!("{p} v{v}")),
                None => parts.push(p),
            }
        }
        if let Some(w) = &self.window {
            parts.push(w.clone());
        } else if let Some(c) = attr_str(&self.run_attrs, "cycle") {
            parts.push(format!("cycle {c}"));
        }
        parts.push(self.field.cell_note());
        parts.join(" · ")
    }

    /// The second line: region, function, counts, store.
    pub fn subtitle(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = attr_str(&self.run_attrs, "region") {
            parts.push(r);
        }
        let how = attr_str(&self.variable_attrs, "function")
            .or_else(|| attr_str(&self.variable_attrs, "expression"));
        if let Some(f) = how {
            parts.push(format!("{} = {f}", self.variable));
        }
        parts.push(format!(
            "{} cells with data in {} shards",
            group_thousands(self.field.values().len() as u64),
            self.shards
        ));
        parts.push(self.store.clone());
        parts.join(" · ")
    }

    /// The colour bar label: `h_mean (m)`, with `units` overriding the
    /// store's units attribute.
    pub fn label(&self, units: Option<&str>) -> String {
        match units.map(str::to_string).or_else(|| self.units()) {
            Some(u) => format!("{} ({u})", self.variable),
            None => self.variable.clone(),
        }
    }

    /// The region named in the store's run attributes.
    pub fn region(&self) -> Option<String> {
        attr_str(&self.run_attrs, "region")
    }
}

/// `12345678` → `12,345,678`.
pub fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_numbers_read_well() {
        // Order 12: 12·4^12 cells over 510.07 M km² → 1.59 km.
        assert_eq!(format_km(cell_size_km(12)), "1.6 km");
        assert_eq!(format_km(cell_size_km(6)), "102 km");
        assert_eq!(format_km(cell_size_km(16)), "99 m");
        assert_eq!(group_thousands(18625), "18,625");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn labels_come_from_the_store_attributes() {
        let attrs = |pairs: &[(&str, Value)]| -> Map<String, Value> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect()
        };
        let f = StoreField {
            field: CellField {
                order: 12,
                words: vec![1, 2],
                values: vec![1.0, 2.0],
            },
            variable: "h_mean".into(),
            variable_attrs: attrs(&[("units", "m".into()), ("function", "average".into())]),
            run_attrs: attrs(&[
                ("product", "ATL06".into()),
                ("product_version", "006".into()),
                ("cycle", 22.into()),
                ("region", "antarctica".into()),
            ]),
            store: "out.zarr".into(),
            shards: 1,
            window: None,
        };
        assert_eq!(
            f.title(),
            "h_mean · ATL06 v006 · cycle 22 · order 12 cells (~1.6 km)"
        );
        assert_eq!(
            f.subtitle(),
            "antarctica · h_mean = average · 2 cells with data in 1 shards · out.zarr"
        );
        assert_eq!(f.label(None), "h_mean (m)");
        assert_eq!(f.label(Some("km")), "h_mean (km)");
    }
}
