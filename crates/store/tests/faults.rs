//! Writes through a fault-injecting proxy in front of a real S3 server
//! (moto on loopback): transient 500/503/SlowDown answers, resets and
//! stalled responses are retried and the objects equal a store written
//! without faults; a persistent fault ends within the I/O policy's bound in
//! one error naming the store and the key.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use magg_objects::IoPolicy;
use magg_store::{CreateMode, Location, OutputStore};
use magg_testkit::faults::{Fault, FaultProxy, Rule};
use magg_testkit::s3::S3Server;
use object_store::ObjectStoreExt;

fn policy() -> IoPolicy {
    IoPolicy {
        max_retries: 4,
        init_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        retry_timeout: Duration::from_secs(6),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
    }
}

/// Every object under `s3://out/<prefix>/` (relative key → bytes), read
/// directly from the server (not through the proxy).
async fn objects(s3: &S3Server, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let store = magg_objects::s3_bucket("out", &s3.store_options(), &IoPolicy::default()).unwrap();
    let root = object_store::path::Path::from(prefix);
    let metas: Vec<_> = store.list(Some(&root)).try_collect().await.unwrap();
    let mut out = BTreeMap::new();
    for m in metas {
        let bytes = store.get(&m.location).await.unwrap().bytes().await.unwrap();
        let rel = m.location.as_ref()[prefix.len() + 1..].to_string();
        out.insert(rel, bytes.to_vec());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_write_faults_are_retried_and_the_store_equals_a_clean_one() {
    let s3 = S3Server::start();
    s3.create_bucket("out");
    let proxy = FaultProxy::in_front_of(&s3);
    let clean = Location::parse_with(&s3.url("out", "clean.zarr"), s3.store_options()).unwrap();
    common::populated_store_at(&clean).await;
    let want = objects(&s3, "clean.zarr").await;
    assert!(want.len() > 10, "{want:?}");

    for (i, fault) in [
        Fault::Status(500),
        Fault::Status(503),
        Fault::SlowDown,
        Fault::Reset,
        Fault::Stall,
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("f{i}.zarr");
        // Chunk writes of order 5 and status records: two of each fail.
        let chunks = proxy.add(
            Rule::new(fault, &format!("/{name}/5/"))
                .method("PUT")
                .first(2),
        );
        let status = proxy.add(Rule::new(fault, &format!("/{name}/_magg/status/")).first(2));
        let loc =
            Location::parse_with_policy(&s3.url("out", &name), proxy.store_options(), &policy())
                .unwrap();
        common::populated_store_at(&loc).await;
        assert_eq!(proxy.hits(chunks), 2, "{fault:?}");
        assert_eq!(proxy.hits(status), 2, "{fault:?}");
        proxy.clear();
        assert_eq!(objects(&s3, &name).await, want, "{fault:?}: objects differ");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_write_fault_fails_in_bounded_time_naming_store_and_key() {
    let s3 = S3Server::start();
    s3.create_bucket("out");
    let proxy = FaultProxy::in_front_of(&s3);
    let io = policy();
    let loc =
        Location::parse_with_policy(&s3.url("out", "p.zarr"), proxy.store_options(), &io).unwrap();
    let store = OutputStore::create_at(&loc, &common::spec("fp-1"), CreateMode::New)
        .await
        .unwrap();
    for fault in [Fault::SlowDown, Fault::Stall] {
        let rule = proxy.add(Rule::new(fault, "/p.zarr/3/count/").method("PUT"));
        let shard = common::shard_word(37);
        let (c, m, x, v) = common::shard_columns(&store, shard, 3, false);
        let t0 = Instant::now();
        let err = store
            .write_shard(
                shard,
                3,
                &[
                    ("count", magg_store::ColumnRef::U32(&c)),
                    ("h_mean", magg_store::ColumnRef::F32(&m)),
                    ("h_max", magg_store::ColumnRef::F32(&x)),
                    ("h_var", magg_store::ColumnRef::F64(&v)),
                ],
            )
            .await
            .expect_err("a persistent fault must fail the write");
        let took = t0.elapsed();
        let msg = err.to_string();
        assert!(msg.contains("s3://out/p.zarr"), "{fault:?}: {msg}");
        assert!(msg.contains("count"), "{fault:?}: names no key: {msg}");
        assert!(
            took < io.worst_case() + Duration::from_secs(2),
            "{fault:?}: {took:?}"
        );
        let hits = proxy.hits(rule);
        assert!(hits >= 2 && hits <= io.max_retries + 1, "{fault:?}: {hits}");
        proxy.clear();
        // No status record was written for the shard.
        assert!(store.list_status().await.unwrap().is_empty());
    }
}
