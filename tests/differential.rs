//! Differential test of streaming in a real browser: a streamed page, once Chromium has run its
//! swap scripts, must have the same DOM as the same page rendered buffered.
//!
//! Three layouts render the same runtime-chosen case: `/buffered/{case}` (no slot has
//! `loading`), `/ooo/{case}` (every slot has `loading`, out of order: the default) and
//! `/inorder/{case}` (`stream = in_order`). A case is a valid HTML document with holes for five
//! slots — `row` (in table sections), `item` (in lists), `option` (in selects), `inline` (in
//! phrasing content) and `block` (in flow content) — each slot's content and its delay (0: done
//! before the shell goes out; else 2–40 ms). Some cases are fixed, one per known defect, each
//! named in the failure message; the rest come from a seeded generator: tables with and without
//! `<tbody>`, with `<caption>`, `<thead>` and `<tfoot>` siblings; lists; selects; text in `<p>`;
//! neighbours with attributes; a slot printed twice (mobile and desktop nav); app
//! `<script data-app>`, `<style>`, `<template>` and comments beside the slots; documents with and
//! without `</body>` and `</html>`; app elements with ids like the stream's (`id="pr-1"`,
//! `id="prc-2"`); a JSON `<script data-app>` holding the text `</body>`; contents of several
//! elements.
//!
//! `tests/browser/dom.mjs` (Playwright driving Debian's headless Chromium) loads each URL,
//! waits for the load event (a streamed page's fires when its stream ends, after every swap
//! script ran), removes the framework's own scripts (every `<script>` without `data-app`) and
//! prints `document.documentElement.outerHTML`; the test compares the DOMs and fails on any
//! difference, console error or page error. The first few differences are printed in full,
//! and every failing case's three DOMs are written one tag a line, ready for `diff`.
//!
//! Every failing case is listed by label (`fixed-3`, `random-17`), with its DOMs in
//! `target/tmp/differential/<label>.{buffered,ooo,inorder}.html`. The harness checks itself:
//! the buffered DOM must hold each slot's content verbatim (so the generator wrote HTML that is
//! valid where it is printed), and two control cases must pass (no slot pending at the shell;
//! one plain pending slot).
//!
//! Settings (environment): `DIFF_SEED` (default fixed), `DIFF_CASES` (random cases, default
//! 300, about 30 s here), `DIFF_ONLY=N` (random case N alone, with the fixed ones),
//! `DIFF_SHOW` (how many failures to print in full, default 3), `DOM_PAGES` (tabs at once,
//! default 4). A longer run:
//!
//! ```sh
//! DIFF_CASES=5000 cargo test -p parallel-routes-tests --test differential -- --nocapture
//! ```
//!
//! Needs Debian's `chromium`, Node.js and `npm ci --prefix tests/browser` (`scripts/test.sh`
//! installs them): without one the test fails, saying what to install, unless
//! `SKIP_BROWSER_TESTS=1` is set (see [`parallel_routes_tests::chromium`]).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::serve::ListenerExt;
use parallel_routes::prelude::*;
use parallel_routes_tests::chromium::{self, Answer as Loaded, Browser, Job};
use tokio::net::TcpListener;

// --- The slots ------------------------------------------------------------------------------

/// The five slot kinds, in the order of each layout's `slots(...)` (so the stream numbers them
/// 0 to 4: `row` is `pr-0`, `item` is `pr-1`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Table rows: printed in `<table>`, `<thead>` or `<tbody>`.
    Row,
    /// List items: printed in `<ul>`, `<ol>` or `<menu>`.
    Item,
    /// Options: printed in `<select>` or `<optgroup>`.
    Option,
    /// Phrasing content: printed in `<p>`, headings, `<label>`.
    Inline,
    /// Flow content: printed in `<div>`, `<section>`, `<main>`, `<li>`.
    Block,
}

/// Every kind, in slot order.
const KINDS: [Kind; 5] = [
    Kind::Row,
    Kind::Item,
    Kind::Option,
    Kind::Inline,
    Kind::Block,
];

impl Kind {
    /// The slot's name, as in `slots(...)`.
    fn name(self) -> &'static str {
        match self {
            Kind::Row => "row",
            Kind::Item => "item",
            Kind::Option => "option",
            Kind::Inline => "inline",
            Kind::Block => "block",
        }
    }

    /// The slot's place in a case's template.
    fn hole(self) -> String {
        format!("@@{}@@", self.name())
    }
}

/// One page to render three ways.
struct Case {
    /// What the failure message calls it.
    name: String,
    /// A short name for its files: `fixed-3`, `random-17`.
    label: String,
    /// Fixed cases must pass once the swap defects are fixed; controls pass today too.
    control: bool,
    /// The document, with `@@row@@`, `@@item@@`, … where the slots go.
    template: String,
    /// Each slot's content, in [`KINDS`] order.
    contents: [String; 5],
    /// Each slot's delay in ms, in [`KINDS`] order; 0: done before the shell goes out.
    delays: [u64; 5],
}

/// Every case of the run, indexed by the layouts' `{case}`.
struct Cases(Vec<Case>);

