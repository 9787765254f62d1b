//! Describing a file and its datasets so that they can be read later
//! without parsing the file: [`FileDesc`] (the object's identity and the
//! superblock facts) and [`DatasetDesc`] (shape, type, fill value, filters,
//! numeric attributes, and where every byte of data lives: a contiguous
//! block, or every chunk with its offset, address, stored size and filter
//! mask). [`File::describe`] and [`Dataset::describe`] make them (the
//! latter reads the dataset's whole chunk index); [`File::from_desc`] and
//! [`File::dataset_from_desc`] turn them back into a [`File`] and a
//! [`Dataset`] with no request at all, whose row reads then fetch only
//! data, each response checked against the recorded identity (a rewritten
//! object is [`ErrorKind::Stale`], never a wrong value).
//!
//! The descriptions are serde types (field names are the sidecar format
//! of `magg-index`, specified in its README). Everything in a description
//! is checked when it is turned back into a dataset (types, ranks, chunk
//! offsets on the chunk grid and inside the shape, byte ranges inside the
//! object, sizes under the caps of [`crate::OpenOptions`]), since an index
//! is input like any file.

use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::attribute::{AttrValue, Attribute};
use crate::dataset::{Dataset, Info};
use crate::error::{Error, ErrorKind, KResult, Result};
use crate::file::File;
use crate::format::btree1::ChunkRecord;
use crate::format::chunk_index::{self, Geometry};
use crate::format::cursor::Sizes;
use crate::format::datatype::{ByteOrder, Dtype};
use crate::format::layout::{ChunkIndex, Layout};
use crate::format::pipeline::Filter;
use crate::format::superblock::Superblock;
use crate::io::reader::Identity;

/// Chunks one description may list at most.
pub const MAX_DESC_CHUNKS: usize = 1 << 20;

/// What a reader needs of a file besides its datasets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDesc {
    /// The object's size, and its ETag / last-modified time when known.
    pub identity: Identity,
    /// Superblock version.
    pub superblock: u8,
    /// Bytes per file address.
    pub offset_size: u8,
    /// Bytes per length field.
    pub length_size: u8,
    /// Base address: file addresses are relative to it (0 in files
    /// written by libhdf5 without a user block).
    pub base: u64,
    /// The root group's object header address.
    pub root: u64,
}

/// A dataset, as a reader needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetDesc {
    /// Absolute path in the file.
    pub path: String,
    /// Dimensions.
    pub shape: Vec<u64>,
    /// Maximum dimensions ([`crate::UNLIMITED`] for unlimited ones).
    pub maxshape: Vec<u64>,
    /// numpy type string: byte order (`<`, `>`, `|`), kind (`i`, `u`,
    /// `f`) and size (`<f8`, `>i2`, `|u1`). Enumerations are their base
    /// integer (as they are read).
    pub dtype: String,
    /// The HDF5 fill value property, as stored bytes in hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill: Option<String>,
    /// The filter pipeline, in the order applied when writing.
    #[serde(default)]
    pub filters: Vec<Filter>,
    /// The numeric attributes (string ones are left out).
    #[serde(default)]
    pub attributes: Vec<NumAttr>,
    /// Where the data lives.
    pub layout: LayoutDesc,
}

/// A numeric attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumAttr {
    /// Name.
    pub name: String,
    /// numpy type string of the stored type.
    pub dtype: String,
    /// Shape (empty for a scalar).
    #[serde(default)]
    pub shape: Vec<u64>,
    /// Values: integers, or floats (`"NaN"`, `"inf"`, `"-inf"` as strings).
    pub values: NumValues,
}

/// An attribute's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumValues {
    /// Signed integers.
    Int(Vec<i64>),
    /// Unsigned integers.
    Uint(Vec<u64>),
    /// Floats.
    Float(#[serde(with = "floats")] Vec<f64>),
}

/// Where a dataset's data lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LayoutDesc {
    /// Inside the object header: the bytes, in hex.
    Compact {
        /// Stored bytes, hex.
        data: String,
    },
    /// One block at file address `addr` (`None`: never written) of `size`
    /// bytes.
    Contiguous {
        /// File address.
        addr: Option<u64>,
        /// Bytes.
        size: u64,
    },
    /// Chunks of `chunk` elements; those never written are not listed.
    Chunked {
        /// Chunk shape.
        chunk: Vec<u64>,
        /// Every written chunk, by offset.
        chunks: Vec<ChunkDesc>,
    },
}

