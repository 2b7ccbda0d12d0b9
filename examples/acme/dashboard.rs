//! `/dashboard`: the explainer's dashboard with widgets — *Latest news* (streamed behind a
//! skeleton) and *Recent transactions* (with an error boundary), each a real query.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use parallel_routes::TemplateError;
use parallel_routes::prelude::*;

use super::{AppState, site};

#[derive(Template)]
#[template(path = "app/dashboard.html")]
struct Page {
    news: Fragment,
    transactions: Fragment,
    children: Fragment,
}

/// The dashboard: its two widgets around its page.
#[layout("/dashboard", slots(news, transactions), parent = site, targets(children = "#overview"))]
pub async fn dashboard(
    news: Fragment,
    transactions: Fragment,
    children: Fragment,
) -> Result<Html<String>, TemplateError> {
    Ok(Html(
        Page {
            news,
            transactions,
            children,
        }
        .render()?,
    ))
}

/// A news item with its author (a join).
#[derive(sqlx::FromRow)]
struct NewsItem {
    title: String,
    author: String,
    published_at: String,
}

#[derive(Template)]
#[template(path = "app/news.html")]
struct News {
    items: Vec<NewsItem>,
}

fn news_skeleton() -> Html<&'static str> {
    Html(
        r#"<h2>Latest news</h2><ul><li class="skeleton"></li><li class="skeleton"></li><li class="skeleton"></li></ul>"#,
    )
}

/// `@news`: the five latest items, streamed (a slow news service would be here).
#[slot(dashboard, news, loading = news_skeleton)]
async fn news(State(state): State<AppState>) -> Result<Fragment, Failure> {
    let items = sqlx::query_as::<_, NewsItem>(
        "SELECT news.title, authors.name AS author, news.published_at
         FROM news JOIN authors ON authors.id = news.author_id
         ORDER BY news.published_at DESC LIMIT 5",
    )
    .fetch_all(&state.db)
    .await?;
    Ok(Fragment::template(&News { items })?)
}

/// A transaction with its account (a join), its amount formatted.
struct Transaction {
    description: String,
    account: String,
    amount: String,
}

/// An account's total (a sum).
struct Total {
    account: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "app/transactions.html")]
struct Transactions {
    recent: Vec<Transaction>,
    totals: Vec<Total>,
}

/// `€12.50`, `−€3.00`.
pub(crate) fn money(cents: i64) -> String {
    let sign = if cents < 0 { "−" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}€{}.{:02}", cents / 100, cents % 100)
}

fn transactions_error(_: &SlotError) -> Html<&'static str> {
    Html(
        r#"<h2>Recent transactions</h2><p role="alert">Transactions are unavailable right now.</p>"#,
    )
}

/// `@transactions`: the five latest transactions and each account's balance; a database error
/// renders the fallback, not a failed page.
#[slot(dashboard, transactions, error = transactions_error)]
async fn transactions(State(state): State<AppState>) -> Result<Fragment, Failure> {
    let recent: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT transactions.description, accounts.name, transactions.amount_cents
         FROM transactions JOIN accounts ON accounts.id = transactions.account_id
         ORDER BY transactions.booked_at DESC LIMIT 5",
    )
    .fetch_all(&state.db)
    .await?;
    let totals: Vec<(String, i64)> = sqlx::query_as(
        "SELECT accounts.name, SUM(transactions.amount_cents)
         FROM accounts JOIN transactions ON transactions.account_id = accounts.id
         GROUP BY accounts.id ORDER BY accounts.name",
    )
    .fetch_all(&state.db)
    .await?;
    let page = Transactions {
        recent: recent
            .into_iter()
            .map(|(description, account, cents)| Transaction {
                description,
                account,
                amount: money(cents),
            })
            .collect(),
        totals: totals
            .into_iter()
            .map(|(account, cents)| Total {
                account,
                amount: money(cents),
            })
            .collect(),
    };
    Ok(Fragment::template(&page)?)
}

/// The dashboard's page.
#[page(dashboard)]
async fn overview() -> (Head, Html<&'static str>) {
    let html =
        Html("<h2>Overview</h2><p>Both widgets read SQLite; the news arrive after the page.</p>");
    (crate::acme::title("Dashboard"), html)
}
