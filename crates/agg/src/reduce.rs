//! [`GroupedShard`]: a shard's observations sorted by child cell, reduced to
//! one value per cell and output variable ([`ShardGrid`]) at the child order
//! or, exactly, at any coarser order down to the shard itself.
//!
//! Points sorted by child cell are also sorted by every ancestor cell, so a
//! coarser cell's observations are one contiguous run: coarser orders are
//! computed from the raw values, never by averaging averages.

use crate::accumulate::FilterStats;
use crate::column::Column;
use crate::error::AggError;
use crate::expr::ExprScratch;
use crate::plan::{Kernel, Operand, Order, Plan, Stat};
use crate::stats;
use magg_morton as morton;

/// One shard's output at one order: per output variable, one value per cell
/// of the shard at that order (4^(order − parent_order) cells).
#[derive(Debug, Clone, PartialEq)]
pub struct ShardGrid {
    /// The shard's morton word (a rectilinear grid's tile id).
    pub shard: u64,
    /// The order of these cells (0 for a rectilinear grid's tile).
    pub order: u8,
    /// Nested id (at `order`) of the shard's first cell: cell `i` of every
    /// column is nested id `first_nested + i` (0 for a tile, whose cell
    /// `i` is row-major in the tile).
    pub first_nested: u64,
    /// Observations in the shard (all cells).
    pub observations: u64,
    /// Cells with at least one observation.
    pub populated: u64,
    /// Output variables in config order; empty cells hold the fill value.
    pub variables: Vec<(String, Column)>,
}

impl ShardGrid {
    /// The column of the variable called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }

    /// Number of cells (a tile's: its columns' length).
    pub fn n_cells(&self) -> usize {
        match self.variables.first() {
            Some((_, c)) => c.len(),
            None => 1 << (2 * u32::from(self.order - self.parent_order())),
        }
    }

    fn parent_order(&self) -> u8 {
        morton::order_of(self.shard).unwrap_or(self.order)
    }
}

/// A shard's observations grouped by child cell (from
/// [`ShardAccumulator::finish`](crate::ShardAccumulator::finish)).
#[derive(Debug)]
pub struct GroupedShard {
    plan: Plan,
    shard: u64,
    stats: FilterStats,
    /// Run boundaries: child cell `c` holds rows `offsets[c]..offsets[c+1]`.
    offsets: Vec<u32>,
    /// Source columns sorted by child cell.
    columns: Vec<Vec<f64>>,
}

impl GroupedShard {
    pub(crate) fn new(
        plan: Plan,
        shard: u64,
        stats: FilterStats,
        offsets: Vec<u32>,
        columns: Vec<Vec<f64>>,
    ) -> Self {
        GroupedShard {
            plan,
            shard,
            stats,
            offsets,
            columns,
        }
    }

    /// The shard's morton word.
    pub fn shard(&self) -> u64 {
        self.shard
    }

    /// Filter counts of everything pushed.
    pub fn stats(&self) -> FilterStats {
        self.stats
    }

    /// Observations in the shard.
    pub fn observations(&self) -> u64 {
        u64::from(
            *self
                .offsets
                .last()
                .expect("offsets has n_cells + 1 entries"),
        )
    }

