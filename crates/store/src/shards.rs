//! [`ShardChunks`]: which shards a store holds and where each one's data
//! lives. Every array of every order group is the concatenation of its
//! shards' cells: chunk *i* holds the *i*-th shard (in nested-id order) and
//! only that shard, so a worker finds its chunk from the store's root
//! metadata alone and never coordinates with another.
//!
//! This is the one place that maps a shard to a chunk; a grid with more
//! chunk dimensions (time windows, a projected grid) would be another
//! implementation of the same mapping.

use std::ops::Range;

/// The store's shards in chunk order: sorted by nested id at the parent
/// order, without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardChunks {
    parent_order: u8,
    /// Nested ids at `parent_order`, strictly increasing: chunk *i* = `nested[i]`
    /// (a rectilinear grid's: tile ids).
    nested: Vec<u64>,
    /// The shards are a rectilinear grid's tiles (ids, not morton words).
    tiles: bool,
    /// Cells per tile (rectilinear).
    tile_cells: u64,
}

impl ShardChunks {
    /// [`ShardChunks::new`], or for a rectilinear grid the tiles `shards`
    /// (ids, checked against the grid), sorted.
    pub fn of(
        parent_order: u8,
        shards: &[u64],
        grid: Option<&magg_grid::RectilinearSpec>,
    ) -> Result<Self, String> {
        let Some(spec) = grid else {
            return ShardChunks::new(parent_order, shards);
        };
        let grid = magg_grid::RectilinearGrid::new(spec).map_err(|e| e.to_string())?;
        let mut nested = shards.to_vec();
        for &t in &nested {
            magg_grid::Grid::check_shard(&grid, t).map_err(|e| e.to_string())?;
        }
        nested.sort_unstable();
        nested.dedup();
        Ok(ShardChunks {
            parent_order,
            nested,
            tiles: true,
            tile_cells: u64::from(magg_grid::Grid::cells_per_shard(&grid)),
        })
    }

    /// Whether the shards are a rectilinear grid's tiles.
    pub fn is_tiles(&self) -> bool {
        self.tiles
    }

    /// The mapping for `shards` (morton words, in any order, duplicates
    /// allowed) at `parent_order`. Refuses a word that is not a cell at
    /// `parent_order`, naming it.
    pub fn new(parent_order: u8, shards: &[u64]) -> Result<Self, String> {
        let mut nested = shards
            .iter()
            .map(|&w| {
                let cell = magg_morton::decode(w).map_err(|e| format!("shard {w}: {e}"))?;
                if cell.is_point || cell.order != parent_order {
                    return Err(format!(
                        "shard {w} is a {} at order {}, not a cell at the parent order {parent_order}",
                        if cell.is_point { "point" } else { "cell" },
                        cell.order
                    ));
                }
                Ok(cell.nested)
            })
            .collect::<Result<Vec<u64>, String>>()?;
        nested.sort_unstable();
        nested.dedup();
        Ok(ShardChunks {
            parent_order,
            nested,
            tiles: false,
            tile_cells: 0,
        })
    }

    /// The mapping for `nested` ids at `parent_order`, which must be
    /// strictly increasing and below 12·4^`parent_order` (the stored form).
    pub fn from_nested(parent_order: u8, nested: Vec<u64>) -> Result<Self, String> {
        let cells = magg_morton::n_cells(parent_order);
        if let Some(&n) = nested.iter().find(|&&n| n >= cells) {
            return Err(format!(
                "shard nested id {n} is not a cell at order {parent_order}"
            ));
        }
        if let Some((a, b)) = nested
            .iter()
            .zip(nested.iter().skip(1))
            .find(|(a, b)| a >= b)
        {
            return Err(format!(
                "shard nested ids are not strictly increasing ({a} then {b})"
            ));
        }
        Ok(ShardChunks {
            parent_order,
            nested,
            tiles: false,
            tile_cells: 0,
        })
    }

    /// The shards' order.
    pub fn parent_order(&self) -> u8 {
        self.parent_order
    }

    /// Number of shards (= chunks per array).
    pub fn len(&self) -> usize {
        self.nested.len()
    }

