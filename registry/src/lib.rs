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
//! | `create` | path to `fn(&Context<'_, Self>) -> Result<Self, ModuleError>`; `create = async path` for an `async fn` (feature `async`) | `Default::default()` |
//! | `lifecycle` | flag: the type implements [`Lifecycle`] itself; `lifecycle = async`: it implements `AsyncLifecycle` (feature `async`) | empty hooks |
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
//! lifecycle event. [`Registry::boot`]'s hooks are synchronous and have no timeout: a hook
//! cannot be preempted safely, so a hook that may block should bound its own waits.
//!
//! # Async boot (feature `async`)
//!
//! With `features = ["async"]` (tokio, the `time` driver), a module's `create` may be an
//! `async fn` (`create = async Pool::open`), and its hooks those of `AsyncLifecycle`
//! (`lifecycle = async`). `Registry::boot_async(options)` starts each module as soon as all its
//! dependencies are initialized (not level by level), at most `max_concurrency` at once, with a
//! timeout per hook and a deadline for the whole boot, under the same [`BootPolicy`]; it
//! returns the runtime and a `BootReport` (each module's start offset and durations, and the
//! critical path; `Display` prints it as a table, and the `tracing` spans `boot_async` and
//! `module` carry the same figures). Modules without async hooks boot unchanged inside it.
//!
//! ```
//! # #[cfg(feature = "async")] {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use module_registry::runtime::{BootOptions, ShutdownOptions};
//! use module_registry::{modules, AsyncLifecycle, Context, Module, ModuleError};
//!
//! #[derive(Module)]
//! #[module(create = async Pool::open, lifecycle = async)]
//! pub struct Pool;
//!
//! impl Pool {
//!     async fn open(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
//!         tokio::task::yield_now().await; // connect...
//!         Ok(Pool)
//!     }
//! }
//!
//! impl AsyncLifecycle for Pool {
//!     async fn cleanup(&mut self) -> Result<(), ModuleError> {
//!         Ok(()) // close...
//!     }
//! }
//!
//! #[derive(Module)]
//! #[module(depends_on = [Pool], create = async Repo::new)]
//! pub struct Repo {
//!     pool: Arc<Pool>,
//! }
//!
//! impl Repo {
//!     async fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
//!         tokio::task::yield_now().await;
//!         Ok(Repo { pool: ctx.dep::<Pool>() }) // the context is usable across awaits
//!     }
//! }
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
//! # rt.block_on(async {
//! let options = BootOptions::new()
//!     .max_concurrency(16)
//!     .hook_timeout(Duration::from_secs(5))
//!     .deadline(Duration::from_secs(30));
//! let (runtime, report) = modules![Pool, Repo].boot_async(options).await.unwrap();
//! assert_eq!(report.critical_path, ["pool", "repo"]);
//! let repo = runtime.get::<Repo>().unwrap();
//! assert!(std::ptr::eq(&*repo.pool, runtime.get::<Pool>().unwrap()));
//! println!("{report}");
//! runtime.shutdown_async(ShutdownOptions::new()).await.unwrap();
//! # });
//! # }
//! ```
//!
//! - Transactional: on a failure, a panic or a timeout (or the deadline), the hooks in flight
//!   are cancelled by dropping their futures, then exactly the modules that finished starting
//!   are cleaned up, each once, each after every module that depends on it, with a timeout per
//!   cleanup (`cleanup_timeout`); `boot_async` returns only when nothing of the boot runs, and
//!   its `AsyncBootError::Failed` lists every failure with its module, stage and kind, the
//!   hooks it cancelled, and every failed cleanup. [`BootPolicy::Degrade`] instead skips the
//!   failed module and its dependents; the deadline rolls back under either policy.
//! - Hooks are polled on the task that awaits `boot_async`, through a `FuturesUnordered`: no
//!   spawn, so cancelling is dropping, synchronously, and nothing outlives the call (a
//!   `JoinSet` would need `'static` futures, and aborts only at a task's next poll). Hooks that
//!   need another thread hand their work to `spawn_blocking` or a task of their own.
//!   Synchronous hooks run inline and cannot be timed out. Timeouts need tokio's time driver.
//! - `Runtime::shutdown_async` runs cleanups in reverse dependency order with the same
//!   concurrency (a module's cleanup starts when every module that depends on it is cleaned
//!   up and dropped), a timeout per hook, and reports every failure in [`ShutdownError`].
//! - Dropping the `boot_async` or `shutdown_async` future midway drops the hooks in flight and
//!   cleans up the rest synchronously, as dropping a [`Runtime`] does; an async `cleanup`
//!   cannot run there and is reported through `tracing`.
//! - The synchronous [`Registry::boot`] refuses a registry with an async module, before
//!   starting anything, with [`BootError::NeedsAsyncBoot`] naming it: the boot is over a
//!   registry known at run time, so no type can tell which boot will run it. Without the
//!   feature, `create = async` and `lifecycle = async` are compile errors that say to enable
//!   it; with it, a module's async hooks have the right signatures or do not compile. The
//!   synchronous `shutdown` of an async-booted runtime reports each async `cleanup` it cannot
//!   run.
//! - The feature costs nothing when off: descriptors, the derive's expansion of a module
//!   without async hooks, and `boot()` are unchanged. With it, each descriptor holds one more
//!   pointer (to its async hooks).
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
//!   register.
//! - On targets without linker sections (WebAssembly), the derive places its descriptor in a
//!   plain static, and [`Registry::global`] is the list the build check writes into the file
//!   [`link_modules!`] includes: every module the application's crate can name by a public
//!   path (the check warns about any other). The same source builds for both kinds of target,
//!   with no `cfg` in user code. A program without a build script lists its modules with
//!   [`modules!`]; asking it for `Registry::global()` there panics with that advice.
//! - A crate that nothing references is not linked, and its modules are not in the slice; a
//!   typed `depends_on` edge links the dependency's crate.
//! - [`Registry`], [`Runtime`] and [`Handle`] are `Send + Sync`.
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod async_hooks;
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
#[cfg(feature = "async")]
pub use crate::module::AsyncLifecycle;
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
/// [`Registry::validate`] and [`Registry::boot`] name any module missing from the binary. On
/// targets without linker sections (WebAssembly), it is the list of modules
/// [`Registry::global`] holds.
///
/// Put it once at the crate root of the application, whose `build.rs` runs
/// `module_registry_build::Checker`; it includes the file the check wrote for this crate,
/// `OUT_DIR/module_registry_link_<crate>.rs`.
#[macro_export]
macro_rules! link_modules {
    () => {
        ::core::include!(::core::concat!(
            ::core::env!("OUT_DIR"),
            "/module_registry_link_",
            ::core::env!("CARGO_CRATE_NAME"),
            ".rs"
        ));
    };
}
