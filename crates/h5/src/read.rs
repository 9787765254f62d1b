//! The read engine: plan the chunks (or contiguous ranges) a row range
//! needs for one or several datasets, fetch them in coalesced concurrent
//! requests, undo the filters off the async reactor, convert, and place.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;

use crate::convert::{Element, convert};
use crate::dataset::{Dataset, Info};
use crate::error::{Error, ErrorKind, KResult, Result};
use crate::file::File;
use crate::filters;
use crate::format::btree1::ChunkRecord;
use crate::format::chunk_index::{self, Geometry};
use crate::format::datatype::Dtype;
use crate::format::layout::Layout;
use crate::io::stats::StatSink;

/// Converts stored elements into output items.
type Conv<T> = fn(&[u8], &Dtype, &mut [T]) -> KResult<()>;

/// One unit of fetched work.
enum Part {
    Chunk(ChunkRecord),
    Contiguous { rows: Range<u64> },
}

struct Job {
    req: usize,
    part: Part,
    range: Range<u64>,
}

/// Decoded items for rows × columns of one request's output.
struct Piece<T> {
    req: usize,
    rows: Range<u64>,
    cols: Range<u64>,
    data: Vec<T>,
}

/// Per-request constants the decode step needs.
#[derive(Clone)]
struct Shape {
    info: Arc<Info>,
    rows: Range<u64>,
    /// Elements per stored row.
    ncols: u64,
    /// The columns of a stored row the output holds (`0..ncols` unless a
    /// column selection narrows it).
    sel: Range<u64>,
    items: usize,
    max_chunk: u64,
}

/// Reads several (dataset, rows) requests of one file into `outs`, with all
/// their byte ranges fetched together (coalesced across datasets).
pub(crate) async fn read_many<T: Element>(
    file: &File,
    reqs: &[(&Dataset, Range<u64>)],
    outs: &mut [&mut [T]],
) -> Result<()> {
    for (ds, _) in reqs {
        if !ds.info.dtype.is_numeric() {
            return Err(ds.err(ErrorKind::unsupported(format!(
                "reading {} as numbers",
                ds.info.dtype
            ))));
        }
    }
    run(file, reqs, outs, &|_| 1, convert::<T>).await
}

/// Reads rows as stored bytes (filters undone, no conversion).
pub(crate) async fn read_raw(ds: &Dataset, rows: Range<u64>) -> Result<Vec<u8>> {
    #[allow(clippy::unnecessary_wraps)] // must match `Conv`
    fn copy(src: &[u8], _: &Dtype, dst: &mut [u8]) -> KResult<()> {
        dst.copy_from_slice(src);
        Ok(())
    }
    let es = ds.info.dtype.size();
    let n = ds.out_len(&rows).map_err(|k| ds.err(k))?;
    let mut out = vec![0u8; n * es];
    run(
        &ds.file,
        &[(ds, rows)],
        &mut [&mut out],
        &|d: &Dataset| d.info.dtype.size(),
        copy,
    )
    .await?;
    Ok(out)
}

