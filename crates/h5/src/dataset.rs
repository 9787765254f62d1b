//! [`Dataset`]: shape, type, storage, filters, fill value, attributes, and
//! the typed row reads (the engine is in `read.rs`).

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;

use crate::attribute::{self, Attribute};
use crate::convert::{Element, convert};
use crate::error::{ErrorKind, KResult, Result};
use crate::file::File;
use crate::format::cursor::Cursor;
use crate::format::datatype::{self, Dtype};
use crate::format::layout::{self, ChunkIndex, Layout};
use crate::format::link;
use crate::format::object_header::{FLAG_SHARED, Message, ObjectHeader, kind};
use crate::format::pipeline::{self, Filter};
use crate::format::{dataspace, fill, global_heap};
use crate::group::{self, ObjectKind};
use crate::read;

/// How a dataset's data is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// Inside the object header.
    Compact,
    /// One contiguous block.
    Contiguous,
    /// Chunks of `chunk` elements, located through `index`.
    Chunked {
        /// Chunk shape.
        chunk: Vec<u64>,
        /// Index type: `v1 B-tree`, `single chunk`, `implicit`, `fixed array`,
        /// `extensible array` or `v2 B-tree`.
        index: &'static str,
    },
}

#[derive(Debug)]
pub(crate) struct Info {
    pub(crate) shape: Vec<u64>,
    pub(crate) maxshape: Vec<u64>,
    pub(crate) dtype: Dtype,
    pub(crate) layout: Layout,
    pub(crate) filters: Vec<Filter>,
    pub(crate) fill: Option<Bytes>,
    pub(crate) attrs: Vec<Attribute>,
}

/// An open dataset (cheap to clone).
#[derive(Debug, Clone)]
pub struct Dataset {
    pub(crate) file: File,
    pub(crate) path: String,
    pub(crate) info: Arc<Info>,
    /// Columns reads return, when a rank-2 dataset is narrowed to some
    /// ([`Dataset::select_columns`]).
    pub(crate) columns: Option<Range<u64>>,
}

impl Dataset {
    pub(crate) async fn open(file: &File, path: &str) -> KResult<Dataset> {
        let addr = file.resolve(path).await?;
        let h = file.header(addr).await?;
        match group::classify(&h) {
            ObjectKind::Dataset => {}
            ObjectKind::Group => {
                return Err(ErrorKind::WrongKind("is a group, not a dataset".into()));
            }
            ObjectKind::Other => return Err(ErrorKind::WrongKind("is not a dataset".into())),
        }
        let sizes = file.inner.sizes;
        let need = |k: u16, what: &str| {
            h.first(k).ok_or_else(|| {
                ErrorKind::corrupt(format!("dataset header without a {what} message"))
            })
        };
        let space = dataspace::parse(&need(kind::DATASPACE, "dataspace")?.data, sizes)?;
        let dtype = dtype_of(file, need(kind::DATATYPE, "datatype")?).await?;
        let layout = layout::parse(&need(kind::LAYOUT, "layout")?.data, sizes, space.dims.len())?;
        let filters = match h.first(kind::FILTERS) {
            Some(m) => pipeline::parse(&m.data, sizes)?,
            None => Vec::new(),
        };
        let fill = match (h.first(kind::FILL), h.first(kind::FILL_OLD)) {
            (Some(m), _) => fill::parse(&m.data, sizes)?,
            (None, Some(m)) => fill::parse_old(&m.data, sizes)?,
            (None, None) => None,
        };
        let fill = fill.filter(|f| f.len() == dtype.size());
        if h.first(kind::EXTERNAL_FILES).is_some() {
            return Err(ErrorKind::unsupported("external raw data files"));
        }
        let attrs = read_attributes(file, &h).await?;
        let (shape, maxshape) = if space.null {
            (vec![0], vec![0])
        } else {
            (space.dims, space.maxdims)
        };
        Ok(Dataset {
            file: file.clone(),
            path: path.to_string(),
            info: Arc::new(Info {
                shape,
                maxshape,
                dtype,
                layout,
                filters,
                fill,
                attrs,
            }),
            columns: None,
        })
    }

    /// The dataset's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The file it belongs to.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Current dimensions (empty for a scalar).
    pub fn shape(&self) -> &[u64] {
        &self.info.shape
    }

    /// Maximum dimensions ([`crate::UNLIMITED`] for unlimited ones).
    pub fn maxshape(&self) -> &[u64] {
        &self.info.maxshape
    }

    /// Rows (first dimension; 1 for a scalar).
    pub fn rows(&self) -> u64 {
        self.info.shape.first().copied().unwrap_or(1)
    }

