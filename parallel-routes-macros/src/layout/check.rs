//! Validation of a layout: its attribute arguments against its signature.

use syn::{Ident, ItemFn, Type};

use super::attr::{LayoutArgs, RouteArg};
use super::{Layout, LayoutParam, SubRoute, Variant, full_path};
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
    let reads = crate::depends::Reads::of(
        params
            .iter()
            .filter(|param| {
                !param.discarded
                    && !signature::is_fragment(&param.ty)
                    && !signature::is_head(&param.ty)
            })
            .map(|param| &param.ty),
    );
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
            None if signature::is_head(&param.ty) => {
                if layout_params.iter().any(|p| matches!(p, LayoutParam::Head)) {
                    errors.push(syn::Error::new_spanned(
                        &param.ty,
                        "a layout takes its `Head` once: this is a second `Head` parameter",
                    ));
                } else {
                    layout_params.push(LayoutParam::Head);
                }
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
    let mut written = Vec::new();
    for arg in &args.routes {
        let literal = &arg.literal;
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
            written.push(arg.clone());
        }
    }
    // Named once the paths are known to be good (a bad one is reported once, above).
    let variants = if errors.is_empty() {
        variants(&path, path_span, &written, errors)
    } else {
        Vec::new()
    };
    if let (Some(parent), Some(mode)) = (&args.parent, &args.stream) {
        errors.push(syn::Error::new(
            mode.span(),
            format!(
                "a nested layout's loading slots stream in the mode of the outermost layout: remove `stream = ...` here, and set it on the outermost layout of the chain (`{}`, or the layout above it)",
                quote::ToTokens::to_token_stream(parent)
            ),
        ));
    }
    if let Some(parent) = args.parent.as_ref().filter(|parent| parent.is_ident(&name)) {
        errors.push(syn::Error::new_spanned(
            parent,
            format!("layout `{name}` cannot be its own parent"),
        ));
    }

    for (slot, _) in &args.targets {
        let known = declared(slot) || (slot == "children" && children.is_some());
        if !known {
            errors.push(syn::Error::new(
                slot.span(),
                format!(
                    "`targets(...)` names `{slot}`, which is not a slot of layout `{name}`; {}",
                    declared_list(&args.slots)
                ),
            ));
        }
    }

    Some(Layout {
        vis: function.vis.clone(),
        name,
        path,
        path_span,
        slots: args.slots,
        children,
        takes_head: layout_params
            .iter()
            .any(|param| matches!(param, LayoutParam::Head)),
        params: layout_params,
        state: state.unwrap_or_else(unit),
        output_span: signature::output_span(&function.sig),
        stream: args.stream,
        routes,
        parent: args.parent,
        fragments: args.fragments.unwrap_or(true),
        timeout_ms: args.timeout_ms,
        variants,
        targets: args.targets,
        reads,
    })
}

/// The `Route` enum's variants: `Index` for the layout's path, then one per route, named by
/// `route::variant_name` or `as Name`; two routes with one name, or a parameter that cannot
/// name a field, are errors at the route.
pub(crate) fn variants(
    path: &str,
    path_span: proc_macro2::Span,
    routes: &[RouteArg],
    errors: &mut Errors,
) -> Vec<Variant> {
    let span = proc_macro2::Span::call_site();
    let fields = |path: &str, at: proc_macro2::Span, errors: &mut Errors| -> Vec<Ident> {
        let mut params = crate::route::params(path);
        // A parameter twice is refused with the path (`axum_path`); here, one field for it.
        let mut seen = Vec::new();
        params.retain(|param| {
            let first = !seen.contains(param);
            seen.push(*param);
            first
        });
        params
            .into_iter()
            .filter_map(|param| {
                let field = syn::parse_str::<Ident>(param)
                    .or_else(|_| syn::parse_str::<Ident>(&format!("r#{param}")));
                match field {
                    Ok(mut field) => {
                        field.set_span(at);
                        Some(field)
                    }
                    Err(_) => {
                        errors.push(syn::Error::new(
                            at,
                            format!("the path parameter `{{{param}}}` cannot name a field of the layout's `Route` enum: use a Rust identifier"),
                        ));
                        None
                    }
                }
            })
            .collect()
    };
    let mut variants = vec![Variant {
        name: Ident::new("Index", span),
        fields: fields(path, path_span, errors),
        path: path.to_owned(),
    }];
    // What each variant after `Index` was named for, for the error of a twin.
    let mut named_for: Vec<String> = Vec::new();
    for route in routes {
        let value = route.literal.value();
        let at = route.literal.span();
        let derived = crate::route::variant_name(&value);
        let name = match (&route.name, &derived) {
            (Some(name), _) => name.to_string(),
            (None, Some(name)) => name.clone(),
            (None, None) => {
                errors.push(syn::Error::new(
                    at,
                    format!("the route {value:?} cannot name a variant of the layout's `Route` enum: it has no segment; name it: `{value:?} as Name`"),
                ));
                continue;
            }
        };
        if let Some(at_twin) = variants.iter().position(|variant| variant.name == name) {
            let twin = match at_twin {
                0 => "the layout's own path".to_owned(),
                n => named_for[n - 1].clone(),
            };
            let suggestion = crate::route::variant_name_with_params(&value)
                .filter(|long| *long != name)
                .unwrap_or_else(|| format!("{name}2"));
            errors.push(syn::Error::new(
                route.name.as_ref().map_or(at, Ident::span),
                format!("the route {value:?} would be `Route::{name}`, as is {twin}: rename one, or name its variant: `{value:?} as {suggestion}`"),
            ));
            continue;
        }
        let full = full_path(path, &value);
        let fields = fields(&full, at, errors);
        named_for.push(format!("route {value:?}"));
        variants.push(Variant {
            name: route
                .name
                .clone()
                .unwrap_or_else(|| Ident::new(&name, span)),
            fields,
            path: full,
        });
    }
    variants
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
