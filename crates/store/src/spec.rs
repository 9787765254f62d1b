//! What a store holds: its grid layout (parent order, output orders), its
//! variables (name, dtype, fill value, attributes), its chunk encoding, the
//! caller's configuration fingerprint and run-level attributes.
//!
//! A [`StoreSpec`] is written into the root group's attributes when the store
//! is created and read back by [`OutputStore::open`](crate::OutputStore::open),
//! so workers need nothing but the URL.

use magg_grid::{GridSpec, RectilinearSpec};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use magg_agg::{Dtype, FillValue};

use crate::error::{Result, StoreError};
use crate::fill_json::{fill_from_json, fill_to_json};
use crate::shards::ShardChunks;

/// The finest HEALPix order (mortie's and the `healpix` crate's limit).
pub const MAX_ORDER: u8 = magg_morton::MAX_ORDER;

/// The largest supported difference between an output order and the parent
/// order: one chunk then holds 4^12 = 16,777,216 cells.
pub const MAX_ORDER_SPAN: u8 = magg_morton::MAX_CHILD_DEPTH;

/// Names the store reserves for its coordinate arrays.
pub const RESERVED_NAMES: [&str; 4] = [
    crate::CELL_IDS,
    crate::MORTON,
    crate::TIME,
    crate::TIME_BOUNDS,
];

/// Chunk encoding after the little-endian `bytes` codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "name")]
pub enum Compression {
    /// Raw little-endian bytes.
    None,
    /// The `gzip` codec (pure-Rust deflate; zarr-python reads it).
    Gzip {
        /// Compression level 0..=9.
        level: u32,
    },
}

impl Default for Compression {
    /// `gzip` level 1: see the crate README for the measured trade-off.
    fn default() -> Self {
        Compression::Gzip { level: 1 }
    }
}

/// One output variable: a 1-D array per order, indexed by nested ipix.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableSpec {
    /// Array name (`[A-Za-z][A-Za-z0-9_]*`, not `cell_ids` or `morton`).
    pub name: String,
    /// Element type; must agree with `fill_value`.
    pub dtype: Dtype,
    /// Value of cells without data.
    pub fill_value: FillValue,
    /// Array attributes (`units`, `long_name`, `function`, ...).
    pub attrs: Map<String, Value>,
}

impl VariableSpec {
    /// A variable whose dtype is the fill value's, with no attributes.
    pub fn new(name: impl Into<String>, fill_value: FillValue) -> Self {
        VariableSpec {
            name: name.into(),
            dtype: fill_value.dtype(),
            fill_value,
            attrs: Map::new(),
        }
    }

    /// Adds one attribute.
    #[must_use]
    pub fn with_attr(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attrs.insert(key.into(), value.into());
        self
    }
}

impl Serialize for VariableSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        VariableDoc {
            name: self.name.clone(),
            dtype: self.dtype,
            fill_value: fill_to_json(self.fill_value),
            attrs: self.attrs.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for VariableSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let doc = VariableDoc::deserialize(d)?;
        let fill_value = fill_from_json(doc.dtype, &doc.fill_value).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "variable {}: fill_value {} is not a {}",
                doc.name, doc.fill_value, doc.dtype
            ))
        })?;
        Ok(VariableSpec {
            name: doc.name,
            dtype: doc.dtype,
            fill_value,
            attrs: doc.attrs,
        })
    }
}

/// The serialized form of [`VariableSpec`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariableDoc {
    name: String,
    dtype: Dtype,
    fill_value: Value,
    #[serde(default)]
    attrs: Map<String, Value>,
}

/// One time window of a store: one slice of its `time` dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// A short unique name (`cycle 21`, `2024-01`, ...).
    pub label: String,
    /// First instant, seconds since 1970-01-01T00:00:00Z.
    pub start: f64,
    /// The instant after the last one (`[start, end)`), same units.
    pub end: f64,
}

impl TimeWindow {
    /// The middle of the window (the `time` coordinate), Unix seconds.
    pub fn mid(&self) -> f64 {
        self.start + (self.end - self.start) / 2.0
    }
}

