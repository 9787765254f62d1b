//! Descriptions (`Dataset::describe`, `File::from_desc`): the chunk table
//! equals libhdf5's (h5py `get_chunk_info`), a described dataset reads the
//! same values as an opened one with no metadata request, and a rewritten
//! object or a broken description is refused, never read.

use magg_h5::{DatasetDesc, EntryKind, ErrorKind, File, FileDesc, LayoutDesc, OpenOptions};

fn sample(i: usize) -> String {
    magg_testkit::sample_granules()[i].display().to_string()
}

/// Every numeric dataset of rank ≤ 2 under `group`, described.
async fn describe_all(file: &File, group: &str) -> Vec<DatasetDesc> {
    let mut out = Vec::new();
    for e in file.walk(group).await.unwrap() {
        if e.kind != EntryKind::Dataset {
            continue;
        }
        let ds = file.dataset(&e.path).await.unwrap();
        if !ds.dtype().is_numeric() || ds.shape().len() > 2 || ds.shape().is_empty() {
            continue;
        }
        out.push(ds.describe().await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunk_tables_equal_libhdf5() {
    for i in [0, 5] {
        let path = sample(i);
        let py = magg_testkit::run_python(include_str!("py/chunk_info.py"), &[&path]);
        let want: serde_json::Value = serde_json::from_str(&py).unwrap();
        let file = File::open_url(&path, &OpenOptions::default())
            .await
            .unwrap();
        let descs = describe_all(&file, "/").await;
        let mut compared = 0;
        for d in &descs {
            let LayoutDesc::Chunked { chunks, .. } = &d.layout else {
                continue;
            };
            let rows: Vec<Vec<u64>> = chunks
                .iter()
                .map(|c| {
                    let mut r = c.offset.clone();
                    r.extend([c.addr, c.size, u64::from(c.mask)]);
                    r
                })
                .collect();
            let theirs: Vec<Vec<u64>> = serde_json::from_value(want[&d.path].clone())
                .unwrap_or_else(|e| panic!("{}: not in h5py's table: {e}", d.path));
            assert_eq!(rows, theirs, "{path}: {}", d.path);
            compared += 1;
        }
        // Every chunked numeric dataset h5py lists was described.
        assert_eq!(compared, want.as_object().unwrap().len(), "{path}");
        assert!(compared > 150, "only {compared} chunked datasets");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn described_datasets_read_the_same_without_metadata_requests() {
    let path = sample(3);
    let file = File::open_url(&path, &OpenOptions::default())
        .await
        .unwrap();
    let descs = describe_all(&file, "/gt2l").await;
    assert!(descs.len() > 20);
    // Through JSON, as an index keeps them.
    let fdesc: FileDesc =
        serde_json::from_str(&serde_json::to_string(&file.describe()).unwrap()).unwrap();
    assert!(fdesc.identity.etag.is_some(), "{fdesc:?}");
    let described = File::from_desc(&path, &fdesc, &OpenOptions::default()).unwrap();
    for d in &descs {
        let back: DatasetDesc = serde_json::from_str(&serde_json::to_string(d).unwrap()).unwrap();
        assert_eq!(&back, d);
        let a = file.dataset(&d.path).await.unwrap();
        let b = described.dataset_from_desc(&back).unwrap();
        assert_eq!(a.shape(), b.shape());
        assert_eq!(a.filters(), b.filters());
        assert_eq!(a.chunk_shape(), b.chunk_shape());
        assert_eq!(a.fill_value_bytes(), b.fill_value_bytes());
        assert_eq!(
            a.attribute("_FillValue")
                .and_then(magg_h5::Attribute::as_f64),
            b.attribute("_FillValue")
                .and_then(magg_h5::Attribute::as_f64),
            "{}",
            d.path
        );
        let x: Vec<f64> = a.read_all().await.unwrap();
        let y: Vec<f64> = b.read_all().await.unwrap();
        assert_eq!(
            x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "{}",
            d.path
        );
    }
    // Only data: as many chunk requests as the reads needed, no more
    // bytes than the chunks' stored sizes and the contiguous blocks.
    let stored: u64 = descs
        .iter()
        .map(|d| match &d.layout {
            LayoutDesc::Chunked { chunks, .. } => chunks.iter().map(|c| c.size).sum(),
            LayoutDesc::Contiguous {
                addr: Some(_),
                size,
            } => *size,
            _ => 0,
        })
        .sum();
    let c = described.counters();
    assert_eq!(c.bytes_fetched, stored, "{c:?}");
    assert!(c.requests > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewritten_object_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("g.h5");
    std::fs::copy(sample(1), &p).unwrap();
    let p = p.display().to_string();
    let file = File::open_url(&p, &OpenOptions::default()).await.unwrap();
    let d = file
        .dataset("/gt1l/land_ice_segments/h_li")
        .await
        .unwrap()
        .describe()
        .await
        .unwrap();
    let fdesc = file.describe();
    // Same bytes, written again: a new modification time, so a new ETag.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes).unwrap();
    let described = File::from_desc(&p, &fdesc, &OpenOptions::default()).unwrap();
    let e = described
        .dataset_from_desc(&d)
        .unwrap()
        .read_all::<f64>()
        .await
        .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Stale(_)), "{e}");
    // A size that differs is stale whatever the ETag says.
    let mut other = fdesc.clone();
    other.identity.etag = None;
    other.identity.last_modified = None;
    other.identity.size += 1;
    let e = File::from_desc(&p, &other, &OpenOptions::default())
        .unwrap()
        .dataset_from_desc(&d)
        .unwrap()
        .read_all::<f64>()
        .await
        .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Stale(_)), "{e}");
}

/// One way to break a description.
type Breakage = Box<dyn Fn(&mut DatasetDesc)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_descriptions_are_refused() {
    let path = sample(2);
    let file = File::open_url(&path, &OpenOptions::default())
        .await
        .unwrap();
    let d = file
        .dataset("/gt1r/land_ice_segments/latitude")
        .await
        .unwrap()
        .describe()
        .await
        .unwrap();
    let described = File::from_desc(&path, &file.describe(), &OpenOptions::default()).unwrap();
    let size = file.describe().identity.size;
    let broken: Vec<(&str, Breakage)> = vec![
        ("type", Box::new(|d| d.dtype = "<f3".into())),
        ("rank", Box::new(|d| d.maxshape.push(1))),
        ("fill", Box::new(|d| d.fill = Some("00".into()))),
        (
            "off grid",
            Box::new(|d| {
                if let LayoutDesc::Chunked { chunks, .. } = &mut d.layout {
                    chunks[0].offset[0] += 1;
                }
            }),
        ),
        (
            "past the end",
            Box::new(move |d| {
                if let LayoutDesc::Chunked { chunks, .. } = &mut d.layout {
                    chunks[0].addr = size;
                }
            }),
        ),
        (
            "twice",
            Box::new(|d| {
                if let LayoutDesc::Chunked { chunks, .. } = &mut d.layout {
                    chunks.push(chunks[0].clone());
                }
            }),
        ),
        (
            "zero chunk",
            Box::new(|d| {
                if let LayoutDesc::Chunked { chunk, .. } = &mut d.layout {
                    chunk[0] = 0;
                }
            }),
        ),
    ];
    for (what, f) in broken {
        let mut b = d.clone();
        f(&mut b);
        let e = described.dataset_from_desc(&b).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Corrupt(_)), "{what}: {e}");
    }
    let mut bad_file = file.describe();
    bad_file.offset_size = 3;
    assert!(File::from_desc(&path, &bad_file, &OpenOptions::default()).is_err());
}
