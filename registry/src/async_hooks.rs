//! Async hooks: `create = async path` and `lifecycle = async`, erased for the async boot.
//!
//! Every descriptor gets (only with the `async` feature) a pointer to one [`AsyncHooks`]: how
//! the async boot creates the module and runs its lifecycle. `Module::__HOOKS` fills it in; its
//! default, for a module without async hooks, wraps the synchronous ones, so the derive's
//! expansion of such a module is the same with and without the feature.

#[cfg(feature = "async")]
pub use self::enabled::*;

#[cfg(not(feature = "async"))]
pub use self::disabled::*;

use std::future::Future;
use std::pin::Pin;

use crate::context::Context;
use crate::descriptor::ModuleDescriptor;
use crate::error::ModuleError;
use crate::module::Module;

/// What a module's async `create` returns, boxed.
pub type CreateFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T, ModuleError>> + Send + 'c>>;

/// Implemented by the derive for `create = async path`.
#[doc(hidden)]
pub trait AsyncCreate: Module {
    /// Calls the path with the context.
    fn __create_async<'c>(ctx: &'c Context<'_, Self>) -> CreateFuture<'c, Self>;
}

/// Boxes the future of an async `create`: a function that is not async, or returns something
/// other than `Result<Self, ModuleError>`, fails here, at the path.
#[doc(hidden)]
pub fn boxed_create<'c, T, F>(future: F) -> CreateFuture<'c, T>
where
    F: Future<Output = Result<T, ModuleError>> + Send + 'c,
{
    Box::pin(future)
}

/// Implemented by the derive for `lifecycle = async`: an `impl AsyncLifecycle` without the key
/// would never run.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` implements `AsyncLifecycle` but does not declare `lifecycle = async`",
    label = "`{Self}` does not declare `lifecycle = async`",
    note = "add `lifecycle = async` to the `#[module(...)]` attribute of `{Self}`"
)]
pub trait DeclaresAsyncLifecycle {}

/// What the synchronous hooks of a module with `lifecycle = async` return: a synchronous boot
/// or shutdown cannot run them.
#[doc(hidden)]
#[cold]
pub fn sync_hook_of_async(d: &'static ModuleDescriptor, hook: &str) -> ModuleError {
    ModuleError::new(format!(
        "module \"{}\" has an async `{hook}`: boot it with `Registry::boot_async` and stop it with `Runtime::shutdown_async`",
        d.name()
    ))
}

/// What the synchronous `create` of a module with `create = async path` returns.
#[doc(hidden)]
#[cold]
pub fn sync_create_of_async(d: &'static ModuleDescriptor) -> ModuleError {
    sync_hook_of_async(d, "create")
}

#[cfg(feature = "async")]
mod enabled {
    use std::cell::UnsafeCell;
    use std::future::Future;
    use std::mem::ManuallyDrop;
    use std::pin::Pin;
    use std::sync::Arc;

    use super::AsyncCreate;
    use crate::context::Context;
    use crate::error::ModuleError;
    use crate::instance::{erase, Erased, Hook, SlotMap, Slots};
    use crate::module::{AsyncLifecycle, Module};

    /// A boxed hook future.
    pub(crate) type HookFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

    /// How the async boot creates one module and runs its lifecycle.
    pub struct AsyncHooks {
        pub(crate) create: CreateKind,
        pub(crate) lifecycle: Option<LifecycleFn>,
    }

    /// How a module is created: the synchronous `create` runs inline on the boot's task.
    #[derive(Clone, Copy)]
    pub(crate) enum CreateKind {
        Sync(fn(&SharedSlots) -> Result<Erased, ModuleError>),
        Async(for<'a> fn(&'a SharedSlots) -> HookFuture<'a, Result<Erased, ModuleError>>),
    }

    /// Runs `initialize` or `cleanup` of the instance.
    ///
    /// # Safety
    /// The instance must stay alive, and nothing else may touch it, until the future is
    /// dropped.
    pub(crate) type LifecycleFn =
        unsafe fn(Erased, Hook) -> HookFuture<'static, Result<(), ModuleError>>;

    /// `create` of [`AsyncHooks`], as the derive names it.
    #[doc(hidden)]
    pub struct CreateHook(CreateKind);

    /// The lifecycle of [`AsyncHooks`], as the derive names it.
    #[doc(hidden)]
    pub struct LifecycleHook(Option<LifecycleFn>);

    impl AsyncHooks {
        /// The hooks of a module without async hooks.
        pub(crate) const fn sync<T: Module>() -> Self {
            AsyncHooks {
                create: CreateKind::Sync(create_sync::<T>),
                lifecycle: None,
            }
        }

        /// Whether any hook is async.
        pub(crate) fn is_async(&self) -> bool {
            matches!(self.create, CreateKind::Async(_)) || self.lifecycle.is_some()
        }
    }

    #[doc(hidden)]
    pub const fn async_hooks(create: CreateHook, lifecycle: LifecycleHook) -> AsyncHooks {
        AsyncHooks {
            create: create.0,
            lifecycle: lifecycle.0,
        }
    }

    #[doc(hidden)]
    pub const fn sync_create<T: Module>() -> CreateHook {
        CreateHook(CreateKind::Sync(create_sync::<T>))
    }

    #[doc(hidden)]
    pub const fn async_create<T: AsyncCreate>() -> CreateHook {
        CreateHook(CreateKind::Async(create_async::<T>))
    }

    #[doc(hidden)]
    pub const fn sync_lifecycle() -> LifecycleHook {
        LifecycleHook(None)
    }

    #[doc(hidden)]
    pub const fn async_lifecycle<T: Module + AsyncLifecycle>() -> LifecycleHook {
        LifecycleHook(Some(lifecycle_async::<T>))
    }

