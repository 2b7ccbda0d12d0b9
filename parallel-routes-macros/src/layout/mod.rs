//! `#[layout]`: parse (`attr.rs`) → validate into a [`Layout`] (`check.rs`) → generate the
//! layout's module and page handler (`expand.rs`).

mod attr;
mod check;
mod expand;

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
    /// The declared slots, in declaration order; `children` is not among them.
    pub(crate) slots: Vec<Ident>,
    /// The `children` parameter, when the layout takes one (and so has a page).
    pub(crate) children: Option<Ident>,
    /// The function's parameters, in order.
    pub(crate) params: Vec<LayoutParam>,
    /// The state type the layout's extractors are checked against.
    pub(crate) state: Type,
    /// Where a return type that is not `IntoResponse` is reported.
    pub(crate) output_span: Span,
    /// `stream = in_order`: the `StreamMode` variant, when given.
    pub(crate) stream: Option<Ident>,
}

/// A parameter of the layout function.
pub(crate) enum LayoutParam {
    /// Receives the fragment of this slot (or `children`).
    Fragment(Ident),
    /// An axum extractor.
    Extractor(Box<Type>),
}

impl Layout {
    /// Every slot the router runs: the declared ones, then `children` if taken.
    pub(crate) fn all_slots(&self) -> impl Iterator<Item = &Ident> {
        self.slots.iter().chain(&self.children)
    }
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
    let layout = check::check(args, &function, &mut errors);
    let mut output = function.to_token_stream();
    match layout {
        Some(layout) if errors.is_empty() => output.extend(expand::layout(&layout)),
        // Still emit a module with the items other code names (`router`, `PATH`, the slots'
        // macro), so that the real error is the only one reported.
        _ => output.extend(expand::fallback(&function)),
    }
    output.extend(errors.into_compile_errors());
    output
}
