// A route below a nested layout's path is that layout's: a parent's own page there, or a
// layout that names the parent directly, would skip the nested layout's guard and layout
// (Next.js has no such page: `app/adm/secret` is always inside `app/adm/layout`).
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Html;
use parallel_routes::prelude::*;

struct Admin;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Admin {
    type Rejection = StatusCode;

    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, StatusCode> {
        Err(StatusCode::UNAUTHORIZED)
    }
}

#[layout("/r", slots(nav), routes("/adm", "/adm/secret", "/adm/deep"))]
async fn r(nav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{nav}{children}"))
}

#[slot(r, nav, default)]
async fn nav() -> &'static str {
    "nav"
}

#[page(r, default)]
async fn r_page() -> &'static str {
    "page"
}

#[layout("/r/adm", slots(users), parent = r)]
async fn adm(_: Admin, users: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{users}{children}"))
}

#[slot(adm, users)]
async fn users() -> &'static str {
    "users"
}

#[page(adm)]
async fn adm_page() -> &'static str {
    "admin"
}

#[layout("/r/adm/deep", slots(d), parent = r)]
async fn deep(d: Fragment) -> Html<String> {
    Html(format!("{d}"))
}

#[slot(deep, d)]
async fn d() -> &'static str {
    "deep"
}

fn main() {}
