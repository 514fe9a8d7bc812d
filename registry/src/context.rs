//! What a module's `create` function receives.

use std::marker::PhantomData;
use std::sync::Arc;

#[cfg(feature = "async")]
use crate::async_hooks::SharedSlots;
use crate::descriptor::ModuleDescriptor;
use crate::instance::Slots;
use crate::module::{DependsOn, Module, OptionallyDependsOn};

/// Handed to `create = path`: the module's declared dependencies, already booted.
///
/// Access is checked at compile time: `dep::<T>()` compiles only if the module lists `T` under
/// `depends_on`, `optional::<T>()` only if it lists `T` under `optional`.
///
/// With the `async` feature it is `Send + Sync`, so an async `create` may hold it across awaits.
pub struct Context<'a, M: Module> {
    slots: Source<'a>,
    _module: PhantomData<fn() -> M>,
}

/// Where the dependencies are: a synchronous boot's slots, or those of an async boot, which
/// it fills while other modules are being created.
#[derive(Clone, Copy)]
enum Source<'a> {
    Booted(&'a Slots),
    #[cfg(feature = "async")]
    Booting(&'a SharedSlots),
}

impl Source<'_> {
    #[inline]
    fn arc<T: Module>(self) -> Option<Arc<T>> {
        match self {
            Source::Booted(slots) => slots.arc::<T>(),
            #[cfg(feature = "async")]
            Source::Booting(slots) => slots.arc::<T>(),
        }
    }
}

impl<'a, M: Module> Context<'a, M> {
    pub(crate) fn new(slots: &'a Slots) -> Self {
        Context {
            slots: Source::Booted(slots),
            _module: PhantomData,
        }
    }

    #[cfg(feature = "async")]
    pub(crate) fn booting(slots: &'a SharedSlots) -> Self {
        Context {
            slots: Source::Booting(slots),
            _module: PhantomData,
        }
    }

    /// A shared handle to the required dependency `T`, which the boot order created first.
    ///
    /// ```compile_fail
    /// use module_registry::{Context, Module, ModuleError};
    /// #[derive(Module, Default)]
    /// struct Storage;
    /// #[derive(Module)]
    /// #[module(create = Cache::new)] // forgot `depends_on = [Storage]`
    /// struct Cache;
    /// impl Cache {
    ///     fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
    ///         let _storage = ctx.dep::<Storage>(); // error: does not declare a dependency on
    ///         Ok(Cache)
    ///     }
    /// }
    /// ```
    pub fn dep<T: Module>(&self) -> Arc<T>
    where
        M: DependsOn<T>,
    {
        match self.slots.arc::<T>() {
            Some(dep) => dep,
            // The boot validates the graph and creates dependencies first, so this is reached
            // only if that guarantee is broken; the boot reports it as this module's failure.
            None => panic!(
                "module \"{}\" asked for its dependency \"{}\", which is not booted",
                M::DESCRIPTOR.name(),
                T::DESCRIPTOR.name()
            ),
        }
    }

    /// The optional dependency `T`: `Some` exactly when `T` is booted in this runtime.
    pub fn optional<T: Module>(&self) -> Option<Arc<T>>
    where
        M: OptionallyDependsOn<T>,
    {
        self.slots.arc::<T>()
    }

    /// The descriptor of the module being created.
    pub fn descriptor(&self) -> &'static ModuleDescriptor {
        M::DESCRIPTOR
    }
}
