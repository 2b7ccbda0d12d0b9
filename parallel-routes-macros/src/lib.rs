//! Attribute macros of parallel-routes. Depend on `parallel-routes`, which re-exports them.
#![forbid(unsafe_code)]
use proc_macro::TokenStream;

/// See `parallel_routes::layout`.
#[proc_macro_attribute]
pub fn layout(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
/// See `parallel_routes::slot`.
#[proc_macro_attribute]
pub fn slot(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
/// See `parallel_routes::page`.
#[proc_macro_attribute]
pub fn page(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
#[doc(hidden)]
#[proc_macro]
pub fn __error(item: TokenStream) -> TokenStream {
    item
}
