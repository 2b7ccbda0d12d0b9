//! Validation of a layout: its attribute arguments against its signature.

use syn::{ItemFn, Type};

use super::attr::LayoutArgs;
use super::{Layout, LayoutParam, SubRoute, full_path};
use crate::errors::Errors;
use crate::route::route_ident;
use crate::{axum_path, signature};

/// Builds the [`Layout`] model, recording every problem in `errors`. Returns `None` only when
/// no model can be built at all.
pub(crate) fn check(args: LayoutArgs, function: &ItemFn, errors: &mut Errors) -> Option<Layout> {
    let name = function.sig.ident.clone();
    let params = signature::params("#[layout]", &function.sig, errors);

    let declared = |ident: &syn::Ident| args.slots.contains(ident);
    let mut children = None;
    let mut layout_params = Vec::new();
    let mut taken = Vec::new();
    let mut state = args.state.clone();
    for param in params {
        let slot_name = param
            .name
            .as_ref()
            .filter(|name| declared(name) || *name == "children");
        match slot_name {
            Some(slot) => {
                if !signature::is_fragment(&param.ty) {
                    errors.push(syn::Error::new_spanned(
                        &param.ty,
                        format!("the parameter for slot `{slot}` must have type `Fragment`"),
                    ));
                }
                if *slot == "children" {
                    children = Some(slot.clone());
                } else {
                    taken.push(slot.clone());
                }
                layout_params.push(LayoutParam::Fragment(slot.clone()));
            }
            None if signature::is_fragment(&param.ty) => {
                let what = param
                    .name
                    .as_ref()
                    .map_or_else(|| "this parameter".to_owned(), |name| format!("`{name}`"));
                errors.push(syn::Error::new_spanned(
                    &param.ty,
                    format!(
                        "{what} is a `Fragment` but not a declared slot of layout `{name}`; {}",
                        declared_list(&args.slots)
                    ),
                ));
            }
            None => {
                if state.is_none() {
                    state = signature::state_type(&param.ty);
                }
                layout_params.push(LayoutParam::Extractor(Box::new(param.ty)));
            }
        }
    }

    for slot in &args.slots {
        if !taken.contains(slot) {
            errors.push(syn::Error::new(
                slot.span(),
                format!(
                    "layout `{name}` declares slot `{slot}` but does not take it: add the parameter `{slot}: Fragment` to `{name}`"
                ),
            ));
        }
    }

    let (path, path_span) = match &args.path {
        Some(path) => (path.value(), path.span()),
        None => (format!("/{name}"), name.span()),
    };
    let slot_names: Vec<String> = args
        .slots
        .iter()
        .chain(&children)
        .map(|slot| syn::ext::IdentExt::unraw(slot).to_string())
        .collect();
    let mut paths = axum_path::Paths::default();
    if let Err(message) = paths.add(&path, &slot_names) {
        errors.push(syn::Error::new(path_span, message));
    }
    let mut routes: Vec<SubRoute> = Vec::new();
    for literal in &args.routes {
        let route = literal.value();
        let marker = route_ident(&route, literal.span());
        if !route.starts_with('/') || route == "/" {
            errors.push(syn::Error::new(
                literal.span(),
                format!("a route is a path below the layout's, such as \"/week\"; found {route:?}"),
            ));
        } else if let Some(twin) = routes.iter().find(|seen| seen.marker == marker) {
            errors.push(syn::Error::new(
                literal.span(),
                format!(
                    "routes {:?} and {route:?} are too alike: they would share the name `{marker}`",
                    twin.literal.value()
                ),
            ));
        } else if let Err(message) = paths.add(&full_path(&path, &route), &slot_names) {
            errors.push(syn::Error::new(literal.span(), message));
        } else {
            routes.push(SubRoute {
                literal: literal.clone(),
                marker,
            });
        }
    }
    if let Some(parent) = args.parent.as_ref().filter(|parent| parent.is_ident(&name)) {
        errors.push(syn::Error::new_spanned(
            parent,
            format!("layout `{name}` cannot be its own parent"),
        ));
    }

    Some(Layout {
        vis: function.vis.clone(),
        name,
        path,
        slots: args.slots,
        children,
        params: layout_params,
        state: state.unwrap_or_else(unit),
        output_span: signature::output_span(&function.sig),
        stream: args.stream,
        routes,
        parent: args.parent,
        fragments: args.fragments.unwrap_or(true),
        timeout_ms: args.timeout_ms,
    })
}

fn declared_list(slots: &[syn::Ident]) -> String {
    if slots.is_empty() {
        return "it declares no slots (`slots(...)`), and only `children` receives the page"
            .to_owned();
    }
    let names: Vec<String> = slots.iter().map(|slot| format!("`{slot}`")).collect();
    format!(
        "declared slots: {} (and `children` for the page)",
        names.join(", ")
    )
}

fn unit() -> Type {
    syn::parse_quote!(())
}
