//! Bad input never panics the macros: property tests that feed generated and mutated attribute
//! arguments and function items to the three attribute macros' expansion (parse → validate →
//! expand). Every case must come back as tokens that parse as Rust items — the user's function
//! plus generated items or spanned `compile_error!`s — never as a panic.
//!
//! `PROPTEST_CASES=N` changes the number of cases per property (default 4096).

use std::str::FromStr;

use proc_macro2::TokenStream;
use proptest::prelude::*;

use crate::slot::Kind;

/// Pieces of attribute arguments, valid and not: keys, names, literals, punctuation. Groups
/// (`(…)`, `[…]`, `{…}`) are made by [`attribute_args`], always balanced: unbalanced input does
/// not tokenize, so the compiler never hands it to a macro.
const ATTR_PIECES: &[&str] = &[
    "latest",
    "archive",
    "children",
    ",",
    ",",
    "=",
    "\"/dashboard\"",
    "\"/users/{id}\"",
    "\"/users/:id\"",
    "\"dashboard\"",
    "\"/f/{*rest}\"",
    "\"\"",
    "state",
    "AppState",
    "error",
    "fallback",
    "timeout_ms",
    "0",
    "800",
    "99999999999999999999999",
    "-1",
    "1.5",
    "route",
    "\"/week\"",
    "default",
    "loading",
    "parent",
    "stream",
    "in_order",
    "crate",
    "::",
    "self",
    "super",
    "fn",
    "async",
    "dashboard",
    "r#type",
    "'a",
    "#",
    "true",
    "b\"x\"",
    "'c'",
    "_",
    "?",
    ";",
    "slots",
    "slots()",
    "slots(,)",
    "routes",
    "\"/day/{n}\"",
    "\"/\"",
    "\"/type\"",
    "out_of_order",
    "root",
    "fragments",
    "false",
];

/// Pieces of a function's parameter list.
const PARAMS: &[&str] = &[
    "latest: Fragment",
    "archive: Fragment",
    "children: Fragment",
    "sidebar: Fragment",
    "_: Fragment",
    "latest: String",
    "State(db): State<Db>",
    "Path(id): Path<u32>",
    "Query(q): Query<Filter>",
    "body: String",
    "Json(j): Json<Vec<u8>>",
    "v: impl std::fmt::Display",
    "(a, b): (u8, u8)",
    "ref x: Fragment",
    "self",
    "&self",
    "mut latest: parallel_routes::Fragment",
    "x: <T as Tr>::Out",
    "f: fn() -> Fragment",
];

/// A function item: async or not, generic or not, with a random parameter list and return type.
fn function() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["async ", "", "pub async ", "async unsafe ", "const async "][..]),
        prop::sample::select(&["dashboard", "latest", "children", "r#loop"][..]),
        prop::sample::select(&["", "<T>", "<'a>", "<const N: usize>"][..]),
        prop::collection::vec(prop::sample::select(PARAMS), 0..5),
        prop::sample::select(
            &[
                "",
                " -> Html<String>",
                " -> u32",
                " -> Result<String, Interrupt>",
                " -> impl IntoResponse",
            ][..],
        ),
        prop::sample::select(&["", " where T: Clone"][..]),
    )
        .prop_map(
            |(qualifiers, name, generics, params, output, where_clause)| {
                format!(
                    "{qualifiers}fn {name}{generics}({}){output}{where_clause} {{ todo!() }}",
                    params.join(", ")
                )
            },
        )
}

/// Attribute arguments: a sequence of pieces and of balanced groups of pieces, nested up to
/// three deep (`slots(latest, (archive))`, `routes["/week"]`, …).
fn attribute_args() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(ATTR_PIECES).prop_map(str::to_owned);
    let tree = piece.prop_recursive(3, 24, 6, |inner| {
        (
            prop::sample::select(&[("(", ")"), ("(", ")"), ("[", "]"), ("{", "}")][..]),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|((open, close), items)| format!("{open}{}{close}", items.join(" ")))
    });
    prop::collection::vec(tree, 0..10).prop_map(|pieces| pieces.join(" "))
}

/// Deletes, duplicates or replaces characters of a valid input — never a delimiter or a quote,
/// nor for one: unbalanced input does not tokenize, so it never reaches a macro.
fn mutated(valid: &'static str) -> impl Strategy<Value = String> {
    let structural = |c: char| "()[]{}\"".contains(c);
    let with = prop::char::range(' ', '~').prop_filter("not a delimiter", move |c| !structural(*c));
    prop::collection::vec((0..valid.len(), 0u8..3, with), 1..4).prop_map(move |edits| {
        let mut text: Vec<char> = valid.chars().collect();
        for (at, edit, with) in edits {
            let at = at.min(text.len().saturating_sub(1));
            if text.get(at).is_some_and(|c| structural(*c)) {
                continue;
            }
            match edit {
                0 if !text.is_empty() => {
                    text.remove(at);
                }
                1 => text.insert(at, text.get(at).copied().unwrap_or(with)),
                _ => {
                    if let Some(c) = text.get_mut(at) {
                        *c = with;
                    }
                }
            }
        }
        text.into_iter().collect()
    })
}

