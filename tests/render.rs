//! The generated routers, driven in process through `tower::ServiceExt::oneshot`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes_tests::get;
use parallel_routes_tests::overlap::Overlap;
use serde::Deserialize;

// --- The seed's dashboard ------------------------------------------------------------------

#[layout(slots(latest, archive))]
async fn dashboard(latest: Fragment, archive: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<h1>Dashboard</h1><section>{latest}</section><section>{archive}</section><main>{children}</main>"
    ))
}

#[slot(dashboard, latest)]
async fn latest() -> Html<&'static str> {
    Html("<div>Latest Content</div>")
}

#[slot(dashboard, archive)]
async fn archive() -> Html<&'static str> {
    Html("<div>Archive Content</div>")
}

#[page(dashboard)]
async fn overview() -> &'static str {
    "Main <dashboard> content"
}

#[tokio::test]
async fn renders_every_slot_into_the_layout_in_its_place() {
    let reply = get(dashboard::router(), "/dashboard").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), "text/html; charset=utf-8");
    assert_eq!(
        reply.body,
        "<h1>Dashboard</h1><section><div>Latest Content</div></section>\
         <section><div>Archive Content</div></section>\
         <main>Main &lt;dashboard&gt; content</main>"
    );
}

#[tokio::test]
async fn serves_each_slot_alone_as_html() {
    let app = Router::new().merge(dashboard::router());
    let latest = get(app.clone(), "/dashboard/@latest").await;
    assert_eq!(latest.status, StatusCode::OK);
    assert_eq!(latest.content_type(), "text/html; charset=utf-8");
    assert_eq!(latest.body, "<div>Latest Content</div>");
    assert_eq!(
        get(app.clone(), "/dashboard/@archive").await.body,
        "<div>Archive Content</div>"
    );
    assert_eq!(
        get(app, "/dashboard/@children").await.body,
        "Main &lt;dashboard&gt; content"
    );
}

#[tokio::test]
async fn unknown_slot_endpoints_and_paths_are_404() {
    let app = dashboard::router();
    assert_eq!(
        get(app.clone(), "/dashboard/@nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(app.clone(), "/dashboard/latest").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(app, "/").await.status, StatusCode::NOT_FOUND);
}

#[test]
fn path_is_the_function_name() {
    assert_eq!(dashboard::PATH, "/dashboard");
}

#[tokio::test]
async fn annotated_functions_stay_callable_as_written() {
    let page = dashboard(
        Fragment::html("<i>l</i>"),
        Fragment::text("a&b"),
        overview().await.into_fragment(),
    )
    .await;
    assert_eq!(
        page.0,
        "<h1>Dashboard</h1><section><i>l</i></section><section>a&amp;b</section>\
         <main>Main &lt;dashboard&gt; content</main>"
    );
    assert_eq!(latest().await.0, "<div>Latest Content</div>");
}

// --- Concurrency ---------------------------------------------------------------------------

#[layout("/slow", slots(one, two))]
async fn slow(one: Fragment, two: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{one}|{two}|{children}"))
}

#[slot(slow, one)]
async fn slow_one(overlap: Option<Extension<Overlap>>) -> &'static str {
    let overlap = overlap.map(|Extension(overlap)| overlap);
    Overlap::maybe(overlap.as_ref(), "one", sleep_300ms()).await;
    "one"
}

#[slot(slow, two)]
async fn slow_two(overlap: Option<Extension<Overlap>>) -> &'static str {
    let overlap = overlap.map(|Extension(overlap)| overlap);
    Overlap::maybe(overlap.as_ref(), "two", sleep_300ms()).await;
    "two"
}

#[page(slow)]
async fn slow_page(overlap: Option<Extension<Overlap>>) -> &'static str {
    let overlap = overlap.map(|Extension(overlap)| overlap);
    Overlap::maybe(overlap.as_ref(), "page", sleep_300ms()).await;
    "page"
}

async fn sleep_300ms() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn slots_and_page_run_concurrently() {
    let overlap = Overlap::default();
    let mut request = parallel_routes_tests::request("/slow");
    request.extensions_mut().insert(overlap.clone());
    let (_, _, body) = parallel_routes_tests::send(slow::router(), request).await;
    assert_eq!(body, "one|two|page");
    // Each 300 ms slot started before any of them ended: they ran at once, not in turn.
    overlap.assert_all_overlapped(&["one", "two", "page"]);
}

// --- Escaping ------------------------------------------------------------------------------

