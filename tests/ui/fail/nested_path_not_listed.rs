// A nested layout's paths must be listed by every layout above it, which renders its slots
// for them: the error is at the path, and says what to add where (three levels: the middle
// layout lists its child, the root does not).
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/", slots(nav), routes("/shop"))]
async fn root(nav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{nav}{children}"))
}

#[slot(root, nav, default)]
async fn nav() -> &'static str {
    "nav"
}

#[page(root)]
async fn home() -> &'static str {
    "home"
}

#[layout("/shop", slots(filters), parent = root, routes("/{item}"))]
async fn shop(filters: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{filters}{children}"))
}

#[slot(shop, filters, default)]
async fn filters() -> &'static str {
    "filters"
}

#[page(shop)]
async fn shop_page() -> &'static str {
    "shop"
}

#[layout("/shop/{item}", slots(reviews), parent = shop)]
async fn item(reviews: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{reviews}{children}"))
}

#[slot(item, reviews)]
async fn reviews() -> &'static str {
    "reviews"
}

#[page(item)]
async fn item_page() -> &'static str {
    "item"
}

#[layout("/admin/users", slots(list), parent = root)]
async fn users(list: Fragment) -> Html<String> {
    Html(format!("{list}"))
}

#[slot(users, list)]
async fn list() -> &'static str {
    "list"
}

#[layout("/elsewhere", slots(x), parent = shop)]
async fn elsewhere(x: Fragment) -> Html<String> {
    Html(format!("{x}"))
}

#[slot(elsewhere, x)]
async fn x() -> &'static str {
    "x"
}

fn main() {}