/// Fills `template`'s holes with `fragments` (in [`KINDS`] order), in one pass.
fn fill(template: &str, fragments: &[String; 5]) -> String {
    let mut page = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(at) = rest.find("@@") {
        page.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let hole = KINDS.iter().position(|kind| {
            after
                .strip_prefix(kind.name())
                .is_some_and(|tail| tail.starts_with("@@"))
        });
        match hole {
            Some(index) => {
                page.push_str(&fragments[index]);
                rest = &after[KINDS[index].name().len() + 2..];
            }
            None => {
                page.push_str("@@");
                rest = after;
            }
        }
    }
    page.push_str(rest);
    page
}

/// What every layout does: the case's template, filled with the slots' fragments.
fn render(cases: &Cases, case: usize, fragments: [&Fragment; 5]) -> Html<String> {
    let Some(case) = cases.0.get(case) else {
        return Html(String::from("<!doctype html><p>no such case</p>"));
    };
    Html(fill(&case.template, &fragments.map(ToString::to_string)))
}

/// What every slot handler does: waits the case's delay for that slot, then returns its content.
async fn slot_content(cases: &Cases, case: usize, kind: Kind) -> Html<String> {
    let Some(case) = cases.0.get(case) else {
        return Html(String::new());
    };
    let index = kind as usize;
    // A zero delay returns at once (a zero `sleep` would still wait for a timer tick).
    if case.delays[index] > 0 {
        tokio::time::sleep(Duration::from_millis(case.delays[index])).await;
    }
    Html(case.contents[index].clone())
}

/// The `row` slot's skeleton: valid where a row is.
fn row_skeleton() -> Html<&'static str> {
    Html("<tr><td>loading</td></tr>")
}

/// The `item` slot's skeleton: valid where a list item is.
fn item_skeleton() -> Html<&'static str> {
    Html("<li>loading</li>")
}

/// The `option` slot's skeleton: valid where an option is.
fn option_skeleton() -> Html<&'static str> {
    Html("<option>loading</option>")
}

/// The `inline` slot's skeleton: valid in phrasing content.
fn inline_skeleton() -> Html<&'static str> {
    Html("<span>loading</span>")
}

/// The `block` slot's skeleton: valid in flow content.
fn block_skeleton() -> Html<&'static str> {
    Html("<div>loading</div>")
}

#[layout("/buffered/{case}", slots(row, item, option, inline, block))]
async fn buffered(
    row: Fragment,
    item: Fragment,
    option: Fragment,
    inline: Fragment,
    block: Fragment,
    State(cases): State<Arc<Cases>>,
    Path(case): Path<usize>,
) -> Html<String> {
    render(&cases, case, [&row, &item, &option, &inline, &block])
}

#[layout("/ooo/{case}", slots(row, item, option, inline, block))]
async fn ooo(
    row: Fragment,
    item: Fragment,
    option: Fragment,
    inline: Fragment,
    block: Fragment,
    State(cases): State<Arc<Cases>>,
    Path(case): Path<usize>,
) -> Html<String> {
    render(&cases, case, [&row, &item, &option, &inline, &block])
}

#[layout("/inorder/{case}", slots(row, item, option, inline, block), stream = in_order)]
async fn inorder(
    row: Fragment,
    item: Fragment,
    option: Fragment,
    inline: Fragment,
    block: Fragment,
    State(cases): State<Arc<Cases>>,
    Path(case): Path<usize>,
) -> Html<String> {
    render(&cases, case, [&row, &item, &option, &inline, &block])
}

/// One thin handler per slot of `$layout` (a `#[slot]` registers for one layout only), each
/// named after its slot, with an optional `loading` skeleton.
macro_rules! slot_handlers {
    ($layout:ident { $( $slot:ident: $kind:ident $(, loading = $skeleton:ident)?; )* }) => {
        $(
            #[doc = concat!("The `", stringify!($slot), "` slot of `", stringify!($layout), "`.")]
            #[slot(crate::$layout, $slot $(, loading = $skeleton)?)]
            async fn $slot(State(cases): State<Arc<Cases>>, Path(case): Path<usize>) -> Html<String> {
                slot_content(&cases, case, Kind::$kind).await
            }
        )*
    };
}

/// The buffered layout's slots: no `loading`.
mod buffered_slots {
    use super::*;

    slot_handlers!(buffered {
        row: Row;
        item: Item;
        option: Option;
        inline: Inline;
        block: Block;
    });
}

/// The out-of-order layout's slots: every one streams behind its skeleton.
mod ooo_slots {
    use super::*;

    slot_handlers!(ooo {
        row: Row, loading = row_skeleton;
        item: Item, loading = item_skeleton;
        option: Option, loading = option_skeleton;
        inline: Inline, loading = inline_skeleton;
        block: Block, loading = block_skeleton;
    });
}

/// The in-order layout's slots: every one streams.
mod inorder_slots {
    use super::*;

    slot_handlers!(inorder {
        row: Row, loading = row_skeleton;
        item: Item, loading = item_skeleton;
        option: Option, loading = option_skeleton;
        inline: Inline, loading = inline_skeleton;
        block: Block, loading = block_skeleton;
    });
}