async fn run<T: Copy + Default + Send + 'static>(
    file: &File,
    reqs: &[(&Dataset, Range<u64>)],
    outs: &mut [&mut [T]],
    items: &(dyn Fn(&Dataset) -> usize + Sync),
    conv: Conv<T>,
) -> Result<()> {
    let max_chunk = file.inner.opts.max_chunk_bytes;
    let mut shapes = Vec::with_capacity(reqs.len());
    for ((ds, rows), out) in reqs.iter().zip(outs.iter_mut()) {
        let k = items(ds);
        let n = ds.out_len(rows).map_err(|e| ds.err(e))?;
        if out.len() != n * k {
            return Err(ds.err(ErrorKind::BadRequest(format!(
                "output buffer holds {} items, the rows need {}",
                out.len(),
                n * k
            ))));
        }
        shapes.push(Shape {
            info: ds.info.clone(),
            rows: rows.clone(),
            ncols: ds.stored_row_len(),
            sel: ds.column_range(),
            items: k,
            max_chunk,
        });
    }
    // Plan: chunk lookups for all requests, concurrently.
    let plans = futures::future::join_all(
        reqs.iter()
            .enumerate()
            .map(|(i, (ds, rows))| crate::io::depth::branch(plan(file, i, ds, rows.clone()))),
    )
    .await;
    let mut planned = Vec::with_capacity(reqs.len());
    for ((ds, _), p) in reqs.iter().zip(plans) {
        planned.push(p.map_err(|e| ds.err(e))?);
    }
    // The read's share of the budget: its stored bytes, their decoded size
    // and the output, held until every value is placed (the output's pages
    // are first written by the prefill below).
    let _share = match &file.inner.budget {
        Some(b) => {
            let out_bytes = outs
                .iter()
                .map(|o| std::mem::size_of_val(*o) as u64)
                .sum::<u64>();
            let stored: u64 = planned
                .iter()
                .filter_map(|p| match p {
                    Planned::Jobs(j) => Some(j),
                    Planned::Compact(..) => None,
                })
                .flatten()
                .map(|j| footprint(&shapes[j.req], j))
                .sum();
            Some(
                b.take(stored.saturating_add(out_bytes))
                    .await
                    .map_err(|e| file.err("/", e))?,
            )
        }
        None => None,
    };
    for (((ds, _), out), shape) in reqs.iter().zip(outs.iter_mut()).zip(&shapes) {
        prefill(ds, out, shape.items, conv).map_err(|e| ds.err(e))?;
    }
    let mut jobs = Vec::new();
    for ((ds, _), p) in reqs.iter().zip(planned) {
        match p {
            Planned::Jobs(j) => jobs.extend(j),
            Planned::Compact(i, data) => {
                let piece = decode_contiguous(&shapes[i], i, shapes[i].rows.clone(), &data, conv)
                    .map_err(|e| ds.err(e))?;
                place(&mut *outs[i], &shapes[i], &piece);
            }
        }
    }
    if jobs.is_empty() {
        return Ok(());
    }
    let ranges: Vec<Range<u64>> = jobs.iter().map(|j| j.range.clone()).collect();
    let bytes = file.inner.src.fetch_many(&ranges).await.map_err(|e| {
        let paths: Vec<&str> = reqs.iter().map(|(d, _)| d.path.as_str()).collect();
        Error::new(&file.inner.name, &paths.join(", "), e)
    })?;
    let stats = file.inner.src.stats().clone();
    // Decode off the reactor, in batches of about 1 MiB of stored bytes so
    // that tiny chunks do not cost one blocking task each.
    let mut batches: Vec<Vec<(Job, Bytes)>> = vec![Vec::new()];
    let mut batch_bytes = 0usize;
    for (job, b) in jobs.into_iter().zip(bytes) {
        if batch_bytes >= 1 << 20 {
            batches.push(Vec::new());
            batch_bytes = 0;
        }
        batch_bytes += b.len();
        batches.last_mut().expect("one batch").push((job, b));
    }
    let tasks = batches.into_iter().map(|batch| {
        let shapes: Vec<Shape> = batch.iter().map(|(j, _)| shapes[j.req].clone()).collect();
        let stats = stats.clone();
        async move {
            let work = move || {
                batch
                    .into_iter()
                    .zip(&shapes)
                    .map(|((job, b), shape)| {
                        let req = job.req;
                        decode_job(shape, job, &b, conv, &stats).map_err(|e| (req, e))
                    })
                    .collect::<Vec<_>>()
            };
            if tokio::runtime::Handle::try_current().is_ok() {
                tokio::task::spawn_blocking(work)
                    .await
                    .unwrap_or_else(|e| vec![Err((0, ErrorKind::Task(e.to_string())))])
            } else {
                work()
            }
        }
    });
    for results in futures::future::join_all(tasks).await {
        for r in results {
            match r {
                Ok(piece) => place(&mut *outs[piece.req], &shapes[piece.req], &piece),
                Err((req, e)) => return Err(reqs[req].0.err(e)),
            }
        }
    }
    Ok(())
}

/// Bytes a job holds while in flight: what is fetched, and what it
/// decodes to.
fn footprint(s: &Shape, job: &Job) -> u64 {
    let stored = job.range.end - job.range.start;
    let decoded = match (&job.part, &s.info.layout) {
        (Part::Chunk(_), Layout::Chunked { chunk, .. }) => chunk
            .iter()
            .fold(s.info.dtype.size() as u64, |a, &c| a.saturating_mul(c)),
        _ => stored,
    };
    stored.saturating_add(decoded)
}

enum Planned {
    Jobs(Vec<Job>),
    Compact(usize, Bytes),
}

