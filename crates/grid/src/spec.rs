//! `output.grid` as a config file says it, in the upstream system's
//! grammar:
//!
//! ```yaml
//! output:
//!   grid:
//!     type: rectilinear
//!     crs: EPSG:3031            # or EPSG:3413
//!     resolution: 5000          # CRS units (m); or [res_x, res_y]
//!     bounds: [-3200000, -3200000, 3200000, 3200000]   # xmin, ymin, xmax, ymax
//!     chunk_shape: [256, 256]   # [rows (y), cols (x)] of cells per shard; default [256, 256]
//! ```
//!
//! or `type: healpix` with `parent_order` (default 6), `child_order` and
//! `indexing_scheme: nested` (the only scheme). Unknown keys are refused.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::crs::Crs;
use crate::error::GridError;
use crate::healpix::HealpixGrid;
use crate::rect::RectilinearGrid;
use crate::seam::Grid;

/// `output.grid`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", try_from = "RawGrid")]
pub enum GridSpec {
    /// HEALPix nested cells.
    Healpix(HealpixSpec),
    /// A regular grid in a projected CRS.
    Rectilinear(RectilinearSpec),
}

impl GridSpec {
    /// Builds the grid, checking every parameter.
    pub fn build(&self) -> Result<Arc<dyn Grid>, GridError> {
        Ok(match self {
            GridSpec::Healpix(h) => Arc::new(HealpixGrid::new(h.parent_order, h.child_order)?),
            GridSpec::Rectilinear(r) => Arc::new(RectilinearGrid::new(r)?),
        })
    }
}

/// `output.grid` as written: every key of every type, so a bad value's
/// error carries its key's path (an internally tagged enum would buffer
/// the map and lose it); [`GridSpec`]'s `TryFrom` then checks which keys
/// the type takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    #[serde(rename = "type")]
    kind: GridType,
    indexing_scheme: Option<IndexingScheme>,
    parent_order: Option<u8>,
    child_order: Option<u8>,
    crs: Option<Crs>,
    resolution: Option<Resolution>,
    bounds: Option<[f64; 4]>,
    chunk_shape: Option<[u32; 2]>,
}

/// `output.grid.type`.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum GridType {
    Healpix,
    Rectilinear,
}

impl TryFrom<RawGrid> for GridSpec {
    type Error = String;

    fn try_from(r: RawGrid) -> Result<GridSpec, String> {
        let (name, foreign) = match r.kind {
            GridType::Healpix => (
                "healpix",
                [
                    ("crs", r.crs.is_some()),
                    ("resolution", r.resolution.is_some()),
                    ("bounds", r.bounds.is_some()),
                    ("chunk_shape", r.chunk_shape.is_some()),
                ],
            ),
            GridType::Rectilinear => (
                "rectilinear",
                [
                    ("indexing_scheme", r.indexing_scheme.is_some()),
                    ("parent_order", r.parent_order.is_some()),
                    ("child_order", r.child_order.is_some()),
                    ("", false),
                ],
            ),
        };
        if let Some((key, _)) = foreign.iter().find(|(_, given)| *given) {
            return Err(format!("{key}: not a key of a {name} grid"));
        }
        let missing = |key: &str| format!("{key}: required for a {name} grid");
        Ok(match r.kind {
            GridType::Healpix => GridSpec::Healpix(HealpixSpec {
                indexing_scheme: r.indexing_scheme.unwrap_or_default(),
                parent_order: r.parent_order.unwrap_or_else(default_parent_order),
                child_order: r.child_order.ok_or_else(|| missing("child_order"))?,
            }),
            GridType::Rectilinear => GridSpec::Rectilinear(RectilinearSpec {
                crs: r.crs.ok_or_else(|| missing("crs"))?,
                resolution: r.resolution.ok_or_else(|| missing("resolution"))?,
                bounds: r.bounds.ok_or_else(|| missing("bounds"))?,
                chunk_shape: r.chunk_shape.unwrap_or(DEFAULT_CHUNK_SHAPE),
            }),
        })
    }
}

/// `output.grid` with `type: healpix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealpixSpec {
    /// Cell numbering; only `nested`.
    #[serde(default)]
    pub indexing_scheme: IndexingScheme,
    /// Shard order (default 6).
    #[serde(default = "default_parent_order")]
    pub parent_order: u8,
    /// Output cell order.
    pub child_order: u8,
}

fn default_parent_order() -> u8 {
    6
}

/// `output.grid.indexing_scheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexingScheme {
    /// HEALPix NESTED.
    #[default]
    Nested,
}

