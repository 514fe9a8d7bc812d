//! The model of a [module-registry](https://docs.rs/module-registry) module and the checks of a
//! module graph, shared by the runtime, the dynamic registry and the build check. An
//! implementation detail: use `module-registry`, whose docs describe every type here.
//!
//! - [`name`]: the rule of module names and capabilities, and the default name of a struct;
//! - [`version`]: a version and a kind a `static` can hold;
//! - [`req`]: a version requirement parsed once, and its matcher (`const`, as `semver`'s);
//! - [`location`]: where something was written;
//! - [`graph`]: the graph checks and the boot order, over [`graph::Node`]s any layer builds;
//! - [`diag`]: their findings, with stable codes, dependency chains and help;
//! - [`dot`] and [`json`]: the graph as Graphviz DOT and as JSON.
//!
//! No syn, no linkme: this crate is plain data and algorithms.
#![deny(missing_docs)]

pub mod diag;
pub mod dot;
pub mod graph;
pub mod json;
pub mod location;
pub mod name;
pub mod req;
pub mod version;

pub use semver;

/// The symbol under which `link_modules!()` exports the list of a program's modules on targets
/// without linker sections (WebAssembly), as a string literal usable in attributes. A program
/// that asks for the linked modules there without calling `link_modules!()` fails to link, and
/// the name says what to do.
#[macro_export]
macro_rules! list_symbol {
    () => {
        "module_registry_modules__call_link_modules_at_the_crate_root"
    };
}
