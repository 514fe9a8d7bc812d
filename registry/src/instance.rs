//! Instances the runtime holds without knowing their types, and the table it finds them in.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::context::Context;
use crate::descriptor::ModuleDescriptor;
use crate::error::ModuleError;
use crate::module::Module;

/// What a descriptor's `create` is: builds the module into its slot's pointer.
pub(crate) type CreateFn = fn(&Slots) -> Result<Erased, ModuleError>;

/// What the runtime does with an instance without knowing its type. One vtable per module
/// type replaces the generic `hook` and `release` functions each module had: less code to
/// generate per `#[derive(Module)]`.
pub(crate) trait Instance: Send + Sync + 'static {
    fn hook(&mut self, hook: Hook) -> Result<(), ModuleError>;
}

impl<T: Module> Instance for T {
    fn hook(&mut self, hook: Hook) -> Result<(), ModuleError> {
        match hook {
            Hook::Initialize => self.initialize(),
            Hook::Cleanup => self.cleanup(),
        }
    }
}

/// An instance pointer from `Arc::<dyn Instance>::into_raw`: the allocation of an `Arc<T>`,
/// unsized.
#[derive(Clone, Copy)]
pub(crate) struct Erased(NonNull<dyn Instance>);

impl Erased {
    /// One more `Arc` of the instance.
    ///
    /// # Safety
    /// The instance is a `T`, made by `create_erased::<T>` (an `Arc<T>` unsized to
    /// `Arc<dyn Instance>`, which is what `Arc::<T>::from_raw` asks for), and whoever holds
    /// `self` holds one strong count, so adding one is sound.
    pub(crate) unsafe fn share<T: Module>(self) -> Arc<T> {
        let ptr = self.data() as *const T;
        // SAFETY: per the contract.
        unsafe {
            Arc::increment_strong_count(ptr);
            Arc::from_raw(ptr)
        }
    }

