//! `/blog/{slug}`: the explainer's blog post with *related articles* (posts sharing a tag: a
//! join) and *popular posts* (by views) beside it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use parallel_routes::TemplateError;
use parallel_routes::prelude::*;

use super::{AppState, site};

#[derive(Template)]
#[template(path = "app/post.html")]
struct Page {
    related: Fragment,
    popular: Fragment,
    children: Fragment,
}

/// A post: the article beside its related and popular posts.
#[layout("/blog/{slug}", slots(related, popular), parent = site, targets(children = "#post"))]
pub async fn post(
    related: Fragment,
    popular: Fragment,
    children: Fragment,
) -> Result<Html<String>, TemplateError> {
    Ok(Html(
        Page {
            related,
            popular,
            children,
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "app/post_list.html")]
struct PostList {
    heading: &'static str,
    posts: Vec<(site::Route, String)>,
}

fn post_list(heading: &'static str, rows: Vec<(String, String)>) -> Result<Fragment, Failure> {
    let posts = rows
        .into_iter()
        .map(|(slug, title)| (site::Route::Post { slug }, title))
        .collect();
    Ok(Fragment::template(&PostList { heading, posts })?)
}

/// `@related`: other posts sharing a tag with this one, most shared tags first.
#[slot(post, related)]
async fn related(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Fragment, Failure> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT other.slug, other.title
         FROM posts this
         JOIN post_tags mine ON mine.post_id = this.id
         JOIN post_tags theirs ON theirs.tag = mine.tag AND theirs.post_id != this.id
         JOIN posts other ON other.id = theirs.post_id
         WHERE this.slug = ?
         GROUP BY other.id ORDER BY COUNT(*) DESC, other.title LIMIT 3",
    )
    .bind(slug)
    .fetch_all(&state.db)
    .await?;
    post_list("Related articles", rows)
}

/// `@popular`: the most viewed posts, whatever the page (no arguments but the state).
#[slot(post, popular)]
async fn popular(State(state): State<AppState>) -> Result<Fragment, Failure> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT slug, title FROM posts ORDER BY views DESC LIMIT 3")
            .fetch_all(&state.db)
            .await?;
    post_list("Popular posts", rows)
}

/// `page.tsx`: the post itself; an unknown slug is a 404. Counts the view.
#[page(post)]
async fn article(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<(Head, Html<String>), Failure> {
    let found: Option<(String, String)> =
        sqlx::query_as("UPDATE posts SET views = views + 1 WHERE slug = ? RETURNING title, body")
            .bind(&slug)
            .fetch_optional(&state.db)
            .await?;
    let Some((title, body)) = found else {
        return Err(Interrupt::not_found().into());
    };
    // The post's own title and summary, for the tab and for link previews.
    let summary: String = body.chars().take(150).collect();
    let head = crate::acme::title(&title).meta("description", summary);
    let html = format!(
        "<h2>{}</h2><p>{}</p>",
        Fragment::text(title),
        Fragment::text(body)
    );
    Ok((head, Html(html)))
}
