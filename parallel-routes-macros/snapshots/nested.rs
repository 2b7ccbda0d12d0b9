//! Input of the expansion snapshot `nested.expanded.rs`: an app shell guarded by an extractor,
//! and a settings section nested in it (`parent = shell`) with its own slot and a page.
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/", slots(nav))]
async fn shell(_headers: HeaderMap, nav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<nav>{nav}</nav><main>{children}</main>"))
}

#[slot(shell, nav)]
async fn shell_nav() -> &'static str {
    "Home · Settings"
}

#[page(shell)]
async fn home() -> &'static str {
    "home"
}

#[layout("/settings/{section}", slots(sidebar), parent = shell)]
async fn settings(Path(section): Path<String>, sidebar: Fragment, children: Fragment) -> String {
    format!("<h1>{section}</h1><aside>{sidebar}</aside>{children}")
}

#[slot(settings, sidebar)]
async fn settings_sidebar() -> &'static str {
    "Profile · Security"
}

#[page(settings)]
async fn settings_page(Path(section): Path<String>) -> String {
    format!("the {section} settings")
}
