//! A minimal HTTP/1.1 server loop (hyper) and response helpers.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

pub(super) type Resp = Response<Full<Bytes>>;

/// Serves `handler` on every connection accepted by `listener`, forever,
/// counting the connections in `accepted`. An accept that fails for want
/// of file descriptors is retried after a moment (the client's connect
/// waits in the queue), not the end of the server.
pub(super) async fn serve<F, Fut>(
    listener: tokio::net::TcpListener,
    accepted: Option<Arc<AtomicU64>>,
    handler: F,
) where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Resp> + Send + 'static,
{
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) if e.raw_os_error() == Some(24) || e.raw_os_error() == Some(23) => {
                eprintln!("emulator: accept: {e}; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
            Err(_) => return,
        };
        if let Some(n) = &accepted {
            n.fetch_add(1, Ordering::SeqCst);
        }
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(handler(req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The request body, or empty when it cannot be read.
pub(super) async fn body(req: Request<Incoming>) -> Bytes {
    req.into_body()
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default()
}

/// A response with a status, headers and body.
pub(super) fn respond(
    status: StatusCode,
    headers: &[(&str, String)],
    body: impl Into<Bytes>,
) -> Resp {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, v.as_str());
    }
    b.body(Full::new(body.into()))
        .expect("valid response parts")
}