/// `output.grid` with `type: rectilinear`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RectilinearSpec {
    /// The projected CRS (`EPSG:3031` or `EPSG:3413`).
    pub crs: Crs,
    /// Cell size in CRS units (metres).
    pub resolution: Resolution,
    /// `[xmin, ymin, xmax, ymax]` in CRS units. The grid's origin is the
    /// top-left corner `(xmin, ymax)`; the far edges (`xmax`, `ymin`) move
    /// out to a whole number of cells and of chunks (as upstream).
    pub bounds: [f64; 4],
    /// `[rows, cols]` of cells per shard (y first, as the `(y, x)` arrays
    /// are chunked); default `[256, 256]`.
    #[serde(default = "default_chunk_shape")]
    pub chunk_shape: [u32; 2],
}

/// The upstream default chunk (shard) shape.
pub const DEFAULT_CHUNK_SHAPE: [u32; 2] = [256, 256];

fn default_chunk_shape() -> [u32; 2] {
    DEFAULT_CHUNK_SHAPE
}

/// `resolution`: one cell size for both axes, or `[res_x, res_y]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Resolution {
    /// Square cells.
    Square(f64),
    /// `[res_x, res_y]`.
    Xy([f64; 2]),
}

impl Resolution {
    /// `(res_x, res_y)`.
    pub fn xy(self) -> (f64, f64) {
        match self {
            Resolution::Square(r) => (r, r),
            Resolution::Xy([x, y]) => (x, y),
        }
    }
}

impl<'de> Deserialize<'de> for Resolution {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Resolution, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Resolution;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a cell size in CRS units, or [res_x, res_y]")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Resolution, E> {
                Ok(Resolution::Square(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Resolution, E> {
                Ok(Resolution::Square(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Resolution, E> {
                Ok(Resolution::Square(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Resolution, A::Error> {
                let x = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<f64>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(Resolution::Xy([x, y]))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<GridSpec, String> {
        let de = serde_norway::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| e.to_string())
    }

    #[test]
    fn upstream_polar_config_parses() {
        let g = parse(
            "type: rectilinear\ncrs: EPSG:3031\nresolution: 5000\n\
             bounds: [-3200000, -3200000, 3200000, 3200000]\nchunk_shape: [256, 256]\n",
        )
        .unwrap();
        let GridSpec::Rectilinear(r) = g else {
            panic!("{g:?}")
        };
        assert_eq!(r.crs, Crs::Epsg3031);
        assert_eq!(r.resolution.xy(), (5000.0, 5000.0));
        assert_eq!(r.bounds, [-3.2e6, -3.2e6, 3.2e6, 3.2e6]);
        assert_eq!(r.chunk_shape, [256, 256]);
        let grid = g.build().unwrap();
        assert_eq!(grid.n_shards(), 25);
    }

    #[test]
    fn defaults_and_pairs() {
        let g = parse("type: rectilinear\ncrs: EPSG:3413\nresolution: [1000, 2000.5]\nbounds: [0, 0, 10, 10]\n")
            .unwrap();
        let GridSpec::Rectilinear(r) = g else {
            panic!("{g:?}")
        };
        assert_eq!(r.chunk_shape, DEFAULT_CHUNK_SHAPE);
        assert_eq!(r.resolution.xy(), (1000.0, 2000.5));
        let h = parse("type: healpix\nchild_order: 12\n").unwrap();
        assert_eq!(
            h,
            GridSpec::Healpix(HealpixSpec {
                indexing_scheme: IndexingScheme::Nested,
                parent_order: 6,
                child_order: 12
            })
        );
    }

    #[test]
    fn bad_specs_name_the_key() {
        for (text, want) in [
            (
                "type: rectilinear\ncrs: EPSG:4326\nresolution: 1\nbounds: [0,0,1,1]\n",
                "crs",
            ),
            (
                "type: rectilinear\ncrs: EPSG:3031\nresolution: [1]\nbounds: [0,0,1,1]\n",
                "resolution",
            ),
            (
                "type: rectilinear\ncrs: EPSG:3031\nresolution: x\nbounds: [0,0,1,1]\n",
                "resolution",
            ),
            (
                "type: rectilinear\ncrs: EPSG:3031\nresolution: 1\nbounds: [0,0,1]\n",
                "bounds",
            ),
            (
                "type: rectilinear\ncrs: EPSG:3031\nresolution: 1\nbounds: [0,0,1,1]\nchunks: [1,1]\n",
                "chunks",
            ),
            (
                "type: rectilinear\ncrs: EPSG:3031\nresolution: 1\nbounds: [0,0,1,1]\nchunk_shape: [1,-1]\n",
                "chunk_shape",
            ),
            ("type: healpix\nparent_order: 6\n", "child_order: required"),
            (
                "type: rectilinear\ncrs: EPSG:3031\nbounds: [0,0,1,1]\n",
                "resolution",
            ),
            ("type: hexagonal\n", "hexagonal"),
            (
                "type: healpix\nchild_order: 12\ncrs: EPSG:3031\n",
                "crs: not a key of a healpix grid",
            ),
            (
                "type: rectilinear\nchild_order: 12\n",
                "child_order: not a key",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