/// The three layouts, over `cases`.
fn app(cases: Arc<Cases>) -> Router {
    Router::new()
        .merge(buffered::router())
        .merge(ooo::router())
        .merge(inorder::router())
        // No console error for a favicon the browser may ask for.
        .route(
            "/favicon.ico",
            axum::routing::get(|| async { StatusCode::NO_CONTENT }),
        )
        .with_state(cases)
}

// --- Fixed cases ----------------------------------------------------------------------------

/// A document around `body`, with or without the closing `</body></html>`.
fn document(title: &str, body: &str, closed: bool) -> String {
    let end = if closed { "\n</body>\n</html>\n" } else { "\n" };
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n{body}{end}"
    )
}

/// A case whose slots not named in `slots` are empty, unprinted and done before the shell.
fn fixed(name: &str, control: bool, template: String, slots: &[(Kind, &str, u64)]) -> Case {
    let mut contents: [String; 5] = Default::default();
    let mut delays = [0; 5];
    for &(kind, content, delay) in slots {
        contents[kind as usize] = content.to_owned();
        delays[kind as usize] = delay;
    }
    for kind in KINDS {
        assert!(
            template.contains(&kind.hole()) || delays[kind as usize] == 0,
            "{name}: an unprinted slot must be done before the shell"
        );
    }
    Case {
        name: name.to_owned(),
        label: String::new(),
        control,
        template,
        contents,
        delays,
    }
}

/// The known defects, one case each, and two controls that pass when the harness is sound.
fn fixed_cases(seed: u64) -> Vec<Case> {
    let rows = "<tr><td>row one</td></tr><tr><td>row two</td></tr>";
    let items = "<li>one</li><li class=\"second\">two</li>";
    let json = "<script data-app=\"\" type=\"application/json\">{\"x\":\"</body>\"}</script><p>after the json</p>";
    let head = "<thead><tr><th>head</th></tr></thead>";
    let foot = "<tfoot><tr><td>foot</td></tr></tfoot>";
    let navs = "<nav class=\"mobile\"><ul>@@item@@</ul></nav>\n<main>@@block@@</main>\n<nav class=\"desktop\"><ul>@@item@@</ul></nav>";
    let mut control = random_case(seed, usize::MAX);
    control.name = "control: every slot done before the shell (one write, no script)".into();
    control.control = true;
    control.delays = [0; 5];
    let mut cases = vec![
        control,
        fixed(
            "control: one pending block slot in a plain <main>",
            true,
            document("control", "<main>@@block@@</main>", true),
            &[(Kind::Block, "<p>block content</p><div>more</div>", 20)],
        ),
        fixed(
            "(a) an app <li id=\"pr-1\"> beside the streamed item slot (its skeleton must go, the app li stay)",
            false,
            document(
                "a",
                "<ul class=\"nav\"><li id=\"pr-1\">app item</li>@@item@@</ul>",
                true,
            ),
            &[(Kind::Item, items, 20)],
        ),
        fixed(
            "(b) a pending <tr> slot in a <table> without <tbody>, before <tfoot> (the tfoot must stay)",
            false,
            document(
                "b",
                &format!("<table>{head}@@row@@{foot}</table><p>after the table</p>"),
                true,
            ),
            &[(Kind::Row, rows, 20)],
        ),
        fixed(
            "(b) a pending <tr> slot in a <table> with <tbody>, before <tfoot> (the tfoot must stay)",
            false,
            document(
                "b",
                &format!("<table>{head}<tbody>@@row@@</tbody>{foot}</table><p>after the table</p>"),
                true,
            ),
            &[(Kind::Row, rows, 20)],
        ),
        fixed(
            "(c) the item slot printed twice (mobile and desktop nav), done before the shell, beside a pending slot",
            false,
            document("c", navs, true),
            &[(Kind::Item, items, 0), (Kind::Block, "<p>main</p>", 20)],
        ),
        fixed(
            "(c) the item slot printed twice (mobile and desktop nav), pending",
            false,
            document("c", navs, true),
            &[(Kind::Item, items, 20), (Kind::Block, "<p>main</p>", 0)],
        ),
        fixed(
            "(d) a slot's JSON <script> holding </body>, done before the shell, in a layout without </body>",
            false,
            document("d", "<main>@@block@@</main>\n<ul>@@item@@</ul>", false),
            &[(Kind::Block, json, 0), (Kind::Item, items, 20)],
        ),
        fixed(
            "(d) a slot's JSON <script> holding </body>, done before the shell, in a layout with </body>",
            false,
            document("d", "<main>@@block@@</main>\n<ul>@@item@@</ul>", true),
            &[(Kind::Block, json, 0), (Kind::Item, items, 20)],
        ),
        fixed(
            "(d) the layout's own JSON <script> holding </body>, after a pending slot, without </body>",
            false,
            document(
                "d",
                "<ul>@@item@@</ul>\n<script data-app=\"\" type=\"application/json\">{\"x\":\"</body>\"}</script>",
                false,
            ),
            &[(Kind::Item, items, 20)],
        ),
    ];
    for (index, case) in cases.iter_mut().enumerate() {
        case.label = format!("fixed-{index}");
    }
    cases
}

// --- Random cases ---------------------------------------------------------------------------

/// SplitMix64: small, seedable, good enough to pick HTML.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