/// Everything needed to create (or re-check) a store.
///
/// Serialized (in the root group's `magg` block) with `shards` as their
/// nested ids at `parent_order`, in chunk order: short, and exact in any
/// JSON reader (morton words exceed 2^53).
#[derive(Debug, Clone, PartialEq)]
pub struct StoreSpec {
    /// Order of the shards (one chunk per shard per array).
    pub parent_order: u8,
    /// Output orders, each in `parent_order..=29` and at most
    /// [`MAX_ORDER_SPAN`] finer than the parent; the finest is the child order,
    /// the others a pyramid. Stored sorted, without duplicates.
    pub orders: Vec<u8>,
    /// The shards the store holds (morton words at `parent_order`): every
    /// array spans exactly their cells, chunk *i* = the *i*-th shard (see
    /// [`ShardChunks`]). Stored sorted (nested-id order, which is also word
    /// order), without duplicates.
    pub shards: Vec<u64>,
    /// Output variables, in the order given: one slice per time window
    /// when the store has [`windows`](Self::windows).
    pub variables: Vec<VariableSpec>,
    /// The time windows, in time order: with two or more, every variable
    /// has a leading `time` dimension (one slice and one chunk per window
    /// and shard); empty for a store of one window, which has no `time`
    /// dimension at all (layout 2's arrays). One window is refused: a
    /// single-window run stores no `time` (crate README).
    pub windows: Vec<TimeWindow>,
    /// Variables derived over the windows (elevation change), on the cell
    /// grid without a `time` dimension; only with windows.
    pub derived: Vec<VariableSpec>,
    /// Chunk compression.
    pub compression: Compression,
    /// The caller's fingerprint of the configuration that produced the data
    /// (pipeline config, catalog query). Reopening a store with another
    /// fingerprint is refused.
    pub fingerprint: String,
    /// Run-level attributes (product, cycle, ...) for the root group and every
    /// order group. Informational: not compared on reopen.
    pub attrs: Map<String, Value>,
    /// A rectilinear grid (`magg-grid`): `shards` are its tile ids,
    /// `parent_order` and `orders` are `0` and `[0]`, and every variable
    /// is a `(y, x)` array over the whole grid in group `0`, chunk = tile
    /// (see the crate README); with windows `(time, y, x)`, chunk =
    /// (window, tile), and derived variables `(y, x)`. `None`: HEALPix.
    pub grid: Option<RectilinearSpec>,
}

/// The serialized form of [`StoreSpec`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecDoc {
    parent_order: u8,
    orders: Vec<u8>,
    /// Nested ids at `parent_order`, strictly increasing.
    shards: Vec<u64>,
    variables: Vec<VariableSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    windows: Vec<TimeWindow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    derived: Vec<VariableSpec>,
    #[serde(default)]
    compression: Compression,
    fingerprint: String,
    #[serde(default)]
    attrs: Map<String, Value>,
    /// A rectilinear grid (its `output.grid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grid: Option<GridSpec>,
}

impl Serialize for StoreSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let chunks = ShardChunks::of(self.parent_order, &self.shards, self.grid.as_ref())
            .map_err(serde::ser::Error::custom)?;
        SpecDoc {
            parent_order: self.parent_order,
            orders: self.orders.clone(),
            shards: chunks.nested().to_vec(),
            variables: self.variables.clone(),
            windows: self.windows.clone(),
            derived: self.derived.clone(),
            compression: self.compression,
            fingerprint: self.fingerprint.clone(),
            attrs: self.attrs.clone(),
            grid: self.grid.map(GridSpec::Rectilinear),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for StoreSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let doc = SpecDoc::deserialize(d)?;
        let grid = match doc.grid {
            None => None,
            Some(GridSpec::Rectilinear(r)) => Some(r),
            Some(GridSpec::Healpix(_)) => {
                return Err(serde::de::Error::custom(
                    "grid: a HEALPix store is described by parent_order and orders",
                ));
            }
        };
        let chunks = match &grid {
            None => ShardChunks::from_nested(doc.parent_order, doc.shards),
            Some(g) => ShardChunks::of(doc.parent_order, &doc.shards, Some(g)),
        }
        .map_err(|e| serde::de::Error::custom(format!("shards: {e}")))?;
        Ok(StoreSpec {
            parent_order: doc.parent_order,
            orders: doc.orders,
            shards: chunks.shards().collect(),
            variables: doc.variables,
            windows: doc.windows,
            derived: doc.derived,
            compression: doc.compression,
            fingerprint: doc.fingerprint,
            attrs: doc.attrs,
            grid,
        })
    }
}

/// Keys the store writes itself into group attributes.
const RESERVED_GROUP_ATTRS: [&str; 3] = ["magg", "dggs", "zarr_conventions"];
/// Keys the store writes itself into variable attributes.
const RESERVED_ARRAY_ATTRS: [&str; 1] = ["coordinates"];