async fn plan(file: &File, req: usize, ds: &Dataset, rows: Range<u64>) -> KResult<Planned> {
    let info = &ds.info;
    let base = file.inner.src.base();
    let es = info.dtype.size() as u64;
    let row_bytes = ds.stored_row_len().saturating_mul(es);
    if rows.is_empty() || row_bytes == 0 {
        return Ok(Planned::Jobs(Vec::new()));
    }
    match &info.layout {
        Layout::Compact(data) => {
            let (a, b) = (rows.start * row_bytes, rows.end * row_bytes);
            if (data.len() as u64) < b {
                return Err(ErrorKind::corrupt(format!(
                    "compact data of {} bytes, expected {}",
                    data.len(),
                    ds.rows() * row_bytes
                )));
            }
            Ok(Planned::Compact(req, data.slice(a as usize..b as usize)))
        }
        Layout::Contiguous { addr: None, .. } => Ok(Planned::Jobs(Vec::new())),
        Layout::Contiguous {
            addr: Some(a),
            size,
        } => {
            let need = ds.rows().saturating_mul(row_bytes);
            if *size < need {
                return Err(ErrorKind::corrupt(format!(
                    "contiguous storage of {size} bytes for {need} bytes of data"
                )));
            }
            // Split large reads so the pieces are fetched concurrently.
            let per = (file.inner.opts.max_request / row_bytes).max(1);
            let mut jobs = Vec::new();
            let mut r = rows.start;
            while r < rows.end {
                let e = (r + per).min(rows.end);
                let start = base.saturating_add(*a).saturating_add(r * row_bytes);
                jobs.push(Job {
                    req,
                    part: Part::Contiguous { rows: r..e },
                    range: start..start.saturating_add((e - r) * row_bytes),
                });
                r = e;
            }
            Ok(Planned::Jobs(jobs))
        }
        Layout::Chunked {
            chunk, addr, index, ..
        } => {
            if chunk.len() > 2 {
                return Err(ErrorKind::unsupported(format!(
                    "row reads of rank-{} chunked datasets",
                    chunk.len()
                )));
            }
            let Some(addr) = addr else {
                return Ok(Planned::Jobs(Vec::new()));
            };
            let g = Geometry {
                dims: info.shape.clone(),
                maxdims: info.maxshape.clone(),
                chunk: chunk.clone(),
                elem_size: es,
                filtered: !info.filters.is_empty(),
            };
            let cb = chunk
                .iter()
                .try_fold(es, |a, &c| a.checked_mul(c))
                .unwrap_or(u64::MAX);
            if cb > file.inner.opts.max_chunk_bytes {
                return Err(ErrorKind::TooLarge {
                    what: "chunk bytes",
                    value: cb,
                    limit: file.inner.opts.max_chunk_bytes,
                });
            }
            let recs =
                chunk_index::lookup(&file.inner.src, file.inner.sizes, index, *addr, &g, rows)
                    .await?;
            // A column selection fetches only the chunks holding its columns.
            let sel = ds.column_range();
            let holds = |rec: &ChunkRecord| match (rec.offset.get(1), chunk.get(1)) {
                (Some(&o1), Some(&c1)) => o1 < sel.end && o1.saturating_add(c1) > sel.start,
                _ => true,
            };
            Ok(Planned::Jobs(
                recs.into_iter()
                    .filter(holds)
                    .map(|rec| {
                        let start = base.saturating_add(rec.addr);
                        Job {
                            req,
                            range: start..start.saturating_add(rec.size),
                            part: Part::Chunk(rec),
                        }
                    })
                    .collect(),
            ))
        }
    }
}

/// Fills the output with the fill value (or zero) before chunks land.
fn prefill<T: Copy + Default>(ds: &Dataset, out: &mut [T], k: usize, conv: Conv<T>) -> KResult<()> {
    match &ds.info.fill {
        Some(f) => {
            let mut one = vec![T::default(); k];
            conv(f, &ds.info.dtype, &mut one)?;
            for c in out.chunks_exact_mut(k) {
                c.copy_from_slice(&one);
            }
        }
        None => out.fill(T::default()),
    }
    Ok(())
}