const WORDS: [&str; 12] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima",
];

/// Builds one random case. Everything it writes is in the form Chromium serialises it back
/// (attributes quoted, `data-app=""`), so the harness can check that the buffered DOM holds
/// every slot's content verbatim: proof that the content is valid where it is printed.
struct Generator {
    rng: Rng,
    /// App ids that look like the stream's, not used yet in this document.
    lookalikes: Vec<&'static str>,
    /// A counter for unique names.
    serial: usize,
}

impl Generator {
    fn word(&mut self) -> &'static str {
        self.rng.pick(&WORDS)
    }

    fn serial(&mut self) -> usize {
        self.serial += 1;
        self.serial
    }

    /// ` class="…"`, ` data-n="…"`, ` title="…"`, or nothing.
    fn attributes(&mut self) -> String {
        let mut attributes = String::new();
        if self.rng.chance(40) {
            let _ = write!(attributes, " class=\"{} c{}\"", self.word(), self.serial());
        }
        if self.rng.chance(20) {
            let _ = write!(attributes, " data-n=\"{}\"", self.serial());
        }
        if self.rng.chance(10) {
            let _ = write!(attributes, " title=\"{} {}\"", self.word(), self.word());
        }
        attributes
    }

    /// Now and then, an app id that looks like one of the stream's (`pr-1`, `prc-2`, …), each
    /// once per document.
    fn lookalike(&mut self) -> Option<&'static str> {
        if self.lookalikes.is_empty() || !self.rng.chance(35) {
            return None;
        }
        let at = self.rng.below(self.lookalikes.len());
        Some(self.lookalikes.swap_remove(at))
    }

    fn text(&mut self) -> String {
        let words = 1 + self.rng.below(3);
        (0..words)
            .map(|_| self.word())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn comment(&mut self) -> String {
        match self.rng.below(6) {
            // Comments that look like the stream's own markers.
            0 => format!("<!--/pr-{}-->", self.rng.below(5)),
            1 => format!("<!--pr-{}-->", self.rng.below(5)),
            _ => format!("<!-- note {} -->", self.serial()),
        }
    }

    /// An app script; now and then the JSON one.
    fn app_script(&mut self) -> String {
        if self.rng.chance(15) {
            json_script()
        } else {
            format!(
                "<script data-app=\"\">window.appScripts = (window.appScripts || 0) + {};</script>",
                self.serial()
            )
        }
    }

    /// Something an app puts in flow content beside a slot.
    fn flow_decoration(&mut self) -> String {
        match self.rng.below(9) {
            0 => self.comment(),
            1 => self.app_script(),
            2 if self.rng.chance(40) => json_script(),
            3 => format!("<style>.c{} {{ color: red; }}</style>", self.rng.below(50)),
            4 => format!(
                "<template id=\"app-template-{}\"><p>{}</p><li>{}</li></template>",
                self.serial(),
                self.word(),
                self.word()
            ),
            5 => match self.lookalike() {
                Some(id) => format!("<div id=\"{id}\">app {}</div>", self.word()),
                None => String::new(),
            },
            6 => format!("<p{}>{}</p>", self.attributes(), self.text()),
            _ => String::new(),
        }
    }

    /// Something an app puts beside a slot inside a list.
    fn list_decoration(&mut self) -> String {
        match self.rng.below(7) {
            0 => self.comment(),
            1 => self.app_script(),
            2 => format!("<template><li>{}</li></template>", self.word()),
            3 => match self.lookalike() {
                Some(id) => format!("<li id=\"{id}\">app {}</li>", self.word()),
                None => String::new(),
            },
            4 | 5 => format!("<li{}>{}</li>", self.attributes(), self.text()),
            _ => String::new(),
        }
    }

    /// Something an app puts beside a slot among table rows.
    fn table_decoration(&mut self) -> String {
        match self.rng.below(7) {
            0 => self.comment(),
            1 => self.app_script(),
            2 => format!("<template><tr><td>{}</td></tr></template>", self.word()),
            3 => match self.lookalike() {
                Some(id) => format!("<tr id=\"{id}\"><td>app {}</td></tr>", self.word()),
                None => String::new(),
            },
            4 | 5 => format!("<tr{}><td>{}</td></tr>", self.attributes(), self.text()),
            _ => String::new(),
        }
    }

    /// Something an app puts beside a slot among options.
    fn select_decoration(&mut self) -> String {
        match self.rng.below(6) {
            0 => self.comment(),
            1 => format!(
                "<script data-app=\"\">window.appScripts = (window.appScripts || 0) + {};</script>",
                self.serial()
            ),
            2 => match self.lookalike() {
                Some(id) => format!("<option id=\"{id}\">app {}</option>", self.word()),
                None => String::new(),
            },
            3 | 4 => format!("<option{}>{}</option>", self.attributes(), self.word()),
            _ => String::new(),
        }
    }

    /// Something an app puts beside a slot in phrasing content.
    fn inline_decoration(&mut self) -> String {
        match self.rng.below(7) {
            0 => self.comment(),
            1 => format!(
                "<script data-app=\"\">window.appScripts = (window.appScripts || 0) + {};</script>",
                self.serial()
            ),
            2 => match self.lookalike() {
                Some(id) => format!("<span id=\"{id}\">app {}</span>", self.word()),
                None => String::new(),
            },
            3 => format!("<b{}>{}</b> ", self.attributes(), self.word()),
            4 => format!("{} ", self.text()),
            _ => String::new(),
        }
    }

    /// `before` hole `after`, each side 0–2 decorations; sometimes on separate lines.
    fn around(&mut self, hole: &str, decorate: fn(&mut Self) -> String) -> String {
        let newline = if self.rng.chance(25) { "\n" } else { "" };
        let mut out = String::new();
        for _ in 0..self.rng.below(3) {
            out.push_str(&decorate(self));
            out.push_str(newline);
        }
        out.push_str(hole);
        for _ in 0..self.rng.below(3) {
            out.push_str(newline);
            out.push_str(&decorate(self));
        }
        out
    }

    /// A table holding the `row` hole: with or without `<tbody>`, in `<thead>` sometimes, with
    /// `<caption>`, `<colgroup>`, `<thead>` and `<tfoot>` siblings.
    fn table(&mut self) -> String {
        let hole = Kind::Row.hole();
        let mut table = format!("<table{}>", self.attributes());
        if self.rng.chance(30) {
            let _ = write!(table, "<caption>{}</caption>", self.text());
        }
        if self.rng.chance(15) {
            table.push_str("<colgroup><col span=\"2\"></colgroup>");
        }
        match self.rng.below(10) {
            // In <thead>, with a body after it.
            0 => {
                let rows = self.around(&hole, Self::table_decoration);
                let _ = write!(
                    table,
                    "<thead>{rows}</thead><tbody><tr><td>{}</td></tr></tbody>",
                    self.word()
                );
            }
            // In an explicit <tbody>, maybe after another one.
            1..=5 => {
                if self.rng.chance(40) {
                    let _ = write!(table, "<thead><tr><th>{}</th></tr></thead>", self.word());
                }
                if self.rng.chance(20) {
                    let _ = write!(table, "<tbody><tr><td>{}</td></tr></tbody>", self.word());
                }
                let rows = self.around(&hole, Self::table_decoration);
                let _ = write!(table, "<tbody{}>{rows}</tbody>", self.attributes());
            }
            // Straight in <table>: the parser makes the <tbody>.
            _ => {
                if self.rng.chance(40) {
                    let _ = write!(table, "<thead><tr><th>{}</th></tr></thead>", self.word());
                }
                table.push_str(&self.around(&hole, Self::table_decoration));
            }
        }
        if self.rng.chance(50) {
            let _ = write!(table, "<tfoot><tr><td>{}</td></tr></tfoot>", self.text());
        }
        table.push_str("</table>");
        table
    }

    /// A list holding the `item` hole, in a `<nav>` sometimes.
    fn list(&mut self) -> String {
        let tag = self.rng.pick(&["ul", "ol", "menu"]);
        let items = self.around(&Kind::Item.hole(), Self::list_decoration);
        let list = format!("<{tag}{}>{items}</{tag}>", self.attributes());
        if self.rng.chance(40) {
            format!("<nav{}>{list}</nav>", self.attributes())
        } else {
            list
        }
    }

    /// A select holding the `option` hole, in an `<optgroup>` sometimes, in a form.
    fn select(&mut self) -> String {
        let options = self.around(&Kind::Option.hole(), Self::select_decoration);
        let options = if self.rng.chance(25) {
            format!("<optgroup label=\"{}\">{options}</optgroup>", self.word())
        } else {
            options
        };
        format!(
            "<form><label>{} <select name=\"s{}\"{}>{options}</select></label></form>",
            self.word(),
            self.serial(),
            self.attributes()
        )
    }

    /// Phrasing content holding the `inline` hole.
    fn inline(&mut self) -> String {
        let tag = self.rng.pick(&["p", "p", "h2", "label", "span"]);
        let text = self.around(&Kind::Inline.hole(), Self::inline_decoration);
        let inline = format!("<{tag}{}>{} {text}</{tag}>", self.attributes(), self.word());
        if tag == "span" {
            format!("<div>{inline}</div>")
        } else {
            inline
        }
    }

    /// Flow content holding the `block` hole.
    fn block(&mut self) -> String {
        let tag = self.rng.pick(&["div", "section", "article", "aside", "li"]);
        let mut inner = String::new();
        if self.rng.chance(30) && tag != "li" {
            let _ = write!(inner, "<h2>{}</h2>", self.text());
        }
        inner.push_str(&self.around(&Kind::Block.hole(), Self::flow_decoration));
        let block = format!("<{tag}{}>{inner}</{tag}>", self.attributes());
        if tag == "li" {
            format!("<ul>{block}</ul>")
        } else {
            block
        }
    }

    fn section(&mut self, kind: Kind) -> String {
        match kind {
            Kind::Row => self.table(),
            Kind::Item => self.list(),
            Kind::Option => self.select(),
            Kind::Inline => self.inline(),
            Kind::Block => self.block(),
        }
    }

    /// One to three rows, sometimes with a comment or an app script between two.
    fn rows(&mut self) -> String {
        let mut rows = Vec::new();
        for _ in 0..1 + self.rng.below(3) {
            let mut cells = String::new();
            for _ in 0..1 + self.rng.below(2) {
                let _ = write!(cells, "<td>{}</td>", self.text());
            }
            rows.push(format!("<tr{}>{cells}</tr>", self.attributes()));
        }
        let mut content = rows.remove(0);
        for row in rows {
            if self.rng.chance(25) {
                content.push_str(&self.comment());
            }
            if self.rng.chance(10) {
                content.push_str(&self.app_script());
            }
            content.push_str(&row);
        }
        content
    }

    fn items(&mut self) -> String {
        let mut items = String::new();
        for _ in 0..1 + self.rng.below(3) {
            let text = if self.rng.chance(30) {
                format!("<a href=\"#{}\">{}</a>", self.word(), self.text())
            } else {
                self.text()
            };
            let _ = write!(items, "<li{}>{text}</li>", self.attributes());
        }
        items
    }

    fn options(&mut self) -> String {
        let mut options = String::new();
        for _ in 0..1 + self.rng.below(3) {
            let word = self.word();
            let _ = write!(options, "<option value=\"{word}\">{}</option>", self.text());
        }
        options
    }

    fn phrasing(&mut self) -> String {
        let mut phrasing = String::new();
        for _ in 0..1 + self.rng.below(3) {
            match self.rng.below(6) {
                0 => {
                    let _ = write!(
                        phrasing,
                        "<span{}>{}</span>",
                        self.attributes(),
                        self.text()
                    );
                }
                1 => {
                    let _ = write!(phrasing, "<em>{}</em>", self.text());
                }
                2 => {
                    let _ = write!(
                        phrasing,
                        "<code>{} &amp; {}</code>",
                        self.word(),
                        self.word()
                    );
                }
                3 => phrasing.push_str("<br>"),
                _ => {
                    let _ = write!(phrasing, "{} ", self.text());
                }
            }
        }
        phrasing
    }

    fn flow(&mut self) -> String {
        let mut flow = String::new();
        for _ in 0..1 + self.rng.below(3) {
            match self.rng.below(8) {
                0 => {
                    let _ = write!(flow, "<div{}>{}</div>", self.attributes(), self.text());
                }
                1 => {
                    let _ = write!(
                        flow,
                        "<section><h3>{}</h3><p>{}</p></section>",
                        self.word(),
                        self.text()
                    );
                }
                2 => {
                    let _ = write!(
                        flow,
                        "<ul><li>{}</li><li>{}</li></ul>",
                        self.word(),
                        self.word()
                    );
                }
                3 if self.rng.chance(40) => flow.push_str(&json_script()),
                4 => flow.push_str(&self.app_script()),
                5 => flow.push_str(&self.comment()),
                6 => {
                    let _ = write!(flow, "<template><p>{}</p></template>", self.word());
                }
                _ => {
                    let _ = write!(flow, "<p{}>{}</p>", self.attributes(), self.text());
                }
            }
        }
        flow
    }

    fn content(&mut self, kind: Kind) -> String {
        match kind {
            Kind::Row => self.rows(),
            Kind::Item => self.items(),
            Kind::Option => self.options(),
            Kind::Inline => self.phrasing(),
            Kind::Block => self.flow(),
        }
    }

    /// 0 (done before the shell) a third of the time, else 2–40 ms.
    fn delay(&mut self) -> u64 {
        if self.rng.chance(35) {
            0
        } else {
            2 + self.rng.below(39) as u64
        }
    }
}