/// One stored chunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkDesc {
    /// Offset of its first element, per dimension (a multiple of the chunk
    /// shape).
    pub offset: Vec<u64>,
    /// File address of its stored bytes.
    pub addr: u64,
    /// Stored (filtered) bytes.
    pub size: u64,
    /// Filters skipped for this chunk (bit i: filter i).
    #[serde(default)]
    pub mask: u32,
}

impl File {
    /// This file's description (no request).
    pub fn describe(&self) -> FileDesc {
        let sb = &self.inner.sb;
        FileDesc {
            identity: self.inner.src.identity.clone(),
            superblock: sb.version,
            offset_size: sb.sizes.offset,
            length_size: sb.sizes.length,
            base: sb.base,
            root: sb.root,
        }
    }

    /// The object's identity as the open's response told it (only its size
    /// when [`crate::OpenOptions::size`] was given).
    pub fn identity(&self) -> &Identity {
        &self.inner.src.identity
    }

    /// The file at `url` as `desc` describes it, without a request: its
    /// datasets come from [`File::dataset_from_desc`]; every response is
    /// checked against `desc.identity` ([`ErrorKind::Stale`] when the
    /// object changed). [`File::dataset`] still works (parsing metadata).
    pub fn from_desc(url: &str, desc: &FileDesc, opts: &OpenOptions) -> Result<File> {
        let wrap = |k| Error::new(url, "/", k);
        let sizes = Sizes {
            offset: desc.offset_size,
            length: desc.length_size,
        };
        let ok = |n: u8| matches!(n, 2 | 4 | 8);
        if !ok(sizes.offset) || !ok(sizes.length) || desc.superblock > 3 {
            return Err(wrap(ErrorKind::corrupt(format!(
                "described superblock v{} with {}-byte addresses and {}-byte lengths",
                desc.superblock, sizes.offset, sizes.length
            ))));
        }
        if desc.base >= desc.identity.size.max(1) {
            return Err(wrap(ErrorKind::corrupt(
                "described base address past the end",
            )));
        }
        let (store, path) =
            crate::url::store_with(url, &opts.store_options, &opts.io).map_err(wrap)?;
        let sb = Superblock {
            version: desc.superblock,
            sizes,
            base: desc.base,
            root: desc.root,
        };
        Ok(File::assemble(
            url.to_string(),
            store,
            path,
            &desc.identity,
            sb,
            opts,
        ))
    }

    /// The dataset `desc` describes, without a request (checked: see the
    /// module docs).
    pub fn dataset_from_desc(&self, desc: &DatasetDesc) -> Result<Dataset> {
        let path = crate::file::normalize(&desc.path);
        let info = info_of(self, desc).map_err(|k| self.err(&path, k))?;
        Ok(Dataset {
            file: self.clone(),
            path,
            info: Arc::new(info),
            columns: None,
        })
    }
}

use crate::file::OpenOptions;

impl Dataset {
    /// This dataset's description: reads its whole chunk index (metadata
    /// requests) but no data. Numeric datasets only.
    pub async fn describe(&self) -> Result<DatasetDesc> {
        self.describe_kind().await.map_err(|k| self.err(k))
    }