    /// Fails compilation of an async module when the feature is off; nothing to check here.
    #[doc(hidden)]
    pub const fn async_feature() {}

    fn create_sync<T: Module>(slots: &SharedSlots) -> Result<Erased, ModuleError> {
        T::__create(&Context::booting(slots)).map(erase)
    }

    fn create_async<T: AsyncCreate>(
        slots: &SharedSlots,
    ) -> HookFuture<'_, Result<Erased, ModuleError>> {
        Box::pin(async move {
            let ctx = Context::<T>::booting(slots);
            T::__create_async(&ctx).await.map(erase)
        })
    }

    /// # Safety
    /// As [`LifecycleFn`]; `e` holds a `T`.
    unsafe fn lifecycle_async<T: Module + AsyncLifecycle>(
        e: Erased,
        hook: Hook,
    ) -> HookFuture<'static, Result<(), ModuleError>> {
        let ptr = e.data() as *const T;
        // SAFETY: `e` is the allocation of an `Arc<T>`; ManuallyDrop keeps the runtime's count.
        let mut arc = ManuallyDrop::new(unsafe { Arc::from_raw(ptr) });
        let others = Arc::strong_count(&arc) - 1;
        let Some(module) = Arc::get_mut(&mut arc) else {
            return Box::pin(std::future::ready(Err(ModuleError::new(format!(
                "cannot run {hook:?}: {others} other reference(s) to the instance are still alive"
            )))));
        };
        // SAFETY: the caller keeps the instance alive and untouched until the future is
        // dropped, so this exclusive reference outlives no owner and aliases nothing.
        let module: &'static mut T = unsafe { &mut *(module as *mut T) };
        match hook {
            Hook::Initialize => Box::pin(AsyncLifecycle::initialize(module)),
            Hook::Cleanup => Box::pin(AsyncLifecycle::cleanup(module)),
        }
    }

    /// The instances of a boot in progress: hooks read their dependencies while the boot
    /// installs the modules that finish.
    pub(crate) struct SharedSlots {
        map: SlotMap,
        slots: Box<[UnsafeCell<Option<Erased>>]>,
    }

    // SAFETY: instances are `Module`s, so `Send + Sync`. A slot is written only by the boot's
    // own task between two polls of the hooks that read slots (hooks cannot keep a `&Context`
    // in a spawned task: it is not `'static`), and each slot once, before any reader of it
    // starts: no write races a read.
    unsafe impl Sync for SharedSlots {}
    // SAFETY: as above.
    unsafe impl Send for SharedSlots {}

    impl SharedSlots {
        pub(crate) fn new(map: SlotMap) -> Self {
            SharedSlots {
                slots: (0..map.len()).map(|_| UnsafeCell::new(None)).collect(),
                map,
            }
        }

        #[inline]
        fn erased<T: Module>(&self) -> Option<Erased> {
            let cell = self.slots.get(self.map.slot_of(T::DESCRIPTOR)?)?;
            // SAFETY: no write races this read (see the `Sync` impl).
            unsafe { *cell.get() }
        }

        pub(crate) fn arc<T: Module>(&self) -> Option<Arc<T>> {
            // SAFETY: the slot of `T`'s descriptor holds an `Arc<T>` with the boot's count.
            self.erased::<T>().map(|e| unsafe { e.share::<T>() })
        }

        /// Installs a started module.
        ///
        /// # Safety
        /// Called by the boot's task between polls of the hooks, once per slot.
        pub(crate) unsafe fn install(&self, index: usize, e: Erased) {
            // SAFETY: per the contract, nothing reads the slot meanwhile.
            unsafe { *self.slots[index].get() = Some(e) };
        }

        /// Takes a module out of its slot.
        ///
        /// # Safety
        /// No hook reads the slots any more.
        pub(crate) unsafe fn take(&self, index: usize) -> Option<Erased> {
            // SAFETY: per the contract.
            unsafe { (*self.slots[index].get()).take() }
        }

        /// The slots, for a runtime, once no hook can read them any more.
        pub(crate) fn into_slots(self) -> Slots {
            Slots {
                slots: self
                    .slots
                    .into_vec()
                    .into_iter()
                    .map(UnsafeCell::into_inner)
                    .collect(),
                map: self.map,
            }
        }
    }
}

#[cfg(not(feature = "async"))]
mod disabled {
    /// Nothing: without the `async` feature no descriptor holds async hooks.
    pub struct AsyncHooks(());

    impl AsyncHooks {
        #[allow(clippy::extra_unused_type_parameters)] // the signature of the feature's twin
        pub(crate) const fn sync<T>() -> Self {
            AsyncHooks(())
        }
    }

    #[doc(hidden)]
    pub struct CreateHook(());

    #[doc(hidden)]
    pub struct LifecycleHook(());

    #[doc(hidden)]
    pub const fn async_hooks(_: CreateHook, _: LifecycleHook) -> AsyncHooks {
        AsyncHooks(())
    }

    #[doc(hidden)]
    pub const fn sync_create<T>() -> CreateHook {
        CreateHook(())
    }

    #[doc(hidden)]
    pub const fn async_create<T>() -> CreateHook {
        CreateHook(())
    }

    #[doc(hidden)]
    pub const fn sync_lifecycle() -> LifecycleHook {
        LifecycleHook(())
    }

    #[doc(hidden)]
    pub const fn async_lifecycle<T>() -> LifecycleHook {
        LifecycleHook(())
    }

    /// Fails compilation of a module with async hooks: only the async boot runs them.
    #[doc(hidden)]
    #[track_caller]
    pub const fn async_feature() {
        panic!("`create = async` and `lifecycle = async` need the `async` feature of module-registry: module-registry = {{ version = \"0.1\", features = [\"async\"] }}, then boot with `Registry::boot_async`")
    }
}
