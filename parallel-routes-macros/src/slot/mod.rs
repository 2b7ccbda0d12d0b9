//! `#[slot]` and `#[page]`: parse (`attr.rs`) → validate into a [`Slot`] → generate the
//! registration on the layout's marker type (`expand.rs`).

mod attr;
mod expand;

pub(crate) use attr::{CacheArgs, Kind, SlotRoute};

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Ident, Type};

use crate::errors::Errors;
use crate::signature;

/// A validated slot handler.
pub(crate) struct Slot {
    /// The path to the layout function, as the user wrote it.
    pub(crate) layout: syn::Path,
    /// The slot's name (`children` for a page).
    pub(crate) slot: Ident,
    /// The handler function's name.
    pub(crate) function: Ident,
    /// The handler's extractor types, in order.
    pub(crate) args: Vec<Type>,
    /// Whether each argument is bound to `_` (its value cannot be read: a guard).
    pub(crate) wild: Vec<bool>,
    /// The state type the extractors are checked against.
    pub(crate) state: Type,
    /// Where a return type that is not `IntoFragment` is reported.
    pub(crate) output_span: Span,
    /// The return type, as written (`None` for `()`).
    pub(crate) output: Option<Type>,
    /// `error = f`
    pub(crate) error: Option<syn::Path>,
    /// `timeout_ms = N`
    pub(crate) timeout_ms: Option<u64>,
    /// `loading = f`
    pub(crate) loading: Option<syn::Path>,
    /// The route it serves: the index, `route = "..."`, or `default`.
    pub(crate) route: SlotRoute,
    /// What of the URL its arguments read.
    pub(crate) reads: crate::depends::Reads,
    /// `cache(...)`
    pub(crate) cache: Option<CacheArgs>,
    /// `when = f`
    pub(crate) when: Option<syn::Path>,
}

impl Slot {
    /// The layout function's name: the last segment of its path.
    pub(crate) fn layout_name(&self) -> String {
        self.layout
            .segments
            .last()
            .map_or_else(String::new, |segment| segment.ident.to_string())
    }
}

pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            // Another kind of item gets our message; something that is not an item at all
            // gets the parser's, at the offending token.
            errors.push(match syn::parse2::<syn::Item>(item.clone()) {
                Ok(_) => syn::Error::new(
                    Span::call_site(),
                    format!("`{}` must be on an `async fn`", kind.attr()),
                ),
                Err(_) => error,
            });
            let mut output = item;
            output.extend(errors.into_compile_errors());
            return output;
        }
    };
    let args = attr::parse(kind, args, &mut errors);
    let params = signature::params(kind.attr(), &function.sig, &mut errors);

    let mut output = function.to_token_stream();
    if let Some(args) = args {
        let state = args
            .state
            .clone()
            .or_else(|| {
                params
                    .iter()
                    .find_map(|param| signature::state_type(&param.ty))
            })
            .unwrap_or_else(|| syn::parse_quote!(()));
        let reads = crate::depends::Reads::of(
            params
                .iter()
                .filter(|param| !param.discarded)
                .map(|param| &param.ty),
        );
        let slot = Slot {
            reads,
            layout: args.layout,
            slot: args.slot,
            function: function.sig.ident.clone(),
            wild: params.iter().map(|param| param.wild).collect(),
            args: params.into_iter().map(|param| param.ty).collect(),
            state,
            output_span: signature::output_span(&function.sig),
            output: match &function.sig.output {
                syn::ReturnType::Type(_, ty) => Some((**ty).clone()),
                syn::ReturnType::Default => None,
            },
            error: args.error,
            timeout_ms: args.timeout_ms,
            loading: args.loading,
            route: args.route,
            cache: args.cache,
            when: args.when,
        };
        if errors.is_empty() {
            output.extend(expand::slot(&slot));
        } else {
            // Register the slot anyway, so that its layout does not also report it missing.
            output.extend(expand::fallback(&slot));
        }
    }
    output.extend(errors.into_compile_errors());
    output
}