/// The JSON an app embeds, holding the text `</body>`.
fn json_script() -> String {
    "<script data-app=\"\" type=\"application/json\">{\"x\":\"</body>\",\"y\":[1,2]}</script>"
        .to_owned()
}

/// Random case `number` of the run seeded `seed`: every slot printed once or twice.
fn random_case(seed: u64, number: usize) -> Case {
    let mut generator = Generator {
        rng: Rng(seed ^ (number as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)),
        lookalikes: vec![
            "pr-0", "pr-1", "pr-2", "pr-3", "pr-4", "prc-0", "prc-1", "prc-2", "prc-3", "prc-4",
        ],
        serial: 0,
    };
    let g = &mut generator;
    let mut sections: Vec<String> = KINDS.iter().map(|&kind| g.section(kind)).collect();
    let mut twice = Vec::new();
    for kind in KINDS {
        if g.rng.chance(8) {
            twice.push(kind.name());
            sections.push(g.section(kind));
        }
    }
    g.rng.shuffle(&mut sections);
    if g.rng.chance(10) {
        // Mobile and desktop nav: the same slot at both ends of the page.
        twice.push("item");
        sections.insert(
            0,
            format!("<nav class=\"mobile\"><ul>{}</ul></nav>", Kind::Item.hole()),
        );
        sections.push(format!(
            "<nav class=\"desktop\"><ul>{}</ul></nav>",
            Kind::Item.hole()
        ));
    }
    let mut body = String::new();
    for section in sections {
        body.push_str(&g.flow_decoration());
        body.push_str(&section);
        body.push('\n');
    }
    body.push_str(&g.flow_decoration());
    let style = if g.rng.chance(30) {
        "<style>body { margin: 0; }</style>"
    } else {
        ""
    };
    let mut template = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>case {number}</title>{style}</head>\n<body{}>\n{body}",
        g.attributes()
    );
    let (closed_body, closed_html) = (g.rng.chance(60), g.rng.chance(60));
    if closed_body {
        template.push_str("\n</body>");
    }
    if closed_html {
        template.push_str("\n</html>");
        if g.rng.chance(20) {
            template.push_str("\n<!-- after the document -->");
        }
    }
    template.push('\n');
    let contents = KINDS.map(|kind| g.content(kind));
    let delays = KINDS.map(|_| g.delay());
    let mut name = format!("random #{number}");
    if !twice.is_empty() {
        let _ = write!(name, " (printed twice: {})", twice.join(", "));
    }
    Case {
        name,
        label: format!("random-{number}"),
        control: false,
        template,
        contents,
        delays,
    }
}

