//! Code generation for what runs on a request: a page handler per route (`impl LayoutHandler
//! for <layout>::Layout<route>`), and, for a layout with `children`, the parent side of nesting
//! (`impl ParentLayout for <layout>::Parent`). Emitted beside the function, so that the
//! extractor types resolve as the user wrote them.

use proc_macro2::TokenStream;
use quote::{format_ident, quote_spanned};
use syn::Ident;

use super::{Layout, LayoutParam};

/// Where the page's `children` comes from.
#[derive(Clone, Copy, PartialEq)]
enum Children {
    /// Its own `#[page]` handler (or none taken).
    Page,
    /// A nested layout, handed over as a future by `ParentLayout::nest`.
    Nested,
}

/// One `impl LayoutHandler` per route.
pub(crate) fn pages(layout: &Layout) -> TokenStream {
    let name = &layout.name;
    let private = hygienic!(::parallel_routes::__private);
    layout
        .routes()
        .iter()
        .map(|route| {
            let marker = &route.marker;
            let (bounds, body) = render(layout, marker, Children::Page);
            hygienic! {
                impl<__S> #private::LayoutHandler<__S> for #name::Layout<#name::route::#marker>
                where
                    __S: ::core::marker::Send + ::core::marker::Sync + 'static,
                    #( #bounds )*
                {
                    async fn render(mut parts: #private::axum::http::request::Parts, state: __S) -> #private::axum::response::Response {
                        #body
                    }
                }
            }
        })
        .collect()
}

/// The layout's place in a chain of nested layouts: its depth (a cycle of `parent =` is then a
/// const-evaluation cycle that rustc reports), the check that its parent takes `children`, and
/// — if it takes `children` itself — how it renders a nested layout's output as its children.
pub(crate) fn nesting(layout: &Layout) -> TokenStream {
    let name = &layout.name;
    let private = hygienic!(::parallel_routes::__private);
    let depth = match &layout.parent {
        Some(parent) => {
            let last = &parent.segments.last().expect("a path has a segment").ident;
            hygienic! {
                #parent::__slot! { @parent #last }
                impl #name::Parent {
                    #[doc(hidden)]
                    pub const DEPTH: usize = #parent::Parent::DEPTH + 1;
                }
            }
        }
        None => hygienic! {
            impl #name::Parent {
                #[doc(hidden)]
                pub const DEPTH: usize = 0;
            }
        },
    };
    let nest = layout.children.is_some().then(|| {
        let index = Ident::new("index", proc_macro2::Span::call_site());
        let (bounds, body) = render(layout, &index, Children::Nested);
        hygienic! {
            impl<__S> #private::ParentLayout<__S> for #name::Parent
            where
                __S: ::core::marker::Send + ::core::marker::Sync + 'static,
                #( #bounds )*
            {
                async fn nest<C>(mut parts: #private::axum::http::request::Parts, state: __S, children: C) -> #private::axum::response::Response
                where
                    C: ::core::future::Future<
                        Output = ::core::result::Result<#private::Rendered, ::parallel_routes::Interrupt>,
                    > + ::core::marker::Send + 'static,
                {
                    #body
                }
            }
        }
    });
    hygienic! {
        #depth
        const _: usize = #name::Parent::DEPTH;
        #nest
    }
}

