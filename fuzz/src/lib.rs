//! The fuzz targets' bodies, one module per target, so that each is also callable from a
//! plain test or a replay loop. `expand`, `asynchronous` and `fallback` are the derive's own
//! files (this unpublished crate alone reaches into another's folder): a
//! proc-macro crate exports only its macros, so the expansion is compiled here from source.
#![allow(dead_code)] // the derive's files hold items only the proc-macro entry point uses

#[path = "../../registry-macros/src/asynchronous.rs"]
mod asynchronous;
#[path = "../../registry-macros/src/expand.rs"]
mod expand;
#[path = "../../registry-macros/src/fallback.rs"]
mod fallback;

pub mod build_scan;
pub mod dynamic_model;
pub mod module_attr;
pub mod req_semver;

/// The derive's expansion of `input` (the errors and a stub on error).
pub fn derive(input: &syn::DeriveInput) -> proc_macro2::TokenStream {
    expand::derive(input)
}
