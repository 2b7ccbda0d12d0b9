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
    /// `cache(max_age = 60, ...)`
    pub(crate) cache: Option<CacheArgs>,
    /// `when = path::to::guard`
    pub(crate) when: Option<syn::Path>,
}

/// `cache(max_age = 60, stale_while_revalidate = 300, tags("posts"), key = f)`.
pub(crate) struct CacheArgs {
    /// Where `cache` is written.
    pub(crate) span: Span,
    /// Seconds, more than 0.
    pub(crate) max_age: u64,
    /// Seconds.
    pub(crate) stale: u64,
    pub(crate) tags: Vec<syn::LitStr>,
    /// `key = f`, `fn f(&Parts) -> String`.
    pub(crate) key: Option<syn::Path>,
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

const EXPECTED: &str = "`route = \"/path\"`, `default`, `loading = placeholder_fn`, `error = fallback_fn`, `timeout_ms = N`, `state = Type`, `cache(max_age = N, ...)`, `when = guard_fn`";

const CACHE_EXPECTED: &str =
    "`max_age = N` (seconds), `stale_while_revalidate = N`, `tags(\"tag\", ...)`, `key = key_fn`";

/// `cache(...)`'s arguments; `span` is where `cache` is written.
fn cache_args(
    meta: &syn::meta::ParseNestedMeta,
    errors: &mut Errors,
) -> syn::Result<Option<CacheArgs>> {
    let span = syn::spanned::Spanned::span(&meta.path);
    let (mut max_age, mut stale, mut tags, mut key) = (None, None, Vec::new(), None);
    // Given, even if not valid (reported where it is written): no second error for it.
    let mut max_age_given = false;
    let seconds = |inner: &syn::meta::ParseNestedMeta,
                   what: &str,
                   errors: &mut Errors|
     -> syn::Result<Option<u64>> {
        let literal: syn::LitInt = inner.value()?.parse().map_err(|err| {
            syn::Error::new(
                err.span(),
                format!("expected a number of seconds, e.g. `{what} = 60`"),
            )
        })?;
        match literal.base10_parse::<u64>() {
            Ok(0) if what == "max_age" => {
                errors.push(syn::Error::new(
                    literal.span(),
                    "`max_age` must be a whole number of seconds greater than 0",
                ));
                Ok(None)
            }
            Ok(seconds) => Ok(Some(seconds)),
            Err(_) => {
                errors.push(syn::Error::new(
                    literal.span(),
                    format!("`{what}` must be a whole number of seconds"),
                ));
                Ok(None)
            }
        }
    };
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("max_age") {
            if max_age.is_some() {
                errors.push(duplicate(&inner, "max_age"));
            }
            max_age_given = true;
            max_age = seconds(&inner, "max_age", errors)?.or(max_age);
        } else if inner.path.is_ident("stale_while_revalidate") {
            if stale.is_some() {
                errors.push(duplicate(&inner, "stale_while_revalidate"));
            }
            stale = seconds(&inner, "stale_while_revalidate", errors)?.or(stale);
        } else if inner.path.is_ident("tags") {
            let content;
            syn::parenthesized!(content in inner.input);
            let list =
                syn::punctuated::Punctuated::<syn::LitStr, Token![,]>::parse_terminated(&content)
                    .map_err(|err| {
                    syn::Error::new(
                        err.span(),
                        "expected tags as strings, e.g. `tags(\"posts\")`",
                    )
                })?;
            tags.extend(list);
        } else if inner.path.is_ident("key") {
            if key.is_some() {
                errors.push(duplicate(&inner, "key"));
            }
            key = Some(function_path(
                inner.value()?,
                "a function `fn(&Parts) -> String`",
            )?);
        } else {
            errors.push(syn::Error::new_spanned(
                &inner.path,
                format!(
                    "unknown `cache` option `{}`; expected {CACHE_EXPECTED}",
                    crate::attr::key(&inner)
                ),
            ));
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    let Some(max_age) = max_age else {
        if max_age_given {
            return Ok(None);
        }
        errors.push(syn::Error::new(
            span,
            "`cache(...)` needs `max_age = N`: how many seconds the fragment stays fresh",
        ));
        return Ok(None);
    };
    Ok(Some(CacheArgs {
        span,
        max_age,
        stale: stale.unwrap_or(0),
        tags,
        key,
    }))
}

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
    let (mut cache, mut when) = (None, None);
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
            error = Some(function_path(
                value,
                "a function `fn(&SlotError) -> impl IntoFragment`",
            )?);
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
            loading = Some(function_path(
                value,
                "a function `fn() -> impl IntoFragment`",
            )?);
            Ok(())
        } else if meta.path.is_ident("cache") {
            // #[slot(layout, slot, cache(max_age = 60))]
            if cache.is_some() {
                errors.push(duplicate(&meta, "cache"));
            }
            if let Some(args) = cache_args(&meta, errors)? {
                cache = Some(args);
            }
            Ok(())
        } else if meta.path.is_ident("when") {
            // #[slot(layout, slot, when = path::to::guard)]
            if when.is_some() {
                errors.push(duplicate(&meta, "when"));
            }
            let value = meta.value()?;
            when = Some(function_path(
                value,
                "an `async fn` of request-head extractors returning `bool`",
            )?);
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
        cache,
        when,
    })
}

/// The path of a function given as an option's value (`loading = skeleton`); else an error
/// at the value saying what was expected (`what`).
fn function_path(value: ParseStream, what: &str) -> syn::Result<syn::Path> {
    value
        .call(syn::Path::parse_mod_style)
        .map_err(|err| syn::Error::new(err.span(), format!("expected the path of {what}")))
}