/// The `where` bounds and the body of a render: extract every argument from the request head,
/// one after another; run all slots concurrently; call the layout with their fragments; send
/// the page, or hand it to the parent layout as its `children`.
fn render(layout: &Layout, route: &Ident, children: Children) -> (Vec<TokenStream>, TokenStream) {
    let name = &layout.name;
    let private = hygienic!(::parallel_routes::__private);
    let slots: Vec<&Ident> = layout.all_slots().collect();
    let vars: Vec<Ident> = slots
        .iter()
        .map(|slot| format_ident!("slot_{}", slot, span = proc_macro2::Span::mixed_site()))
        .collect();

    let mut bounds = Vec::new();
    let mut extract = Vec::new();
    let mut call_args = Vec::new();
    for (index, param) in layout.params.iter().enumerate() {
        match param {
            LayoutParam::Fragment(slot) => {
                let var = format_ident!("slot_{}", slot, span = proc_macro2::Span::mixed_site());
                call_args.push(hygienic!(#var.fragment));
            }
            LayoutParam::Extractor(ty) => {
                let var = format_ident!("arg_{}", index, span = proc_macro2::Span::mixed_site());
                bounds.push(hygienic!(#ty: #private::LayoutArg<__S>,));
                extract.push(hygienic! {
                    let #var = match #private::extract::<#ty, __S>(&mut parts, &state).await {
                        ::core::result::Result::Ok(value) => value,
                        ::core::result::Result::Err(rejection) => return rejection,
                    };
                });
                call_args.push(hygienic!(#var));
            }
        }
    }
    let mut handlers = Vec::new();
    for (slot, var) in slots.iter().zip(&vars) {
        if children == Children::Nested && *slot == "children" {
            extract.push(hygienic!(let #var = children;));
            continue;
        }
        let alias = Layout::alias(slot, route);
        bounds.push(hygienic!(#name::#alias: #private::SlotHandler<__S>,));
        extract.push(hygienic! {
            let #var = match <#name::#alias as #private::SlotHandler<__S>>::extract(&mut parts, &state).await {
                ::core::result::Result::Ok(slot) => slot,
                ::core::result::Result::Err(rejection) => return rejection,
            };
        });
        handlers.push((*slot, alias));
    }

    let interrupted = hygienic! {
        ::core::result::Result::Err(interrupt) => {
            return #private::axum::response::IntoResponse::into_response(interrupt);
        }
    };
    let tail = match &layout.parent {
        // A nested layout's output is its parent's `children`: its page is a future that the
        // parent runs beside its own slots (a panic in the layout answers 500), handed up.
        Some(parent) => {
            bounds.push(hygienic!(#parent::Parent: #private::ParentLayout<__S>,));
            let layout_name = name.to_string();
            let fragment = quote_spanned! {layout.output_span=>
                ::parallel_routes::IntoFragment::into_fragment(#name( #( #call_args ),* ).await)
            };
            hygienic! {
                let page = #private::run_nested(#layout_name, async move {
                    match #private::try_join!( #( #vars ),* ) {
                        ::core::result::Result::Ok(( #( #vars, )* )) => #private::SlotOutcome::Rendered(#fragment),
                        ::core::result::Result::Err(interrupt) => #private::SlotOutcome::Interrupted(interrupt),
                    }
                });
                <#parent::Parent as #private::ParentLayout<__S>>::nest(parts, state, page).await
            }
        }
        None => {
            let layout_name = name.to_string();
            let into_response = quote_spanned! {layout.output_span=>
                #private::axum::response::IntoResponse::into_response(#name( #( #call_args ),* ).await)
            };
            let delivery = delivery(layout, &handlers, &vars, children, &interrupted);
            hygienic! {
                // One clock read for all slots: each slot's time runs from here to its end.
                let started = #private::Instant::now();
                #delivery
                #private::respond(#layout_name, delivery, async move { #into_response }).await
            }
        }
    };
    (
        bounds,
        hygienic! {
            #( #extract )*
            #tail
        },
    )
}

/// Runs the slots and decides how the page goes out: streamed if any slot has `loading`
/// (a per-handler constant, so the other branch is compiled out), else buffered with
/// `try_join!`. Either way, an interrupt is the response. A page with a nested layout as its
/// `children` is buffered.
fn delivery(
    layout: &Layout,
    handlers: &[(&Ident, Ident)],
    vars: &[Ident],
    children: Children,
    interrupted: &TokenStream,
) -> TokenStream {
    let name = &layout.name;
    let private = hygienic!(::parallel_routes::__private);
    if vars.is_empty() {
        return hygienic!(let delivery = #private::Delivery::buffered(started, &[]););
    }
    let buffered = hygienic! {
        match #private::try_join!( #( #vars ),* ) {
            ::core::result::Result::Ok(( #( #vars, )* )) => {
                let delivery = #private::Delivery::buffered(started, &[ #( &#vars ),* ]);
                ( #( #vars, )* delivery )
            }
            #interrupted
        }
    };
    if children == Children::Nested {
        return hygienic!(let ( #( #vars, )* delivery ) = #buffered;);
    }
    let metas: Vec<TokenStream> = handlers
        .iter()
        .map(|(_, alias)| hygienic!(<#name::#alias as #private::SlotHandler<__S>>::META))
        .collect();
    let mode = match &layout.stream {
        Some(mode) => hygienic!(::parallel_routes::StreamMode::#mode),
        None => hygienic!(::parallel_routes::StreamMode::OutOfOrder),
    };
    hygienic! {
        let ( #( #vars, )* delivery ) = if #( #metas.loading.is_some() )||* {
            let nonce = parts
                .extensions
                .get::<::parallel_routes::CspNonce>()
                .map(|nonce| nonce.0.clone());
            let slots = [ #( #private::StreamSlot::new(#metas, #vars) ),* ];
            match #private::stream_join(started, #mode, nonce, slots).await {
                ::core::result::Result::Ok(([ #( #vars ),* ], pending)) => {
                    ( #( #vars, )* #private::Delivery::Streamed(pending) )
                }
                #interrupted
            }
        } else {
            #buffered
        };
    }
}
