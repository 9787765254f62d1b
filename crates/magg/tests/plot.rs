//! The pictures, checked the way a person would look at them: `magg demo`
//! runs the real pipeline on the bundled granules and writes `demo.png`;
//! the pixels over the cells zarr-python reads from the store (placed with
//! mortie's cell centres and pyproj's EPSG:3031) carry those cells' values
//! in the colour map, pixels far from any data are background, the pole
//! hole is grey. `magg plot SHARDMAP` and `magg report` are checked on the
//! same run.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use magg_viz::{Colormap, Extent, MapOptions, NO_DATA, OCEAN, Outline, RenderedMap};

fn magg_err(args: &[&str]) -> String {
    common::magg_ok(args).1
}

/// One demo run shared by the tests of this file.
fn demo() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plot-demo");
        let _ = std::fs::remove_dir_all(&dir);
        magg_err(&["demo", "--out", dir.to_str().unwrap(), "--quiet"]);
        dir
    })
}

/// Decodes an RGBA PNG: (width, height, pixels).
fn decode(path: &Path) -> (u32, u32, Vec<[u8; 4]>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba, "{}", path.display());
    let px = buf[..info.buffer_size()]
        .chunks_exact(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect();
    (info.width, info.height, px)
}

/// The viridis entry nearest a colour, and how far it is (RGB distance).
fn nearest_viridis(c: [u8; 4]) -> (usize, f64) {
    (0..256)
        .map(|i| {
            let v = Colormap::Viridis.at((i as f64 + 0.5) / 256.0);
            let d = (0..3)
                .map(|k| (f64::from(v[k]) - f64::from(c[k])).powi(2))
                .sum::<f64>()
                .sqrt();
            (i, d)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap()
}

/// A pixel painted with a data colour (an exact colour-map entry, and
/// saturated: not a grey line, the ocean or a label).
fn is_data(c: [u8; 4]) -> bool {
    let sat = c[..3].iter().max().unwrap() - c[..3].iter().min().unwrap();
    sat > 40 && nearest_viridis(c).1 <= 1.0
}

fn assert_same_pixels(png: &Path, map: &RenderedMap) {
    let (w, h, px) = decode(png);
    assert_eq!((w, h), (map.canvas.width(), map.canvas.height()));
    let differ = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| map.canvas.pixel(x, y) != Some(px[(y * w + x) as usize]))
        .count();
    assert_eq!(
        differ,
        0,
        "{} is not the library's rendering",
        png.display()
    );
}

/// Every cell with data, from zarr-python, at its mortie centre projected
/// by pyproj: `(x, y, h_mean)`.
const CELLS: &str = r"
import sys, numpy as np, zarr, mortie, pyproj
g = zarr.open_group(sys.argv[1], mode='r')['12']
# The compact layout: the arrays span the store's shards only, and every
# slot's morton word is stored (coordinates and variables are chunked
# differently, so whole arrays, not blocks).
h = g['h_mean'][:]
m = g['morton'][:]
ok = np.isfinite(h)
# mort2geo's default (latitude='authalic': cells hashed in the authalic
# frame) returns geodetic latitudes.
lat, lon = mortie.mort2geo(m[ok])
x, y = pyproj.Transformer.from_crs('EPSG:4326', 'EPSG:3031', always_xy=True).transform(lon, lat)
for a, b, v in zip(x, y, h[ok]):
    print(repr(float(a)), repr(float(b)), repr(float(v)))
";

#[test]
fn demo_map_shows_the_field_where_the_cells_are() {
    let dir = demo();
    let store = dir.join("atl06.zarr");
    let png = dir.join("demo.png");
    // The same map through the library, to know its projection window.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut field = rt
        .block_on(async {
            let s = magg_store::OutputStore::open(store.to_str().unwrap()).await?;
            magg_viz::read_field(&s, "h_mean", None).await
        })
        .unwrap();
    field.store = store.to_str().unwrap().to_string();
    let opts = MapOptions {
        title: field.title(),
        subtitle: field.subtitle(),
        label: field.label(Some("m")),
        extent: Extent::Data,
        outline: Some(Outline::load("antarctica").unwrap()),
        ..MapOptions::default()
    };
    let map = magg_viz::render_map(&field.field, &opts).unwrap();
    assert_same_pixels(&png, &map);
    assert!(opts.label.contains("(m)") && opts.title.contains("order 12"));

    let cells: Vec<[f64; 3]> = magg_testkit::run_python(CELLS, &[store.to_str().unwrap()])
        .lines()
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
            [v[0], v[1], v[2]]
        })
        .collect();
    assert_eq!(cells.len(), field.field.words.len());
    assert!(cells.len() > 10_000, "{} cells", cells.len());

    let (w, h) = (map.canvas.width(), map.canvas.height());
    let panel = map.view.panel;
    let span = map.scale.vmax - map.scale.vmin;
    let mut near = vec![false; (w * h) as usize];
    let (mut coloured, mut close) = (0usize, 0usize);
    for &[x, y, v] in &cells {
        let (px, py) = map.view.to_px(x, y);
        assert!(panel.contains(px, py), "cell at ({x}, {y}) off the panel");
        let (ix, iy) = (px.floor() as i64, py.floor() as i64);
        for dy in -6..=6 {
            for dx in -6..=6 {
                let (nx, ny) = (ix + dx, iy + dy);
                if nx >= 0 && ny >= 0 && nx < i64::from(w) && ny < i64::from(h) {
                    near[(ny * i64::from(w) + nx) as usize] = true;
                }
            }
        }
        let c = map.canvas.pixel(ix as u32, iy as u32).unwrap();
        if is_data(c) {
            coloured += 1;
            let t = (nearest_viridis(c).0 as f64 + 0.5) / 256.0;
            let shown = map.scale.vmin + t * span;
            let want = v.clamp(map.scale.vmin, map.scale.vmax);
            if (shown - want).abs() < 0.06 * span {
                close += 1;
            }
        }
    }
    let n = cells.len();
    // Nothing is drawn over the data but the scale bar and labels.
    assert!(
        coloured * 1000 >= n * 995,
        "{coloured} of {n} cells coloured"
    );
    assert!(
        close * 100 >= n * 98,
        "{close} of {n} cells show their value"
    );

    // Far from every cell: never a data colour.
    let mut stray = 0;
    let (mut ocean, mut grey) = (0usize, 0usize);
    for y in panel.y0 as u32 + 1..panel.y1 as u32 - 1 {
        for x in panel.x0 as u32 + 1..panel.x1 as u32 - 1 {
            let c = map.canvas.pixel(x, y).unwrap();
            if !near[(y * w + x) as usize] && is_data(c) {
                stray += 1;
            }
            ocean += usize::from(c == OCEAN);
            grey += usize::from(c == NO_DATA);
        }
    }
    assert_eq!(stray, 0, "data colours far from any cell");
    assert!(
        ocean > 10_000 && grey > 100_000,
        "ocean {ocean}, no-data {grey}"
    );
    // The pole hole (south of 88°S, beyond ICESat-2's reach) is grey.
    let (px, py) = map.view.geo_to_px(-90.0, 0.0);
    assert_eq!(map.canvas.pixel(px as u32, py as u32), Some(NO_DATA));
}

