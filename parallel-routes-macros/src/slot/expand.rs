//! Code generation for `#[slot]` and `#[page]`. See ARCHITECTURE.md.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::Slot;

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
    let private = quote!(::parallel_routes::__private);
    let vars: Vec<Ident> = (0..args.len())
        .map(|i| format_ident!("arg_{}", i))
        .collect();
    let (parts, state_var) = if args.is_empty() {
        (quote!(_), quote!(_))
    } else {
        (quote!(parts), quote!(state))
    };
    let render = quote_spanned! {slot.output_span=>
        ::parallel_routes::IntoFragment::into_fragment(#function( #( #vars ),* ).await)
    };
    let checks = args.iter().map(|ty| {
        quote_spanned! {ty.span()=>
            let _ = ::parallel_routes::__private::slot_arg::<#ty, #state>;
        }
    });
    let checks = (!args.is_empty()).then(|| quote!(const _: () = { #( #checks )* };));
    let marker = marker(slot);
    let registered = registration(
        slot,
        quote! {
            impl<S> #private::SlotHandler<S> for #marker
            where
                S: ::core::marker::Send + ::core::marker::Sync,
                #( #args: #private::SlotArg<S>, )*
            {
                async fn extract(
                    #parts: &mut #private::axum::http::request::Parts,
                    #state_var: &S,
                ) -> ::core::result::Result<
                    impl ::core::future::Future<Output = ::parallel_routes::Fragment> + ::core::marker::Send + use<S>,
                    #private::axum::response::Response,
                > {
                    #( let #vars = #private::extract::<#args, S>(parts, state).await?; )*
                    ::core::result::Result::Ok(async move { #render })
                }
            }

            #checks
        },
    );
    let exists = layout_exists(layout);
    quote! {
        #registered
        #exists
    }
}

/// What a slot with invalid input still registers, so that its layout does not also report it
/// as missing: a handler that never runs (the crate does not compile).
pub(crate) fn fallback(slot: &Slot) -> TokenStream {
    let private = quote!(::parallel_routes::__private);
    let marker = marker(slot);
    registration(
        slot,
        quote! {
            impl<S> #private::SlotHandler<S> for #marker {
                fn extract(
                    parts: &mut #private::axum::http::request::Parts,
                    state: &S,
                ) -> impl ::core::future::Future<
                    Output = ::core::result::Result<
                        impl ::core::future::Future<Output = ::parallel_routes::Fragment> + ::core::marker::Send + use<S>,
                        #private::axum::response::Response,
                    >,
                > + ::core::marker::Send {
                    <#private::Missing as #private::SlotHandler<S>>::extract(parts, state)
                }
            }
        },
    )
}

/// `layout::__slot! { name { impl Marker { HAS_HANDLER = true } <handler_impl> } }`
fn registration(slot: &Slot, handler_impl: TokenStream) -> TokenStream {
    let Slot {
        layout, slot: name, ..
    } = slot;
    let marker = marker(slot);
    quote! {
        #layout::__slot! { #name {
            impl #marker {
                #[doc(hidden)]
                pub const HAS_HANDLER: bool = true;
            }

            #handler_impl
        } }
    }
}

/// `layout::Handler<layout::slot::name, layout::route::index>`
fn marker(slot: &Slot) -> TokenStream {
    let Slot {
        layout, slot: name, ..
    } = slot;
    quote!(#layout::Handler<#layout::slot::#name, #layout::route::index>)
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