    /// The address of the module value.
    #[inline(always)]
    pub(crate) fn data(self) -> *const () {
        self.0.as_ptr() as *const ()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hook {
    Initialize,
    Cleanup,
}

/// Which slot holds which module's instance.
///
/// Where the linker collects descriptors, a slot is the descriptor's index in the linked
/// slice, read from its address. Elsewhere, each runtime maps the addresses of its registry's
/// descriptors to slots once, at boot.
pub(crate) struct SlotMap {
    /// The address of the linked slice, read once: `runtime.get` is then one subtraction, one
    /// division by a constant and one bounds check.
    #[cfg(not(target_family = "wasm"))]
    base: usize,
    #[cfg(not(target_family = "wasm"))]
    len: usize,
    #[cfg(target_family = "wasm")]
    positions: std::collections::HashMap<usize, usize>,
}

impl SlotMap {
    /// Slots for the modules of `modules`.
    #[cfg(not(target_family = "wasm"))]
    pub(crate) fn new(_modules: impl Iterator<Item = &'static ModuleDescriptor>) -> SlotMap {
        SlotMap {
            base: crate::linked::MODULES.as_ptr() as usize,
            len: crate::linked::len(),
        }
    }

    /// Slots for the modules of `modules`.
    #[cfg(target_family = "wasm")]
    pub(crate) fn new(modules: impl Iterator<Item = &'static ModuleDescriptor>) -> SlotMap {
        let mut positions = std::collections::HashMap::new();
        for d in modules {
            let next = positions.len();
            positions
                .entry(d as *const ModuleDescriptor as usize)
                .or_insert(next);
        }
        SlotMap { positions }
    }

    /// How many slots.
    pub(crate) fn len(&self) -> usize {
        #[cfg(not(target_family = "wasm"))]
        return self.len;
        #[cfg(target_family = "wasm")]
        return self.positions.len();
    }

    /// The slot of module `d`, or an index past the end when there is none for it.
    #[cfg(not(target_family = "wasm"))]
    #[inline(always)]
    fn index(&self, d: &'static ModuleDescriptor) -> usize {
        (d as *const ModuleDescriptor as usize).wrapping_sub(self.base)
            / std::mem::size_of::<ModuleDescriptor>()
    }

    /// The slot of module `d`, or an index past the end when there is none for it.
    #[cfg(target_family = "wasm")]
    #[inline]
    fn index(&self, d: &'static ModuleDescriptor) -> usize {
        self.positions
            .get(&(d as *const ModuleDescriptor as usize))
            .copied()
            .unwrap_or(usize::MAX)
    }

    /// The slot of module `d`, if there is one for it.
    #[inline(always)]
    pub(crate) fn slot_of(&self, d: &'static ModuleDescriptor) -> Option<usize> {
        let i = self.index(d);
        (i < self.len()).then_some(i)
    }
}

/// A runtime's instances, one slot per module it may hold.
pub(crate) struct Slots {
    pub(crate) slots: Box<[Option<Erased>]>,
    pub(crate) map: SlotMap,
}

impl Slots {
    /// Empty slots for the modules of `modules`.
    pub(crate) fn new(modules: impl Iterator<Item = &'static ModuleDescriptor>) -> Slots {
        let map = SlotMap::new(modules);
        Slots {
            slots: vec![None; map.len()].into_boxed_slice(),
            map,
        }
    }

    /// The slot of module `d`, if these slots have one for it.
    #[inline(always)]
    pub(crate) fn slot_of(&self, d: &'static ModuleDescriptor) -> Option<usize> {
        self.map.slot_of(d)
    }

    #[inline(always)]
    pub(crate) fn erased<T: Module>(&self) -> Option<Erased> {
        match self.slots.get(self.map.index(T::DESCRIPTOR)) {
            Some(slot) => *slot,
            None => None,
        }
    }

    #[inline(always)]
    pub(crate) fn get<T: Module>(&self) -> Option<&T> {
        // SAFETY: the slot of `T`'s descriptor only ever holds an `Arc<T>` made by
        // `create_erased::<T>`, alive until the runtime releases it in `shutdown`.
        self.erased::<T>()
            .map(|e| unsafe { &*(e.data() as *const T) })
    }

    pub(crate) fn arc<T: Module>(&self) -> Option<Arc<T>> {
        // SAFETY: as in `get`; the runtime holds one strong count.
        self.erased::<T>().map(|e| unsafe { e.share::<T>() })
    }
}

// SAFETY: an `Erased` points to an instance of a `Module`, which is `Send + Sync`. The async
// boot holds instances across awaits, and a `&Context` held across an await of an async
// `create` reads the slots.
#[cfg(feature = "async")]
unsafe impl Send for Erased {}
// SAFETY: as above.
#[cfg(feature = "async")]
unsafe impl Sync for Erased {}

/// Moves a module into the runtime's `Arc`.
#[cfg(feature = "async")]
pub(crate) fn erase<T: Module>(module: T) -> Erased {
    let instance: Arc<dyn Instance> = Arc::new(module);
    // SAFETY: `Arc::into_raw` never returns null.
    Erased(unsafe { NonNull::new_unchecked(Arc::into_raw(instance) as *mut dyn Instance) })
}

pub(crate) fn create_erased<T: Module>(slots: &Slots) -> Result<Erased, ModuleError> {
    let module = T::__create(&Context::<T>::new(slots))?;
    let instance: Arc<dyn Instance> = Arc::new(module);
    // SAFETY: `Arc::into_raw` never returns null.
    Ok(Erased(unsafe {
        NonNull::new_unchecked(Arc::into_raw(instance) as *mut dyn Instance)
    }))
}

/// Runs `initialize` or `cleanup` on the instance.
///
/// # Safety
/// `e` must come from `create_erased` and not be released.
pub(crate) unsafe fn hook(e: Erased, hook: Hook) -> Result<(), ModuleError> {
    // SAFETY: per the contract; ManuallyDrop keeps the runtime's count.
    let mut arc = ManuallyDrop::new(unsafe { Arc::from_raw(e.0.as_ptr() as *const dyn Instance) });
    match Arc::get_mut(&mut arc) {
        Some(module) => module.hook(hook),
        None => Err(still_shared(hook, Arc::strong_count(&arc) - 1)),
    }
}

#[cold]
fn still_shared(hook: Hook, others: usize) -> ModuleError {
    ModuleError::new(format!(
        "cannot run {hook:?}: {others} other reference(s) to the instance are still alive"
    ))
}

/// Drops the runtime's reference to the instance.
///
/// # Safety
/// `e` must come from `create_erased` and is released exactly once.
pub(crate) unsafe fn release(e: Erased) {
    // SAFETY: per the contract.
    drop(unsafe { Arc::from_raw(e.0.as_ptr() as *const dyn Instance) });
}