fn decode_job<T: Copy + Default>(
    s: &Shape,
    job: Job,
    bytes: &Bytes,
    conv: Conv<T>,
    stats: &StatSink,
) -> KResult<Piece<T>> {
    match job.part {
        Part::Contiguous { rows } => decode_contiguous(s, job.req, rows, bytes, conv),
        Part::Chunk(rec) => {
            let es = s.info.dtype.size();
            let Layout::Chunked { chunk, .. } = &s.info.layout else {
                return Err(ErrorKind::corrupt("chunk job for an unchunked dataset"));
            };
            let cb = chunk.iter().product::<u64>() as usize * es;
            if rec.size > s.max_chunk {
                return Err(ErrorKind::TooLarge {
                    what: "stored chunk size",
                    value: rec.size,
                    limit: s.max_chunk,
                });
            }
            let dec: std::borrow::Cow<'_, [u8]> = if s.info.filters.is_empty() {
                let b = bytes.get(..cb).ok_or_else(|| {
                    ErrorKind::corrupt(format!(
                        "chunk at {:#x} holds {} bytes, expected {cb}",
                        rec.addr,
                        bytes.len()
                    ))
                })?;
                std::borrow::Cow::Borrowed(b)
            } else {
                std::borrow::Cow::Owned(filters::decode(
                    bytes,
                    &s.info.filters,
                    rec.mask,
                    cb,
                    rec.addr,
                )?)
            };
            stats.decoded(dec.len() as u64);
            let o0 = rec.offset[0];
            let (o1, c1) = if chunk.len() == 2 {
                (rec.offset[1], chunk[1])
            } else {
                (0, 1)
            };
            let nrows = s.info.shape.first().copied().unwrap_or(1);
            let lo = s.rows.start.max(o0);
            let hi = s.rows.end.min(o0.saturating_add(chunk[0])).min(nrows);
            // The chunk's columns that the output holds.
            let k0 = o1.max(s.sel.start).min(s.sel.end);
            let k1 = o1.saturating_add(c1).min(s.sel.end).max(k0);
            let (nr, nc) = (hi.saturating_sub(lo) as usize, (k1 - k0) as usize);
            let mut data = vec![T::default(); nr * nc * s.items];
            if nr > 0 && nc > 0 {
                if nc as u64 == c1 {
                    let start = ((lo - o0) * c1) as usize * es;
                    conv(&dec[start..start + nr * nc * es], &s.info.dtype, &mut data)?;
                } else {
                    for (i, r) in (lo..hi).enumerate() {
                        let start = ((r - o0) * c1 + (k0 - o1)) as usize * es;
                        let dst = &mut data[i * nc * s.items..(i + 1) * nc * s.items];
                        conv(&dec[start..start + nc * es], &s.info.dtype, dst)?;
                    }
                }
            }
            Ok(Piece {
                req: job.req,
                rows: lo..hi.max(lo),
                cols: k0..k1,
                data,
            })
        }
    }
}

fn decode_contiguous<T: Copy + Default>(
    s: &Shape,
    req: usize,
    rows: Range<u64>,
    bytes: &[u8],
    conv: Conv<T>,
) -> KResult<Piece<T>> {
    let es = s.info.dtype.size();
    let n = ((rows.end - rows.start) * s.ncols) as usize;
    let src = bytes.get(..n * es).ok_or_else(|| {
        ErrorKind::corrupt(format!(
            "stored data of {} bytes, expected {}",
            bytes.len(),
            n * es
        ))
    })?;
    let width = (s.sel.end - s.sel.start) as usize;
    let nrows = (rows.end - rows.start) as usize;
    let mut data = vec![T::default(); nrows * width * s.items];
    if width as u64 == s.ncols {
        conv(src, &s.info.dtype, &mut data)?;
    } else {
        // Whole rows were fetched; keep the selected columns.
        let (row, k0) = (s.ncols as usize * es, s.sel.start as usize * es);
        for (src, dst) in src
            .chunks_exact(row)
            .zip(data.chunks_exact_mut(width * s.items))
        {
            conv(&src[k0..k0 + width * es], &s.info.dtype, dst)?;
        }
    }
    Ok(Piece {
        req,
        rows,
        cols: s.sel.clone(),
        data,
    })
}

fn place<T: Copy>(out: &mut [T], s: &Shape, p: &Piece<T>) {
    let k = s.items;
    let nc = (p.cols.end - p.cols.start) as usize;
    if p.rows.is_empty() || nc == 0 {
        return;
    }
    let row0 = (p.rows.start - s.rows.start) as usize;
    let width = (s.sel.end - s.sel.start) as usize;
    if nc == width {
        let start = row0 * nc * k;
        out[start..start + p.data.len()].copy_from_slice(&p.data);
    } else {
        for i in 0..(p.rows.end - p.rows.start) as usize {
            let dst = ((row0 + i) * width + (p.cols.start - s.sel.start) as usize) * k;
            out[dst..dst + nc * k].copy_from_slice(&p.data[i * nc * k..(i + 1) * nc * k]);
        }
    }
}
