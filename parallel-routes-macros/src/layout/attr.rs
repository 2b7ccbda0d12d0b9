//! Parsing of `#[layout(...)]`'s arguments.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::{Ident, LitStr, Token, Type};

use crate::attr::{duplicate, key, skip_value, timeout_millis};
use crate::errors::Errors;

/// The arguments of `#[layout(...)]`, as written.
#[derive(Default)]
pub(crate) struct LayoutArgs {
    /// `#[layout("/users/{id}", ...)]`
    pub(crate) path: Option<LitStr>,
    /// `#[layout(slots(latest, archive))]`, each name once, `children` excluded.
    pub(crate) slots: Vec<Ident>,
    /// `#[layout(..., state = AppState)]`
    pub(crate) state: Option<Type>,
    /// `#[layout(..., stream = in_order)]`: the `StreamMode` variant.
    pub(crate) stream: Option<Ident>,
    /// `#[layout(..., routes("/week", "/month" as ThisMonth))]`, each once.
    pub(crate) routes: Vec<RouteArg>,
    /// `#[layout(..., parent = root)]`
    pub(crate) parent: Option<syn::Path>,
    /// `#[layout(..., fragments = false)]`
    pub(crate) fragments: Option<bool>,
    /// `#[layout(..., timeout_ms = 5000)]`
    pub(crate) timeout_ms: Option<u64>,
    /// `#[layout(..., targets(latest = "#main-list"))]`: a slot's container on a partial
    /// navigation.
    pub(crate) targets: Vec<(Ident, LitStr)>,
}

/// A route as written in `routes(...)`.
#[derive(Clone)]
pub(crate) struct RouteArg {
    /// `"/week"`
    pub(crate) literal: LitStr,
    /// `as ThisWeek`: its `Route` variant's name, when not the one derived from the path.
    pub(crate) name: Option<Ident>,
}

impl syn::parse::Parse for RouteArg {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let literal = input.parse()?;
        let name = if input.peek(Token![as]) {
            input.parse::<Token![as]>()?;
            Some(input.parse::<Ident>().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "expected the name of the route's `Route` variant after `as`, such as `ThisWeek`",
                )
            })?)
        } else {
            None
        };
        Ok(RouteArg { literal, name })
    }
}

const EXPECTED: &str = r##"a path string such as "/dashboard", `slots(...)`, `routes("/week", ...)`, `parent = layout`, `state = Type`, `stream = in_order`, `fragments = false`, `timeout_ms = N`, `targets(slot = "#css")`"##;

pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> LayoutArgs {
    let mut out = LayoutArgs::default();
    let mut tokens = args.into_iter().peekable();

    // #[layout("/users/{id}", ...)]: the path comes first, as a string literal.
    if let Some(TokenTree::Literal(literal)) = tokens.peek() {
        let literal = TokenTree::Literal(literal.clone());
        tokens.next();
        match syn::parse2::<LitStr>(literal.clone().into()) {
            Ok(path) => out.path = Some(path),
            Err(_) => errors.push(syn::Error::new_spanned(
                literal,
                r#"the layout's path must be a string literal, such as "/dashboard""#,
            )),
        }
        match tokens.next() {
            None => return out,
            Some(TokenTree::Punct(comma)) if comma.as_char() == ',' => {}
            Some(other) => {
                errors.push(syn::Error::new_spanned(
                    other,
                    "expected `,` after the path",
                ));
                return out;
            }
        }
    }

    let mut seen_slots = false;
    let mut seen_timeout = false;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("slots") {
            // #[layout(slots(latest, archive))]
            if seen_slots {
                errors.push(duplicate(&meta, "slots"));
            }
            seen_slots = true;
            let content;
            syn::parenthesized!(content in meta.input);
            let names = content.parse_terminated(parse_slot_name, Token![,])?;
            for name in names {
                // `r#children` names the same slot.
                if name.unraw() == "children" {
                    errors.push(syn::Error::new(
                        name.span(),
                        "`children` is not declared in `slots(...)`: the layout has it when it takes a `children: Fragment` parameter, and `#[page]` fills it",
                    ));
                } else if out.slots.contains(&name) {
                    errors.push(syn::Error::new(
                        name.span(),
                        format!("slot `{name}` is declared more than once"),
                    ));
                } else {
                    out.slots.push(name);
                }
            }
            Ok(())
        } else if meta.path.is_ident("state") {
            // #[layout(..., state = AppState)]
            if out.state.is_some() {
                errors.push(duplicate(&meta, "state"));
            }
            out.state = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("routes") {
            // #[layout(..., routes("/week", "/month"))]
            if !out.routes.is_empty() {
                errors.push(duplicate(&meta, "routes"));
            }
            let content;
            syn::parenthesized!(content in meta.input);
            for route in
                content.parse_terminated(<RouteArg as syn::parse::Parse>::parse, Token![,])?
            {
                let value = route.literal.value();
                if out.routes.iter().any(|seen| seen.literal.value() == value) {
                    errors.push(syn::Error::new(
                        route.literal.span(),
                        format!("route {value:?} is listed more than once"),
                    ));
                } else {
                    out.routes.push(route);
                }
            }
            Ok(())
        } else if meta.path.is_ident("parent") {
            // #[layout(..., parent = root)]
            if out.parent.is_some() {
                errors.push(duplicate(&meta, "parent"));
            }
            out.parent = Some(meta.value()?.call(syn::Path::parse_mod_style)?);
            Ok(())
        } else if meta.path.is_ident("fragments") {
            // #[layout(..., fragments = false)]
            if out.fragments.is_some() {
                errors.push(duplicate(&meta, "fragments"));
            }
            let value: syn::LitBool = meta.value()?.parse().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "expected `fragments = false` (no `@slot` endpoints) or `fragments = true`",
                )
            })?;
            out.fragments = Some(value.value);
            Ok(())
        } else if meta.path.is_ident("timeout_ms") {
            // #[layout(..., timeout_ms = 5000)]
            if seen_timeout {
                errors.push(duplicate(&meta, "timeout_ms"));
            }
            seen_timeout = true;
            if let Some(millis) = timeout_millis(&meta, errors)? {
                out.timeout_ms = Some(millis);
            }
            Ok(())
        } else if meta.path.is_ident("targets") {
            // #[layout(..., targets(latest = "#main-list"))]
            if !out.targets.is_empty() {
                errors.push(duplicate(&meta, "targets"));
            }
            meta.parse_nested_meta(|target| {
                let Some(slot) = target.path.get_ident().cloned() else {
                    return Err(
                        target.error("expected a slot name, such as `latest = \"#main-list\"`")
                    );
                };
                let selector: LitStr = target.value()?.parse()?;
                if out.targets.iter().any(|(seen, _)| *seen == slot) {
                    errors.push(syn::Error::new(
                        slot.span(),
                        format!("the target of slot `{slot}` is given more than once"),
                    ));
                } else if selector.value().trim().is_empty() {
                    errors.push(syn::Error::new(
                        selector.span(),
                        "a target is a CSS selector, such as \"#main-list\"",
                    ));
                } else {
                    out.targets.push((slot, selector));
                }
                Ok(())
            })
        } else if meta.path.is_ident("stream") {
            // #[layout(..., stream = in_order)] / stream = out_of_order
            if out.stream.is_some() {
                errors.push(duplicate(&meta, "stream"));
            }
            let mode: Ident = meta.value()?.parse()?;
            match mode.to_string().as_str() {
                "in_order" => out.stream = Some(Ident::new("InOrder", mode.span())),
                "out_of_order" => out.stream = Some(Ident::new("OutOfOrder", mode.span())),
                _ => errors.push(syn::Error::new(
                    mode.span(),
                    format!("unknown stream mode `{mode}`; expected `in_order` or `out_of_order`"),
                )),
            }
            Ok(())
        } else {
            errors.push(syn::Error::new_spanned(
                &meta.path,
                format!(
                    "unknown `#[layout]` option `{}`; expected {EXPECTED}",
                    key(&meta)
                ),
            ));
            skip_value(&meta)
        }
    });
    let rest: TokenStream = tokens.collect();
    let result = parser.parse2(rest);
    errors.take(result);
    out
}

/// A slot name: a plain identifier (keywords are refused by `Ident`'s own parser).
fn parse_slot_name(input: syn::parse::ParseStream) -> syn::Result<Ident> {
    input
        .parse::<Ident>()
        .map_err(|err| syn::Error::new(err.span(), "expected a slot name"))
}
