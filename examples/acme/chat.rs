//! `/chat`: the explainer's split-screen chat — the conversations on one side (`@list`), the
//! current one on the other (`children`: a page per conversation, and a default "pick a
//! conversation" pane), and a form that posts a message (a plain axum `POST` handler beside
//! the page, then a redirect back).
//!
//! With htmx on the page the form posts with `hx-post`, and the handler redirects htmx to the
//! page's own fragment, `/chat/{id}/@children`: the conversation pane (its messages, the form
//! again, a refusal's reason) is swapped in place, without the rest of the page; after a
//! message is written, the pane asks for `@list` once (`hx-trigger="load"`), whose counts
//! have changed. Without JavaScript it is the same form, post/redirect/get.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parallel_routes::TemplateError;
use parallel_routes::prelude::*;
use serde::Deserialize;

use super::{AppState, site};

/// The longest message the form accepts, in characters.
pub const MAX_MESSAGE: usize = 500;

#[derive(Template)]
#[template(path = "app/chat.html")]
struct Page {
    list: Fragment,
    children: Fragment,
}

/// The chat: the list of conversations beside the current one.
#[layout("/chat", slots(list), parent = site, routes("/{id}"), targets(children = "#current"))]
pub async fn chat(list: Fragment, children: Fragment) -> Result<Html<String>, TemplateError> {
    Ok(Html(Page { list, children }.render()?))
}

#[derive(Template)]
#[template(path = "app/chat_list.html")]
struct List {
    items: Vec<(chat::Route, String, i64, bool)>,
}

/// `@list/default.tsx`: the conversations with their message counts (a join and a count), the
/// current one marked from the route.
#[slot(chat, list, default)]
async fn list(State(state): State<AppState>, at: chat::Route) -> Result<Fragment, Failure> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT conversations.id, conversations.title, COUNT(messages.id)
         FROM conversations LEFT JOIN messages ON messages.conversation_id = conversations.id
         GROUP BY conversations.id ORDER BY conversations.id",
    )
    .fetch_all(&state.db)
    .await?;
    let items = rows
        .into_iter()
        .map(|(id, title, count)| {
            let route = chat::Route::Id { id: id.to_string() };
            let current = route == at;
            (route, title, count, current)
        })
        .collect();
    Ok(Fragment::template(&List { items })?)
}

/// `default.tsx` of the current pane: no conversation picked.
#[page(chat)]
async fn pick() -> (Head, Html<&'static str>) {
    let html = Html("<h2>Pick a conversation</h2><p>Choose one on the left.</p>");
    (crate::acme::title("Chat"), html)
}

/// A message, as shown.
#[derive(sqlx::FromRow)]
struct Message {
    author: String,
    body: String,
    sent_at: String,
}

#[derive(Template)]
#[template(path = "app/conversation.html")]
struct Conversation {
    title: String,
    messages: Vec<Message>,
    error: Option<&'static str>,
    action: String,
    max: usize,
    /// Written just now, through htmx: the pane refreshes the list's counts.
    sent: bool,
    /// The list's fragment endpoint.
    list: String,
}

/// What the form's redirect says went wrong (`?error=empty`).
#[derive(Deserialize)]
pub struct Refused {
    error: Option<String>,
    /// Set by the redirect after htmx posted a message.
    #[serde(default)]
    sent: bool,
}

/// `[id]/page.tsx`: a conversation's messages and the form. An unknown id is a 404 (an
/// `Interrupt` from the page that loads it), an id that is not a number axum's 400, a
/// database error the page's fallback: `Failure` takes all three with `?`.
#[page(chat, route = "/{id}")]
async fn conversation(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(refused): Query<Refused>,
) -> Result<(Head, Fragment), Failure> {
    let title: Option<String> = sqlx::query_scalar("SELECT title FROM conversations WHERE id = ?")
        .bind(id)
        .fetch_optional(&state.db)
        .await?;
    let Some(title) = title else {
        return Err(Interrupt::not_found().into());
    };
    let messages = sqlx::query_as::<_, Message>(
        "SELECT author, body, sent_at FROM messages WHERE conversation_id = ? ORDER BY id",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    let error = match refused.error.as_deref() {
        Some("empty") => Some("Write something first."),
        Some("too-long") => Some("That message is too long (500 characters at most)."),
        _ => None,
    };
    let route = chat::Route::Id { id: id.to_string() };
    let action = format!("{route}/messages");
    let head = crate::acme::title(&title);
    let html = Fragment::template(&Conversation {
        title,
        messages,
        error,
        action,
        max: MAX_MESSAGE,
        sent: refused.sent,
        list: format!("{route}/@list"),
    })?;
    Ok((head, html))
}

/// The form's fields.
#[derive(Deserialize)]
pub struct NewMessage {
    body: String,
}

/// `POST /chat/{id}/messages`: writes the message and redirects back to the conversation
/// (post/redirect/get); an empty or oversized message writes nothing and redirects back with
/// the reason, which the page shows above the form again; an unknown conversation is a 404.
/// Posted by htmx (`HX-Request`), the redirect is to the conversation's fragment, which htmx
/// swaps into the pane.
pub async fn post_message(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(message): Form<NewMessage>,
) -> Response {
    let page = chat::Route::Id { id: id.to_string() }.to_string();
    let htmx = headers
        .get("hx-request")
        .is_some_and(|value| value == "true");
    let back = |query: &str| {
        let to = match (htmx, query) {
            (true, "") => format!("{page}/@children?sent=true"),
            (true, query) => format!("{page}/@children?{query}"),
            (false, "") => page.clone(),
            (false, query) => format!("{page}?{query}"),
        };
        Redirect::to(&to).into_response()
    };
    let body = message.body.trim();
    if body.is_empty() {
        return back("error=empty");
    }
    if body.chars().count() > MAX_MESSAGE {
        return back("error=too-long");
    }
    let inserted = sqlx::query(
        "INSERT INTO messages (conversation_id, author, body)
         SELECT id, 'You', ? FROM conversations WHERE id = ?",
    )
    .bind(body)
    .bind(id)
    .execute(&state.db)
    .await;
    match inserted {
        Ok(done) if done.rows_affected() == 1 => back(""),
        Ok(_) => axum::http::StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "writing a chat message failed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
