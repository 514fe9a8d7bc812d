//! The traits a module type implements, most of them through `#[derive(Module)]`.

use crate::context::Context;
use crate::descriptor::ModuleDescriptor;
use crate::error::ModuleError;

/// A module: a struct with `#[derive(Module)]`.
///
/// Implemented only by the derive, which also places the descriptor in the registry.
///
/// # Safety
///
/// The runtime finds a module's instance through its descriptor and reads it as `Self`, so
/// `DESCRIPTOR` must be the descriptor the derive generated for `Self` and no other type. Safe
/// code cannot implement this trait; `#[derive(Module)]` does, and is the only supported way.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a module",
    label = "`{Self}` is not a module",
    note = "add `#[derive(Module)]` to `{Self}`, or remove it from `depends_on`/`optional`"
)]
pub unsafe trait Module: Lifecycle + Send + Sync + Sized + 'static {
    /// The module's descriptor, in the linker-collected slice.
    const DESCRIPTOR: &'static ModuleDescriptor;

    /// The module's descriptor. Used by dependency edges, which must not be consts (a cycle of
    /// modules would be a cycle of constants, rustc's E0391).
    #[inline(always)]
    fn descriptor() -> &'static ModuleDescriptor {
        Self::DESCRIPTOR
    }

    /// Builds the instance: the `create` path, or `Default::default()`.
    #[doc(hidden)]
    fn __create(ctx: &Context<'_, Self>) -> Result<Self, ModuleError>;

    /// How the async boot creates the module and runs its lifecycle; the derive overrides it
    /// for `create = async path` and `lifecycle = async`.
    #[doc(hidden)]
    const __HOOKS: &'static crate::async_hooks::AsyncHooks =
        &crate::async_hooks::AsyncHooks::sync::<Self>();
}

/// Hooks run by the runtime after `create` and at shutdown.
///
/// Write `lifecycle` in `#[module(...)]` and implement this trait; without the flag the derive
/// implements it with the default (empty) hooks, so an `impl Lifecycle` for a module without
/// the flag is rustc's error E0119, "conflicting implementations of trait `Lifecycle`", at
/// `#[derive(Module)]`: add `lifecycle` to the attribute.
#[diagnostic::on_unimplemented(
    message = "`{Self}` declares `lifecycle` but does not implement `Lifecycle`",
    note = "add `impl module_registry::Lifecycle for {Self} {{ ... }}`, or remove `lifecycle` from `#[module(...)]`"
)]
pub trait Lifecycle {
    /// Runs once, after `create`, before any dependent module is created.
    fn initialize(&mut self) -> Result<(), ModuleError> {
        Ok(())
    }

    /// Runs once at shutdown, after every dependent module has been cleaned up and dropped.
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        Ok(())
    }
}

/// Async hooks, run by [`Registry::boot_async`](crate::Registry::boot_async) after `create`
/// and by [`Runtime::shutdown_async`](crate::Runtime::shutdown_async).
///
/// Write `lifecycle = async` in `#[module(...)]` and implement this trait instead of
/// [`Lifecycle`], with `async fn`s. The futures must be `Send`.
///
/// ```
/// use module_registry::{AsyncLifecycle, Module, ModuleError};
///
/// #[derive(Module, Default)]
/// #[module(lifecycle = async)]
/// struct Warm;
///
/// impl AsyncLifecycle for Warm {
///     async fn initialize(&mut self) -> Result<(), ModuleError> {
///         tokio::task::yield_now().await;
///         Ok(())
///     }
/// }
/// ```
#[cfg(feature = "async")]
#[diagnostic::on_unimplemented(
    message = "`{Self}` declares `lifecycle = async` but does not implement `AsyncLifecycle`",
    note = "add `impl module_registry::AsyncLifecycle for {Self} {{ ... }}`, or remove `= async` from `lifecycle`"
)]
pub trait AsyncLifecycle: crate::async_hooks::DeclaresAsyncLifecycle + Send {
    /// Runs once, after `create`, before any dependent module is created.
    fn initialize(&mut self) -> impl std::future::Future<Output = Result<(), ModuleError>> + Send {
        async { Ok(()) }
    }

    /// Runs once at shutdown, after every dependent module has been cleaned up and dropped.
    fn cleanup(&mut self) -> impl std::future::Future<Output = Result<(), ModuleError>> + Send {
        async { Ok(()) }
    }
}

/// Proof that a module declared `depends_on = [T]`; `ctx.dep::<T>()` requires it.
///
/// # Safety
///
/// Implemented only by `#[derive(Module)]`, for each type in `depends_on`: an implementation
/// by hand would let a module reach what it did not declare, which the boot order does not
/// create first.
#[diagnostic::on_unimplemented(
    message = "module `{Self}` does not declare a dependency on `{T}`",
    label = "`{T}` is not in `depends_on` of `{Self}`",
    note = "add `{T}` to `depends_on` in the `#[module(...)]` attribute of `{Self}`",
    note = "if `{T}` is listed under `optional`, ask for it with `ctx.optional::<{T}>()`, which is `None` when it is absent"
)]
pub unsafe trait DependsOn<T>: Module {}

/// Proof that a module declared `optional = [T]`; `ctx.optional::<T>()` requires it.
///
/// # Safety
///
/// Implemented only by `#[derive(Module)]`, for each type in `optional`.
#[diagnostic::on_unimplemented(
    message = "module `{Self}` does not declare an optional dependency on `{T}`",
    label = "`{T}` is not in `optional` of `{Self}`",
    note = "add `{T}` to `optional` in the `#[module(...)]` attribute of `{Self}`",
    note = "if `{T}` is listed under `depends_on`, ask for it with `ctx.dep::<{T}>()`, which never fails"
)]
pub unsafe trait OptionallyDependsOn<T>: Module {}

/// The FAQ's byte-processing interface. Offer it with `provides = [dyn Processor]`, reach it
/// with `runtime.processor("name")`.
pub trait Processor: Send + Sync {
    /// Transforms `data`.
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError>;
}

/// Turns a type-erased pointer to a module's instance into `*const I`, for one
/// `provides = [dyn Trait]` entry. Built only by `#[derive(Module)]`.
#[doc(hidden)]
pub struct Caster<I: ?Sized + 'static>(fn(*const ()) -> *const I);

impl<I: ?Sized + 'static> Caster<I> {
    /// # Safety
    ///
    /// `cast` must turn a pointer to the instance of the module whose descriptor holds this
    /// caster into a pointer to the same value as `I`.
    #[doc(hidden)]
    pub const unsafe fn new(cast: fn(*const ()) -> *const I) -> Self {
        Caster(cast)
    }

    /// Casts `instance`.
    pub(crate) fn cast(&self, instance: *const ()) -> *const I {
        (self.0)(instance)
    }
}
