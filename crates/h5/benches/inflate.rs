//! Inflate speed on ATL06-like chunks: libdeflate (`libdeflater`, used by
//! magg-h5) against `flate2` with the `zlib-rs` backend. The chunk data are
//! the decoded columns of a sample granule, re-compressed as zlib level 6
//! (what h5py's `compression="gzip"` default writes).
//!
//! Run: `cargo bench -p magg-h5 --bench inflate`

use std::hint::black_box;
use std::io::{Read, Write};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use magg_h5::{File, OpenOptions};

/// Raw little-endian bytes of the 5 columns of one beam.
fn columns() -> Vec<Vec<u8>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let g = magg_testkit::sample_granules();
        let path = g
            .iter()
            .max_by_key(|p| std::fs::metadata(p).unwrap().len())
            .unwrap();
        let f = File::open_url(&path.display().to_string(), &OpenOptions::default())
            .await
            .unwrap();
        let mut out = Vec::new();
        for c in [
            "latitude",
            "longitude",
            "h_li",
            "h_li_sigma",
            "atl06_quality_summary",
        ] {
            let ds = f
                .dataset(&format!("/gt1r/land_ice_segments/{c}"))
                .await
                .unwrap();
            let bytes: Vec<u8> = match ds.dtype().size() {
                8 => ds
                    .read_all::<f64>()
                    .await
                    .unwrap()
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                4 => ds
                    .read_all::<f32>()
                    .await
                    .unwrap()
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
                _ => ds
                    .read_all::<i8>()
                    .await
                    .unwrap()
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
            };
            out.push(bytes);
        }
        out
    })
}

fn bench(c: &mut Criterion) {
    let raw = columns();
    let compressed: Vec<Vec<u8>> = raw
        .iter()
        .map(|r| {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
            e.write_all(r).unwrap();
            e.finish().unwrap()
        })
        .collect();
    let total: usize = raw.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("inflate_5_columns");
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("libdeflater", |b| {
        let mut d = libdeflater::Decompressor::new();
        let mut outs: Vec<Vec<u8>> = raw.iter().map(|r| vec![0u8; r.len()]).collect();
        b.iter(|| {
            for (z, out) in compressed.iter().zip(outs.iter_mut()) {
                black_box(d.zlib_decompress(z, out).unwrap());
            }
        });
    });
    g.bench_function("flate2_zlib_rs", |b| {
        let mut outs: Vec<Vec<u8>> = raw.iter().map(|r| Vec::with_capacity(r.len())).collect();
        b.iter(|| {
            for (z, out) in compressed.iter().zip(outs.iter_mut()) {
                out.clear();
                flate2::read::ZlibDecoder::new(&z[..])
                    .read_to_end(out)
                    .unwrap();
                black_box(out.len());
            }
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