    /// Elements per row a read returns: the product of the other
    /// dimensions, or the number of selected columns
    /// ([`select_columns`](Self::select_columns)).
    pub fn row_len(&self) -> u64 {
        match &self.columns {
            Some(c) => c.end - c.start,
            None => self.stored_row_len(),
        }
    }

    /// Elements per stored row (product of the other dimensions).
    pub(crate) fn stored_row_len(&self) -> u64 {
        self.info
            .shape
            .iter()
            .skip(1)
            .fold(1u64, |a, &d| a.saturating_mul(d))
    }

    /// The columns reads return, as a range of the stored row
    /// (`0..row_len` unless narrowed).
    pub(crate) fn column_range(&self) -> Range<u64> {
        self.columns.clone().unwrap_or(0..self.stored_row_len())
    }

    /// This rank-2 dataset narrowed to columns `cols` (of the stored row,
    /// replacing any earlier selection): reads then return `cols.len()`
    /// values per row (`ds[rows, cols]` in h5py) and fetch only the chunks
    /// holding those columns (with chunks as wide as the rows, that is every
    /// chunk meeting the rows; contiguous and compact data: the rows'
    /// bytes). The view shares the opened metadata.
    pub fn select_columns(&self, cols: Range<u64>) -> Result<Dataset> {
        let shape = self.shape();
        if shape.len() != 2 {
            return Err(self.err(ErrorKind::BadRequest(format!(
                "a column selection needs a 2-D dataset; this one has shape {shape:?}"
            ))));
        }
        if cols.start >= cols.end || cols.end > shape[1] {
            return Err(self.err(ErrorKind::BadRequest(format!(
                "columns {}..{} outside the dataset's 0..{} (shape {shape:?})",
                cols.start, cols.end, shape[1]
            ))));
        }
        Ok(Dataset {
            columns: Some(cols),
            ..self.clone()
        })
    }

    /// Column `k` of this rank-2 dataset (`ds[:, k]`); see
    /// [`select_columns`](Self::select_columns).
    pub fn column(&self, k: u64) -> Result<Dataset> {
        self.select_columns(k..k.saturating_add(1))
    }

    /// The selected columns, when narrowed by
    /// [`select_columns`](Self::select_columns).
    pub fn selected_columns(&self) -> Option<Range<u64>> {
        self.columns.clone()
    }

    /// Stored element type.
    pub fn dtype(&self) -> &Dtype {
        &self.info.dtype
    }

    /// Chunk shape, when chunked.
    pub fn chunk_shape(&self) -> Option<&[u64]> {
        match &self.info.layout {
            Layout::Chunked { chunk, .. } => Some(chunk),
            _ => None,
        }
    }

    /// Storage layout and chunk index type.
    pub fn storage(&self) -> Storage {
        match &self.info.layout {
            Layout::Compact(_) => Storage::Compact,
            Layout::Contiguous { .. } => Storage::Contiguous,
            Layout::Chunked { chunk, index, .. } => Storage::Chunked {
                chunk: chunk.clone(),
                index: match index {
                    ChunkIndex::BTreeV1 => "v1 B-tree",
                    ChunkIndex::Single { .. } => "single chunk",
                    ChunkIndex::Implicit => "implicit",
                    ChunkIndex::FixedArray => "fixed array",
                    ChunkIndex::ExtensibleArray(_) => "extensible array",
                    ChunkIndex::BTreeV2 { .. } => "v2 B-tree",
                    ChunkIndex::Listed(_) => "listed by an index",
                },
            },
        }
    }

    /// The filter pipeline, in the order applied when writing.
    pub fn filters(&self) -> &[Filter] {
        &self.info.filters
    }

    /// All attributes.
    pub fn attributes(&self) -> &[Attribute] {
        &self.info.attrs
    }

