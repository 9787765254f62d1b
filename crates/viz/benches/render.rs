//! Map rendering throughput: order-12 cells (every child of a block of
//! order-6 shards near the Amery ice shelf, ~1.6 km cells) drawn at the
//! default 1100 × 950 size, zoomed on the data (cells a few pixels wide,
//! filled by their boundaries) and on the whole continent (sub-pixel cells,
//! minimum footprint).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use magg_viz::{CellField, Extent, MapOptions, Outline, render_map};

fn field(shards: usize) -> CellField {
    let mut words = Vec::new();
    let (mut lat, mut lon) = (-72.0, 65.0);
    while words.len() < shards * 4096 {
        let shard = magg_morton::geo_to_morton(lat, lon, 6).unwrap();
        let kids = magg_morton::children(shard, 12).unwrap();
        if !words.contains(&kids[0]) {
            words.extend(kids);
        }
        lon += 0.9;
        if lon > 80.0 {
            lon = 65.0;
            lat -= 0.9;
        }
    }
    let values = (0..words.len()).map(|i| (i % 3000) as f64).collect();
    CellField {
        order: 12,
        words,
        values,
    }
}

fn bench(c: &mut Criterion) {
    let f = field(24);
    let outline = Outline::load("antarctica").unwrap();
    let mut g = c.benchmark_group("render_map");
    g.sample_size(10);
    g.throughput(Throughput::Elements(f.words.len() as u64));
    for (name, extent) in [("zoomed", Extent::Data), ("continent", Extent::Outline)] {
        let opts = MapOptions {
            extent,
            outline: Some(outline.clone()),
            label: "h (m)".into(),
            ..MapOptions::default()
        };
        g.bench_function(name, |b| b.iter(|| render_map(&f, &opts).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