// --- The browser ----------------------------------------------------------------------------

/// Loads every URL in Chromium (`tests/browser/dom.mjs`, through
/// [`parallel_routes_tests::chromium`]), `DOM_PAGES` tabs at once; the answers by URL.
async fn load_all(browser: &Browser, urls: Vec<String>) -> HashMap<String, Loaded> {
    let tabs = env_number("DOM_PAGES", 4) as usize;
    let jobs = urls.into_iter().map(Job::dom).collect();
    browser
        .run_async(jobs, tabs)
        .await
        .into_iter()
        .map(|answer| (answer.url.clone(), answer))
        .collect()
}

/// One tag a line, for `diff`.
fn lines(dom: &str) -> String {
    dom.replace("><", ">\n<")
}

/// The first line where two DOMs differ, with the lines of each around it.
fn first_difference(expected: &str, actual: &str) -> String {
    let (expected, actual) = (lines(expected), lines(actual));
    let (expected, actual): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), actual.lines().collect());
    let at = expected
        .iter()
        .zip(&actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let from = at.saturating_sub(3);
    let show = |dom: &[&str]| {
        dom.iter()
            .skip(from)
            .take(at - from + 4)
            .map(|line| format!("      {line}\n"))
            .collect::<String>()
    };
    format!(
        "    first difference at line {}:\n    buffered:\n{}    streamed:\n{}",
        at + 1,
        show(&expected),
        show(&actual)
    )
}

