//! The same store on a real S3 server (moto, on loopback): byte-identical to
//! the local store, confined to its prefix, reopenable by URL.

mod common;

use std::collections::BTreeMap;

use magg_store::{CreateMode, Location, OutputStore, StoreError};
use magg_testkit::s3::S3Server;
use object_store::ObjectStoreExt;
use object_store::aws::AmazonS3Builder;

/// Every file under a local store (relative path → bytes).
fn local_files(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Keys under `prefix/` in the bucket, from a plain ListObjectsV2 call.
fn list_keys(s3: &S3Server, bucket: &str, prefix: &str) -> Vec<String> {
    let (status, body) = s3
        .request(
            "GET",
            &format!("/{bucket}?list-type=2&prefix={prefix}&max-keys=1000"),
            &[],
        )
        .unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("<IsTruncated>true"), "listing truncated");
    text.split("<Key>")
        .skip(1)
        .map(|s| s.split("</Key>").next().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_on_s3_matches_local_store() {
    let s3 = S3Server::start();
    s3.create_bucket("out");
    // Neighbours that must survive: another run, and a sibling whose name
    // starts with the store's name.
    s3.put_bytes("out", "runs/other/keep.txt", b"keep");
    s3.put_bytes("out", "runs/a.zarr.bak/keep.txt", b"keep");

    let url = s3.url("out", "runs/a.zarr");
    let location = Location::parse_with(&url, s3.store_options()).unwrap();
    let store = common::populated_store_at(&location).await;
    assert_eq!(store.url(), "s3://out/runs/a.zarr");

    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("a.zarr");
    common::populated_store(&local).await;
    let want = local_files(&local);

    // Read every object back with a plain (unprefixed) S3 client.
    let mut raw = AmazonS3Builder::new().with_bucket_name("out");
    for (k, v) in s3.store_options() {
        raw = raw.with_config(k.parse().unwrap(), v);
    }
    let raw = raw.build().unwrap();
    let mut got = BTreeMap::new();
    for k in list_keys(&s3, "out", "runs/a.zarr/") {
        let bytes = raw
            .get(&k.as_str().into())
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        got.insert(
            k.strip_prefix("runs/a.zarr/").unwrap().to_string(),
            bytes.to_vec(),
        );
    }
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "different keys on S3 and local disk"
    );
    assert!(
        got == want,
        "S3 objects differ from the local store's files"
    );

    // Reopen by URL and read back; status records listed from S3.
    let reopened = OutputStore::open_at(&Location::parse_with(&url, s3.store_options()).unwrap())
        .await
        .unwrap();
    assert_eq!(reopened.spec(), store.spec());
    assert_eq!(reopened.list_status().await.unwrap().len(), 5);
    let shard = common::shard_word(common::DATA_SHARDS[0]);
    assert_eq!(
        reopened.read_chunk(5, "h_max", shard).await.unwrap(),
        store.read_chunk(5, "h_max", shard).await.unwrap()
    );

    // New refuses, Overwrite wipes only this prefix.
    let again = OutputStore::create_at(&location, &common::spec("fp-1"), CreateMode::New).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyExists { .. })),
        "{again:?}"
    );
    OutputStore::create_at(&location, &common::spec("fp-2"), CreateMode::Overwrite)
        .await
        .unwrap();
    let left = list_keys(&s3, "out", "runs/");
    assert!(
        left.contains(&"runs/other/keep.txt".to_string()),
        "{left:?}"
    );
    assert!(
        left.contains(&"runs/a.zarr.bak/keep.txt".to_string()),
        "{left:?}"
    );
    assert!(
        left.iter()
            .filter(|k| k.starts_with("runs/a.zarr/"))
            .all(|k| k.ends_with("zarr.json")
                || k.contains("/cell_ids/c/")
                || k.contains("/morton/c/")),
        "old chunks or status records survived the overwrite: {left:?}"
    );

    // A prefix holding foreign objects is refused.
    let foreign = Location::parse_with(&s3.url("out", "runs/other"), s3.store_options()).unwrap();
    let err = OutputStore::create_at(&foreign, &common::spec("x"), CreateMode::Overwrite)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    assert!(list_keys(&s3, "out", "runs/other/").contains(&"runs/other/keep.txt".to_string()));
}
