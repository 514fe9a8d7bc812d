//! Accumulates errors so that one compile shows every mistake.

use proc_macro2::Span;
use std::fmt::Display;

/// Every error of one input, so that one compile shows every mistake.
#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// An error at `span`.
    pub fn error(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// An error spanning `tokens`.
    pub fn error_spanned(&mut self, tokens: impl quote::ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// A `syn` error as it is.
    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }
    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// All errors so far, combined into one; `Ok` if there were none.
    pub fn propagate(&mut self) -> syn::Result<()> {
        let mut errors = std::mem::take(&mut self.errors).into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for e in errors {
            first.combine(e);
        }
        Err(first)
    }
    /// The errors, one by one.
    pub fn into_vec(self) -> Vec<syn::Error> {
        self.errors
    }
}
