//! Parsing of `#[slot(...)]`'s and `#[page(...)]`'s arguments.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Token, Type};

use crate::attr::{duplicate, key, skip_value, timeout_millis};
use crate::errors::Errors;

/// Which attribute is being parsed.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// `#[slot(layout, slot, ...)]`
    Slot,
    /// `#[page(layout, ...)]`, the same as `#[slot(layout, children, ...)]`
    Page,
}

impl Kind {
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Kind::Slot => "#[slot]",
            Kind::Page => "#[page]",
        }
    }
}

/// The arguments of `#[slot(...)]` or `#[page(...)]`, as written.
pub(crate) struct SlotArgs {
    /// The path to the layout function, e.g. `dashboard` or `crate::pages::dashboard`.
    pub(crate) layout: syn::Path,
    /// The slot's name; for `#[page]`, `children` spanned at the layout path.
    pub(crate) slot: Ident,
    /// `state = AppState`
    pub(crate) state: Option<Type>,
    /// `error = path::to::fallback`
    pub(crate) error: Option<syn::Path>,
    /// `timeout_ms = 800`
    pub(crate) timeout_ms: Option<u64>,
    /// `loading = path::to::skeleton`
    pub(crate) loading: Option<syn::Path>,
    /// `route = "/week"`, or `default`.
    pub(crate) route: SlotRoute,
}

/// Which of its layout's routes a handler serves.
#[derive(Clone)]
pub(crate) enum SlotRoute {
    /// The layout's own path.
    Index,
    /// `route = "/week"`
    Route(syn::LitStr),
    /// `default`: every route without a handler of its own.
    Default(proc_macro2::Span),
}

const EXPECTED: &str = "`route = \"/path\"`, `default`, `loading = placeholder_fn`, `error = fallback_fn`, `timeout_ms = N`, `state = Type`";

pub(crate) fn parse(kind: Kind, args: TokenStream, errors: &mut Errors) -> Option<SlotArgs> {
    if args.is_empty() {
        let usage = match kind {
            Kind::Slot => "`#[slot(layout, slot_name)]`, e.g. `#[slot(dashboard, latest)]`",
            Kind::Page => "`#[page(layout)]`, e.g. `#[page(dashboard)]`",
        };
        errors.push(syn::Error::new(
            Span::call_site(),
            format!("expected {usage}"),
        ));
        return None;
    }

    // #[slot(path::to::layout, slot_name, options...)] / #[page(path::to::layout, options...)]
    let head = |input: ParseStream| -> syn::Result<(syn::Path, Option<Ident>, TokenStream)> {
        let layout = input.call(syn::Path::parse_mod_style)?;
        let slot = match kind {
            Kind::Slot => {
                input.parse::<Token![,]>()?;
                Some(input.parse::<Ident>().map_err(|err| {
                    syn::Error::new(err.span(), "expected the slot's name after the layout")
                })?)
            }
            Kind::Page => None,
        };
        let rest = if input.is_empty() {
            TokenStream::new()
        } else {
            input.parse::<Token![,]>()?;
            input.parse()?
        };
        Ok((layout, slot, rest))
    };
    let (layout, slot, rest) = errors.take(head.parse2(args))?;
    let slot = slot.unwrap_or_else(|| {
        let span = layout
            .segments
            .last()
            .map_or_else(Span::call_site, |segment| segment.ident.span());
        Ident::new("children", span)
    });

    let (mut state, mut error, mut timeout_ms, mut loading) = (None, None, None, None);
    let mut route = SlotRoute::Index;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("state") {
            // #[slot(layout, slot, state = AppState)]
            if state.is_some() {
                errors.push(duplicate(&meta, "state"));
            }
            state = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("error") {
            // #[slot(layout, slot, error = path::to::fallback)]
            if error.is_some() {
                errors.push(duplicate(&meta, "error"));
            }
            let value = meta.value()?;
            error = Some(value.call(syn::Path::parse_mod_style).map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "expected the path of a function `fn(&SlotError) -> impl IntoFragment`",
                )
            })?);
            Ok(())
        } else if meta.path.is_ident("timeout_ms") {
            // #[slot(layout, slot, timeout_ms = 800)]
            if timeout_ms.is_some() {
                errors.push(duplicate(&meta, "timeout_ms"));
            }
            if let Some(millis) = timeout_millis(&meta, errors)? {
                timeout_ms = Some(millis);
            }
            Ok(())
        } else if meta.path.is_ident("loading") {
            // #[slot(layout, slot, loading = path::to::skeleton)]
            if loading.is_some() {
                errors.push(duplicate(&meta, "loading"));
            }
            let value = meta.value()?;
            loading = Some(value.call(syn::Path::parse_mod_style).map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "expected the path of a function `fn() -> impl IntoFragment`",
                )
            })?);
            Ok(())
        } else if meta.path.is_ident("route") {
            // #[slot(layout, slot, route = "/week")]
            if !matches!(route, SlotRoute::Index) {
                errors.push(syn::Error::new_spanned(
                    &meta.path,
                    "give one of `route = \"...\"` and `default`, once",
                ));
            }
            let literal: syn::LitStr = meta.value()?.parse().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "expected the route as a string, e.g. `route = \"/week\"`",
                )
            })?;
            route = SlotRoute::Route(literal);
            Ok(())
        } else if meta.path.is_ident("default") {
            // #[slot(layout, slot, default)]
            if !matches!(route, SlotRoute::Index) {
                errors.push(syn::Error::new_spanned(
                    &meta.path,
                    "give one of `route = \"...\"` and `default`, once",
                ));
            }
            route = SlotRoute::Default(syn::spanned::Spanned::span(&meta.path));
            Ok(())
        } else {
            errors.push(syn::Error::new_spanned(
                &meta.path,
                format!(
                    "unknown `{}` option `{}`; expected {EXPECTED}",
                    kind.attr(),
                    key(&meta)
                ),
            ));
            skip_value(&meta)
        }
    });
    let result = parser.parse2(rest);
    errors.take(result);
    Some(SlotArgs {
        layout,
        slot,
        state,
        error,
        timeout_ms,
        loading,
        route,
    })
}
