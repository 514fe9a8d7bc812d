//! The `#[module(...)]` grammar on arbitrary token text: the derive never panics, and its
//! output, expansion or errors, always parses as Rust items.

use proc_macro2::TokenStream;
use quote::quote;

/// The first byte picks the shape: even, the rest is the attribute's arguments on a fixed
/// struct; odd, the rest is the whole derive input (generics, enums, several attributes).
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Ok(tokens) = text.parse::<TokenStream>() else {
        return;
    };
    let item = if mode % 2 == 0 {
        quote! {
            /// A module.
            #[derive(Module)]
            #[module(#tokens)]
            pub struct Fuzzed {
                field: u8,
            }
        }
    } else {
        tokens
    };
    let Ok(input) = syn::parse2::<syn::DeriveInput>(item) else {
        return;
    };
    let out = crate::derive(&input);
    let text = out.to_string();
    if let Err(e) = syn::parse2::<syn::File>(out) {
        panic!("the expansion does not parse: {e}\n{text}");
    }
    assert_eq!(
        text,
        crate::derive(&input).to_string(),
        "the expansion is not deterministic"
    );
}
