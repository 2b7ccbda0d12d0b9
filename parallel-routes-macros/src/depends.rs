//! What of the URL a handler may read, from its arguments' types: what a partial navigation
//! compares to decide whether a slot (or a layout) must run again.

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::Type;

/// What of the URL some arguments may read.
#[derive(Clone, Copy, Default)]
pub(crate) struct Reads {
    params: bool,
    query: bool,
    route: bool,
}

impl Reads {
    /// From the types of the arguments whose values the function uses (an argument bound to
    /// `_` or `_name` is a guard: its value cannot reach the output). By the names in each
    /// type: `Path`/`RawPathParams` read the parameters, `Query`/`RawQuery` the query, `State`
    /// and `Extension` nothing of the URL; anything else — a `Route` enum, `Uri`, an extractor
    /// of the app's — is taken to read all of it.
    pub(crate) fn of<'a>(types: impl IntoIterator<Item = &'a Type>) -> Reads {
        fn names(tokens: TokenStream, out: &mut Vec<String>) {
            for token in tokens {
                match token {
                    TokenTree::Ident(ident) => out.push(ident.to_string()),
                    TokenTree::Group(group) => names(group.stream(), out),
                    _ => {}
                }
            }
        }
        let mut reads = Reads::default();
        for ty in types {
            let mut found = Vec::new();
            names(ty.to_token_stream(), &mut found);
            // The extractor is the outermost type (`Path<..>`, `Option<Query<..>>`, a path
            // such as `axum::extract::Query<..>`): its first upper-case name but `Option`.
            let outer = found.iter().find(|name| {
                name.starts_with(|c: char| c.is_ascii_uppercase()) && *name != "Option"
            });
            match outer.map(String::as_str) {
                Some("Path" | "RawPathParams") => reads.params = true,
                Some("Query" | "RawQuery") => reads.query = true,
                Some("State" | "Extension") => {}
                _ => {
                    reads = Reads {
                        params: true,
                        query: true,
                        route: true,
                    }
                }
            }
        }
        reads
    }
}

impl ToTokens for Reads {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Reads {
            params,
            query,
            route,
        } = self;
        tokens.extend(quote! {
            ::parallel_routes::__private::Depends { params: #params, query: #query, route: #route }
        });
    }
}
