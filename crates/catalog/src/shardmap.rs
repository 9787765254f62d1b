//! [`ShardMap`]: shard → granules, with the query that made it, its time
//! windows, and its versioned JSON form (documented in the crate docs).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use magg_grid::{GridSpec, HealpixSpec, IndexingScheme, RectilinearSpec};

use crate::error::Error;
use crate::granule::GranuleRef;
use crate::rule::{RegionRule, ShardCells};
use crate::window::{self, Window, parse_time};

/// The JSON format version this build writes (3: time windows). It also
/// reads versions 1 (before `query.region_rule`, read as the `child_cells`
/// rule it was built by) and 2 (before windows: one window, from its
/// `query.cycle` or `query.temporal`).
pub const FORMAT_VERSION: u32 = 3;

/// The region a map was built for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionInfo {
    /// Its name (`antarctica`, `greenland`, or a file name).
    pub name: String,
    /// Order of the finest cells of `moc`.
    pub moc_order: u8,
    /// The region's cover as compact mixed-order mortie morton words.
    pub moc: Vec<u64>,
}

/// What was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// `cmr` or `local`.
    pub source: String,
    /// Collection short name (e.g. `ATL06`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    /// Collection version (e.g. `006`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The UTC range searched (start, end), when there was one (the
    /// windows say what each slice holds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal: Option<(String, String)>,
    /// The CMR base URL used, when `source` is `cmr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmr_url: Option<String>,
    /// The region.
    pub region: RegionInfo,
    /// Order at which region and footprints were intersected.
    pub match_order: u8,
    /// Margin added around each footprint, km.
    pub buffer_km: f64,
    /// Which observations count, so which (shard, granule) pairs are
    /// listed (`"child_cells"` or `"all_observations"`).
    #[serde(default)]
    pub region_rule: RegionRule,
}

/// Counts over the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Shards listed.
    pub shards: u64,
    /// Distinct granules listed.
    pub granules: u64,
    /// (shard, granule) pairs.
    pub pairs: u64,
}

/// Shard → granules (see the crate docs for the JSON form).
#[derive(Debug, Clone, PartialEq)]
pub struct ShardMap {
    /// What was asked for.
    pub query: Query,
    /// The time windows, in time order: one slice each along the store's
    /// `time` dimension. Each granule's [`GranuleRef::window`] indexes it.
    pub windows: Vec<Window>,
    /// Order of the shards (the keys) of a HEALPix map (0 for a
    /// rectilinear one).
    pub parent_order: u8,
    /// Order of the finest output cells of a HEALPix map (0 for a
    /// rectilinear one).
    pub child_order: u8,
    /// The rectilinear grid a map of tiles was made for (JSON `"grid"`,
    /// in place of the orders); `None` for a HEALPix map.
    pub rectilinear: Option<RectilinearSpec>,
    /// Shard (HEALPix: morton word; rectilinear: tile id) → granules touching it (of every window), sorted
    /// by (window, id).
    pub shards: BTreeMap<u64, Vec<GranuleRef>>,
}

impl ShardMap {
    /// Iterates `(shard word, granules)` in shard order (the granules of
    /// every window; each says its [`GranuleRef::window`]).
    pub fn iter(&self) -> impl Iterator<Item = (u64, &[GranuleRef])> {
        self.shards.iter().map(|(&k, v)| (k, v.as_slice()))
    }

    /// The granules of `shard` in window `window` (none for a shard the
    /// map does not list).
    pub fn granules_in(&self, shard: u64, window: u32) -> impl Iterator<Item = &GranuleRef> {
        self.shards
            .get(&shard)
            .into_iter()
            .flatten()
            .filter(move |g| g.window == window)
    }

    /// The cycle of a one-window cycle map (`magg catalog --cycles N`).
    pub fn cycle(&self) -> Option<u8> {
        match self.windows.as_slice() {
            [w] => w.cycle,
            _ => None,
        }
    }

    /// The grid the map was made for.
    pub fn grid_spec(&self) -> GridSpec {
        match self.rectilinear {
            Some(r) => GridSpec::Rectilinear(r),
            None => GridSpec::Healpix(HealpixSpec {
                indexing_scheme: IndexingScheme::Nested,
                parent_order: self.parent_order,
                child_order: self.child_order,
            }),
        }
    }

    /// Counts shards, distinct granules and pairs.
    pub fn totals(&self) -> Totals {
        let ids: BTreeSet<&str> = self
            .shards
            .values()
            .flatten()
            .map(|g| g.id.as_str())
            .collect();
        Totals {
            shards: self.shards.len() as u64,
            granules: ids.len() as u64,
            pairs: self.shards.values().map(|v| v.len() as u64).sum(),
        }
    }

    /// The cells each shard keeps under the map's rule (the region cover
    /// restricted to the shard; nothing for an interior shard). A
    /// rectilinear map's tiles keep every observation.
    pub fn shard_cells(&self) -> Result<ShardCells, Error> {
        if self.rectilinear.is_some() {
            return Ok(ShardCells::all());
        }
        ShardCells::new(
            &self.query.region.moc,
            self.query.region_rule,
            self.parent_order,
            self.child_order,
        )
    }

