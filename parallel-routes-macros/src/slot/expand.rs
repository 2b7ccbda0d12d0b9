//! Code generation for `#[slot]` and `#[page]`. See ARCHITECTURE.md.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote_spanned};
use syn::Ident;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::{Slot, SlotRoute};
use crate::route::route_ident;

/// The slot's registration, sent through the layout's `__slot!` macro (which checks the slot
/// name): `HAS_HANDLER = true` on the marker, and `SlotHandler` to extract and call it.
pub(crate) fn slot(slot: &Slot) -> TokenStream {
    let Slot {
        layout,
        function,
        args,
        state,
        ..
    } = slot;
    let private = hygienic!(::parallel_routes::__private);
    let vars: Vec<Ident> = (0..args.len())
        .map(|i| format_ident!("arg_{}", i, span = proc_macro2::Span::mixed_site()))
        .collect();
    // A loading slot's output is checked to carry no `Head` (it would come after the shell).
    let outcome = if slot.loading.is_some() {
        quote_spanned! {slot.output_span=>
            #private::SlotOutput::into_outcome(#private::streamed_output(#function( #( #vars ),* ).await))
        }
    } else {
        quote_spanned! {slot.output_span=>
            #private::SlotOutput::into_outcome(#function( #( #vars ),* ).await)
        }
    };
    let meta = meta(slot);
    let meta_of_self = hygienic!(<Self as #private::SlotHandler<__S>>::META);
    let lookup = format_ident!("lookup", span = proc_macro2::Span::mixed_site());
    // A cached slot reads its entry (or fills it) around the handler, inside its boundary.
    let handler = if slot.cache.is_some() {
        hygienic!(#private::cached(#lookup, async move { #outcome }))
    } else {
        hygienic!(async move { #outcome })
    };
    let run = hygienic! {
        #private::run_slot(|| #meta_of_self, timed, #handler)
    };
    let lookup_stmt = slot
        .cache
        .is_some()
        .then(|| hygienic!(let #lookup = #private::cache_lookup(parts, #meta_of_self);));
    let extract = if let Some(when) = &slot.when {
        // The guard first; a refused slot extracts nothing and renders empty.
        let (parts, state) = (hygienic!(parts), hygienic!(state));
        let guard = quote_spanned! {when.span()=>
            #private::when::<_, __S, _>(#when, #meta_of_self, #parts, #state).await?
        };
        let mut bound: Vec<&Ident> = vars.iter().collect();
        if slot.cache.is_some() {
            bound.push(&lookup);
        }
        async_extract(hygienic! {
                let allowed = if #guard {
                    #( let #vars = #private::extract::<#args, __S>(parts, state).await?; )*
                    #lookup_stmt
                    ::core::option::Option::Some(( #( #bound, )* ))
                } else {
                    ::core::option::Option::None
                };
                ::core::result::Result::Ok(move |timed: bool| match allowed {
                    ::core::option::Option::Some(( #( #bound, )* )) => #private::Either::Left(#run),
                    ::core::option::Option::None => #private::Either::Right(#private::refused(#meta_of_self)),
                })
        })
    } else if args.is_empty() {
        // Nothing to extract: a future that is ready at once, not an `async fn`'s state
        // machine (which a page of thirty slots would poll thirty times).
        let parts = if slot.cache.is_some() {
            hygienic!(parts)
        } else {
            hygienic!(_)
        };
        hygienic! {
            fn extract(
                #parts: &mut #private::axum::http::request::Parts,
                _: &__S,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<
                    impl #private::SlotCall + use<__S>,
                    #private::axum::response::Response,
                >,
            > + ::core::marker::Send {
                #lookup_stmt
                ::core::future::ready(::core::result::Result::Ok(move |timed: bool| #run))
            }
        }
    } else {
        async_extract(hygienic! {
            #( let #vars = #private::extract::<#args, __S>(parts, state).await?; )*
            #lookup_stmt
            ::core::result::Result::Ok(move |timed: bool| #run)
        })
    };
    // A cached slot without a key reads only what its key holds (else the fragment of one
    // user would be served to the next). An argument bound to `_` cannot be read: a guard.
    let cache_checks = match &slot.cache {
        Some(cache) if cache.key.is_none() => args
            .iter()
            .zip(&slot.wild)
            .filter(|(_, wild)| !**wild)
            .map(|(ty, _)| {
                quote_spanned! {ty.span()=>
                    let _ = ::parallel_routes::__private::cache_safe::<#ty>;
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let cache_checks =
        (!cache_checks.is_empty()).then(|| hygienic!(const _: () = { #( #cache_checks )* };));
    let checks = args.iter().map(|ty| {
        quote_spanned! {ty.span()=>
            let _ = ::parallel_routes::__private::slot_arg::<#ty, #state>;
        }
    });
    let checks = (!args.is_empty()).then(|| hygienic!(const _: () = { #( #checks )* };));
    let marker = marker(slot);
    let nested = nested_check(slot, &marker);
    let registered = registration(
        slot,
        hygienic! {
            impl<__S> #private::SlotHandler<__S> for #marker
            where
                __S: ::core::marker::Send + ::core::marker::Sync,
                #( #args: #private::SlotArg<__S>, )*
            {
                #meta

                #extract
            }

            #checks
            #cache_checks
            #nested
        },
    );
    let exists = layout_exists(layout);
    hygienic! {
        #registered
        #exists
    }
}

/// What a slot with invalid input still registers, so that its layout does not also report it
/// as missing: a handler that never runs (the crate does not compile).
pub(crate) fn fallback(slot: &Slot) -> TokenStream {
    let private = hygienic!(::parallel_routes::__private);
    let marker = marker(slot);
    registration(
        slot,
        hygienic! {
            impl<__S> #private::SlotHandler<__S> for #marker {
                const META: &'static #private::SlotMeta = <#private::Missing as #private::SlotHandler<__S>>::META;

                fn extract(
                    parts: &mut #private::axum::http::request::Parts,
                    state: &__S,
                ) -> impl ::core::future::Future<
                    Output = ::core::result::Result<
                        impl #private::SlotCall + use<__S>,
                        #private::axum::response::Response,
                    >,
                > + ::core::marker::Send {
                    <#private::Missing as #private::SlotHandler<__S>>::extract(parts, state)
                }
            }
        },
    )
}

/// `const META`: the slot's names, fallback and loading placeholder, for its error boundary
/// and for the page, which streams when a slot has `loading`.
fn meta(slot: &Slot) -> TokenStream {
    let private = hygienic!(::parallel_routes::__private);
    let layout = slot.layout_name();
    let name = slot.slot.unraw().to_string();
    let fallback = match &slot.error {
        Some(path) => quote_spanned! {path.span()=>
            ::core::option::Option::Some({
                // Named so as not to hide a user function called `fallback`.
                fn __parallel_routes_fallback(error: &::parallel_routes::SlotError) -> ::parallel_routes::Fragment {
                    ::parallel_routes::IntoFragment::into_fragment(#path(error))
                }
                __parallel_routes_fallback
            })
        },
        None => hygienic!(::core::option::Option::None),
    };
    let loading = match &slot.loading {
        Some(path) => quote_spanned! {path.span()=>
            ::core::option::Option::Some({
                // Named so as not to hide a user function called `loading`.
                fn __parallel_routes_loading() -> ::parallel_routes::Fragment {
                    ::parallel_routes::IntoFragment::into_fragment(#path())
                }
                __parallel_routes_loading
            })
        },
        None => hygienic!(::core::option::Option::None),
    };
    // Its own `timeout_ms`, else its layout's (which falls back on the layout's parents').
    let timeout = match slot.timeout_ms {
        Some(millis) => {
            hygienic!(::core::option::Option::Some(#private::Duration::from_millis(#millis)))
        }
        None => {
            let layout = &slot.layout;
            hygienic!(<#layout::Level>::TIMEOUT)
        }
    };
    let function = &slot.function;
    let depends = slot.reads;
    // Whether it may set the head: from its return type's `SlotOutput` (an `impl Trait` cannot
    // be named: taken to; `()` is reported elsewhere).
    let head = match &slot.output {
        Some(ty) if !mentions_impl(ty) => hygienic! {{
            #[allow(unused_imports)]
            use #private::NoHeadProbe as _;
            <#private::HeadProbe<#ty>>::HEAD
        }},
        Some(_) => hygienic!(true),
        None => hygienic!(false),
    };
    let cache = match &slot.cache {
        Some(cache) => {
            let (max_age, stale, tags) = (cache.max_age, cache.stale, &cache.tags);
            // Per user: a key names it, a guard decides whether it shows.
            let per_user = cache.key.is_some() || slot.when.is_some();
            let key = match &cache.key {
                Some(path) => quote_spanned! {path.span()=>
                    ::core::option::Option::Some({
                        // Named so as not to hide a user function called `key`.
                        fn __parallel_routes_key(
                            parts: &::parallel_routes::__private::axum::http::request::Parts,
                        ) -> ::std::string::String {
                            #path(parts)
                        }
                        __parallel_routes_key
                    })
                },
                None => hygienic!(::core::option::Option::None),
            };
            quote_spanned! {cache.span=>
                ::core::option::Option::Some(&#private::CacheMeta {
                    max_age: #private::Duration::from_secs(#max_age),
                    stale: #private::Duration::from_secs(#stale),
                    tags: &[ #( #tags ),* ],
                    key: #key,
                    private: #per_user,
                })
            }
        }
        None => hygienic!(::core::option::Option::None),
    };
    hygienic! {
        const META: &'static #private::SlotMeta = &#private::SlotMeta {
            layout: #layout,
            slot: #name,
            fallback: #fallback,
            loading: #loading,
            timeout: #timeout,
            handler: ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#function)),
            depends: #depends,
            cache: #cache,
            head: #head,
        };
    }
}

/// `layout::__slot! { name route { impl Marker { HAS_HANDLER = true } <handler_impl> } }`
fn registration(slot: &Slot, handler_impl: TokenStream) -> TokenStream {
    let Slot {
        layout, slot: name, ..
    } = slot;
    let marker = marker(slot);
    let route = match &slot.route {
        SlotRoute::Index => hygienic!(index),
        SlotRoute::Route(literal) => hygienic!(#literal),
        SlotRoute::Default(span) => quote_spanned!(*span=> default),
    };
    hygienic! {
        #layout::__slot! { #name #route {
            impl #marker {
                #[doc(hidden)]
                pub const HAS_HANDLER: bool = true;
            }

            #handler_impl
        } }
    }
}

/// A `#[page]` for a route where a nested layout is the page: an error at the route (`NESTED`
/// is set by the nested layout, through the layout's `__slot!`).
fn nested_check(slot: &Slot, marker: &TokenStream) -> Option<TokenStream> {
    if slot.slot != "children" {
        return None;
    }
    let name = slot.layout_name();
    let (span, route) = match &slot.route {
        SlotRoute::Index => (slot.layout.span(), "its index route".to_owned()),
        SlotRoute::Route(literal) => (literal.span(), format!("route {:?}", literal.value())),
        SlotRoute::Default(_) => return None,
    };
    let message = crate::panic_message(&format!(
        "a layout nested in `{name}` serves {route}, and is `{name}`'s `children` there: remove this `#[page]` (the nested layout's own `#[page]` is the page)"
    ));
    Some(quote_spanned! {span=>
        const _: () = {
            #[allow(unused_imports)]
            use ::parallel_routes::__private::NoHandler as _;
            if <#marker>::NESTED {
                ::core::panic!(#message)
            }
        };
    })
}

/// `layout::Handler<layout::slot::name, layout::route::index>` (or the route's marker, or
/// `default`).
fn marker(slot: &Slot) -> TokenStream {
    let Slot {
        layout, slot: name, ..
    } = slot;
    let route = match &slot.route {
        SlotRoute::Index => hygienic!(index),
        SlotRoute::Route(literal) => {
            route_ident(&literal.value(), literal.span()).into_token_stream()
        }
        SlotRoute::Default(span) => quote_spanned!(*span=> default),
    };
    hygienic!(#layout::Handler<#layout::slot::#name, #layout::route::#route>)
}

/// Names the layout function as a value, so that a misspelt layout gets rustc's own
/// "a function with a similar name exists" hint at the user's path.
fn layout_exists(layout: &syn::Path) -> TokenStream {
    quote_spanned! {layout.span()=>
        const _: () = {
            let _ = #layout;
        };
    }
}

/// Whether `ty` has an `impl Trait` anywhere in it (it cannot be named in a constant).
fn mentions_impl(ty: &syn::Type) -> bool {
    fn any_impl(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident == "impl",
            proc_macro2::TokenTree::Group(group) => any_impl(group.stream()),
            _ => false,
        })
    }
    any_impl(ty.to_token_stream())
}

/// `SlotHandler::extract` as an `async fn` of the request head with `body`: a slot with
/// arguments to extract (or a `when` guard to run).
fn async_extract(body: TokenStream) -> TokenStream {
    let private = hygienic!(::parallel_routes::__private);
    hygienic! {
        async fn extract(
            parts: &mut #private::axum::http::request::Parts,
            state: &__S,
        ) -> ::core::result::Result<
            impl #private::SlotCall + use<__S>,
            #private::axum::response::Response,
        > {
            #body
        }
    }
}
