//! The Invoke API client: one for the whole run, over one connection pool
//! (aws-smithy-http-client's) that reuses connections, may be bounded, and
//! counts the connections it opens.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_smithy_http_client::pool::{ConnectionEvent, ConnectionPool};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

/// How to reach the function.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// AWS region (else `AWS_REGION`/profile).
    pub region: Option<String>,
    /// Lambda endpoint (else `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`,
    /// else AWS's).
    pub endpoint_url: Option<String>,
    /// Static credentials (key id, secret) instead of the default chain
    /// (tests against a loopback endpoint).
    pub static_credentials: Option<(String, String)>,
}

/// Connections a client opened so far (shared, cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct Connections(Arc<AtomicU64>);

impl Connections {
    /// Connections opened (established and installed in the pool).
    pub fn opened(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The SDK settings (region, endpoint, credentials) of `opts`.
pub async fn sdk_config(opts: &ClientOptions) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(r) = &opts.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u.clone());
    }
    if let Some((id, secret)) = &opts.static_credentials {
        loader = loader.credentials_provider(aws_sdk_lambda::config::Credentials::new(
            id.clone(),
            secret.clone(),
            None,
            None,
            "magg-static",
        ));
    }
    loader.load().await
}

/// One Lambda client for the whole run. Its pool reuses connections, so
/// thousands of invocations share as many connections as are in flight at
/// once (not a handshake each), and never holds more than
/// `max_connections` to the endpoint (a request beyond waits for one: a
/// bound on the file descriptors they take). The SDK's own retries are
/// off: [`crate::LambdaWorker`] retries with its own policy. Call inside
/// a tokio runtime.
pub fn client(
    sdk: &aws_config::SdkConfig,
    max_connections: Option<usize>,
) -> (aws_sdk_lambda::Client, Connections) {
    let connections = Connections::default();
    let count = Arc::clone(&connections.0);
    let mut pool = ConnectionPool::builder().event_listener(move |e: &ConnectionEvent<'_>| {
        if matches!(e, ConnectionEvent::Opened(_)) {
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    if let Some(n) = max_connections {
        pool = pool.max_connections_per_host(n.max(1));
    }
    let mut conf = aws_sdk_lambda::config::Builder::from(sdk)
        .retry_config(aws_config::retry::RetryConfig::disabled());
    // The pool is a plain configuration of aws-smithy-http-client: it only
    // fails to build on inconsistent partitions, which this one has none
    // of; should it fail anyway, the SDK's default client is used.
    match pool
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .build_https()
        .ok()
        .and_then(|p| aws_smithy_http_client::pool::Client::new(&p).ok())
    {
        Some(http) => conf = conf.http_client(http),
        None => eprintln!(
            "magg: the Lambda connection pool could not be built; using the SDK's default client"
        ),
    }
    (aws_sdk_lambda::Client::from_conf(conf.build()), connections)
}

/// [`client`] for `opts`, without a bound on connections.
pub async fn connect(opts: &ClientOptions) -> aws_sdk_lambda::Client {
    client(&sdk_config(opts).await, None).0
}