    async fn describe_kind(&self) -> KResult<DatasetDesc> {
        let info = &self.info;
        if !info.dtype.is_numeric() {
            return Err(ErrorKind::unsupported(format!(
                "describing a {} dataset",
                info.dtype
            )));
        }
        let file = &self.file;
        let layout = match &info.layout {
            Layout::Compact(data) => LayoutDesc::Compact { data: hex(data) },
            Layout::Contiguous { addr, size } => LayoutDesc::Contiguous {
                addr: *addr,
                size: *size,
            },
            Layout::Chunked { chunk, addr, index } => {
                let recs = match addr {
                    None => Vec::new(),
                    Some(a) => {
                        let g = Geometry {
                            dims: info.shape.clone(),
                            maxdims: info.maxshape.clone(),
                            chunk: chunk.clone(),
                            elem_size: info.dtype.size() as u64,
                            filtered: !info.filters.is_empty(),
                        };
                        chunk_index::lookup(
                            &file.inner.src,
                            file.inner.sizes,
                            index,
                            *a,
                            &g,
                            0..self.rows(),
                        )
                        .await?
                    }
                };
                LayoutDesc::Chunked {
                    chunk: chunk.clone(),
                    chunks: recs
                        .into_iter()
                        .map(|r| ChunkDesc {
                            offset: r.offset,
                            addr: r.addr,
                            size: r.size,
                            mask: r.mask,
                        })
                        .collect(),
                }
            }
        };
        let attributes = info
            .attrs
            .iter()
            .filter_map(|a| {
                let values = match &a.value {
                    AttrValue::Int(v) => NumValues::Int(v.clone()),
                    AttrValue::UInt(v) => NumValues::Uint(v.clone()),
                    AttrValue::Float(v) => NumValues::Float(v.clone()),
                    _ => return None,
                };
                Some(NumAttr {
                    name: a.name.clone(),
                    dtype: a.dtype.typestr(),
                    shape: a.shape.clone(),
                    values,
                })
            })
            .collect();
        Ok(DatasetDesc {
            path: self.path.clone(),
            shape: info.shape.clone(),
            maxshape: info.maxshape.clone(),
            dtype: info.dtype.numeric().typestr(),
            fill: info.fill.as_deref().map(hex),
            filters: info.filters.clone(),
            attributes,
            layout,
        })
    }
}

/// A numeric type from a numpy type string (`<f8`, `>i2`, `|u1`).
pub(crate) fn parse_typestr(s: &str) -> KResult<Dtype> {
    let bad = || ErrorKind::corrupt(format!("type {s:?} is not a numeric numpy type string"));
    let mut ch = s.chars();
    let order = match ch.next() {
        Some('<' | '|') => ByteOrder::Little,
        Some('>') => ByteOrder::Big,
        _ => return Err(bad()),
    };
    let kind = ch.next().ok_or_else(bad)?;
    let size: u8 = ch.as_str().parse().map_err(|_| bad())?;
    match (kind, size) {
        ('i' | 'u', 1 | 2 | 4 | 8) => Ok(Dtype::Int {
            size,
            signed: kind == 'i',
            order,
        }),
        ('f', 2 | 4 | 8) => Ok(Dtype::Float { size, order }),
        _ => Err(bad()),
    }
}

fn info_of(file: &File, d: &DatasetDesc) -> KResult<Info> {
    let dtype = parse_typestr(&d.dtype)?;
    let es = dtype.size() as u64;
    let rank = d.shape.len();
    if rank == 0 || rank > 32 || d.maxshape.len() != rank {
        return Err(ErrorKind::corrupt(format!(
            "described shape {:?} / maxshape {:?}",
            d.shape, d.maxshape
        )));
    }
    let fill = match &d.fill {
        None => None,
        Some(h) => {
            let b = unhex(h)?;
            if b.len() as u64 != es {
                return Err(ErrorKind::corrupt("described fill value of another size"));
            }
            Some(Bytes::from(b))
        }
    };
    if d.filters.len() > 32 {
        return Err(ErrorKind::corrupt("more than 32 described filters"));
    }
    let size = file.inner.src.size;
    let base = file.inner.src.base();
    let inside = |addr: u64, len: u64| {
        base.checked_add(addr)
            .and_then(|a| a.checked_add(len))
            .is_some_and(|end| end <= size)
    };
    let opts = &file.inner.opts;
    let layout = match &d.layout {
        LayoutDesc::Compact { data } => Layout::Compact(Bytes::from(unhex(data)?)),
        LayoutDesc::Contiguous { addr, size: n } => {
            if addr.is_some_and(|a| !inside(a, *n)) {
                return Err(ErrorKind::corrupt("described data block past the end"));
            }
            Layout::Contiguous {
                addr: *addr,
                size: *n,
            }
        }
        LayoutDesc::Chunked { chunk, chunks } => {
            let cb = chunk.iter().try_fold(es, |a, &c| a.checked_mul(c));
            if chunk.len() != rank || chunk.contains(&0) || cb.is_none() {
                return Err(ErrorKind::corrupt(format!(
                    "described chunk shape {chunk:?} for shape {:?}",
                    d.shape
                )));
            }
            if cb.unwrap_or(u64::MAX) > opts.max_chunk_bytes || chunks.len() > MAX_DESC_CHUNKS {
                return Err(ErrorKind::TooLarge {
                    what: "described chunks",
                    value: chunks.len() as u64,
                    limit: MAX_DESC_CHUNKS as u64,
                });
            }
            let mut recs = Vec::with_capacity(chunks.len());
            for c in chunks {
                let on_grid = c.offset.len() == rank
                    && c.offset
                        .iter()
                        .zip(chunk)
                        .zip(&d.shape)
                        .all(|((&o, &k), &n)| o.is_multiple_of(k) && o < n);
                if !on_grid || c.size > opts.max_chunk_bytes || !inside(c.addr, c.size) {
                    return Err(ErrorKind::corrupt(format!(
                        "described chunk at {:?} ({} bytes at {:#x}) is off the chunk grid, \
                         too large or past the end",
                        c.offset, c.size, c.addr
                    )));
                }
                recs.push(ChunkRecord {
                    offset: c.offset.clone(),
                    addr: c.addr,
                    size: c.size,
                    mask: c.mask,
                });
            }
            recs.sort_by(|a, b| a.offset.cmp(&b.offset));
            if recs.windows(2).any(|w| w[0].offset == w[1].offset) {
                return Err(ErrorKind::corrupt("a chunk described twice"));
            }
            Layout::Chunked {
                chunk: chunk.clone(),
                addr: Some(0),
                index: ChunkIndex::Listed(recs.into()),
            }
        }
    };
    let mut attrs = Vec::with_capacity(d.attributes.len());
    for a in &d.attributes {
        attrs.push(Attribute {
            name: a.name.clone(),
            dtype: parse_typestr(&a.dtype)?,
            shape: a.shape.clone(),
            value: match &a.values {
                NumValues::Int(v) => AttrValue::Int(v.clone()),
                NumValues::Uint(v) => AttrValue::UInt(v.clone()),
                NumValues::Float(v) => AttrValue::Float(v.clone()),
            },
        });
    }
    attrs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Info {
        shape: d.shape.clone(),
        maxshape: d.maxshape.clone(),
        dtype,
        layout,
        filters: d.filters.clone(),
        fill,
        attrs,
    })
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

