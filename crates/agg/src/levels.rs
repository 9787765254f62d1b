//! Multi-level reads (`data_source.levels`, `base_level`, `read_plan`):
//! the config keys, their validation, and the paths the reader and the
//! catalog take from them.
//!
//! Upstream zagg's ATL03 configs name two levels of a beam: the photons
//! (`/{group}/heights`, the base level: coordinates, variables and filters
//! are read there) and the ~20 m geolocation segments
//! (`/{group}/geolocation`), whose `link` says which photon rows each
//! segment holds: `index_beg` (the first photon's row, `index_base`-based;
//! below the base, e.g. 0 for 1-based ATL03, the segment is empty) and
//! `count`. With `read_plan.spatial_index: segments` the reader finds a
//! shard's photons through the segments (`linked.rs`): a segment row is
//! kept when its reference point is within `margin_m` metres of the shard,
//! kept runs are widened by `pad` segments, and only the photon rows they
//! link to are read. Each photon's own coordinates still decide its cell,
//! so the result equals reading every photon, provided every photon lies
//! within `margin_m` of its own segment's reference point (ATL03: about
//! 10–25 m; default 100 m).

use crate::config::{ConfigError, Coordinates, DataSource};
use crate::named::Named;
use serde::{Deserialize, Serialize};

/// Default `read_plan.margin_m`: metres between a photon and its
/// segment's reference point that the linked read allows for.
pub const DEFAULT_LINK_MARGIN_M: f64 = 100.0;

/// `data_source.levels.<name>`: one rate of rows of a beam.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSpec {
    /// The level's group, with `{group}` (`/{group}/heights`).
    pub path: String,
    /// Coordinate dataset names inside `path` (`lat_ph`, `lon_ph`).
    pub coordinates: Coordinates,
    /// How this level's rows point into the base level's (`null` or
    /// absent for the base level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkSpec>,
}

/// `data_source.levels.<name>.link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// The level linked to: the base level.
    pub to: String,
    /// Dataset (with `{group}`) of each row's first linked row.
    pub index_beg: String,
    /// Dataset (with `{group}`) of each row's number of linked rows.
    pub count: String,
    /// Whether `index_beg` counts from 0 or 1 (ATL03: 1).
    pub index_base: u8,
}

/// `data_source.read_plan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadPlan {
    /// The level whose coordinates find a shard's rows (`segments`; the
    /// base level means: search the base level's own coordinates).
    pub spatial_index: String,
    /// Rows of the spatial index level added on each side of every kept
    /// run (default 0).
    #[serde(default)]
    pub pad: u64,
    /// magg's own: how far (metres) a base-level row may lie from its
    /// linked row's coordinates (default [`DEFAULT_LINK_MARGIN_M`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_m: Option<f64>,
}

/// A linked read, resolved: the spatial index level's paths (with
/// `{group}`) and how to map its rows to base rows.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkPlan {
    /// The spatial index level's latitude dataset.
    pub latitude: String,
    /// Its longitude dataset.
    pub longitude: String,
    /// Its first-linked-row dataset.
    pub index_beg: String,
    /// Its linked-row-count dataset.
    pub count: String,
    /// 0 or 1.
    pub index_base: u8,
    /// Rows added on each side of a kept run.
    pub pad: u64,
    /// Metres allowed between a base row and its linked row.
    pub margin_m: f64,
}

