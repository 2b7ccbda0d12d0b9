//! Attribute macros of [parallel-routes](https://docs.rs/parallel-routes). Depend on
//! `parallel-routes`, which re-exports them and documents them.
//!
//! Each attribute is parsed (`*/attr.rs`), validated into a model (`layout/check.rs`,
//! `slot/mod.rs`) and expanded (`*/expand.rs`); errors are collected (`errors.rs`) so that all
//! of them are shown at once, and the user's function is always emitted unchanged.

#![forbid(unsafe_code)]

/// `quote!` with `Span::mixed_site()`: the local variables and parameters that generated code
/// introduces (`parts`, `state`, `started`, …) cannot collide with the user's names, as in a
/// `macro_rules!` macro. Tokens taken from the user's code keep their own spans.
macro_rules! hygienic {
    ($($tokens:tt)*) => {
        ::quote::quote_spanned!(::proc_macro2::Span::mixed_site()=> $($tokens)*)
    };
}

mod attr;
mod axum_path;
mod depends;
mod errors;
mod layout;
#[cfg(test)]
mod robustness;
mod route;
mod signature;
mod slot;
#[cfg(test)]
mod snapshot;

use proc_macro::TokenStream;

/// Turns an async fn into a layout. Documented in `parallel_routes::layout`.
#[proc_macro_attribute]
pub fn layout(args: TokenStream, item: TokenStream) -> TokenStream {
    layout::expand(args.into(), item.into()).into()
}

/// Registers a slot handler. Documented in `parallel_routes::slot`.
#[proc_macro_attribute]
pub fn slot(args: TokenStream, item: TokenStream) -> TokenStream {
    slot::expand(slot::Kind::Slot, args.into(), item.into()).into()
}

/// Registers a layout's page (its `children`). Documented in `parallel_routes::page`.
#[proc_macro_attribute]
pub fn page(args: TokenStream, item: TokenStream) -> TokenStream {
    slot::expand(slot::Kind::Page, args.into(), item.into()).into()
}

/// `__error!{ token "message with {} for the token" ["message if the token is `children`"] }`:
/// a `compile_error!` spanned at `token`. Called by the `__slot!` macro a layout generates,
/// which cannot span an error itself (nor tell `children` apart while keeping its span).
#[doc(hidden)]
#[proc_macro]
pub fn __error(input: TokenStream) -> TokenStream {
    let parser = |input: syn::parse::ParseStream| {
        let token: proc_macro2::TokenTree = input.parse()?;
        let message: syn::LitStr = input.parse()?;
        let for_children: Option<syn::LitStr> = input.parse()?;
        Ok((token, message, for_children))
    };
    match syn::parse::Parser::parse(parser, input) {
        Ok((token, message, for_children)) => {
            let token = ungroup(token);
            let message = match for_children {
                Some(message) if token.to_string() == "children" => message.value(),
                _ => message.value().replace("{}", &token.to_string()),
            };
            syn::Error::new(token.span(), message).into_compile_error()
        }
        Err(error) => error.into_compile_error(),
    }
    .into()
}

/// `__unlisted!{ "/nested/path" child "parent" "/parent/path" ["/listed", ...] }`: the error of a nested layout
/// on a path its parent does not list, spanned at the path; it says what to add to the
/// parent's `routes(...)`. Called by the parent's `__slot!` macro, which knows its own name and
/// path but cannot compute the route from a path it does not list.
#[doc(hidden)]
#[proc_macro]
pub fn __unlisted(input: TokenStream) -> TokenStream {
    let parser = |input: syn::parse::ParseStream| {
        let path: proc_macro2::TokenTree = input.parse()?;
        let child: proc_macro2::TokenTree = input.parse()?;
        let parent: syn::LitStr = input.parse()?;
        let parent_path: syn::LitStr = input.parse()?;
        let listed;
        syn::bracketed!(listed in input);
        let listed =
            listed.parse_terminated(<syn::LitStr as syn::parse::Parse>::parse, syn::Token![,])?;
        let listed: Vec<String> = listed.iter().map(syn::LitStr::value).collect();
        Ok((path, child, parent.value(), parent_path.value(), listed))
    };
    match syn::parse::Parser::parse(parser, input) {
        Ok((path, child, parent, parent_path, listed)) => {
            let path = ungroup(path);
            let child = ungroup(child);
            let value = syn::parse2::<syn::LitStr>(path.clone().into())
                .map(|lit| lit.value())
                .unwrap_or_default();
            let base = parent_path.trim_end_matches('/');
            let relative = value
                .strip_prefix(base)
                .filter(|rest| rest.starts_with('/') && *rest != "/");
            // The same path with other parameter names: `{cat}` for `{category}`.
            let shape = |path: &str| -> String {
                let mut shape = String::new();
                let mut in_param = false;
                for c in path.trim_end_matches('/').chars() {
                    match c {
                        '{' => {
                            in_param = true;
                            shape.push('{');
                        }
                        '}' => {
                            in_param = false;
                            shape.push('}');
                        }
                        _ if in_param => {}
                        c => shape.push(c),
                    }
                }
                shape
            };
            let twin = listed.iter().find(|listed| shape(listed) == shape(&value));
            let message = match (relative, twin) {
                (Some(_), Some(twin)) => format!(
                    "layout `{parent}` does not list {value:?}, a path of its nested layout `{child}`, but lists {twin:?}: name the parameters alike in both layouts"
                ),
                (Some(route), None) => format!(
                    "layout `{parent}` does not list {value:?}, a path of its nested layout `{child}`: add {route:?} to `routes(...)` in `#[layout]` of `{parent}` (a layout lists the paths of the layouts nested in it; there, each of its slots renders its handler for that route or its `default`)"
                ),
                (None, _) => format!(
                    "the path {value:?} of the nested layout `{child}` is not below {parent_path:?}, the path of its parent `{parent}`: a nested layout's paths start with its parent's"
                ),
            };
            syn::Error::new(path.span(), message).into_compile_error()
        }
        Err(error) => error.into_compile_error(),
    }
    .into()
}

/// A `$route:literal` arrives wrapped in an invisible group spanned at the macro's definition;
/// the token inside carries the user's span.
fn ungroup(token: proc_macro2::TokenTree) -> proc_macro2::TokenTree {
    match token {
        proc_macro2::TokenTree::Group(group)
            if group.delimiter() == proc_macro2::Delimiter::None =>
        {
            group
                .stream()
                .into_iter()
                .next()
                .unwrap_or(proc_macro2::TokenTree::Group(group))
        }
        token => token,
    }
}

/// A message for `panic!` in generated code: its braces are not format arguments.
fn panic_message(message: &str) -> String {
    message.replace('{', "{{").replace('}', "}}")
}
