//! What the three attributes ask of the function they are put on, and what they read from its
//! signature.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, Ident, Pat, PathArguments, Signature, Type};

use crate::errors::Errors;

/// One parameter of an annotated function.
pub(crate) struct Param {
    /// The parameter's name, when its pattern is a plain identifier.
    pub(crate) name: Option<Ident>,
    pub(crate) ty: Type,
    /// Bound to `_` or `_name`: the value is not used (an extractor there is a guard).
    pub(crate) discarded: bool,
    /// Bound to `_` itself: the value cannot be read at all.
    pub(crate) wild: bool,
}

/// Checks that `sig` is something the router can call (a non-generic, safe, free `async fn`)
/// and returns its parameters. `attr` names the attribute in messages, e.g. "#[slot]".
pub(crate) fn params(attr: &str, sig: &Signature, errors: &mut Errors) -> Vec<Param> {
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            format!("`{attr}` must be on an `async fn`: the router awaits it"),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(syn::Error::new(
            sig.generics.span(),
            format!(
                "`{attr}` functions cannot be generic: the router calls them with concrete types"
            ),
        ));
    }
    if let syn::Safety::Unsafe(unsafety) = &sig.safety {
        errors.push(syn::Error::new(
            unsafety.span,
            format!("`{attr}` functions cannot be `unsafe`"),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new(
            variadic.span(),
            format!("`{attr}` functions cannot be variadic"),
        ));
    }
    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.push(syn::Error::new(
                receiver.span(),
                format!("`{attr}` functions must be free functions, not methods"),
            )),
            FnArg::Typed(typed) => {
                if let Type::ImplTrait(impl_trait) = &*typed.ty {
                    errors.push(syn::Error::new(
                        impl_trait.span(),
                        format!(
                            "`{attr}` functions cannot be generic: write the extractor's concrete type instead of `impl Trait`"
                        ),
                    ));
                }
                let name = match &*typed.pat {
                    Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                        Some(pat.ident.clone())
                    }
                    _ => None,
                };
                let discarded = match &*typed.pat {
                    Pat::Wild(_) => true,
                    Pat::Ident(pat) => pat.ident.to_string().starts_with('_'),
                    _ => false,
                };
                params.push(Param {
                    name,
                    ty: (*typed.ty).clone(),
                    discarded,
                    wild: matches!(&*typed.pat, Pat::Wild(_)),
                });
            }
        }
    }
    params
}

/// The span a return value is checked at: the return type, or the name of a function that
/// returns `()`.
pub(crate) fn output_span(sig: &Signature) -> Span {
    match &sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => sig.ident.span(),
    }
}

/// Whether `ty` is written as `Fragment` (or a path ending in it, such as
/// `parallel_routes::Fragment`).
pub(crate) fn is_fragment(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|segment| {
        segment.ident == "Fragment" && matches!(segment.arguments, PathArguments::None)
    })
}

/// Whether `ty` is written as `Head` or `parallel_routes::Head` (`::parallel_routes::Head`,
/// `parallel_routes::head::Head`): the layout's merged document head. Another path ending in
/// `Head` is an app's own type, an extractor.
pub(crate) fn is_head(ty: &Type) -> bool {
    let Some(path) = plain_path(ty) else {
        return false;
    };
    let names: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let plain = path
        .segments
        .iter()
        .all(|segment| matches!(segment.arguments, PathArguments::None));
    plain
        && match names.as_slice() {
            [head] => head == "Head" && path.leading_colon.is_none(),
            [krate, head] => krate == "parallel_routes" && head == "Head",
            [krate, module, head] => {
                krate == "parallel_routes" && module == "head" && head == "Head"
            }
            _ => false,
        }
}

fn plain_path(ty: &Type) -> Option<&syn::Path> {
    match ty {
        Type::Path(path) if path.qself.is_none() => Some(&path.path),
        Type::Group(group) => plain_path(&group.elem),
        Type::Paren(paren) => plain_path(&paren.elem),
        _ => None,
    }
}

/// `T` when `ty` is written `State<T>`: the state type the handler's extractors are checked
/// against.
pub(crate) fn state_type(ty: &Type) -> Option<Type> {
    let segment = last_segment(ty)?;
    if segment.ident != "State" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(state)) if args.args.len() == 1 => Some(state.clone()),
        _ => None,
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}
