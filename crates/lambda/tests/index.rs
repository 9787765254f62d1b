//! The Lambda worker reads from the chunk index: the sample granules on an
//! S3 server (s3s-fs), their index built from there and stored beside them,
//! the sample shards run through the loopback Lambda (real bootstrap
//! processes) without an index, with each event carrying its granules'
//! entries, and with each event pointing at the stored index (as when the
//! entries would not fit the event). The three stores are identical chunk
//! for chunk; with the index no granule falls back and the workers make
//! fewer requests (no metadata reads).

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use magg_index::{ChunkIndex, DEFAULT_SUMMARY_ORDER, index_granule};
use magg_lambda::{INLINE_INDEX_BYTES, IndexSource};
use magg_run::RunReport;
use support::{
    data_objects, emulator, lambda_worker_with, new_store_for, run, s3_with_granules, sample_tasks,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_workers_read_from_the_entries_their_events_carry_or_point_to() {
    let (s3, granules) = s3_with_granules();
    let tasks = sample_tasks(&granules);
    let shards: Vec<u64> = tasks.iter().map(|t| t.shard).collect();

    let config = magg_agg::AggConfig::atl06_default();
    let spec = config.index_spec(DEFAULT_SUMMARY_ORDER);
    let open = magg_h5::OpenOptions {
        store_options: s3.store_options(),
        ..magg_h5::OpenOptions::default()
    };
    let mut entries = Vec::new();
    for g in &granules {
        entries.push(index_granule(&g.url, &spec, &open).await.unwrap().entry);
    }
    let index = Arc::new(ChunkIndex::new(DEFAULT_SUMMARY_ORDER, entries));
    let at = s3.url("out", "index/sample.chunks.json.gz");
    index
        .write_with(&at, &s3.store_options(), &magg_objects::IoPolicy::default())
        .await
        .unwrap();

    let emu = emulator(&s3, 2, vec![]).await;
    let mut reports: Vec<(&str, RunReport)> = Vec::new();
    for (name, inline) in [
        ("plain.zarr", None),
        ("inline.zarr", Some(INLINE_INDEX_BYTES)),
        ("pointer.zarr", Some(0)),
    ] {
        new_store_for(&s3, name, &shards).await;
        let source = inline.map(|inline_bytes| IndexSource {
            inline_bytes,
            ..IndexSource::new(Arc::clone(&index), at.clone())
        });
        let worker = lambda_worker_with(&emu, &s3.url("out", name), None, source).await;
        let report = run(tasks.clone(), Arc::new(worker), 3).await;
        assert_eq!(report.totals.errors, 0, "{name}: {}", report.summary());
        reports.push((name, report));
    }
    assert_eq!(emu.dispatched(), 9, "one invocation per shard and run");

    let by_shard = |r: &RunReport| -> BTreeMap<u64, (u64, u64, u64, u64)> {
        r.shards
            .iter()
            .map(|s| {
                (
                    s.shard,
                    (s.observations, s.cells, s.requests, s.index_fallbacks),
                )
            })
            .collect()
    };
    let plain = by_shard(&reports[0].1);
    assert!(plain.values().map(|v| v.0).sum::<u64>() > 0);
    for (name, report) in &reports[1..] {
        for (shard, (obs, cells, requests, fallbacks)) in by_shard(report) {
            let (p_obs, p_cells, p_requests, _) = plain[&shard];
            assert_eq!((obs, cells), (p_obs, p_cells), "{name}: shard {shard}");
            assert_eq!(fallbacks, 0, "{name}: shard {shard}");
            assert!(
                requests < p_requests,
                "{name}: shard {shard}: {requests} requests with the index, {p_requests} without"
            );
        }
    }

    let plain = data_objects(&s3, "plain.zarr").await;
    assert!(plain.iter().filter(|(k, _)| k.contains("/c/")).count() >= 3);
    for name in ["inline.zarr", "pointer.zarr"] {
        let other = data_objects(&s3, name).await;
        assert_eq!(
            plain.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            other.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            "{name}: same objects"
        );
        for ((k, a), (_, b)) in plain.iter().zip(&other) {
            assert!(
                a == b,
                "{name}: object {k} differs from the run without an index"
            );
        }
    }
}