impl LinkPlan {
    /// The plan with `{group}` replaced.
    #[must_use]
    pub fn for_group(&self, group: &str) -> LinkPlan {
        let sub = |p: &str| p.replace("{group}", group);
        LinkPlan {
            latitude: sub(&self.latitude),
            longitude: sub(&self.longitude),
            index_beg: sub(&self.index_beg),
            count: sub(&self.count),
            ..self.clone()
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        format!("{}/{}", path.trim_end_matches('/'), name)
    }
}

fn invalid(key: String, message: impl Into<String>) -> ConfigError {
    ConfigError::invalid(key, message)
}

/// Validates `levels` / `base_level` / `read_plan` and resolves the linked
/// read, if the read plan asks for one. Errors name the key.
pub(crate) fn link_plan(ds: &DataSource) -> Result<Option<LinkPlan>, ConfigError> {
    let levels: &Named<LevelSpec> = &ds.levels;
    if levels.is_empty() {
        if ds.base_level.is_some() {
            return Err(invalid(
                "data_source.base_level".into(),
                "names a level, but `data_source.levels` is empty",
            ));
        }
        if ds.read_plan.is_some() {
            return Err(invalid(
                "data_source.read_plan".into(),
                "needs `data_source.levels` (and `base_level`)",
            ));
        }
        return Ok(None);
    }
    let Some(base) = ds.base_level.as_deref() else {
        return Err(invalid(
            "data_source.base_level".into(),
            "missing: `levels` needs the base level's name (the rate coordinates, variables \
             and filters are read at)",
        ));
    };
    let Some(base_spec) = levels.get(base) else {
        let names: Vec<&str> = levels.names().collect();
        return Err(invalid(
            "data_source.base_level".into(),
            format!("`{base}` is not a level (levels: {})", names.join(", ")),
        ));
    };
    let key = |name: &str, rest: &str| format!("data_source.levels.{name}.{rest}");
    if base_spec.link.is_some() {
        return Err(invalid(
            key(base, "link"),
            "the base level links to no other level (give `link: null`)",
        ));
    }
    for (coord, given, whole) in [
        (
            "latitude",
            &base_spec.coordinates.latitude,
            &ds.coordinates.latitude,
        ),
        (
            "longitude",
            &base_spec.coordinates.longitude,
            &ds.coordinates.longitude,
        ),
    ] {
        let joined = join(&base_spec.path, given);
        if joined != *whole {
            return Err(invalid(
                key(base, &format!("coordinates.{coord}")),
                format!(
                    "`{joined}` differs from `data_source.coordinates.{coord}` (`{whole}`): \
                     the base level's coordinates are the observations'"
                ),
            ));
        }
    }
    for (name, level) in levels.iter() {
        if name == base {
            continue;
        }
        let Some(link) = &level.link else {
            return Err(invalid(
                key(name, "link"),
                format!("missing: a level other than the base (`{base}`) links to it"),
            ));
        };
        if link.to != base {
            return Err(invalid(
                key(name, "link.to"),
                format!(
                    "`{}`: links go to the base level (`{base}`); chains of links are not \
                     supported",
                    link.to
                ),
            ));
        }
        if link.index_base > 1 {
            return Err(invalid(
                key(name, "link.index_base"),
                format!("{}: must be 0 or 1", link.index_base),
            ));
        }
        for (k, p) in [
            ("link.index_beg", &link.index_beg),
            ("link.count", &link.count),
        ] {
            if p.trim().is_empty() {
                return Err(invalid(key(name, k), "empty dataset path"));
            }
        }
    }
    let Some(plan) = &ds.read_plan else {
        return Ok(None);
    };
    let Some(level) = levels.get(&plan.spatial_index) else {
        let names: Vec<&str> = levels.names().collect();
        return Err(invalid(
            "data_source.read_plan.spatial_index".into(),
            format!(
                "`{}` is not a level (levels: {})",
                plan.spatial_index,
                names.join(", ")
            ),
        ));
    };
    let margin_m = plan.margin_m.unwrap_or(DEFAULT_LINK_MARGIN_M);
    if !(margin_m.is_finite() && margin_m > 0.0) {
        return Err(invalid(
            "data_source.read_plan.margin_m".into(),
            format!("{margin_m}: must be a positive number of metres"),
        ));
    }
    let Some(link) = &level.link else {
        // The base level indexes itself: the plain search.
        return Ok(None);
    };
    Ok(Some(LinkPlan {
        latitude: join(&level.path, &level.coordinates.latitude),
        longitude: join(&level.path, &level.coordinates.longitude),
        index_beg: join(&level.path, &link.index_beg),
        count: join(&level.path, &link.count),
        index_base: link.index_base,
        pad: plan.pad,
        margin_m,
    }))
}
