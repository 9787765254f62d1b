//! The CMR client against the project's recorded-response server:
//! paging, retries, 4xx, malformed pages, short catalogs, timeouts.

mod support;

use std::time::Duration;

use magg_catalog::Error;
use magg_catalog::cmr::{CmrClient, GranuleQuery};
use support::{Response, Server, page, paging_server, sample_items};

fn client(base: &str) -> CmrClient {
    let mut c = CmrClient::with_timeout(base, Duration::from_secs(5)).unwrap();
    c.backoff = Duration::from_millis(5);
    c.retries = 3;
    c
}

fn query(page_size: usize) -> GranuleQuery {
    let mut q = GranuleQuery::cycle("ATL06", "006", 22).unwrap();
    q.page_size = page_size;
    q
}

#[tokio::test]
async fn pages_follow_search_after_and_the_cycle_filter_drops_neighbours() {
    let items = sample_items(); // 12 of cycle 22 + 1 of cycle 23
    let server = paging_server(items, 5);
    let res = client(&server.base).search(&query(5)).await.unwrap();
    assert_eq!(res.pages, 3);
    assert_eq!(res.hits, Some(13));
    assert_eq!(res.granules.len(), 12);
    assert_eq!(res.other_cycle, 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].header("CMR-Search-After"), None);
    assert_eq!(seen[1].header("CMR-Search-After"), Some("tok-1"));
    assert_eq!(seen[2].header("CMR-Search-After"), Some("tok-2"));
    let t = &seen[0].target;
    assert!(
        t.starts_with("/search/granules.umm_json?short_name=ATL06&version=006"),
        "{t}"
    );
    assert!(
        t.contains("cycle%5B%5D=22") && t.contains("temporal=2023-12-17"),
        "{t}"
    );
    // Records carry ids, both URLs, times and the concept id.
    let g = &res.granules[0].granule;
    assert_eq!(g.id, "ATL06_20231218222155_00012211_006_01.h5");
    assert!(
        g.urls
            .s3
            .as_deref()
            .unwrap()
            .starts_with("s3://nsidc-cumulus-prod-protected/")
    );
    assert!(g.urls.https.as_deref().unwrap().ends_with(&g.id));
    assert_eq!(g.time_start.as_deref(), Some("2023-12-18T22:21:55.457098Z"));
    assert!(g.concept_id.as_deref().unwrap().ends_with("-NSIDC_CPRD"));
    assert!(g.bbox.south < -88.0 && g.bbox.north > -79.1);
}

