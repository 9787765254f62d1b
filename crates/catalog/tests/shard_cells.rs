//! What a task carries under the child-cell rule, over the whole Antarctic
//! outline at orders 6/12: interior shards nothing, boundary shards their
//! region cells, compact enough for a Lambda event. Prints the figures the
//! crate README quotes (`-- --nocapture`).

use magg_catalog::{BuildSpec, RegionRule, ShardCells, regions};
use magg_coverage::Moc;

#[test]
fn boundary_shards_carry_few_cells_interior_shards_none() {
    let spec = BuildSpec::default();
    let region = regions::region("antarctica").unwrap();
    let moc = spec.region_moc(&region).unwrap();
    let words = moc.to_words().unwrap();
    let cells = ShardCells::new(&words, RegionRule::ChildCells, 6, 12).unwrap();
    let shards = moc.words(6).unwrap();
    let (mut interior, mut boundary, mut max_words, mut max_bytes) = (0, 0, 0, 0);
    let mut union = Moc::new();
    for &shard in &shards {
        match cells.of(shard).unwrap() {
            None => {
                interior += 1;
                union = union.union(&Moc::from_words(&[shard]).unwrap());
            }
            Some(w) => {
                assert!(!w.is_empty(), "shard {shard} touches the region");
                boundary += 1;
                max_words = max_words.max(w.len());
                max_bytes = max_bytes.max(serde_json::to_string(&w).unwrap().len());
                union = union.union(&Moc::from_words(&w).unwrap());
            }
        }
    }
    eprintln!(
        "antarctica 6/12: {} shards, {interior} interior (no cells), {boundary} boundary; \
         largest cell list {max_words} words, {max_bytes} bytes of JSON; whole cover {} words",
        shards.len(),
        words.len()
    );
    // Together the shards' cells are the region's cover (its child cells).
    assert_eq!(union, moc);
    assert!(boundary > 100 && interior > 100);
    // A Lambda event may hold 256 KB (asynchronous) to 6 MB: a boundary
    // shard's cells stay far below.
    assert!(max_bytes < 32 * 1024, "{max_bytes}");
}