    /// True when the store holds no shard.
    pub fn is_empty(&self) -> bool {
        self.nested.is_empty()
    }

    /// The shards' nested ids at the parent order, in chunk order.
    pub fn nested(&self) -> &[u64] {
        &self.nested
    }

    /// The shards' morton words, in chunk order.
    pub fn shards(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.nested.iter().map(|&n| {
            if self.tiles {
                n
            } else {
                magg_morton::encode(self.parent_order, n).expect("checked on construction")
            }
        })
    }

    /// The chunk index of `shard` (a morton word), if the store holds it.
    pub fn chunk(&self, shard: u64) -> Option<u64> {
        if self.tiles {
            return self.nested.binary_search(&shard).ok().map(|i| i as u64);
        }
        let cell = magg_morton::decode(shard).ok()?;
        if cell.is_point || cell.order != self.parent_order {
            return None;
        }
        self.nested
            .binary_search(&cell.nested)
            .ok()
            .map(|i| i as u64)
    }

    /// The shard (morton word) of chunk `chunk`.
    pub fn shard(&self, chunk: u64) -> Option<u64> {
        let n = *self.nested.get(usize::try_from(chunk).ok()?)?;
        if self.tiles {
            return Some(n);
        }
        magg_morton::encode(self.parent_order, n).ok()
    }

    /// Cells per chunk at `order` (4^(order − parent order); a tile's
    /// cells).
    pub fn chunk_len(&self, order: u8) -> u64 {
        if self.tiles {
            return self.tile_cells;
        }
        1 << (2 * u32::from(order.saturating_sub(self.parent_order)))
    }

    /// Cells per array at `order`: every shard's descendants.
    pub fn cells(&self, order: u8) -> u64 {
        self.nested.len() as u64 * self.chunk_len(order)
    }

    /// The nested ids at `order` of chunk `chunk`'s cells, in array order
    /// (`None` for a tile).
    pub fn cell_ids(&self, chunk: u64, order: u8) -> Option<Range<u64>> {
        if self.tiles {
            return None;
        }
        let n = *self.nested.get(usize::try_from(chunk).ok()?)?;
        let len = self.chunk_len(order);
        Some(n * len..(n + 1) * len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(n: u64) -> u64 {
        magg_morton::encode(6, n).unwrap()
    }

    #[test]
    fn chunks_follow_nested_order() {
        let c = ShardChunks::new(6, &[w(40000), w(5), w(32776), w(5)]).unwrap();
        assert_eq!(c.nested(), &[5, 32776, 40000]);
        assert_eq!(c.len(), 3);
        assert_eq!(c.chunk(w(32776)), Some(1));
        assert_eq!(c.chunk(w(6)), None);
        assert_eq!(c.chunk(magg_morton::encode(7, 5).unwrap()), None);
        assert_eq!(c.chunk(0), None);
        assert_eq!(c.shard(2), Some(w(40000)));
        assert_eq!(c.shard(3), None);
        assert_eq!(c.shards().collect::<Vec<_>>(), [w(5), w(32776), w(40000)]);
        assert_eq!(c.chunk_len(12), 4096);
        assert_eq!(c.cells(12), 3 * 4096);
        assert_eq!(c.cell_ids(1, 8), Some(32776 * 16..32777 * 16));
        assert_eq!(c.cell_ids(3, 8), None);
        let back = ShardChunks::from_nested(6, c.nested().to_vec()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn refuses_what_is_not_a_shard() {
        let e = ShardChunks::new(6, &[w(1), magg_morton::encode(7, 5).unwrap()]).unwrap_err();
        assert!(e.contains("order 7") && e.contains("parent order 6"), "{e}");
        assert!(ShardChunks::new(6, &[0]).is_err());
        let point = magg_morton::encode_point(7).unwrap();
        assert!(ShardChunks::new(6, &[point]).unwrap_err().contains("point"));
        assert!(ShardChunks::from_nested(6, vec![3, 3]).is_err());
        assert!(ShardChunks::from_nested(6, vec![4, 3]).is_err());
        assert!(ShardChunks::from_nested(6, vec![49152]).is_err());
        assert!(ShardChunks::from_nested(6, vec![]).unwrap().is_empty());
    }
}
