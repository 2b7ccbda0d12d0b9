//! `#[layout]`: parse (`attr.rs`) → validate into a [`Layout`] (`check.rs`) → generate the
//! layout's module and page handler (`expand.rs`).

mod attr;
mod check;
mod expand;
mod render;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Ident, Type, Visibility};

use crate::errors::Errors;

/// A validated layout: everything `expand.rs` needs, and nothing it has to check again.
pub(crate) struct Layout {
    pub(crate) vis: Visibility,
    /// The function's name, which is also the generated module's.
    pub(crate) name: Ident,
    /// The page's path, e.g. `/dashboard` or `/users/{id}`.
    pub(crate) path: String,
    /// Where the path is written (the layout's name when it is not).
    pub(crate) path_span: Span,
    /// The declared slots, in declaration order; `children` is not among them.
    pub(crate) slots: Vec<Ident>,
    /// The `children` parameter, when the layout takes one (and so has a page).
    pub(crate) children: Option<Ident>,
    /// The function's parameters, in order.
    pub(crate) params: Vec<LayoutParam>,
    /// Whether the layout takes `head: Head`.
    pub(crate) takes_head: bool,
    /// The state type the layout's extractors are checked against.
    pub(crate) state: Type,
    /// Where a return type that is not `IntoResponse` is reported.
    pub(crate) output_span: Span,
    /// `stream = in_order`: the `StreamMode` variant, when given.
    pub(crate) stream: Option<Ident>,
    /// `routes("/week", ...)`, besides the index.
    pub(crate) routes: Vec<SubRoute>,
    /// `parent = root`
    pub(crate) parent: Option<syn::Path>,
    /// `fragments = false`: no `@slot` endpoints.
    pub(crate) fragments: bool,
    /// `timeout_ms = N`: the deadline of every slot without its own, here and below.
    pub(crate) timeout_ms: Option<u64>,
    /// The variants of the generated `Route` enum: the index, then each of `routes`.
    pub(crate) variants: Vec<Variant>,
    /// `targets(slot = "#css")`: slots whose container is not `#<slot>`.
    pub(crate) targets: Vec<(Ident, syn::LitStr)>,
    /// What of the URL the layout's own arguments read (a partial navigation keeps the layout
    /// only if that is the same).
    pub(crate) reads: crate::depends::Reads,
}

/// A variant of a layout's `Route` enum.
pub(crate) struct Variant {
    /// `Index`, `Week`, `Day`.
    pub(crate) name: Ident,
    /// The full path's parameters, as `String` fields.
    pub(crate) fields: Vec<Ident>,
    /// The full path, e.g. `/dashboard/day/{n}`.
    pub(crate) path: String,
}

/// One of the layout's `routes(...)`.
pub(crate) struct SubRoute {
    /// As written, e.g. `"/week"`.
    pub(crate) literal: syn::LitStr,
    /// Its marker type, e.g. `at_week`.
    pub(crate) marker: Ident,
}

/// A route the layout serves: its index, or one of its `routes(...)`.
pub(crate) struct RouteView<'a> {
    /// Where it is written: the route literal, or the layout's path.
    pub(crate) span: Span,
    /// `index`, or the sub-route's marker.
    pub(crate) marker: Ident,
    /// The full path, e.g. `/dashboard/week`.
    pub(crate) path: String,
    /// The sub-route as written; `None` for the index.
    pub(crate) literal: Option<&'a syn::LitStr>,
}

/// A parameter of the layout function.
pub(crate) enum LayoutParam {
    /// Receives the fragment of this slot (or `children`).
    Fragment(Ident),
    /// An axum extractor.
    Extractor(Box<Type>),
    /// `head: Head`: the merged head of the layout's page and slots.
    Head,
}

impl Layout {
    /// The types of the layout function's extractors, in parameter order.
    pub(crate) fn extractors(&self) -> impl Iterator<Item = &Type> {
        self.params.iter().filter_map(|param| match param {
            LayoutParam::Extractor(ty) => Some(&**ty),
            LayoutParam::Fragment(_) | LayoutParam::Head => None,
        })
    }

    /// Every slot the router runs: the declared ones, then `children` if taken.
    pub(crate) fn all_slots(&self) -> impl Iterator<Item = &Ident> {
        self.slots.iter().chain(&self.children)
    }

    /// The index, then each sub-route.
    pub(crate) fn routes(&self) -> Vec<RouteView<'_>> {
        let index = RouteView {
            span: self.path_span,
            marker: Ident::new("index", Span::call_site()),
            path: self.path.clone(),
            literal: None,
        };
        let routes = self.routes.iter().map(|route| RouteView {
            span: route.literal.span(),
            marker: route.marker.clone(),
            path: full_path(&self.path, &route.literal.value()),
            literal: Some(&route.literal),
        });
        std::iter::once(index).chain(routes).collect()
    }

    /// The path, in the layout's module, of the type alias that resolves to `slot`'s handler
    /// on `route`: `handler::<slot>::<route>`.
    pub(crate) fn alias(slot: &Ident, route: &Ident) -> TokenStream {
        quote::quote!(handler::#slot::#route)
    }
}

impl RouteView<'_> {
    /// The full path as a literal spanned where the route is written: what a nested layout
    /// gives its parent's `__slot!` (`@route`, `@nested`), whose arms match it token for token.
    pub(crate) fn path_literal(&self) -> syn::LitStr {
        syn::LitStr::new(&self.path, self.span)
    }
}

/// `/dashboard` + `/week`.
pub(crate) fn full_path(path: &str, route: &str) -> String {
    format!("{}{route}", path.trim_end_matches('/'))
}

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            // Another kind of item gets our message; something that is not an item at all
            // gets the parser's, at the offending token.
            errors.push(match syn::parse2::<syn::Item>(item.clone()) {
                Ok(_) => syn::Error::new(Span::call_site(), "`#[layout]` must be on an `async fn`"),
                Err(_) => error,
            });
            let mut output = item;
            output.extend(errors.into_compile_errors());
            return output;
        }
    };
    let args = attr::parse(args, &mut errors);
    // What the fallback's `Route` needs, should the layout have an error.
    let written = (
        args.path.as_ref().map(syn::LitStr::value),
        args.routes.clone(),
        args.parent.clone(),
    );
    let layout = check::check(args, &function, &mut errors);
    let mut output = function.to_token_stream();
    match layout {
        Some(layout) if errors.is_empty() => output.extend(expand::layout(&layout)),
        // Still emit a module with the items other code names (`router`, `PATH`, the slots'
        // macro), so that the real error is the only one reported.
        _ => {
            // The `Route` variants the routes as written would name, so that code naming them
            // reports nothing of its own (best effort: their own errors are reported above).
            let (path, routes, parent) = written;
            let path = path.unwrap_or_else(|| format!("/{}", function.sig.ident));
            let variants =
                check::variants(&path, Span::call_site(), &routes, &mut Errors::default());
            output.extend(expand::fallback(&function, &variants, parent.as_ref()));
        }
    }
    output.extend(errors.into_compile_errors());
    output
}