    /// Sorts every shard's granules by (window, id) (the canonical order).
    pub fn normalize(&mut self) {
        for v in self.shards.values_mut() {
            v.sort_by(|a, b| (a.window, &a.id).cmp(&(b.window, &b.id)));
        }
    }

    /// The JSON text (pretty, deterministic).
    pub fn to_json(&self) -> String {
        let doc = Doc {
            magg_shardmap: FORMAT_VERSION,
            query: self.query.clone(),
            windows: self.windows.clone(),
            grid: self.rectilinear.map(GridSpec::Rectilinear),
            parent_order: self.rectilinear.is_none().then_some(self.parent_order),
            child_order: self.rectilinear.is_none().then_some(self.child_order),
            shards: Shards(self.shards.clone()),
            totals: self.totals(),
        };
        let mut s = serde_json::to_string_pretty(&doc).expect("shard maps serialize");
        s.push('\n');
        s
    }

    /// Parses and validates JSON text; `what` names it in errors. Versions
    /// 1 and 2 are read as one window (see [`FORMAT_VERSION`]).
    pub fn from_json(text: &str, what: &str) -> Result<ShardMap, Error> {
        let bad = |reason: String| Error::ShardMap {
            what: what.to_string(),
            reason,
        };
        let mut value: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let version = match value.get("magg_shardmap").and_then(Value::as_u64) {
            Some(v) if (1..=u64::from(FORMAT_VERSION)).contains(&v) => v,
            Some(v) => {
                return Err(bad(format!(
                    "\"magg_shardmap\": format version {v} is not supported (this build reads 1 to {FORMAT_VERSION})"
                )));
            }
            None => return Err(bad("missing \"magg_shardmap\" version field".to_string())),
        };
        let has_rule = value
            .get("query")
            .is_some_and(|q| q.get("region_rule").is_some());
        match (version, has_rule) {
            (1, true) => {
                return Err(bad(
                    "query.region_rule: not a field of format version 1".to_string()
                ));
            }
            (1, false) | (_, true) => {}
            (_, false) => return Err(bad("query: missing field `region_rule`".to_string())),
        }
        let mut doc: Doc = if version < 3 {
            // Through a JSON value, which keeps the last of repeated keys:
            // check the shard keys on the text first.
            serde_json::from_str::<ShardsOnly>(text).map_err(|e| bad(e.to_string()))?;
            upgrade_to_windows(&mut value, version).map_err(bad)?;
            serde_json::from_value(value).map_err(|e| bad(e.to_string()))?
        } else {
            serde_json::from_str(text).map_err(|e| bad(e.to_string()))?
        };
        let (parent_order, child_order, rectilinear) =
            match (doc.grid.take(), doc.parent_order, doc.child_order) {
                (None, Some(p), Some(c)) => (p, c, None),
                (Some(GridSpec::Rectilinear(r)), None, None) if version == 3 => (0, 0, Some(r)),
                (Some(GridSpec::Rectilinear(_)), None, None) => {
                    return Err(bad(format!(
                        "grid: not a field of format version {version}"
                    )));
                }
                (Some(GridSpec::Healpix(_)), ..) => {
                    return Err(bad(
                        "grid: a HEALPix map gives parent_order and child_order".to_string(),
                    ));
                }
                (Some(_), ..) => {
                    return Err(bad(
                        "a map of tiles (\"grid\") has no parent_order or child_order".to_string(),
                    ));
                }
                (None, None, _) => return Err(bad("missing field `parent_order`".to_string())),
                (None, _, None) => return Err(bad("missing field `child_order`".to_string())),
            };
        if version == 1 {
            // Version 1 listed a pair when a match-order cell touched both
            // the region and the granule: the child-cell rule, unless the
            // match order was finer than the child order.
            if doc.query.match_order > child_order {
                return Err(bad(format!(
                    "format version 1 with match order {} finer than child order {} may miss \
                     pairs the region rule needs: rebuild the map with `magg catalog`",
                    doc.query.match_order, child_order
                )));
            }
            doc.query.region_rule = RegionRule::ChildCells;
        }
        let map = ShardMap {
            query: doc.query,
            windows: doc.windows,
            parent_order,
            child_order,
            rectilinear,
            shards: doc.shards.0,
        };
        map.validate(doc.totals).map_err(bad)?;
        Ok(map)
    }

