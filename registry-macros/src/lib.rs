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

/// On targets without linker sections, what `#[distributed_slice(...)]` on a module's static
/// becomes: the static alone, without linkme's helper attributes. The derive's expansion is the
/// same on every target; `module_registry::__private` names linkme's attribute or this one.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __no_linker_section(_slice: TokenStream, item: TokenStream) -> TokenStream {
    use proc_macro::TokenTree;
    // `#[linkme(...)]` is a pound followed by a bracketed group starting with `linkme`.
    let is_linkme = |tree: Option<&TokenTree>| match tree {
        Some(TokenTree::Group(g)) => matches!(
            g.stream().into_iter().next(),
            Some(TokenTree::Ident(i)) if i.to_string() == "linkme"
        ),
        _ => false,
    };
    let trees: Vec<TokenTree> = item.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        let pound = matches!(&trees[i], TokenTree::Punct(p) if p.as_char() == '#');
        if pound && is_linkme(trees.get(i + 1)) {
            i += 2;
            continue;
        }
        out.push(trees[i].clone());
        i += 1;
    }
    out.into_iter().collect()
}