    /// Reduces to one value per cell at `order` (parent_order..=child_order).
    pub fn reduce(&self, order: u8) -> Result<ShardGrid, AggError> {
        let (parent, child) = (self.plan.parent_order(), self.plan.child_order());
        if order < parent || order > child {
            return Err(AggError::Order {
                shard: self.shard,
                order,
                parent,
                child,
            });
        }
        // A grid's shard (a tile) has one level: its cells, in its order.
        let (n_cells, factor, first_nested) = if self.plan.is_healpix() {
            let depth = 2 * u32::from(order - parent);
            let shard_nested = morton::decode(self.shard)
                .expect("checked by the accumulator")
                .nested;
            (
                1usize << depth,
                1usize << (2 * u32::from(child - order)),
                shard_nested << depth,
            )
        } else {
            (self.offsets.len() - 1, 1, 0)
        };
        let outputs = self.plan.outputs();
        let mut columns: Vec<Column> = outputs
            .iter()
            .map(|o| Column::filled(o.fill, n_cells))
            .collect();
        let mut scratch = Scratch::default();
        let mut cell_cols: Vec<&[f64]> = Vec::with_capacity(self.columns.len());
        let mut populated = 0;
        for cell in 0..n_cells {
            let lo = self.offsets[cell * factor] as usize;
            let hi = self.offsets[(cell + 1) * factor] as usize;
            if lo == hi {
                continue;
            }
            populated += 1;
            cell_cols.clear();
            cell_cols.extend(self.columns.iter().map(|c| &c[lo..hi]));
            scratch.cell += 1;
            for (out, column) in outputs.iter().zip(&mut columns) {
                let value = cell_value(&out.kernel, &cell_cols, hi - lo, &mut scratch);
                column.set(cell, value, out.fill);
            }
        }
        Ok(ShardGrid {
            shard: self.shard,
            order,
            first_nested,
            observations: self.observations(),
            populated,
            variables: outputs
                .iter()
                .map(|o| o.name.clone())
                .zip(columns)
                .collect(),
        })
    }

    /// [`reduce`](Self::reduce) at each of `orders`.
    pub fn reduce_orders(
        &self,
        orders: impl IntoIterator<Item = u8>,
    ) -> Result<Vec<ShardGrid>, AggError> {
        orders.into_iter().map(|o| self.reduce(o)).collect()
    }
}

/// Buffers reused from cell to cell.
#[derive(Default)]
struct Scratch {
    a: Vec<f64>,
    b: Vec<f64>,
    expr: ExprScratch,
    /// Values being selected for order statistics, and which (column,
    /// cell) they hold.
    q: Vec<f64>,
    q_holds: Option<(usize, u64)>,
    cell: u64,
}

/// The values of `op` for one cell: the column itself, or the expression
/// evaluated into `buf`.
fn operand<'a>(
    op: &Operand,
    cols: &[&'a [f64]],
    n: usize,
    buf: &'a mut Vec<f64>,
    expr: &mut ExprScratch,
) -> &'a [f64] {
    match op {
        Operand::Column(k) => cols[*k],
        Operand::Derived(e) => {
            e.eval_points(cols, n, expr, buf);
            buf
        }
    }
}

fn cell_value(kernel: &Kernel, cols: &[&[f64]], n: usize, s: &mut Scratch) -> f64 {
    match kernel {
        Kernel::Count => n as f64,
        Kernel::Stat(stat, op) => {
            let x = operand(op, cols, n, &mut s.a, &mut s.expr);
            match stat {
                Stat::Min => stats::min(x),
                Stat::Max => stats::max(x),
                Stat::Mean => stats::mean(x),
                Stat::Sum => stats::sum(x),
                Stat::Var(ddof) => stats::var_ddof(x, *ddof),
                Stat::Std(ddof) => stats::std_ddof(x, *ddof),
                Stat::Sigma => stats::inverse_variance_sigma(x),
            }
        }
        Kernel::Order(order, op) => {
            // Several order statistics of one column share the selection
            // buffer: earlier partitions only speed up later selections.
            let key = match op {
                Operand::Column(k) => Some((*k, s.cell)),
                Operand::Derived(_) => None,
            };
            if key.is_none() || s.q_holds != key {
                let x = operand(op, cols, n, &mut s.a, &mut s.expr);
                s.q.clear();
                s.q.extend_from_slice(x);
                s.q_holds = key;
            }
            match order {
                Order::Quantile(q) => stats::quantile(&mut s.q, *q),
                Order::Median => stats::median(&mut s.q),
            }
        }
        Kernel::Average(x, w) => {
            let x = operand(x, cols, n, &mut s.a, &mut s.expr);
            let w = operand(w, cols, n, &mut s.b, &mut s.expr);
            stats::average(x, w)
        }
        Kernel::Scalar(e) => e.eval_scalar(cols, n, &mut s.expr),
    }
}
