//! Structs become modules with one derive; the compiler checks how they fit together.
//!
//! ```
//! use std::sync::Arc;
//! use module_registry::{Context, Lifecycle, Module, ModuleError, Registry};
//!
//! /// Keeps bytes.
//! #[derive(Module, Default)]
//! #[module(version = "1.2.0", kind = Storage, capabilities = ["storage"])]
//! pub struct Storage;
//!
//! #[derive(Module)]
//! #[module(version = "0.3.1", depends_on = [Storage = "^1.2"], create = Cache::new, lifecycle)]
//! pub struct Cache {
//!     storage: Arc<Storage>,
//! }
//!
//! impl Cache {
//!     fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
//!         Ok(Cache { storage: ctx.dep::<Storage>() })
//!     }
//! }
//!
//! impl Lifecycle for Cache {
//!     fn initialize(&mut self) -> Result<(), ModuleError> {
//!         Ok(())
//!     }
//! }
//!
//! let registry = Registry::global();
//! assert_eq!(registry.get::<Cache>().name(), "cache");
//! assert_eq!(registry.get::<Cache>().version().to_string(), "0.3.1");
//! assert_eq!(registry.find("storage").unwrap().version().to_string(), "1.2.0");
//! registry.validate().unwrap();
//!
//! let order: Vec<_> = registry.init_order().unwrap().iter().map(|d| d.name()).collect();
//! assert_eq!(order, ["storage", "cache"]);
//!
//! let runtime = registry.boot().unwrap();
//! let cache = runtime.get::<Cache>().unwrap();
//! assert!(Arc::ptr_eq(&cache.storage, &cache.storage));
//! runtime.shutdown().unwrap();
//! ```
//!
//! # Declaring a module
//!
//! `#[derive(Module)]` on a struct (unit, tuple or named; not generic, not an enum or union)
//! with an optional `#[module(...)]` attribute. The keys:
//!
//! | key | value | default |
//! |---|---|---|
//! | `name` | `"kebab-case"`: `[a-z0-9]` words joined by `-`, 1–64 chars | kebab-case of the struct name |
//! | `version` | a semver literal, `"1.2.0"` | the crate's `CARGO_PKG_VERSION` |
//! | `kind` | `DataProcessor`, `Service`, `Storage`, `Network`, `Security`, `Monitoring` or `Custom("text")` | `Service` |
//! | `capabilities` | `["a", "b"]`, same charset as names | none |
//! | `requires` | capabilities some linked module must provide | none |
//! | `depends_on` | `[Type, Type = "semver requirement"]` | none |
//! | `optional` | like `depends_on`; absence is fine, presence boots it first | none |
//! | `provides` | `[dyn Trait, ...]` the type implements, reachable through [`Runtime::all`] | none |
//! | `create` | path to `fn(&Context<'_, Self>) -> Result<Self, ModuleError>` | `Default::default()` |
//! | `lifecycle` | flag: the type implements [`Lifecycle`] itself | empty hooks |
//! | `description` | `"text"` | the struct's doc comment |
//!
//! # Dependencies
//!
//! Dependencies are types, not strings: a typo is a rustc error, a type that is not a module
//! says "`X` is not a module", and naming the type links its crate. A requirement after `=` is
//! checked by const evaluation when the dependent compiles:
//!
//! ```compile_fail
//! use module_registry::Module;
//! #[derive(Module, Default)]
//! #[module(version = "1.2.0")]
//! struct Storage;
//! #[derive(Module, Default)]
//! #[module(depends_on = [Storage = "^2"])] // error: module `cache` requires `storage` ^2, but `storage` is 1.2.0
//! struct Cache;
//! ```
//!
//! ```compile_fail
//! use module_registry::Module;
//! struct Storage; // no derive
//! #[derive(Module, Default)]
//! #[module(depends_on = [Storage])] // error: `Storage` is not a module
//! struct Cache;
//! ```
//!
//! A module reaches only what it declared: `ctx.dep::<T>()` does not compile unless `T` is in
//! `depends_on` ("does not declare a dependency on"), `ctx.optional::<T>()` unless it is in
//! `optional`. Attribute mistakes are errors on the offending token, all reported at once:
//!
//! ```compile_fail
//! use module_registry::Module;
//! #[derive(Module, Default)]
//! #[module(depnds_on = [])] // error: unknown module attribute `depnds_on`; did you mean `depends_on`?
//! struct Cache;
//! ```
//!
//! # Reaching modules
//!
//! [`Registry::global`] is every module linked into the program. [`Registry::get`] returns a
//! zero-sized [`Handle`]; [`Registry::find`] and [`Registry::with_capability`] use tables built
//! on first use. [`Registry::validate`] and [`Registry::init_order`] run the graph checks.
//!
//! # Booting
//!
//! [`Registry::boot`] creates every module in [`Registry::init_order`]: `create` (dependencies
//! already shared through [`Context`]), then [`Lifecycle::initialize`]. A failure or a panic stops
//! the boot and cleans up what was started, in reverse order, exactly once;
//! [`BootPolicy::Degrade`] instead skips the failed module and its dependents.
//! [`Runtime::shutdown`] (or dropping the runtime) runs [`Lifecycle::cleanup`] in reverse order.
//!
//! Instances are shared as `Arc<T>`: [`Context::dep`] hands out clones, [`Runtime::get`] a
//! reference. Shutdown cleans up and drops each module after every module that depends on it,
//! so `cleanup(&mut self)` runs with the only reference left; if a module leaked a clone of a
//! dependency's `Arc` elsewhere, that dependency's cleanup is skipped and reported in
//! [`ShutdownError`]. A `Weak` does not count: a module that only `Weak`s still point to is
//! cleaned up and dropped in its turn, and from then on they no longer upgrade. Each module gets a `tracing` span during boot and shutdown,
//! [`Runtime::metrics`] has its timings and error count, and [`Runtime::audit_trail`] every
//! lifecycle event. Hooks are synchronous and have no timeout: a hook cannot be preempted
//! safely, so a hook that may block should bound its own waits.
//!
//! # Build-time check
//!
//! `module-registry-build` runs the same graph checks from `build.rs`, before the application
//! compiles, over the sources of every crate in its dependency graph that uses this crate, and
//! prints rustc-style diagnostics with the codes below:
//!
//! ```ignore
//! // build.rs, with `module-registry-build` under [build-dependencies]
//! fn main() {
//!     module_registry_build::Checker::new().require_capability("storage").run();
//! }
//! ```
//!
//! It also writes the file [`link_modules!`] includes: one line at the crate root links every
//! module crate it found (a crate that nothing references is otherwise not linked, and its
//! modules silently vanish), and makes [`Registry::validate`] and [`Registry::boot`] report an
//! expected module that is still missing (`MR0006`). The scanner reads source text: it cannot
//! see modules produced by other macros, behind a `cfg` it cannot evaluate, or in git
//! dependencies. The run-time twin, [`Registry::validate`], which every boot runs, checks
//! exactly what was linked and so catches what the scanner missed.
//!
//! # Dynamic registry (the FAQ API)
//!
//! For plugin hosts that learn about modules at run time, [`ModuleRegistry`] has the API of the
//! original FAQ and runs the same checks; its types are in [`dynamic`], and the FAQ's first
//! examples import them from the crate root as written there.
//!
//! # Error codes
//!
//! Graph errors carry a stable code ([`ValidationError::code`]):
//!
//! | code | error | example |
//! |---|---|---|
//! | `MR0001` | dependency cycle | `dependency cycle: a -> b -> a` |
//! | `MR0002` | missing dependency | `module "cache" depends on "storage", which is not in the registry` |
//! | `MR0003` | unsatisfied version requirement | `module "cache" requires "storage" ^2, but found "storage" 1.2.0` |
//! | `MR0004` | duplicate module name | `duplicate module name "cache": defined at src/a.rs:3:10 and at src/b.rs:9:10` |
//! | `MR0005` | required capability not provided | `capability "encryption" required by "cache" is not provided by any module` |
//! | `MR0006` | expected module not linked | `module "audit" (plugins::Audit) was found by the build check but is not linked into this program` |
//! | `MR0007` | invalid version or requirement (dynamic registry) | `invalid version "1.x" for module "cache": ...` |
//! | `MR0008` | invalid module name, dependency name or capability (dynamic registry) | `invalid module name "Cache": ...`, `invalid capability "Storage" of module "cache": ...` |
//!
//! # Details
//!
//! - Descriptors live in a [`linkme`] distributed slice: no life-before-main, no allocation to
//!   register. On targets without linker sections, use [`modules!`].
//! - A crate that nothing references is not linked, and its modules are not in the slice; a
//!   typed `depends_on` edge links the dependency's crate.
//! - [`Registry`], [`Runtime`] and [`Handle`] are `Send + Sync`.
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod const_check;
mod context;
mod index;
mod instance;
mod linked;
mod manifest;
mod module;
mod table;