#[tokio::test]
async fn two_503s_then_success_is_retried() {
    let items = sample_items();
    let server = Server::start(move |n, _| {
        if n < 2 {
            Response::json(503, "busy".into())
        } else {
            Response::json(200, page(items.len(), &items)).with_header("CMR-Hits", "13")
        }
    });
    let res = client(&server.base).search(&query(2000)).await.unwrap();
    assert_eq!(res.granules.len(), 12);
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn persistent_5xx_gives_up_naming_the_url() {
    let server = Server::start(|_, _| Response::json(502, "bad gateway".into()));
    let err = client(&server.base).search(&query(2000)).await.unwrap_err();
    assert!(
        matches!(err, Error::Unavailable { attempts: 4, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("granules.umm_json?short_name=ATL06"),
        "{err}"
    );
    assert_eq!(server.seen().len(), 4);
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_names_the_query() {
    let body = r#"{"errors":["Parameter [cycle] must include a collection with track info"]}"#;
    let server = Server::start(move |_, _| Response::json(400, body.into()));
    let err = client(&server.base).search(&query(2000)).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Query { status: 400, .. }), "{msg}");
    assert!(
        msg.contains("short_name=ATL06") && msg.contains("track info"),
        "{msg}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_malformed_page_is_an_error_naming_the_page() {
    let items = sample_items();
    let server = Server::start(move |n, _| {
        let r = if n == 0 {
            Response::json(200, page(13, &items[..5]))
        } else {
            // Truncated JSON, as from a cut connection.
            Response::json(200, page(13, &items[5..10])[..300].to_string())
        };
        r.with_header("CMR-Hits", "13")
            .with_header("CMR-Search-After", "tok")
    });
    let err = client(&server.base).search(&query(5)).await.unwrap_err();
    assert!(matches!(err, Error::MalformedPage { page: 2, .. }), "{err}");
    assert!(err.to_string().contains("page 2"), "{err}");
}

#[tokio::test]
async fn a_granule_without_geometry_is_an_error_naming_it() {
    let mut items = sample_items();
    items[3]["umm"]["SpatialExtent"] = serde_json::json!({});
    let server = Server::start(move |_, _| {
        Response::json(200, page(13, &items)).with_header("CMR-Hits", "13")
    });
    let err = client(&server.base).search(&query(2000)).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("page 1") && msg.contains("items[3]"), "{msg}");
}

#[tokio::test]
async fn fewer_granules_than_announced_is_an_error() {
    let items = sample_items();
    let server = Server::start(move |_, _| {
        Response::json(200, page(40, &items[..3])).with_header("CMR-Hits", "40")
    });
    let err = client(&server.base).search(&query(5)).await.unwrap_err();
    assert!(err.to_string().contains("40 hits"), "{err}");
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let items = sample_items();
    let server = Server::start(move |n, _| {
        let mut r = Response::json(200, page(13, &items)).with_header("CMR-Hits", "13");
        if n == 0 {
            r.delay = Duration::from_millis(1500);
        }
        r
    });
    let mut c = CmrClient::with_timeout(&server.base, Duration::from_millis(400)).unwrap();
    c.backoff = Duration::from_millis(5);
    let res = c.search(&query(2000)).await.unwrap();
    assert_eq!(res.granules.len(), 12);
    assert!(server.seen().len() >= 2);
}

/// Per cycle: one search each (`cycle[]=N` and the cycle's window), each
/// granule in its name's cycle; over a range: one search without
/// `cycle[]`, each granule in the month holding its name's time stamp.
#[tokio::test]
async fn window_plans_search_per_cycle_or_once_over_the_range() {
    use magg_catalog::WindowPlan;
    use magg_catalog::cmr::search_windows;
    let server = paging_server(sample_items(), 20); // 12 of cycle 22 + 1 of cycle 23
    let template = GranuleQuery::new("ATL06", "006");
    let count = |granules: &[magg_catalog::FootprintGranule], n: u32| {
        (0..n)
            .map(|w| granules.iter().filter(|g| g.granule.window == w).count())
            .collect::<Vec<_>>()
    };

    let plan = WindowPlan::cycles(&[22, 23]).unwrap();
    let found = search_windows(&client(&server.base), &template, &plan)
        .await
        .unwrap();
    assert_eq!(
        (found.searches, found.other_cycle, found.outside),
        (2, 13, 0)
    );
    assert_eq!(count(&found.granules, 2), [12, 1]);
    let seen = server.seen();
    assert!(
        seen[0].target.contains("cycle%5B%5D=22"),
        "{}",
        seen[0].target
    );
    assert!(
        seen[1].target.contains("cycle%5B%5D=23"),
        "{}",
        seen[1].target
    );
    let (first, last) = (
        magg_catalog::cycle::cycle_window(22),
        magg_catalog::cycle::cycle_window(23),
    );
    assert_eq!(found.temporal, Some((first.0, last.1)));

    let server = paging_server(sample_items(), 20);
    let plan = WindowPlan::from_options(None, Some("2023-12-01,2024-04-01"), Some("monthly"))
        .unwrap()
        .unwrap();
    let found = search_windows(&client(&server.base), &template, &plan)
        .await
        .unwrap();
    assert_eq!((found.searches, found.outside), (1, 0));
    assert_eq!(count(&found.granules, 4), [3, 2, 4, 4]);
    let t = &server.seen()[0].target;
    assert!(
        !t.contains("cycle") && t.contains("temporal=2023-12-01T00"),
        "{t}"
    );

    let server = paging_server(sample_items(), 20);
    let plan = WindowPlan::from_options(None, Some("2024-01-01,2024-03-01"), Some("monthly"))
        .unwrap()
        .unwrap();
    let found = search_windows(&client(&server.base), &template, &plan)
        .await
        .unwrap();
    assert_eq!(found.outside, 7);
    assert_eq!(count(&found.granules, 2), [2, 4]);
}
