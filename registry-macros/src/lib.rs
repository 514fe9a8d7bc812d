//! Implementation detail of `module-registry`: the `#[derive(Module)]` macro. Use it through
//! `module_registry::Module`.
#![allow(clippy::needless_pass_by_value)] // proc_macro::TokenStream is consumed by design

mod asynchronous;
mod expand;
mod fallback;

use proc_macro::TokenStream;

/// See `module_registry::Module`.
#[proc_macro_derive(Module, attributes(module))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}