    fn validate(&self, totals: Totals) -> Result<(), String> {
        let tiles = match &self.rectilinear {
            Some(r) => Some(
                GridSpec::Rectilinear(*r)
                    .build()
                    .map_err(|e| format!("grid: {e}"))?,
            ),
            None => None,
        };
        match &tiles {
            Some(_) if self.query.region_rule != RegionRule::AllObservations => {
                return Err(format!(
                    "query.region_rule: a map of tiles keeps every observation of a tile \
                     (all_observations), not {}",
                    self.query.region_rule.name()
                ));
            }
            None if self.child_order < self.parent_order
                || self.child_order > magg_morton::MAX_ORDER =>
            {
                return Err(format!(
                    "child_order {} must be between parent_order {} and 29",
                    self.child_order, self.parent_order
                ));
            }
            Some(_) | None => {}
        }
        window::validate(&self.windows)?;
        let mut window_of: BTreeMap<&str, u32> = BTreeMap::new();
        for (&w, granules) in &self.shards {
            if let Some(grid) = &tiles {
                grid.check_shard(w).map_err(|e| e.to_string())?;
            } else {
                let cell = magg_morton::decode(w).map_err(|e| format!("shard {w}: {e}"))?;
                if cell.order != self.parent_order || cell.is_point {
                    return Err(format!(
                        "shard {w} is an order-{} cell, not order {}",
                        cell.order, self.parent_order
                    ));
                }
            }
            if granules.is_empty() {
                return Err(format!("shard {w} lists no granule"));
            }
            for g in granules {
                if g.urls.s3.is_none() && g.urls.https.is_none() && g.urls.file.is_none() {
                    return Err(format!("shard {w}: granule {} has no URL", g.id));
                }
                if g.window as usize >= self.windows.len() {
                    return Err(format!(
                        "shard {w}: granule {} is in window {}, but the map has {} window(s)",
                        g.id,
                        g.window,
                        self.windows.len()
                    ));
                }
                if let Some(&other) = window_of.get(g.id.as_str())
                    && other != g.window
                {
                    return Err(format!(
                        "shard {w}: granule {} is in window {}, elsewhere in window {other} \
                         (a granule belongs to one window)",
                        g.id, g.window
                    ));
                }
                window_of.insert(&g.id, g.window);
            }
        }
        let actual = self.totals();
        if actual != totals {
            return Err(format!(
                "totals {totals:?} do not match the shards ({actual:?})"
            ));
        }
        Ok(())
    }

    /// Reads and validates a shard map file.
    pub fn read(path: &Path) -> Result<ShardMap, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        ShardMap::from_json(&text, &path.display().to_string())
    }

    /// Writes the JSON form to `path`.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        std::fs::write(path, self.to_json()).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    magg_shardmap: u32,
    query: Query,
    windows: Vec<Window>,
    /// A map of tiles: its rectilinear grid (in place of the orders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grid: Option<GridSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent_order: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    child_order: Option<u8>,
    shards: Shards,
    totals: Totals,
}

/// The shard keys alone (their checks), other fields ignored.
#[derive(Deserialize)]
struct ShardsOnly {
    #[serde(rename = "shards")]
    _shards: Shards,
}

/// Rewrites a version 1 or 2 document as version 3: its one window comes
/// from `query.cycle` (the cycle's window), else `query.temporal` (the
/// range), else covers everything; granules keep the default window 0.
fn upgrade_to_windows(doc: &mut Value, version: u64) -> Result<(), String> {
    if doc.get("windows").is_some() {
        return Err(format!("windows: not a field of format version {version}"));
    }
    let query = doc
        .get_mut("query")
        .and_then(Value::as_object_mut)
        .ok_or("missing field `query`")?;
    let cycle = query.remove("cycle");
    let window = match (&cycle, query.get("temporal")) {
        (Some(c), _) => {
            let c = c
                .as_u64()
                .and_then(|c| u8::try_from(c).ok())
                .filter(|c| (1..=99).contains(c))
                .ok_or_else(|| format!("query.cycle: {c} is not an ICESat-2 cycle"))?;
            Window::cycle(c)
        }
        (None, Some(Value::Array(range))) => {
            let time = |i: usize| {
                range
                    .get(i)
                    .and_then(Value::as_str)
                    .ok_or("query.temporal: not two times".to_string())
                    .and_then(|t| {
                        parse_time(t).map_err(|e| {
                            format!(
                                "query.temporal of a format version {version} map: {e}: \
                                 rebuild the map with `magg catalog`"
                            )
                        })
                    })
            };
            let (s, e) = (time(0)?, time(1)?);
            window::Window {
                label: format!("{}/{}", window::format_time(s), window::format_time(e)),
                start: Some(window::format_time(s)),
                end: Some(window::format_time(e)),
                cycle: None,
            }
        }
        _ => Window::all(),
    };
    doc["windows"] = serde_json::to_value([window]).map_err(|e| e.to_string())?;
    Ok(())
}

/// The `shards` object: keys are decimal morton words, in numeric order;
/// a repeated key is an error.
struct Shards(BTreeMap<u64, Vec<GranuleRef>>);

impl Serialize for Shards {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(&k.to_string(), v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Shards {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shards, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Shards;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of shard words (decimal strings) to granule lists")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Shards, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = a.next_key::<String>()? {
                    let w: u64 = key.parse().map_err(|_| {
                        serde::de::Error::custom(format!(
                            "shard key {key:?} is not a decimal morton word"
                        ))
                    })?;
                    let v: Vec<GranuleRef> = a.next_value()?;
                    if out.insert(w, v).is_some() {
                        return Err(serde::de::Error::custom(format!("duplicate shard {w}")));
                    }
                }
                Ok(Shards(out))
            }
        }
        d.deserialize_map(V)
    }
}
