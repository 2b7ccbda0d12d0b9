//! Code generation for what runs on a request, emitted beside the function so that the
//! extractor types resolve as the user wrote them:
//!
//! * the guard every endpoint runs first (`impl LayoutGuard for <layout>::Level`): the parents'
//!   extractors, root first, then the layout's own;
//! * the page on each route (`impl LayoutHandler for <layout>::Layout<route>`);
//! * for a nested layout, the same page as its parent's `children`
//!   (`impl NestedPage for <layout>::Layout<route>`), rendered through the parent's page on
//!   the same path (`parent::__slot!(@route "/full/path" (parent))`), and its registration as
//!   the parent's `children` on each of its paths (`@nested`);
//! * for a layout with `children`, how its page on each route renders what it nests (`impl
//!   ParentLayout for <layout>::Layout<route>`) and, when it is nested itself, how it becomes
//!   its own parent's `children` around that page (`impl NestedPage for
//!   <layout>::Nest<route, Page>`).
//!
//! A nested page runs from the root down: the root's `nest` extracts the root's arguments,
//! then asks the level below to `start` (its arguments, the levels below it, its slots), then
//! extracts its own slots, and runs every level's slots at once. So the guards run root
//! first, and no extracted value leaves the code of its own layout.

use proc_macro2::TokenStream;
use quote::{format_ident, quote_spanned};
use syn::Ident;

use super::{Layout, LayoutParam, RouteView};

/// Where the page's `children` comes from.
#[derive(Clone, Copy, PartialEq)]
enum Children {
    /// Its own `#[page]` handler (or none taken).
    Page,
    /// The nested page `K`, started once the layout's own arguments are extracted.
    Nested,
}

/// What a render does with the slots it extracted.
#[derive(Clone, Copy, PartialEq)]
enum Tail {
    /// Runs them and sends the page (the outermost layout).
    Respond,
    /// Returns the page as a future: the parent's `children` (a nested layout).
    Nest,
}

/// Per route: the page handler, and for a nested layout the page as its parent's children.
pub(crate) fn pages(layout: &Layout) -> TokenStream {
    let name = &layout.name;
    let private = hygienic!(::parallel_routes::__private);
    layout
        .routes()
        .iter()
        .map(|route| {
            let marker = &route.marker;
            let page = hygienic!(#name::Layout<#name::route::#marker>);
            if layout.children.is_some() {
                return own_page(layout, route, &page);
            }
            let Some(parent) = &layout.parent else {
                let (bounds, body, _) = render(layout, marker, Children::Page, Tail::Respond);
                return hygienic! {
                    impl<__S> #private::LayoutHandler<__S> for #page
                    where
                        __S: ::core::marker::Send + ::core::marker::Sync + 'static,
                        #( #bounds )*
                    {
                        // The extraction, an `async` block that owns the request head, then
                        // what it returns: the slots and the layout, which do not need it.
                        fn render(
                            mut parts: #private::axum::http::request::Parts,
                            state: __S,
                        ) -> impl ::core::future::Future<Output = #private::axum::response::Response> + ::core::marker::Send {
                            #private::render(async move {
                                let parts = &mut parts;
                                let state = &state;
                                let timed = #private::timing_requested(parts);
                                #body
                            })
                        }
                    }
                };
            };
            let (bounds, body, streams) = render(layout, marker, Children::Page, Tail::Nest);
            let start = start(layout, marker, &hygienic!(__S), &page, &bounds, &body, &streams);
            let render = nested_render(&parent_page(parent, route), &page);
            hygienic! {
                #start
                #render
            }
        })
        .collect()
}

