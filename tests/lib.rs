//! Helpers for the integration tests: send one request through a router, in process.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A response, read whole.
pub struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, as UTF-8 text.
    pub body: String,
}

impl Reply {
    /// The `content-type` header, or `""`.
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends `GET uri` to `app` with `tower::ServiceExt::oneshot` and reads the whole response.
pub async fn get(app: Router, uri: &str) -> Reply {
    let (status, headers, body) = send(app, request(uri)).await;
    Reply {
        status,
        headers,
        body,
    }
}

/// `GET uri`, with no header and an empty body.
pub fn request(uri: &str) -> Request<Body> {
    Request::get(uri)
        .body(Body::empty())
        .expect("a valid request")
}

/// Sends `request` to `app` with `tower::ServiceExt::oneshot` and reads the whole response:
/// its status, headers and body (as UTF-8 text).
pub async fn send(app: Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = app.oneshot(request).await.expect("routers are infallible");
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .expect("the body is readable")
        .to_bytes();
    let body = String::from_utf8(bytes.to_vec()).expect("the body is UTF-8");
    (parts.status, parts.headers, body)
}

pub mod chromium;
pub mod fault_load;

pub mod overlap;