#[test]
fn shard_map_colours_each_shard_by_its_granule_count() {
    let dir = demo();
    let json = dir.join("shardmap.json");
    let out = dir.join("shards.png");
    let log = magg_err(&[
        "plot",
        json.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(log.contains("99 cells drawn"), "{log}");
    let map = magg_catalog::ShardMap::read(&json).unwrap();
    // Product, release and cycle come from the granule names (ATL06_…_0001 22 11_006).
    let sub = magg_viz::shard_map_options(&map).subtitle;
    assert!(
        sub.starts_with("ATL06 v006 · cycle 22 · region antarctica"),
        "{sub}"
    );
    let rendered = magg_viz::render_map(
        &magg_viz::shard_field(&map),
        &MapOptions {
            extent: Extent::Outline,
            outline: Some(Outline::load("antarctica").unwrap()),
            ..magg_viz::shard_map_options(&map)
        },
    )
    .unwrap();
    assert_same_pixels(&out, &rendered);
    // Shard centres (shard word → centre, independent of the drawing code)
    // carry the colour of their granule count.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let shards = doc["shards"].as_object().unwrap();
    let mut right = 0;
    for (word, granules) in shards {
        let (lat, lon) = magg_morton::center(word.parse().unwrap()).unwrap();
        let (px, py) = rendered.view.geo_to_px(lat, lon);
        let want = rendered
            .scale
            .color(granules.as_array().unwrap().len() as f64);
        let got = rendered.canvas.pixel(px as u32, py as u32).unwrap();
        right += usize::from(got[..3] == want);
    }
    assert!(
        right * 100 >= shards.len() * 95,
        "{right} of {}",
        shards.len()
    );
}

#[test]
fn report_is_a_self_contained_page_of_the_run() {
    let dir = demo();
    let results = dir.join("results.json");
    let out = dir.join("report.html");
    magg_err(&[
        "report",
        results.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    let n = doc["shards"].as_array().unwrap().len();
    assert_eq!(html.matches("<circle").count(), n);
    let obs = doc["totals"]["observations"].as_u64().unwrap();
    assert!(
        html.contains(&magg_viz::group_thousands(obs)),
        "total observations missing"
    );
    for want in [
        "Longest shards",
        "What bounds the wall time",
        "Bytes read per observation",
        "Errors (0)",
    ] {
        assert!(html.contains(want), "missing {want}");
    }
    assert!(!html.contains("src=") && !html.contains("href=") && !html.contains("<script"));
}