    /// One attribute by name.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.info.attrs.iter().find(|a| a.name == name)
    }

    /// The dataset's fill value (the HDF5 property; used for chunks never
    /// written), as f64. `None` when undefined (reads then use zero).
    pub fn fill_value(&self) -> Option<f64> {
        self.fill_value_as::<f64>()
    }

    /// The fill value converted to `T`.
    pub fn fill_value_as<T: Element>(&self) -> Option<T> {
        let f = self.info.fill.as_ref()?;
        let mut v = [T::default()];
        convert(f, &self.info.dtype, &mut v).ok()?;
        Some(v[0])
    }

    /// Raw bytes of the fill value, when defined.
    pub fn fill_value_bytes(&self) -> Option<&[u8]> {
        self.info.fill.as_deref()
    }

    /// Reads rows `rows` (all columns), converted to `T`.
    pub async fn read_rows<T: Element>(&self, rows: Range<u64>) -> Result<Vec<T>> {
        let n = self.out_len(&rows).map_err(|k| self.err(k))?;
        let mut out = vec![T::default(); n];
        self.read_rows_into(rows, &mut out).await?;
        Ok(out)
    }

    /// Reads rows `rows` into `out` (length: rows × row length).
    pub async fn read_rows_into<T: Element>(&self, rows: Range<u64>, out: &mut [T]) -> Result<()> {
        read::read_many(&self.file, &[(self, rows)], &mut [out]).await
    }

    /// Reads the whole dataset.
    pub async fn read_all<T: Element>(&self) -> Result<Vec<T>> {
        self.read_rows(0..self.rows()).await
    }

    /// Reads rows of a string dataset (fixed or variable length).
    pub async fn read_strings(&self, rows: Range<u64>) -> Result<Vec<String>> {
        let raw = read::read_raw(self, rows).await?;
        let sizes = self.file.inner.sizes;
        match &self.info.dtype {
            Dtype::FixedString { size, pad, .. } => Ok(raw
                .chunks(*size as usize)
                .map(|s| datatype::fixed_string(s, *pad))
                .collect()),
            Dtype::VarString { size, .. } => {
                let mut out = Vec::new();
                for e in raw.chunks(*size as usize) {
                    let s = global_heap::vlen(&self.file.inner.src, sizes, e)
                        .await
                        .map_err(|k| self.err(k))?;
                    out.push(datatype::fixed_string(&s, datatype::StrPad::NullTerm));
                }
                Ok(out)
            }
            dt => Err(self.err(ErrorKind::WrongKind(format!("{dt} is not a string type")))),
        }
    }

    pub(crate) fn out_len(&self, rows: &Range<u64>) -> KResult<usize> {
        if rows.start > rows.end || rows.end > self.rows() {
            return Err(ErrorKind::BadRequest(format!(
                "rows {}..{} outside 0..{}",
                rows.start,
                rows.end,
                self.rows()
            )));
        }
        let n = (rows.end - rows.start).saturating_mul(self.row_len());
        let bytes = n.saturating_mul(self.info.dtype.size() as u64);
        let limit = self.file.inner.opts.max_read_bytes;
        if bytes > limit {
            return Err(ErrorKind::TooLarge {
                what: "bytes in one read",
                value: bytes,
                limit,
            });
        }
        usize::try_from(n).map_err(|_| ErrorKind::BadRequest("read too large".into()))
    }

    pub(crate) fn err(&self, kind: ErrorKind) -> crate::Error {
        self.file.err(&self.path, kind)
    }
}

/// The datatype message, resolving a committed (shared) datatype.
async fn dtype_of(file: &File, m: &Message) -> KResult<Dtype> {
    let sizes = file.inner.sizes;
    if m.flags & FLAG_SHARED == 0 {
        return datatype::parse(&m.data, sizes);
    }
    let mut c = Cursor::new(&m.data, 0, sizes, "shared message");
    let version = c.u8()?;
    let stype = c.u8()?;
    if version == 1 {
        c.skip(6)?;
    } else if version == 3 && stype != 2 {
        return Err(ErrorKind::unsupported(
            "datatype in the shared object header message heap",
        ));
    }
    let addr = c
        .offset()?
        .ok_or_else(|| ErrorKind::corrupt("shared datatype with undefined address"))?;
    let h = file.header(addr).await?;
    let dm = h
        .first(kind::DATATYPE)
        .ok_or_else(|| ErrorKind::corrupt("committed datatype without a datatype message"))?;
    if dm.flags & FLAG_SHARED != 0 {
        return Err(ErrorKind::corrupt(
            "committed datatype refers to another shared datatype",
        ));
    }
    datatype::parse(&dm.data, sizes)
}

/// Compact and dense attributes of an object.
pub(crate) async fn read_attributes(file: &File, h: &ObjectHeader) -> KResult<Vec<Attribute>> {
    let src = &file.inner.src;
    let sizes = file.inner.sizes;
    let mut out = Vec::new();
    for m in h.all(kind::ATTRIBUTE) {
        if m.flags & FLAG_SHARED == 0 {
            out.push(attribute::parse(src, sizes, &m.data).await?);
        }
    }
    if let Some(m) = h.first(kind::ATTRIBUTE_INFO) {
        let info = link::parse_attribute_info(&m.data, sizes)?;
        for body in group::dense_objects(src, sizes, info, 8).await? {
            out.push(attribute::parse(src, sizes, &body).await?);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
