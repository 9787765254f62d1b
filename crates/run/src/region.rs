//! The region rule in a run: the config asks for the rule the shard map
//! was built by (or the run is refused), and each task carries the cells
//! of the region inside its shard.

use magg_agg::{AggConfig, ShardRegion};
use magg_catalog::{RegionRule, ShardCells, ShardMap};

use crate::job::JobError;

/// The rule a config asks for (`output.all_observations`); a rectilinear
/// grid's is `all_observations` (every observation of a tile counts).
pub fn config_rule(config: &AggConfig) -> RegionRule {
    RegionRule::from_all_observations(
        config.output.all_observations || config.output.healpix().is_none(),
    )
}

/// Checks that the config asks for the rule the map was built by: a map
/// built for the child-cell rule lacks the pairs `all_observations`
/// needs, and one built for `all_observations` lists pairs the child-cell
/// rule reads for nothing.
pub fn check_rule(map: &ShardMap, config: &AggConfig) -> Result<(), JobError> {
    let (built, asked) = (map.query.region_rule, config_rule(config));
    if built == asked {
        return Ok(());
    }
    let flag = |r: RegionRule| match r {
        RegionRule::AllObservations => "with --all-observations",
        RegionRule::ChildCells => "without --all-observations",
    };
    Err(JobError::Input(format!(
        "the shard map was built for the region rule `{}` ({}) but the run asks `{}` ({}; \
         output.all_observations / --all-observations): run {} or rebuild the map with \
         `magg catalog ... {}`",
        built.name(),
        built.describe(),
        asked.name(),
        asked.describe(),
        flag(built),
        flag(asked),
    )))
}

/// The region cells of `shard` as a task carries them.
pub(crate) fn shard_region(cells: &ShardCells, shard: u64) -> Result<ShardRegion, JobError> {
    cells
        .of(shard)
        .map(ShardRegion::from)
        .map_err(|e| JobError::Input(format!("shard {shard}: region cells: {e}")))
}