#[layout("/escaping", slots(text, owned, trusted, built))]
async fn escaping(
    text: Fragment,
    owned: Fragment,
    trusted: Fragment,
    built: Fragment,
) -> Html<String> {
    Html(format!("{text}\n{owned}\n{trusted}\n{built}"))
}

#[slot(escaping, text)]
async fn escaping_text() -> &'static str {
    "<script>alert('x')</script>"
}

#[slot(escaping, owned)]
async fn escaping_owned() -> String {
    String::from("\"quoted\" & <b>bold</b>")
}

#[slot(escaping, trusted)]
async fn escaping_trusted() -> Html<String> {
    Html(String::from("<b>bold</b>"))
}

#[slot(escaping, built)]
async fn escaping_built() -> Fragment {
    Fragment::html(format!("<p>{}</p>", Fragment::text("<i>")))
}

#[tokio::test]
async fn strings_are_escaped_and_html_is_trusted() {
    let reply = get(escaping::router(), "/escaping").await;
    assert_eq!(
        reply.body,
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\n\
         &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;\n\
         <b>bold</b>\n\
         <p>&lt;i&gt;</p>"
    );
    let reply = get(escaping::router(), "/escaping/@text").await;
    assert_eq!(
        reply.body,
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    );
}

// --- Extractors, state, rejections ---------------------------------------------------------

#[derive(Clone)]
struct AppState {
    users: Arc<Vec<&'static str>>,
    profile_calls: Arc<AtomicUsize>,
}

#[layout("/users/{id}", slots(profile, activity))]
async fn user(profile: Fragment, Path(id): Path<u32>, activity: Fragment) -> Html<String> {
    Html(format!("<h1>User {id}</h1>{profile}{activity}"))
}

#[slot(user, profile)]
async fn profile(State(state): State<AppState>, Path(id): Path<u32>) -> String {
    state.profile_calls.fetch_add(1, Ordering::SeqCst);
    let name = state.users.get(id as usize).copied().unwrap_or("nobody");
    format!("name: {name}")
}

#[derive(Deserialize)]
struct Paging {
    limit: Option<u32>,
}

#[slot(user, activity)]
async fn activity(Path(id): Path<u32>, Query(paging): Query<Paging>) -> Html<String> {
    Html(format!(
        "<ul data-user=\"{id}\" data-limit=\"{}\"></ul>",
        paging.limit.unwrap_or(10)
    ))
}

fn user_app() -> (Router, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let state = AppState {
        users: Arc::new(vec!["root", "ada"]),
        profile_calls: calls.clone(),
    };
    (Router::new().merge(user::router()).with_state(state), calls)
}

#[tokio::test]
async fn slots_and_layout_get_state_path_and_query() {
    let (app, calls) = user_app();
    let reply = get(app, "/users/1?limit=3").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        "<h1>User 1</h1>name: ada<ul data-user=\"1\" data-limit=\"3\"></ul>"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(user::PATH, "/users/{id}");
}

#[tokio::test]
async fn slot_endpoint_runs_the_slot_extractors() {
    let (app, _) = user_app();
    let reply = get(app, "/users/1/@activity?limit=5").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "<ul data-user=\"1\" data-limit=\"5\"></ul>");
}

#[tokio::test]
async fn an_extractor_rejection_answers_with_its_response_and_runs_no_slot() {
    let (app, calls) = user_app();
    let reply = get(app.clone(), "/users/abc").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body.contains("Cannot parse"),
        "axum's own rejection text: {:?}",
        reply.body
    );
    let reply = get(app.clone(), "/users/1?limit=lots").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = get(app, "/users/abc/@profile").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a rejected request must not run slot bodies"
    );
}

// --- Slots in other modules, layouts without children --------------------------------------

mod pages {
    use super::*;

    #[layout("/", slots(sidebar))]
    pub(crate) async fn home(sidebar: Fragment) -> Html<String> {
        Html(format!("<aside>{sidebar}</aside>"))
    }

    pub(crate) mod widgets {
        use super::*;

        #[slot(super::home, sidebar)]
        async fn sidebar() -> &'static str {
            "categories"
        }
    }
}

mod products {
    use super::*;

    #[layout("/shop", slots(categories, list))]
    pub(crate) async fn shop(categories: Fragment, list: Fragment) -> Html<String> {
        Html(format!("<nav>{categories}</nav><main>{list}</main>"))
    }
}

#[slot(crate::products::shop, categories)]
async fn categories() -> &'static str {
    "books"
}

