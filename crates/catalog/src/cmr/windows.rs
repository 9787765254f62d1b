//! The CMR searches a window plan needs, and each granule's window.

use super::client::CmrClient;
use super::query::GranuleQuery;
use crate::build::FootprintGranule;
use crate::cycle::cycle_window;
use crate::error::Error;
use crate::window::WindowPlan;

/// The granules of every window, each with its [`window`] set.
///
/// [`window`]: crate::GranuleRef::window
#[derive(Debug, Clone, Default)]
pub struct WindowedSearch {
    /// The granules kept, with their windows.
    pub granules: Vec<FootprintGranule>,
    /// `CMR-Hits` summed over the searches (when every search sent it).
    pub hits: Option<u64>,
    /// Searches made.
    pub searches: usize,
    /// Pages fetched over all searches.
    pub pages: usize,
    /// Granules dropped because their name says another cycle than the
    /// one searched.
    pub other_cycle: usize,
    /// Granules returned but in no window (outside the range).
    pub outside: usize,
    /// The whole UTC range searched (first start, last end).
    pub temporal: Option<(String, String)>,
}

/// Runs the searches of `plan` with `template`'s collection, provider,
/// track-search choice, box and page size: one per cycle for a plan of
/// cycles (the cycle's padded window, `cycle[]=N`, the name check), else
/// one over the plan's range; then places each granule in its window
/// ([`WindowPlan::assign`]), leaving out those in none.
pub async fn search_windows(
    client: &CmrClient,
    template: &GranuleQuery,
    plan: &WindowPlan,
) -> Result<WindowedSearch, Error> {
    let queries: Vec<GranuleQuery> = if let Some(range) = plan.search_range() {
        vec![GranuleQuery {
            temporal: Some(range),
            cycle: None,
            ..template.clone()
        }]
    } else {
        let cycles = plan.cycle_list();
        if cycles.len() != plan.windows.len() {
            return Err(Error::Parameter(
                "a CMR search needs cycles or a time range".to_string(),
            ));
        }
        cycles
            .into_iter()
            .map(|c| GranuleQuery {
                temporal: Some(cycle_window(c)),
                cycle: Some(c),
                ..template.clone()
            })
            .collect()
    };
    let mut out = WindowedSearch {
        hits: Some(0),
        ..WindowedSearch::default()
    };
    let ranges = queries.iter().filter_map(|q| q.temporal.clone());
    out.temporal = ranges.reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    for q in &queries {
        let found = client.search(q).await?;
        out.searches += 1;
        out.pages += found.pages;
        out.other_cycle += found.other_cycle;
        out.hits = out.hits.zip(found.hits).map(|(a, b)| a + b);
        for mut g in found.granules {
            match plan.assign(&g.granule)? {
                Some(w) => {
                    g.granule.window = w;
                    out.granules.push(g);
                }
                None => out.outside += 1,
            }
        }
    }
    Ok(out)
}