/// Tokenizes like the compiler would; unbalanced delimiters never reach a proc macro.
fn tokens(text: &str) -> Option<TokenStream> {
    TokenStream::from_str(text).ok()
}

/// The expansion is a list of Rust items whenever the input item was one (otherwise the input
/// is given back as it came, for the compiler to report, with the macro's error beside it).
fn assert_items(item: &TokenStream, output: TokenStream) -> Result<(), TestCaseError> {
    if syn::parse2::<syn::Item>(item.clone()).is_err() {
        prop_assert!(output.to_string().starts_with(&item.to_string()));
        prop_assert!(output.to_string().contains("compile_error"));
        return Ok(());
    }
    syn::parse2::<syn::File>(output.clone())
        .map(drop)
        .map_err(|err| {
            TestCaseError::fail(format!(
                "the expansion does not parse as items: {err}\n{output}"
            ))
        })
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(4096),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs `check` on `config().cases` generated inputs, failing with the minimal failing input,
/// and prints how many cases ran and how many reached the macro (the rest do not tokenize, as
/// unbalanced delimiters never reach a proc macro).
fn run<S: Strategy>(
    name: &str,
    strategy: S,
    reaching_at_least: f64,
    check: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    use std::cell::Cell;
    let (cases, reached) = (Cell::new(0u32), Cell::new(0u32));
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let result = runner.run(&strategy, |value| {
        cases.set(cases.get() + 1);
        if check(value)? {
            reached.set(reached.get() + 1);
        }
        Ok(())
    });
    println!(
        "{name}: {} cases run (shrinking included), {} reached the macro",
        cases.get(),
        reached.get()
    );
    if let Err(failure) = result {
        panic!("{name}: {failure}");
    }
    let share = f64::from(reached.get()) / f64::from(cases.get().max(1));
    assert!(
        share >= reaching_at_least,
        "{name}: only {:.0}% of the cases reached the macro (at least {:.0}% expected): the generator mostly tests the tokenizer",
        share * 100.0,
        reaching_at_least * 100.0
    );
}

#[test]
fn layout_never_panics() {
    run(
        "#[layout]",
        (attribute_args(), function()),
        0.99,
        |(args, item)| {
            let (Some(args), Some(item)) = (tokens(&args), tokens(&item)) else {
                return Ok(false);
            };
            assert_items(&item, crate::layout::expand(args, item.clone()))?;
            Ok(true)
        },
    );
}

#[test]
fn slot_and_page_never_panic() {
    let strategy = (attribute_args(), function(), any::<bool>());
    run(
        "#[slot] and #[page]",
        strategy,
        0.95,
        |(args, item, page)| {
            // A layout named after a weak keyword gives `default::__slot! {..}`, which rustc parses
            // as a macro call and syn, the oracle here, as the start of a `default impl`.
            if args.starts_with("default") || args.starts_with("union") {
                return Ok(false);
            }
            let (Some(args), Some(item)) = (tokens(&args), tokens(&item)) else {
                return Ok(false);
            };
            let kind = if page { Kind::Page } else { Kind::Slot };
            assert_items(&item, crate::slot::expand(kind, args, item.clone()))?;
            Ok(true)
        },
    );
}

#[test]
fn mutated_valid_input_never_panics() {
    let strategy = (
        mutated(r#""/users/{id}", slots(profile, activity), state = Db"#),
        mutated("crate::pages::user, profile, error = failed, timeout_ms = 800, state = Db"),
        mutated(
            "async fn user(profile: Fragment, activity: Fragment, Path(id): Path<u32>) -> Html<String> { todo!() }",
        ),
    );
    run(
        "mutated input",
        strategy,
        0.9,
        |(layout_args, slot_args, item)| {
            let mut reached = false;
            if let (Some(args), Some(item)) = (tokens(&layout_args), tokens(&item)) {
                assert_items(&item, crate::layout::expand(args, item.clone()))?;
                reached = true;
            }
            if let (Some(args), Some(item)) = (tokens(&slot_args), tokens(&item)) {
                assert_items(&item, crate::slot::expand(Kind::Slot, args, item.clone()))?;
                reached = true;
            }
            Ok(reached)
        },
    );
}