impl StoreSpec {
    /// Checks names, orders and fill values; sorts and deduplicates `orders`.
    pub fn normalized(mut self) -> Result<Self> {
        let err = |m: String| Err(StoreError::Spec(m));
        self.orders.sort_unstable();
        self.orders.dedup();
        if self.orders.is_empty() {
            return err("no output orders".into());
        }
        if self.parent_order > MAX_ORDER {
            return err(format!(
                "parent_order {} exceeds {MAX_ORDER}",
                self.parent_order
            ));
        }
        for &k in &self.orders {
            if k < self.parent_order || k > MAX_ORDER {
                return err(format!(
                    "order {k} outside parent_order {}..={MAX_ORDER}",
                    self.parent_order
                ));
            }
            if k - self.parent_order > MAX_ORDER_SPAN {
                return err(format!(
                    "order {k} is more than {MAX_ORDER_SPAN} orders finer than parent_order {} \
                     (one chunk would hold 4^{} cells)",
                    self.parent_order,
                    k - self.parent_order
                ));
            }
        }
        if self.grid.is_some() && (self.parent_order != 0 || self.orders != [0]) {
            return err(
                "a rectilinear grid's store has parent order 0 and orders [0] (no pyramid)".into(),
            );
        }
        self.shards = ShardChunks::of(self.parent_order, &self.shards, self.grid.as_ref())
            .map_err(StoreError::Spec)?
            .shards()
            .collect();
        if self.variables.is_empty() {
            return err("no variables".into());
        }
        self.check_windows()?;
        let mut seen = std::collections::BTreeSet::new();
        for v in self.variables.iter().chain(&self.derived) {
            check_name(&v.name)?;
            if !seen.insert(v.name.as_str()) {
                return err(format!("variable {} listed twice", v.name));
            }
            if v.fill_value.dtype() != v.dtype {
                return err(format!(
                    "variable {}: dtype {} but fill_value {}",
                    v.name, v.dtype, v.fill_value
                ));
            }
            if let Some(k) = RESERVED_ARRAY_ATTRS
                .iter()
                .find(|k| v.attrs.contains_key(**k))
            {
                return err(format!(
                    "variable {}: attribute {k} is written by the store",
                    v.name
                ));
            }
        }
        if let Some(k) = RESERVED_GROUP_ATTRS
            .iter()
            .find(|k| self.attrs.contains_key(**k))
        {
            return err(format!("run attribute {k} is written by the store"));
        }
        if let Compression::Gzip { level } = self.compression
            && level > 9
        {
            return err(format!("gzip level {level} outside 0..=9"));
        }
        Ok(self)
    }

    /// Windows: none or at least two, labels unique, each `start < end`,
    /// in time order; derived variables only with windows.
    fn check_windows(&self) -> Result<()> {
        let err = |m: String| Err(StoreError::Spec(m));
        if self.windows.len() == 1 {
            return err(format!(
                "one time window ({}): a one-window store has no time dimension, give none",
                self.windows[0].label
            ));
        }
        if self.windows.is_empty() && !self.derived.is_empty() {
            return err("derived variables need time windows".into());
        }
        let mut labels = std::collections::BTreeSet::new();
        for (i, w) in self.windows.iter().enumerate() {
            if !labels.insert(w.label.as_str()) {
                return err(format!("time window {} listed twice", w.label));
            }
            if !(w.start.is_finite() && w.end.is_finite() && w.start < w.end) {
                return err(format!(
                    "time window {}: start {} is not before end {}",
                    w.label, w.start, w.end
                ));
            }
            if i > 0 && self.windows[i - 1].mid() >= w.mid() {
                return err(format!(
                    "time windows {} and {} are not in time order",
                    self.windows[i - 1].label,
                    w.label
                ));
            }
        }
        Ok(())
    }

    /// Slices of the `time` dimension: the windows, or 1 without.
    pub fn slices(&self) -> usize {
        self.windows.len().max(1)
    }

    /// The window labelled `label`, or at index `label` (0-based); the
    /// error lists the labels.
    pub fn window_index(&self, label: &str) -> std::result::Result<usize, String> {
        if self.windows.is_empty() {
            return Err("the store has no time dimension (one window)".into());
        }
        if let Some(i) = self.windows.iter().position(|w| w.label == label) {
            return Ok(i);
        }
        if let Ok(i) = label.trim().parse::<usize>()
            && i < self.windows.len()
        {
            return Ok(i);
        }
        let labels: Vec<&str> = self.windows.iter().map(|w| w.label.as_str()).collect();
        Err(format!(
            "no time window {label:?}: the store has {} ({}), or an index 0..{}",
            labels.len(),
            labels.join(", "),
            labels.len() - 1
        ))
    }

