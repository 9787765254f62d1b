//! Parses arbitrary bytes as an HDF5 file (from an in-memory object store),
//! walks the whole tree, opens every dataset and reads it. Any input must
//! end in `Ok` or a typed error: a panic, hang or unbounded allocation is a bug.

#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use magg_h5::{EntryKind, File, OpenOptions};
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    })
}

async fn exercise(data: &[u8]) {
    let store = Arc::new(InMemory::new());
    let path = Path::from("fuzz.h5");
    if store
        .put(&path, bytes::Bytes::copy_from_slice(data).into())
        .await
        .is_err()
    {
        return;
    }
    let opts = OpenOptions {
        first_block: 4096,
        read_ahead: 1024,
        max_chunk_bytes: 16 << 20,
        max_read_bytes: 64 << 20,
        size: Some(data.len() as u64),
        ..OpenOptions::default()
    };
    let Ok(file) = File::open(store as Arc<dyn ObjectStore>, path, &opts).await else {
        return;
    };
    let Ok(entries) = file.walk("/").await else {
        return;
    };
    for e in entries.iter().take(256) {
        let _ = file.attributes(&e.path).await;
        if e.kind != EntryKind::Dataset {
            continue;
        }
        let Ok(ds) = file.dataset(&e.path).await else {
            continue;
        };
        let rows = ds.rows();
        if ds.dtype().is_numeric() {
            let _ = ds.read_rows::<f64>(0..rows).await;
            let _ = ds.read_rows::<i8>(rows / 2..rows).await;
            // A column selection of a 2-D dataset (its last column).
            if let Some(&cols) = ds.shape().get(1)
                && let Ok(col) = ds.column(cols.saturating_sub(1))
            {
                let _ = col.read_rows::<f64>(rows / 3..rows).await;
            }
        } else {
            let _ = ds.read_strings(0..rows.min(1024)).await;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    runtime().block_on(exercise(data));
});