fn unhex(s: &str) -> KResult<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 1 << 24 {
        return Err(ErrorKind::corrupt("described bytes: bad hex"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| ErrorKind::corrupt("described bytes: bad hex"))
        })
        .collect()
}

/// Floats as JSON numbers, the non-finite ones as strings.
mod floats {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum F {
        N(f64),
        S(String),
    }

    pub(super) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let f: Vec<F> = v
            .iter()
            .map(|&x| {
                if x.is_finite() {
                    F::N(x)
                } else {
                    F::S(x.to_string())
                }
            })
            .collect();
        f.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<F>::deserialize(d)?
            .into_iter()
            .map(|f| match f {
                F::N(x) => Ok(x),
                F::S(s) => match s.as_str() {
                    "NaN" => Ok(f64::NAN),
                    "inf" => Ok(f64::INFINITY),
                    "-inf" => Ok(f64::NEG_INFINITY),
                    _ => Err(serde::de::Error::custom(format!("{s:?} is not a float"))),
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typestrs_round_trip() {
        for s in ["<f8", ">f4", "<f2", "|u1", "|i1", ">i2", "<u4", "<i8"] {
            assert_eq!(parse_typestr(s).unwrap().typestr(), s);
        }
        for s in ["", "<", "<f3", "<i16", "xf8", "<c8", "|S4", "<f"] {
            assert!(parse_typestr(s).is_err(), "{s}");
        }
    }

    #[test]
    fn hex_round_trip() {
        let b = [0u8, 1, 0xab, 0xff];
        assert_eq!(hex(&b), "0001abff");
        assert_eq!(unhex("0001abff").unwrap(), b);
        assert!(unhex("0").is_err());
        assert!(unhex("zz").is_err());
        assert!(unhex("é0").is_err());
    }

    #[test]
    fn floats_keep_non_finite_values() {
        let v = NumValues::Float(vec![1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        let j = serde_json::to_string(&v).unwrap();
        assert_eq!(j, r#"{"float":[1.5,"NaN","inf","-inf"]}"#);
        let NumValues::Float(back) = serde_json::from_str(&j).unwrap() else {
            panic!("float values");
        };
        assert_eq!(back[0].to_bits(), 1.5f64.to_bits());
        assert!(back[1].is_nan());
        assert_eq!(back[2..], [f64::INFINITY, f64::NEG_INFINITY]);
    }
}
