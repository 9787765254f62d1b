//! `magg catalog --granules s3://bucket/prefix/` lists the prefix (an S3
//! server on loopback): the shard map equals the one built from the same
//! granules in a local directory, granule for granule. A prefix that holds
//! no granule, and an `https://` location that is not a file, are one clear
//! error each.

mod common;

use std::collections::BTreeMap;

use common::{magg, magg_env, results, s3_env};
use magg_testkit::s3::S3Server;
use serde_json::Value;

/// Shard → sorted granule ids (file names: URLs and paths differ, names
/// do not).
fn granules_by_shard(map: &Value) -> BTreeMap<String, Vec<String>> {
    map["shards"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(shard, v)| {
            let mut names: Vec<String> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["id"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            (shard.clone(), names)
        })
        .collect()
}

#[test]
fn an_s3_prefix_is_listed_like_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let s3 = S3Server::start();
    s3.create_bucket("granules");
    let samples = magg_testkit::sample_granules();
    for p in &samples {
        let name = p.file_name().unwrap().to_string_lossy();
        s3.put_file("granules", &format!("atl06/c22/{name}"), p);
    }
    // Not granules, or not under the prefix: left out.
    s3.put_bytes("granules", "atl06/c22/README.txt", b"not a granule");
    s3.put_file("granules", "atl06/other/x.h5", &samples[0]);
    let env = s3_env(&s3.endpoint);
    let catalog = |from: &str, out: &str| {
        magg_env(
            d,
            &[
                "catalog",
                "--granules",
                from,
                "--region",
                "antarctica",
                "--out",
                out,
            ],
            &env,
        )
    };

    let (ok, _, err) = catalog("s3://granules/atl06/c22/", "s3.json");
    assert!(ok, "catalog from the S3 prefix: {err}");
    let dir = magg_testkit::sample_dir();
    let (ok, _, err) = catalog(&dir.display().to_string(), "local.json");
    assert!(ok, "catalog from the directory: {err}");
    let (from_s3, local) = (results(&d.join("s3.json")), results(&d.join("local.json")));
    assert_eq!(granules_by_shard(&from_s3), granules_by_shard(&local));
    assert!(!granules_by_shard(&local).is_empty());
    let text = from_s3.to_string();
    assert!(
        text.contains("\"s3\":\"s3://granules/atl06/c22/ATL06_"),
        "{text}"
    );
    assert!(!text.contains("atl06/other"), "{text}");

    // A prefix without granules, and an HTTP location that is not a file.
    let (ok, _, err) = catalog("s3://granules/nothing/here/", "none.json");
    assert!(
        !ok && err.contains("no granule files in s3://granules/nothing/here/"),
        "{err}"
    );
    let (ok, _, err) = magg(
        d,
        &[
            "catalog",
            "--granules",
            "https://example.invalid/atl06/",
            "--region",
            "antarctica",
            "--out",
            "x.json",
        ],
    );
    assert!(
        !ok && err.contains("https://example.invalid/atl06/") && err.contains("only s3://"),
        "{err}"
    );
}