// --- The test -------------------------------------------------------------------------------

/// One case's three loads, compared.
struct Verdict {
    ooo_differs: bool,
    inorder_differs: bool,
    errors: Vec<String>,
}

impl Verdict {
    fn failed(&self) -> bool {
        self.ooo_differs || self.inorder_differs || !self.errors.is_empty()
    }

    fn summary(&self) -> String {
        let mut what = Vec::new();
        if self.ooo_differs {
            what.push("out-of-order DOM differs".to_owned());
        }
        if self.inorder_differs {
            what.push("in-order DOM differs".to_owned());
        }
        if !self.errors.is_empty() {
            what.push(format!("errors: {}", self.errors.join(" | ")));
        }
        what.join("; ")
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => {
            let value = value.trim();
            let parsed = match value.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => value.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={value:?} is not a number"))
        }
        Err(_) => default,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_pages_build_the_same_dom_as_buffered_pages_in_chromium() {
    let Some(browser) = chromium::browser_or_skip() else {
        return;
    };
    let started = Instant::now();
    let seed = env_number("DIFF_SEED", 0x5EED_2024_0001);
    let count = env_number("DIFF_CASES", 300) as usize;
    let show = env_number("DIFF_SHOW", 3) as usize;
    let mut cases = fixed_cases(seed);
    let fixed_count = cases.len();
    match std::env::var("DIFF_ONLY") {
        Ok(only) => cases.push(random_case(seed, only.trim().parse().expect("DIFF_ONLY=N"))),
        Err(_) => cases.extend((0..count).map(|number| random_case(seed, number))),
    }
    let cases = Arc::new(Cases(cases));

    // The server lives in this test's runtime: it ends with the test.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    // Streamed pages go out in several writes: without TCP_NODELAY each can wait ~40 ms.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = app(cases.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let base = format!("http://{address}");
    let urls = |case: usize| {
        ["buffered", "ooo", "inorder"].map(|layout| format!("{base}/{layout}/{case}"))
    };
    let all = (0..cases.0.len()).flat_map(urls).collect();
    let loaded = load_all(&browser, all).await;
    server.abort();

    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("differential");
    let _ = std::fs::remove_dir_all(&out);
    let mut report = String::new();
    let mut harness = Vec::new();
    let mut failed = Vec::new();
    let (mut ooo_failures, mut inorder_failures, mut error_failures) = (0, 0, 0);
    for (index, case) in cases.0.iter().enumerate() {
        let [buffered, ooo, inorder] = urls(index).map(|url| &loaded[&url]);
        let dom = |loaded: &Loaded| loaded.dom.clone().unwrap_or_default();
        let (buffered_dom, ooo_dom, inorder_dom) = (dom(buffered), dom(ooo), dom(inorder));
        // The harness itself: the buffered page holds every printed slot's content as
        // written (so it is valid where it is printed), and no hole or skeleton is left.
        for kind in KINDS {
            let content = &case.contents[kind as usize];
            if case.template.contains(&kind.hole()) && !buffered_dom.contains(content.as_str()) {
                harness.push(format!(
                    "{}: the buffered DOM does not hold the {} slot's content {content:?} verbatim:\n{}",
                    case.name,
                    kind.name(),
                    lines(&buffered_dom)
                ));
            }
        }
        if buffered_dom.contains("@@")
            || buffered_dom.contains(">loading<")
            || buffered.dom.is_none()
        {
            harness.push(format!("{}: bad buffered page:\n{buffered_dom}", case.name));
        }
        let errors = [("buffered", buffered), ("ooo", ooo), ("inorder", inorder)]
            .into_iter()
            .flat_map(|(layout, loaded)| {
                loaded
                    .errors
                    .iter()
                    .map(move |error| format!("{layout}: {error}"))
            })
            .collect();
        let verdict = Verdict {
            ooo_differs: ooo_dom != buffered_dom,
            inorder_differs: inorder_dom != buffered_dom,
            errors,
        };
        if !verdict.failed() {
            continue;
        }
        ooo_failures += usize::from(verdict.ooo_differs);
        inorder_failures += usize::from(verdict.inorder_differs);
        error_failures += usize::from(!verdict.errors.is_empty());
        let _ = std::fs::create_dir_all(&out);
        for (layout, dom) in [
            ("buffered", &buffered_dom),
            ("ooo", &ooo_dom),
            ("inorder", &inorder_dom),
        ] {
            let _ = std::fs::write(
                out.join(format!("{}.{layout}.html", case.label)),
                lines(dom),
            );
        }
        if failed.len() < show {
            let _ = writeln!(
                report,
                "\n==== {}: {} — {}\n  delays (ms): {}\n  template:\n{}\n  contents:\n{}",
                case.label,
                case.name,
                verdict.summary(),
                KINDS
                    .iter()
                    .map(|kind| format!("{}={}", kind.name(), case.delays[*kind as usize]))
                    .collect::<Vec<_>>()
                    .join(" "),
                case.template,
                KINDS
                    .iter()
                    .map(|kind| format!("    {}: {}\n", kind.name(), case.contents[*kind as usize]))
                    .collect::<String>(),
            );
            for (layout, differs, dom) in [
                ("out of order", verdict.ooo_differs, &ooo_dom),
                ("in order", verdict.inorder_differs, &inorder_dom),
            ] {
                if differs {
                    let _ = writeln!(
                        report,
                        "  {layout}:\n{}",
                        first_difference(&buffered_dom, dom)
                    );
                }
            }
            let _ = writeln!(
                report,
                "  --- buffered DOM\n{}\n  --- out-of-order DOM\n{}\n  --- in-order DOM\n{}",
                lines(&buffered_dom),
                lines(&ooo_dom),
                lines(&inorder_dom)
            );
        }
        failed.push((index, case, verdict));
    }
    let random_count = cases.0.len() - fixed_count;
    println!(
        "differential: {} cases ({fixed_count} fixed, {random_count} random; DIFF_SEED={seed:#x}) \
         loaded 3 ways in {:.1} s; {} failed",
        cases.0.len(),
        started.elapsed().as_secs_f64(),
        failed.len()
    );
    assert!(
        harness.is_empty(),
        "harness error (not a streaming defect):\n{}",
        harness.join("\n")
    );
    if failed.is_empty() {
        return;
    }
    let mut summary = format!(
        "{} of {} cases build a streamed DOM other than the buffered one, or log errors \
         (DIFF_SEED={seed:#x}; out of order differs: {ooo_failures}, in order differs: \
         {inorder_failures}, with errors: {error_failures}).\n",
        failed.len(),
        cases.0.len()
    );
    for (index, case, verdict) in &failed {
        if *index < fixed_count {
            let control = if case.control {
                "CONTROL (harness?) "
            } else {
                ""
            };
            let _ = writeln!(summary, "  {control}{}: {}", case.name, verdict.summary());
        }
    }
    let random_failed = failed
        .iter()
        .filter(|(index, ..)| *index >= fixed_count)
        .count();
    let _ = writeln!(
        summary,
        "  random cases: {random_failed} of {random_count} failed (DIFF_ONLY=N reruns one)"
    );
    let mut errors: Vec<(usize, &str)> = Vec::new();
    for (_, _, verdict) in &failed {
        let mut seen: Vec<&String> = verdict.errors.iter().collect();
        seen.sort();
        seen.dedup();
        for error in seen {
            match errors.iter_mut().find(|(_, seen)| seen == error) {
                Some((count, _)) => *count += 1,
                None => errors.push((1, error)),
            }
        }
    }
    errors.sort_by_key(|&(count, _)| std::cmp::Reverse(count));
    for (count, error) in errors.iter().take(8) {
        let _ = writeln!(summary, "  {count} cases logged: {error}");
    }
    let _ = writeln!(
        summary,
        "Each failing case's DOMs, one tag a line: {}/<label>.{{buffered,ooo,inorder}}.html",
        out.display()
    );
    panic!("{report}\n{summary}");
}
