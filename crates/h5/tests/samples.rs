//! Every dataset, group and attribute of every sample granule (written by
//! libhdf5) reads identically to h5py.

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_granules_match_h5py() {
    let files = magg_testkit::sample_granules();
    assert!(
        files.len() >= 12,
        "expected the 12 sample granules, found {}",
        files.len()
    );
    let dump = common::dump(&files);
    let mut datasets = 0;
    for m in &dump.files {
        datasets += common::check_file(dump.dir.path(), m).await;
    }
    // 12 granules × (6 beams × 30 datasets + ancillary/orbit): well over 2000.
    assert!(datasets > 2000, "only {datasets} datasets compared");
}
