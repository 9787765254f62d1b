//! The shard map as a picture: every shard filled by how many granules
//! touch it, edges drawn, over the region outline, so the work split (and
//! any missed shard) can be seen.

use std::collections::BTreeSet;

use magg_catalog::{ShardMap, parse_name};

use crate::canvas::Rgba;
use crate::load::{cell_size_km, format_km, group_thousands};
use crate::map::{CellField, MapOptions};

/// Colour of shard edges.
pub const SHARD_EDGE: Rgba = [255, 255, 255, 150];

/// Shards (at the map's parent order) and their granule counts.
pub fn shard_field(map: &ShardMap) -> CellField {
    let (words, values) = map.iter().map(|(w, g)| (w, g.len() as f64)).unzip();
    CellField {
        order: map.parent_order,
        words,
        values,
    }
}

/// Titles, label and colour range for a shard map; the caller adds size,
/// extent and outline.
pub fn shard_map_options(map: &ShardMap) -> MapOptions {
    let t = map.totals();
    let q = &map.query;
    let max = map.iter().map(|(_, g)| g.len()).max().unwrap_or(1);
    let min = map.iter().map(|(_, g)| g.len()).min().unwrap_or(0);
    let title = format!(
        "Shard map · {} shards (order {}, ~{}) · {} granules · {} shard-granule pairs",
        group_thousands(t.shards),
        map.parent_order,
        format_km(cell_size_km(map.parent_order)),
        group_thousands(t.granules),
        group_thousands(t.pairs),
    );
    let mut sub = Vec::new();
    let product = q.short_name.clone().or_else(|| {
        let names: BTreeSet<&str> = map
            .iter()
            .flat_map(|(_, g)| g.iter().filter_map(|r| r.id.split('_').next()))
            .collect();
        (names.len() == 1).then(|| names.into_iter().next().unwrap_or_default().to_string())
    });
    if let Some(p) = product {
        sub.push(match &q.version {
            Some(v) => format!("{p} v{v}"),
            None => p,
        });
    }
    let from_windows: BTreeSet<u8> = map.windows.iter().filter_map(|w| w.cycle).collect();
    let cycles: BTreeSet<u8> = if from_windows.is_empty() {
        map.iter()
            .flat_map(|(_, g)| g.iter().filter_map(|r| parse_name(&r.id).map(|n| n.cycle)))
            .collect()
    } else {
        from_windows
    };
    match cycles.len() {
        0 => {}
        1 => sub.push(format!(
            "cycle {}",
            cycles.first().copied().unwrap_or_default()
        )),
        _ => sub.push(format!(
            "cycles {}–{}",
            cycles.first().copied().unwrap_or_default(),
            cycles.last().copied().unwrap_or_default()
        )),
    }
    sub.push(format!("region {}", q.region.name));
    sub.push(format!(
        "footprints matched at order {} with a {} km buffer",
        q.match_order, q.buffer_km
    ));
    MapOptions {
        title,
        subtitle: sub.join(" · "),
        label: "granules per shard".into(),
        vmin: Some(min as f64 - 0.5),
        vmax: Some(max as f64 + 0.5),
        cell_edges: Some(SHARD_EDGE),
        integer_values: true,
        no_data_label: "region without shards".into(),
        ..MapOptions::default()
    }
}