#[slot(products::shop, list)]
async fn product_list() -> &'static str {
    "a book"
}

#[tokio::test]
async fn slots_can_live_in_other_modules() {
    let app = Router::new()
        .merge(pages::home::router())
        .merge(products::shop::router());
    assert_eq!(
        get(app.clone(), "/").await.body,
        "<aside>categories</aside>"
    );
    assert_eq!(get(app.clone(), "/@sidebar").await.body, "categories");
    assert_eq!(
        get(app.clone(), "/shop").await.body,
        "<nav>books</nav><main>a book</main>"
    );
    // A layout without `children` serves no `@children` endpoint.
    assert_eq!(
        get(app, "/shop/@children").await.status,
        StatusCode::NOT_FOUND
    );
}

// --- maud (feature `maud`) -----------------------------------------------------------------

#[layout("/maud", slots(card))]
async fn maud_page(card: Fragment) -> maud::Markup {
    maud::html! { main { (card) } }
}

#[slot(maud_page, card)]
async fn maud_card() -> maud::Markup {
    let title = "<Tom & Jerry>";
    maud::html! { h2 { (title) } }
}

#[tokio::test]
async fn maud_markup_is_trusted_and_fragments_render_in_maud() {
    let reply = get(maud_page::router(), "/maud").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "<main><h2>&lt;Tom &amp; Jerry&gt;</h2></main>");
}

// --- Generated names never clash with the user's (found in review) ----------------------------

mod hygiene {
    use super::*;

    /// A state type named `S`, like the generated impls' generic parameter once was.
    #[derive(Clone)]
    pub struct S(pub &'static str);

    /// A layout named `state`, and one of its slots named `parts`: both names of generated
    /// locals.
    #[layout("/hygiene/{id}", slots(parts, started))]
    pub async fn state(parts: Fragment, started: Fragment, State(s): State<S>) -> Html<String> {
        Html(format!("{}:{parts}:{started}", s.0))
    }

    #[slot(state, parts)]
    async fn parts(Path(id): Path<u32>, State(s): State<S>) -> String {
        format!("{id}-{}", s.0)
    }

    #[slot(state, started)]
    async fn started(Path(delivery): Path<u32>) -> String {
        format!("started {delivery}")
    }
}

#[tokio::test]
async fn generated_locals_do_not_shadow_user_functions_or_types() {
    let app: Router = hygiene::state::router().with_state(hygiene::S("s"));
    let reply = get(app, "/hygiene/4").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "s:4-s:started 4")
    );
}

#[layout("/raw", slots(r#type))]
async fn raw(r#type: Fragment) -> Html<String> {
    Html(format!("<p>{type}</p>", type = r#type))
}

#[slot(raw, r#type)]
async fn raw_type() -> &'static str {
    "kind"
}

#[tokio::test]
async fn a_slot_named_with_a_raw_identifier_is_served_at_its_plain_name() {
    assert_eq!(get(raw::router(), "/raw").await.body, "<p>kind</p>");
    assert_eq!(get(raw::router(), "/raw/@type").await.body, "kind");
}

// --- `state = T`: an extractor implemented only for the app's state -------------------------

#[derive(Clone)]
struct GreetingState {
    greeting: &'static str,
}

/// Implemented for `GreetingState` alone, so the macros need `state = GreetingState` to check it.
struct Greeting(&'static str);

impl axum::extract::FromRequestParts<GreetingState> for Greeting {
    type Rejection = StatusCode;

    async fn from_request_parts(
        _: &mut axum::http::request::Parts,
        state: &GreetingState,
    ) -> Result<Self, StatusCode> {
        Ok(Greeting(state.greeting))
    }
}

#[layout("/greeting", slots(hello), state = GreetingState)]
async fn greeting(hello: Fragment, Greeting(greeting): Greeting) -> Html<String> {
    Html(format!("<h1>{greeting}</h1>{hello}"))
}

#[slot(greeting, hello, state = GreetingState)]
async fn greeting_hello(Greeting(greeting): Greeting) -> String {
    format!("{greeting} from a slot")
}

#[tokio::test]
async fn an_extractor_of_the_apps_own_state_is_served_with_state_t() {
    let app = Router::new()
        .merge(greeting::router())
        .with_state(GreetingState { greeting: "hi" });
    let reply = get(app.clone(), "/greeting").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "<h1>hi</h1>hi from a slot")
    );
    assert_eq!(get(app, "/greeting/@hello").await.body, "hi from a slot");
}