pub mod descriptor;
pub mod dynamic;
pub mod error;
pub mod registry;
pub mod runtime;

#[doc(hidden)]
pub mod __private;

// What the README's and the FAQ's first examples import; everything else is in the modules
// above.
pub use crate::context::Context;
pub use crate::descriptor::{ModuleDescriptor, ModuleType};
pub use crate::dynamic::{
    CapabilityQuery, CustomDiscoveryStrategy, CustomInstantiationStrategy, DiscoveryQuery,
    DynModule, InstantiationConfig, ModuleConfig, ModuleInfo, ModuleInstance, ModuleRegistry,
    RegistryError,
};
pub use crate::error::{BootError, ModuleError, ShutdownError, ValidationError, ValidationErrors};
pub use crate::module::{DependsOn, Lifecycle, Module, OptionallyDependsOn, Processor};
pub use crate::registry::{Handle, Registry};
pub use crate::runtime::{BootPolicy, Runtime};

/// Turns a struct into a module. The keys of `#[module(...)]` are in the [crate docs](crate).
pub use module_registry_macros::Module;

/// The `semver` crate, whose `Version` [`ModuleInfo::version`] returns: named through this
/// crate, it needs no dependency of its own and is always the same version.
pub use semver;

/// A [`Registry`] of exactly the listed module types, in this order; the same checks apply.
///
/// ```
/// use module_registry::{modules, Module};
/// #[derive(Module, Default)]
/// struct Storage;
/// #[derive(Module, Default)]
/// #[module(depends_on = [Storage])]
/// struct Cache;
/// let registry = modules![Cache, Storage];
/// assert_eq!(registry.len(), 2);
/// registry.validate().unwrap();
/// ```
#[macro_export]
macro_rules! modules {
    ($($module:ty),* $(,)?) => {
        $crate::Registry::from_descriptors([$(<$module as $crate::Module>::DESCRIPTOR),*])
    };
}

/// Links every module crate the build check found, and records the modules it expects, so that
/// [`Registry::validate`] and [`Registry::boot`] name any module missing from the binary.
///
/// Put it once at the crate root of the application, whose `build.rs` runs
/// `module_registry_build::Checker`; it includes `OUT_DIR/module_registry_link.rs`.
#[macro_export]
macro_rules! link_modules {
    () => {
        ::core::include!(::core::concat!(
            ::core::env!("OUT_DIR"),
            "/module_registry_link.rs"
        ));
    };
}