    /// The window that `time` (a label or a 0-based index, as `magg plot
    /// --time` and `magg export --time` take it) selects for `variable`:
    /// a variable with a time dimension needs one (the error lists the
    /// labels), a variable without one refuses it.
    pub fn window_for(
        &self,
        variable: &str,
        time: Option<&str>,
    ) -> std::result::Result<Option<usize>, String> {
        match (self.has_time(variable), time) {
            (true, Some(t)) => self
                .window_index(t)
                .map(Some)
                .map_err(|e| format!("--time: {e}")),
            (true, None) => {
                let labels: Vec<&str> = self.windows.iter().map(|w| w.label.as_str()).collect();
                Err(format!(
                    "{variable} has a time dimension: give --time LABEL or INDEX ({})",
                    labels.join(", ")
                ))
            }
            (false, Some(t)) => Err(format!(
                "{variable} has no time dimension (--time {t} given){}",
                if self.windows.is_empty() {
                    ": the store holds one time window"
                } else {
                    ""
                }
            )),
            (false, None) => Ok(None),
        }
    }

    /// The finest output order.
    pub fn child_order(&self) -> u8 {
        self.orders
            .iter()
            .copied()
            .max()
            .unwrap_or(self.parent_order)
    }

    /// The variable called `name` (per window or derived).
    pub fn variable(&self, name: &str) -> Option<&VariableSpec> {
        self.variables
            .iter()
            .chain(&self.derived)
            .find(|v| v.name == name)
    }

    /// Whether `name` is a variable with a `time` dimension.
    pub fn has_time(&self, name: &str) -> bool {
        !self.windows.is_empty() && self.variables.iter().any(|v| v.name == name)
    }

    /// Compares the parts that must agree to reopen a store (everything but
    /// `attrs`); on a difference returns `(field, stored, requested)`.
    pub(crate) fn layout_difference(
        &self,
        requested: &StoreSpec,
    ) -> Option<(String, String, String)> {
        let diff = |f: &str, a: String, b: String| Some((f.to_string(), a, b));
        if self.parent_order != requested.parent_order {
            return diff(
                "parent_order",
                self.parent_order.to_string(),
                requested.parent_order.to_string(),
            );
        }
        if self.orders != requested.orders {
            return diff(
                "orders",
                format!("{:?}", self.orders),
                format!("{:?}", requested.orders),
            );
        }
        if self.shards != requested.shards {
            return diff(
                "shards",
                describe_shards(&self.shards, &requested.shards),
                describe_shards(&requested.shards, &self.shards),
            );
        }
        if self.compression != requested.compression {
            return diff(
                "compression",
                format!("{:?}", self.compression),
                format!("{:?}", requested.compression),
            );
        }
        let names = |s: &StoreSpec| {
            s.variables
                .iter()
                .map(|v| v.name.clone())
                .collect::<Vec<_>>()
        };
        if names(self) != names(requested) {
            return diff(
                "variables",
                format!("{:?}", names(self)),
                format!("{:?}", names(requested)),
            );
        }
        for (a, b) in self.variables.iter().zip(&requested.variables) {
            if a != b {
                return diff(
                    &format!("variable {}", a.name),
                    serde_json::to_string(a).unwrap_or_default(),
                    serde_json::to_string(b).unwrap_or_default(),
                );
            }
        }
        if self.windows != requested.windows {
            let labels = |s: &StoreSpec| {
                let l: Vec<&str> = s.windows.iter().map(|w| w.label.as_str()).collect();
                format!("{} window(s) {l:?}", s.windows.len().max(1))
            };
            return diff("time windows", labels(self), labels(requested));
        }
        if self.derived != requested.derived {
            let names = |s: &StoreSpec| {
                format!(
                    "{:?}",
                    s.derived
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect::<Vec<_>>()
                )
            };
            return diff("derived variables", names(self), names(requested));
        }
        if self.fingerprint != requested.fingerprint {
            return diff(
                "fingerprint",
                self.fingerprint.clone(),
                requested.fingerprint.clone(),
            );
        }
        None
    }
}

/// `shards` for a mismatch message: how many, and the first one `other`
/// lacks.
fn describe_shards(shards: &[u64], other: &[u64]) -> String {
    let extra = shards.iter().find(|s| other.binary_search(s).is_err());
    match extra {
        Some(s) => format!("{} shards (with {s})", shards.len()),
        None => format!("{} shards", shards.len()),
    }
}

