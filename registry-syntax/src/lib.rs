//! The `#[module(...)]` grammar of [module-registry](https://docs.rs/module-registry), on `syn`:
//! the derive (`module-registry-macros`) and the build check (`module-registry-build`) both
//! read attributes through this crate, so they accept the same programs and say the same things.
//! An implementation detail: use `module-registry`.
//!
//! [`Input::from_syn`] reads a `syn::DeriveInput` (every mistake into [`Errors`], spanned on
//! its token, parsing going on past it), [`check()`] applies the rules that span several keys,
//! and [`Input::resolve`] resolves every default once (name, version, kind, description) into
//! the values the core model holds.
#![deny(missing_docs)]

mod ast;
mod attr;
mod check;
mod errors;
pub mod symbol;

pub use crate::ast::{Input, Resolved};
pub use crate::attr::{did_you_mean, Attrs, DepEntry, Kind, ReqLit, Slot, VersionLit, Word};
pub use crate::check::check;
pub use crate::errors::Errors;