/// The parent's page on the same path as `route` (`parent::__slot!(@route "/full/path"
/// (parent))`, a type): what a nested layout's page on `route` renders through.
fn parent_page(parent: &syn::Path, route: &RouteView) -> TokenStream {
    let path = route.path_literal();
    hygienic!(#parent::__slot!(@route #path (#parent)))
}

/// A route of a layout with `children`: the layout's one generic page on that route — the same
/// that renders every nested layout on it (`ParentLayout::nest`, or `Nest` for a nested
/// layout) — with the layout's own page there (`OwnPage`) as its `children`. So the page is
/// generated once per route, not once for its own page and again for its nested layouts.
fn own_page(layout: &Layout, route: &RouteView, page: &TokenStream) -> TokenStream {
    let name = &layout.name;
    let marker = &route.marker;
    let private = hygienic!(::parallel_routes::__private);
    let children = Layout::alias(
        &Ident::new("children", proc_macro2::Span::call_site()),
        marker,
    );
    let own = hygienic!(#private::OwnPage<#name::#children>);
    match &layout.parent {
        None => hygienic! {
            impl<__S> #private::LayoutHandler<__S> for #page
            where
                __S: ::core::marker::Send + ::core::marker::Sync + 'static,
                #page: #private::ParentLayout<__S>,
                #own: #private::NestedPage<__S>,
            {
                fn render(
                    parts: #private::axum::http::request::Parts,
                    state: __S,
                ) -> impl ::core::future::Future<Output = #private::axum::response::Response> + ::core::marker::Send {
                    <#page as #private::ParentLayout<__S>>::nest::<#own>(parts, state)
                }
            }
        },
        Some(parent) => {
            let render = nested_render(&parent_page(parent, route), page);
            let nest = hygienic!(#name::Nest<#name::route::#marker, #own>);
            hygienic! {
            impl<__S> #private::NestedPage<__S> for #page
            where
                __S: ::core::marker::Send + ::core::marker::Sync + 'static,
                #nest: #private::NestedPage<__S>,
            {
                const STREAMS: bool = <#nest as #private::NestedPage<__S>>::STREAMS;

                fn rendered_at(
                    parts: &#private::axum::http::request::Parts,
                    navigation: &#private::Navigation,
                ) -> bool {
                    <#nest as #private::NestedPage<__S>>::rendered_at(parts, navigation)
                }

                fn start(
                    parts: &mut #private::axum::http::request::Parts,
                    state: &__S,
                    timed: bool,
                ) -> impl ::core::future::Future<
                    Output = ::core::result::Result<
                        impl ::core::future::Future<
                            Output = ::core::result::Result<#private::Rendered, ::parallel_routes::Interrupt>,
                        > + ::core::marker::Send + use<__S>,
                        #private::axum::response::Response,
                    >,
                > + ::core::marker::Send {
                    <#nest as #private::NestedPage<__S>>::start(parts, state, timed)
                }
            }

            #render
            }
        }
    }
}

/// A nested layout's page on one of its routes: the parent's page on the same path
/// (`parent_page`) renders it (`ParentLayout::nest`), so that the parents' extractors run
/// first.
fn nested_render(parent_page: &TokenStream, page: &TokenStream) -> TokenStream {
    let private = hygienic!(::parallel_routes::__private);
    hygienic! {
        impl<__S> #private::LayoutHandler<__S> for #page
        where
            __S: ::core::marker::Send + ::core::marker::Sync + 'static,
            #parent_page: #private::ParentLayout<__S>,
            #page: #private::NestedPage<__S>,
        {
            async fn render(
                parts: #private::axum::http::request::Parts,
                state: __S,
            ) -> #private::axum::response::Response {
                <#parent_page as #private::ParentLayout<__S>>::nest::<#page>(parts, state).await
            }
        }
    }
}

/// `impl<#generics> NestedPage for #page`, whose `start` is `body`.
fn start(
    layout: &Layout,
    route: &Ident,
    generics: &TokenStream,
    page: &TokenStream,
    bounds: &[TokenStream],
    body: &TokenStream,
    streams: &TokenStream,
) -> TokenStream {
    let private = hygienic!(::parallel_routes::__private);
    let name = &layout.name;
    let route_index = route_index(layout, route);
    let reads = layout.reads;
    hygienic! {
        impl<#generics> #private::NestedPage<__S> for #page
        where
            __S: ::core::marker::Send + ::core::marker::Sync + 'static,
            #( #bounds )*
        {
            const STREAMS: bool = #streams;

            fn rendered_at(
                parts: &#private::axum::http::request::Parts,
                navigation: &#private::Navigation,
            ) -> bool {
                #private::rendered_at(parts, navigation, &#name::__ROUTES, #route_index, #reads)
            }

            async fn start(
                parts: &mut #private::axum::http::request::Parts,
                state: &__S,
                timed: bool,
            ) -> ::core::result::Result<
                impl ::core::future::Future<
                    Output = ::core::result::Result<#private::Rendered, ::parallel_routes::Interrupt>,
                > + ::core::marker::Send + use<#generics>,
                #private::axum::response::Response,
            > {
                #body
            }
        }
    }
}

/// The layout's place in a chain of nested layouts: its depth (a cycle of `parent =` is then a
/// const-evaluation cycle that rustc reports) and its slots' default deadline; for a nested
/// layout, the check that its parent takes `children` and its registration as the parent's
/// `children` on each of its paths (`@nested`: an error there if the parent does not list
/// one); its guard; and — if it takes `children` itself — how each of its pages renders what
/// it nests.
pub(crate) fn nesting(layout: &Layout) -> TokenStream {
    let name = &layout.name;
    let private = hygienic!(::parallel_routes::__private);
    let own_timeout = layout.timeout_ms.map(
        |millis| hygienic!(::core::option::Option::Some(#private::Duration::from_millis(#millis))),
    );
    let level = match &layout.parent {
        Some(parent) => {
            let last = &parent.segments.last().expect("a path has a segment").ident;
            let timeout = own_timeout.unwrap_or_else(|| hygienic!(<#parent::Level>::TIMEOUT));
            // Each of its paths, with its own path: where the parent finds it is the page.
            let at = syn::LitStr::new(&layout.path, layout.path_span);
            let nested = layout
                .routes()
                .iter()
                .map(|route| {
                    let path = route.path_literal();
                    hygienic!(#parent::__slot! { @nested #path (#parent) #name #at })
                })
                .collect::<Vec<_>>();
            hygienic! {
                #parent::__slot! { @parent #last }
                #( #nested )*
                impl #name::Level {
                    #[doc(hidden)]
                    pub const DEPTH: usize = <#parent::Level>::DEPTH + 1;
                    #[doc(hidden)]
                    pub const TIMEOUT: ::core::option::Option<#private::Duration> = #timeout;
                    #[doc(hidden)]
                    pub fn __parent_routes() -> &'static #private::Routes {
                        &#parent::__ROUTES
                    }
                }
            }
        }
        None => {
            let timeout = own_timeout.unwrap_or_else(|| hygienic!(::core::option::Option::None));
            hygienic! {
                impl #name::Level {
                    #[doc(hidden)]
                    pub const DEPTH: usize = 0;
                    #[doc(hidden)]
                    pub const TIMEOUT: ::core::option::Option<#private::Duration> = #timeout;
                }
            }
        }
    };
    let guard = guard(layout);
    let parents: Vec<TokenStream> = if layout.children.is_some() {
        layout
            .routes()
            .iter()
            .map(|route| parent(layout, route))
            .collect()
    } else {
        Vec::new()
    };
    hygienic! {
        #level
        const _: usize = #name::Level::DEPTH;
        #guard
        #( #parents )*
    }
}

/// `impl ParentLayout for <layout>::Layout<route>`: the outermost layout renders the nested
/// page `K` inside itself, with its slots' handlers for `route`, and sends it; a nested one
/// wraps `K` in itself (`Nest<route, K>`) and hands that to its own parent's page on the same
/// path.
fn parent(layout: &Layout, route: &RouteView) -> TokenStream {
    let name = &layout.name;
    let marker = &route.marker;
    let private = hygienic!(::parallel_routes::__private);
    let page = hygienic!(#name::Layout<#name::route::#marker>);
    match &layout.parent {
        None => {
            let (bounds, body, _) = render(layout, marker, Children::Nested, Tail::Respond);
            hygienic! {
                impl<__S> #private::ParentLayout<__S> for #page
                where
                    __S: ::core::marker::Send + ::core::marker::Sync + 'static,
                    #( #bounds )*
                {
                    // The extraction, then the slots and the layout: see `render`.
                    fn nest<K>(
                        mut parts: #private::axum::http::request::Parts,
                        state: __S,
                    ) -> impl ::core::future::Future<Output = #private::axum::response::Response> + ::core::marker::Send
                    where
                        K: #private::NestedPage<__S> + 'static,
                    {
                        #private::render(async move {
                            let parts = &mut parts;
                            let state = &state;
                            let timed = #private::timing_requested(parts);
                            #body
                        })
                    }
                }
            }
        }
        Some(grandparent) => {
            let (bounds, body, streams) = render(layout, marker, Children::Nested, Tail::Nest);
            let mut start_bounds = bounds.clone();
            start_bounds.push(hygienic!(K: #private::NestedPage<__S> + 'static,));
            let nest = hygienic!(#name::Nest<#name::route::#marker, K>);
            let start = start(
                layout,
                marker,
                &hygienic!(__S, K),
                &nest,
                &start_bounds,
                &body,
                &streams,
            );
            let above = parent_page(grandparent, route);
            hygienic! {
                #start

                impl<__S> #private::ParentLayout<__S> for #page
                where
                    __S: ::core::marker::Send + ::core::marker::Sync + 'static,
                    #above: #private::ParentLayout<__S>,
                    #( #bounds )*
                {
                    async fn nest<K>(
                        parts: #private::axum::http::request::Parts,
                        state: __S,
                    ) -> #private::axum::response::Response
                    where
                        K: #private::NestedPage<__S> + 'static,
                    {
                        <#above as #private::ParentLayout<__S>>::nest::<#nest>(parts, state).await
                    }
                }
            }
        }
    }
}

/// `impl LayoutGuard for <layout>::Level`: the parent's guard first (so the root's runs first),
/// then the layout's own extractors, one after another on the request head. For `@slot`
/// endpoints, which render no layout: the values are dropped.
fn guard(layout: &Layout) -> TokenStream {
    let name = &layout.name;
    let private = hygienic!(::parallel_routes::__private);
    let extractors: Vec<&syn::Type> = layout.extractors().collect();
    let (parent_bound, parent_guard) = match &layout.parent {
        Some(parent) => (
            hygienic!(#parent::Level: #private::LayoutGuard<__S>,),
            hygienic!(<#parent::Level as #private::LayoutGuard<__S>>::guard(parts, state).await?;),
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let (parts, state) = if extractors.is_empty() && layout.parent.is_none() {
        (hygienic!(_), hygienic!(_))
    } else {
        (hygienic!(parts), hygienic!(state))
    };
    hygienic! {
        impl<__S> #private::LayoutGuard<__S> for #name::Level
        where
            __S: ::core::marker::Send + ::core::marker::Sync + 'static,
            #( #extractors: #private::LayoutArg<__S>, )*
            #parent_bound
        {
            async fn guard(
                #parts: &mut #private::axum::http::request::Parts,
                #state: &__S,
            ) -> ::core::result::Result<(), #private::axum::response::Response> {
                #parent_guard
                #( #private::extract::<#extractors, __S>(parts, state).await?; )*
                ::core::result::Result::Ok(())
            }
        }
    }
}

/// The `where` bounds and the body of a render, which has `parts: &mut Parts`, `state: &S` and
/// `timed` in scope: extract the layout's own arguments, one after another; start the nested
/// page `K` below, if `children` is one (its guards, then its slots' extractors, then the
/// levels below); extract every slot's arguments; then run all slots
/// concurrently and call the layout with their fragments — sending the page, or returning it
/// as a future for the parent.
fn render(
    layout: &Layout,
    route: &Ident,
    children: Children,
    tail: Tail,
) -> (Vec<TokenStream>, TokenStream, TokenStream) {
    let name = &layout.name;
    let private = hygienic!(::parallel_routes::__private);
    let slots: Vec<&Ident> = layout.all_slots().collect();
    let vars: Vec<Ident> = slots
        .iter()
        .map(|slot| format_ident!("slot_{}", slot, span = proc_macro2::Span::mixed_site()))
        .collect();
    // Every render returns a `Result`, whose `Err` is the rejection to send.
    let reject = hygienic!(return ::core::result::Result::Err(rejection));

    let mut bounds = Vec::new();
    let mut extract = Vec::new();
    let mut call_args = Vec::new();
    for (index, param) in layout.params.iter().enumerate() {
        match param {
            LayoutParam::Fragment(slot) => {
                let var = format_ident!("slot_{}", slot, span = proc_macro2::Span::mixed_site());
                call_args.push(hygienic!(#var));
            }
            LayoutParam::Head => {
                // A nested layout's head goes on to its parent too: the layout gets a copy.
                call_args.push(match tail {
                    Tail::Nest => hygienic!(::core::clone::Clone::clone(&head)),
                    Tail::Respond => hygienic!(head),
                });
            }
            LayoutParam::Extractor(ty) => {
                let var = format_ident!("arg_{}", index, span = proc_macro2::Span::mixed_site());
                bounds.push(hygienic!(#ty: #private::LayoutArg<__S>,));
                extract.push(hygienic! {
                    let #var = match #private::extract::<#ty, __S>(parts, state).await {
                        ::core::result::Result::Ok(value) => value,
                        ::core::result::Result::Err(rejection) => #reject,
                    };
                });
                call_args.push(hygienic!(#var));
            }
        }
    }
    // Each slot's meta, for a streamed page.
    let metas: Vec<TokenStream> = slots
        .iter()
        .map(|slot| {
            if children == Children::Nested && *slot == "children" {
                hygienic!(<K as #private::NestedPage<__S>>::META)
            } else {
                let alias = Layout::alias(slot, route);
                hygienic!(<#name::#alias as #private::SlotHandler<__S>>::META)
            }
        })
        .collect();
    // Whether the page streams: a slot has `loading`, or a level below has one.
    let mut terms: Vec<TokenStream> = metas
        .iter()
        .map(|meta| hygienic!(#meta.loading.is_some()))
        .collect();
    if children == Children::Nested {
        terms.push(hygienic!(<K as #private::NestedPage<__S>>::STREAMS));
    }
    let streams = if terms.is_empty() {
        hygienic!(false)
    } else {
        hygienic!(#( #terms )||*)
    };
    // A partial navigation (htmx): the outermost layout finds it (and passes it on to the
    // levels below when it answers partially), each level plans its own part.
    let partial = !slots.is_empty();
    let route_index = route_index(layout, route);
    let reads = layout.reads;
    let plan = hygienic! {
        #private::plan(
            parts,
            navigation,
            &#name::__ROUTES,
            #route_index,
            #reads,
            <#name::Level as #private::Metas<__S>>::METAS,
        )
    };
    if partial {
        extract.push(match tail {
            Tail::Respond => hygienic! {
                let partial = match #private::navigation(parts, &#name::__ROUTES) {
                    ::core::option::Option::Some(navigation) => {
                        let plan = { let navigation = &navigation; #plan };
                        plan.map(|plan| (navigation, plan))
                    }
                    ::core::option::Option::None => ::core::option::Option::None,
                };
                if let ::core::option::Option::Some((navigation, _)) = &partial {
                    #private::navigate(parts, navigation);
                }
            },
            // A level rendered whole (new on this URL, or its layout reads what changed) has
            // the levels below it rendered whole too.
            Tail::Nest => hygienic! {
                let navigation = #private::navigating(parts);
                let partial = match &navigation {
                    ::core::option::Option::Some(navigation) => {
                        let plan = #plan;
                        plan.map(|plan| (navigation.clone(), plan))
                    }
                    ::core::option::Option::None => ::core::option::Option::None,
                };
                if navigation.is_some() && partial.is_none() {
                    #private::stop_navigating(parts);
                }
            },
        });
    }
    if children == Children::Nested && tail == Tail::Respond {
        // The outermost layout makes the page's stream before the levels below start, when
        // they have loading slots to put in it (a partial response awaits them).
        let mode = stream_mode(layout);
        let whole = if partial {
            hygienic!(partial.is_none())
        } else {
            hygienic!(true)
        };
        extract.push(hygienic! {
            if const { #streams } && #whole {
                #private::stream_levels(parts, #mode);
            }
        });
    }
    if children == Children::Nested {
        // The levels below run their guards right after this one's, before any slot's
        // extractors: every guard of the chain answers before a slot's extractor runs.
        let var = format_ident!("slot_children", span = proc_macro2::Span::mixed_site());
        extract.push(hygienic! {
            let #var = match <K as #private::NestedPage<__S>>::start(parts, state, timed).await {
                ::core::result::Result::Ok(page) => page,
                ::core::result::Result::Err(rejection) => #reject,
            };
        });
    }
    if partial {
        let page = hygienic!(#name::Layout<#name::route::#route>);
        bounds.push(hygienic!(#page: #private::Fragments<__S>,));
        bounds.push(hygienic!(#name::Level: #private::Metas<__S>,));
        let count = slots.len();
        let children_index = slots
            .iter()
            .position(|slot| *slot == "children")
            .unwrap_or(count);
        let (skip, child) = if children == Children::Nested {
            let var = format_ident!("slot_children", span = proc_macro2::Span::mixed_site());
            (
                hygienic!(::core::option::Option::Some(#children_index)),
                hygienic! {
                    #private::partial_child(
                        #var,
                        &plan,
                        #children_index,
                        <K as #private::NestedPage<__S>>::rendered_at(parts, &navigation),
                    )
                },
            )
        } else {
            (
                hygienic!(::core::option::Option::None),
                hygienic!(#private::PartialChild::Kept),
            )
        };
        let done = match tail {
            Tail::Respond => hygienic! {
                return ::core::result::Result::Err(#private::respond_partial(swaps.await));
            },
            Tail::Nest => hygienic! {
                return ::core::result::Result::Ok(swaps);
            },
        };
        extract.push(hygienic! {
            if let ::core::option::Option::Some((navigation, plan)) = partial {
                // Only the slots that change: their arguments, then all of them at once.
                let child = #child;
                let swaps = match #private::partial_level::<#page, __S>(
                    parts, state, timed, plan, #count, #skip, child, #name::__TARGETS,
                ).await {
                    ::core::result::Result::Ok(swaps) => swaps,
                    ::core::result::Result::Err(rejection) => #reject,
                };
                #done
            }
        });
    }
    // `children` first, as on the index route (where it is the nested page, or the layout's
    // own page through the same generated code), then the other slots in their order: the
    // same extractor answers on every route when several reject.
    let in_extraction_order = slots
        .iter()
        .zip(&vars)
        .filter(|(slot, _)| **slot == "children")
        .chain(
            slots
                .iter()
                .zip(&vars)
                .filter(|(slot, _)| **slot != "children"),
        );
    for (slot, var) in in_extraction_order {
        if children == Children::Nested && *slot == "children" {
            continue;
        }
        let alias = Layout::alias(slot, route);
        bounds.push(hygienic!(#name::#alias: #private::SlotHandler<__S>,));
        extract.push(hygienic! {
            let #var = match <#name::#alias as #private::SlotHandler<__S>>::extract(parts, state).await {
                ::core::result::Result::Ok(slot) => slot,
                ::core::result::Result::Err(rejection) => #reject,
            };
        });
    }

    // Each slot's future, made where it is joined (built in place, not moved): from the
    // arguments its `extract` returned, or the nested page, already a future.
    let futures: Vec<TokenStream> = slots
        .iter()
        .zip(&vars)
        .map(|(slot, var)| {
            if children == Children::Nested && *slot == "children" {
                hygienic!(#var)
            } else {
                hygienic!(#private::SlotCall::call(#var, timed))
            }
        })
        .collect();
    let layout_name = name.to_string();
    let (list, fragments) = list(&futures, &vars);
    let tail = match tail {
        // A nested layout's output is its parent's `children`: a future that the parent runs
        // beside its own slots (a panic in the layout answers 500).
        Tail::Nest => {
            // As a slot's output: an `IntoFragment`, or a `Result` of one whose error (an
            // `Interrupt`, or any `Display`: a template's) decides the page.
            let fragment = quote_spanned! {layout.output_span=>
                ::parallel_routes::__private::SlotOutput::into_outcome(#name( #( #call_args ),* ).await)
            };
            // With loading slots, the level's slots run in the page's stream (see
            // `stream_nested`); else in a join, as a buffered page's.
            let joined = if metas.is_empty() {
                hygienic!(#private::join_fragments(slots))
            } else {
                hygienic! {
                    if const { #( #metas.loading.is_some() )||* } {
                        #private::Either::Left(#private::stream_nested(parts, const { &[ #( #metas ),* ] }, slots))
                    } else {
                        #private::Either::Right(#private::join_fragments(slots))
                    }
                }
            };
            let run = hygienic! {
                #private::run_nested(#layout_name, timed, async move {
                    match joined.await {
                        ::core::result::Result::Ok((#fragments, head)) => (#fragment, head),
                        ::core::result::Result::Err(interrupt) => (
                            #private::SlotOutcome::Interrupted(interrupt),
                            #private::Head::new(),
                        ),
                    }
                })
            };
            // Boxed: the level's page, which holds its slots' futures, is moved from frame to
            // frame on its way up (and a debug build keeps a copy in each), and a partial
            // navigation's swaps are the other future a level can return.
            let run = hygienic!(::std::boxed::Box::pin(#run) as #private::BoxedSlot);
            hygienic! {
                let slots = #list;
                let joined = #joined;
                ::core::result::Result::Ok(#run)
            }
        }
        Tail::Respond => {
            // Located at the return type: a layout whose output is not `IntoResponse` is
            // reported there. A closure, not the path `IntoResponse::into_response`, whose
            // error rustc reports at the call instead (at `#[layout]`).
            let into_response = quote_spanned! {layout.output_span=>
                |output| #private::axum::response::IntoResponse::into_response(output)
            };
            let call = quote_spanned! {layout.output_span=> #name( #( #call_args ),* )};
            let head_pattern = if layout.takes_head {
                hygienic!(head)
            } else {
                hygienic!(_)
            };
            let buffered = hygienic! {
                #private::Rest::Buffered(#private::run(#layout_name, timed, slots, call, #into_response))
            };
            let rest = streamed_or(layout, &streams, &metas, &into_response, buffered);
            hygienic! {
                let slots = #list;
                let call = move |#fragments, #head_pattern| #call;
                ::core::result::Result::Ok(#rest)
            }
        }
    };
    (
        bounds,
        hygienic! {
            #( #extract )*
            #tail
        },
        streams,
    )
}

/// The rest of the page once its arguments are extracted, the `slots` list and the layout's
/// `call` bound: streamed if any slot has `loading`, else `buffered`. The choice is a
/// constant, so only one of the two is compiled for a page. A streamed page runs in the
/// runtime's `stream_page`, boxed.
fn streamed_or(
    layout: &Layout,
    streams: &TokenStream,
    metas: &[TokenStream],
    into_response: &TokenStream,
    buffered: TokenStream,
) -> TokenStream {
    let name = &layout.name;
    let private = hygienic!(::parallel_routes::__private);
    if metas.is_empty() {
        return buffered;
    }
    let layout_name = name.to_string();
    let mode = stream_mode(layout);
    hygienic! {
        if const { #streams } {
            #private::Rest::Streamed(#private::stream_page(
                #layout_name,
                parts,
                #mode,
                const { &[ #( #metas ),* ] },
                slots,
                call,
                #into_response,
            ))
        } else {
            #buffered
        }
    }
}

/// The number of `route` among the layout's routes (the order of its `Route` enum and of its
/// `Routes`).
fn route_index(layout: &Layout, route: &Ident) -> usize {
    layout
        .routes()
        .iter()
        .position(|view| view.marker == *route)
        .expect("a route of the layout")
}

/// The layout's `StreamMode`.
fn stream_mode(layout: &Layout) -> TokenStream {
    match &layout.stream {
        Some(mode) => hygienic!(::parallel_routes::StreamMode::#mode),
        None => hygienic!(::parallel_routes::StreamMode::OutOfOrder),
    }
}

/// The slots' futures as the runtime's list, built in place
/// (`Cons::new(Cell::new(a), Cons::new(Cell::new(b), Nil))`), and the pattern that binds its
/// fragments to `vars` (`(a, (b, ()))`).
fn list(futures: &[TokenStream], vars: &[Ident]) -> (TokenStream, TokenStream) {
    let private = hygienic!(::parallel_routes::__private);
    let mut list = hygienic!(#private::Nil);
    let mut pattern = hygienic!(());
    for (future, var) in futures.iter().zip(vars).rev() {
        list = hygienic!(#private::Cons::new(#private::Cell::new(#future), #list));
        pattern = hygienic!((#var, #pattern));
    }
    (list, pattern)
}
