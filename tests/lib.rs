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
    let request = Request::get(uri)
        .body(Body::empty())
        .expect("a valid request");
    let response = app.oneshot(request).await.expect("routers are infallible");
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .expect("the body is readable")
        .to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(bytes.to_vec()).expect("the body is UTF-8"),
    }
}

pub mod fault_load;