/// Variable names become store keys: keep them to `[A-Za-z][A-Za-z0-9_]*`
/// (at most 64 characters) so no name can reach outside its group.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(StoreError::Spec(format!(
            "variable name {name:?} must match [A-Za-z][A-Za-z0-9_]* (at most 64 characters)"
        )));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(StoreError::Spec(format!(
            "variable name {name} is reserved for the store's coordinate"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> StoreSpec {
        StoreSpec {
            parent_order: 2,
            orders: vec![4, 3, 4],
            shards: [100, 7, 100]
                .map(|n| magg_morton::encode(2, n).unwrap())
                .to_vec(),
            variables: vec![VariableSpec::new("h", FillValue::F32(f32::NAN))],
            windows: Vec::new(),
            derived: Vec::new(),
            compression: Compression::default(),
            fingerprint: "abc".into(),
            attrs: Map::new(),
            grid: None,
        }
    }

    #[test]
    fn normalizes_orders() {
        let s = spec().normalized().unwrap();
        assert_eq!(s.orders, vec![3, 4]);
        assert_eq!(s.child_order(), 4);
        let nested: Vec<u64> = s
            .shards
            .iter()
            .map(|&w| magg_morton::decode(w).unwrap().nested)
            .collect();
        assert_eq!(nested, [7, 100], "shards sorted, without duplicates");
    }

    #[test]
    fn rejects_bad_specs() {
        let mut s = spec();
        s.orders = vec![1];
        assert!(s.normalized().is_err());
        let mut s = spec();
        s.orders = vec![15];
        assert!(
            s.normalized()
                .unwrap_err()
                .to_string()
                .contains("more than 12")
        );
        for bad in ["", "../x", "a/b", "cell_ids", "morton", "1a", "a-b"] {
            let mut s = spec();
            s.variables[0].name = bad.into();
            assert!(s.normalized().is_err(), "{bad:?} accepted");
        }
        let mut s = spec();
        s.variables[0].dtype = Dtype::Uint32;
        assert!(
            s.normalized()
                .unwrap_err()
                .to_string()
                .contains("dtype uint32")
        );
        let mut s = spec();
        s.attrs.insert("dggs".into(), 1.into());
        assert!(s.normalized().is_err());
        let mut s = spec();
        let fine = magg_morton::encode(3, 5).unwrap();
        s.shards.push(fine);
        let e = s.normalized().unwrap_err().to_string();
        assert!(e.contains(&format!("shard {fine}")), "{e}");
    }

    #[test]
    fn a_rectilinear_spec_takes_windows_but_no_pyramid() {
        let rect = RectilinearSpec {
            crs: magg_grid::Crs::Epsg3031,
            resolution: magg_grid::Resolution::Square(5000.0),
            bounds: [-3_200_000.0, -3_200_000.0, 3_200_000.0, 3_200_000.0],
            chunk_shape: [256, 256],
        };
        let window = |label: &str, start: f64| TimeWindow {
            label: label.into(),
            start,
            end: start + 86_400.0,
        };
        let mut s = spec();
        s.parent_order = 0;
        s.orders = vec![0];
        s.shards = vec![6, 7];
        s.grid = Some(rect);
        s.windows = vec![window("a", 0.0), window("b", 86_400.0)];
        s.derived = vec![VariableSpec::new("dhdt", FillValue::F32(f32::NAN))];
        let s = s.normalized().unwrap();
        let json = serde_json::to_string(&s).unwrap();
        let back: StoreSpec = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        assert!(s.has_time("h") && !s.has_time("dhdt"));
        let mut p = s.clone();
        p.orders = vec![0, 1];
        let e = p.normalized().unwrap_err().to_string();
        assert!(e.contains("no pyramid"), "{e}");
    }

    #[test]
    fn spec_round_trips_through_json() {
        let mut s = spec().normalized().unwrap();
        s.variables
            .push(VariableSpec::new("count", FillValue::U32(0)).with_attr("units", "1"));
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""shards":[7,100]"#), "{json}");
        let back: StoreSpec = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        assert!(back.layout_difference(&s).is_none());
        let mut other = s.clone();
        other.fingerprint = "xyz".into();
        assert_eq!(s.layout_difference(&other).unwrap().0, "fingerprint");
        let mut other = s.clone();
        let extra = magg_morton::encode(2, 8).unwrap();
        other.shards.push(extra);
        let other = other.normalized().unwrap();
        let (field, stored, requested) = s.layout_difference(&other).unwrap();
        assert_eq!(field, "shards");
        assert_eq!(stored, "2 shards");
        assert_eq!(requested, format!("3 shards (with {extra})"));
        let bad = json.replace("[7,100]", "[100,7]");
        let e = serde_json::from_str::<StoreSpec>(&bad).unwrap_err();
        assert!(e.to_string().contains("shards"), "{e}");
    }
}
