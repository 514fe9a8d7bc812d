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

    /// The value moved out of its `Arc` if this is the last strong reference, even while
    /// `Weak`s remain: they can no longer upgrade, so the value is ours alone.
    fn unshare(self: Arc<Self>) -> Result<Box<dyn Instance>, Arc<dyn Instance>>;
}

impl<T: Module> Instance for T {
    fn hook(&mut self, hook: Hook) -> Result<(), ModuleError> {
        match hook {
            Hook::Initialize => self.initialize(),
            Hook::Cleanup => self.cleanup(),
        }
    }

    fn unshare(self: Arc<Self>) -> Result<Box<dyn Instance>, Arc<dyn Instance>> {
        match Arc::try_unwrap(self) {
            Ok(module) => Ok(Box::new(module)),
            Err(shared) => Err(shared),
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

    /// One slot, for the module `d` alone: a descriptor that is not in the linked slice (a
    /// unit test's, where no linker section is read).
    #[cfg(all(test, not(target_family = "wasm")))]
    fn for_one(d: &'static ModuleDescriptor) -> SlotMap {
        SlotMap {
            base: d as *const ModuleDescriptor as usize,
            len: 1,
        }
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
        None => Err(still_shared(hook, &arc)),
    }
}

#[cold]
fn still_shared(hook: Hook, arc: &Arc<dyn Instance>) -> ModuleError {
    ModuleError::new(format!(
        "cannot run {hook:?}: {} other strong reference(s) to the instance are still alive",
        Arc::strong_count(arc) - 1
    ))
}

/// The runtime's reference to an instance taken out of its slot: cleaned up, then dropped.
pub(crate) enum Owned {
    /// Still in its `Arc`: other strong references may remain.
    Shared(Arc<dyn Instance>),
    /// Moved out of its `Arc`, which only `Weak`s (that no longer upgrade) still point to.
    Alone(Box<dyn Instance>),
}

impl Owned {
    /// Takes the runtime's reference; a `Weak`-only sharing is ended here, so that a dependent
    /// holding a `Weak` does not keep the module from its cleanup.
    ///
    /// # Safety
    /// `e` must come from `create_erased`, be out of its slot, and not be released: dropping
    /// the result releases it.
    pub(crate) unsafe fn take(e: Erased) -> Owned {
        // SAFETY: per the contract.
        let mut arc = unsafe { Arc::from_raw(e.0.as_ptr() as *const dyn Instance) };
        if Arc::get_mut(&mut arc).is_some() {
            return Owned::Shared(arc);
        }
        match arc.unshare() {
            Ok(alone) => Owned::Alone(alone),
            Err(shared) => Owned::Shared(shared),
        }
    }

    /// Runs `cleanup`, unless another strong reference still shares the instance.
    pub(crate) fn cleanup(&mut self) -> Result<(), ModuleError> {
        match self {
            Owned::Shared(arc) => match Arc::get_mut(arc) {
                Some(module) => module.hook(Hook::Cleanup),
                None => Err(still_shared(Hook::Cleanup, arc)),
            },
            Owned::Alone(module) => module.hook(Hook::Cleanup),
        }
    }
}

/// Drops the runtime's reference to the instance.
///
/// # Safety
/// `e` must come from `create_erased` and is released exactly once.
pub(crate) unsafe fn release(e: Erased) {
    // SAFETY: per the contract.
    drop(unsafe { Arc::from_raw(e.0.as_ptr() as *const dyn Instance) });
}

/// The pointer juggling above, on a module made by hand and a slot table based at its own
/// descriptor, so that it runs where the linker's slice does not exist (Miri).
#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Weak;

    use super::*;
    use crate::__private::{descriptor, location, version};
    use crate::descriptor::ModuleType;
    use crate::module::Lifecycle;

    static CLEANUPS: AtomicUsize = AtomicUsize::new(0);

    struct Probe(String);

    impl Lifecycle for Probe {
        fn cleanup(&mut self) -> Result<(), ModuleError> {
            self.0.push_str(" cleaned");
            CLEANUPS.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    static PROBE: ModuleDescriptor = descriptor::<Probe>(
        "probe",
        version(1, 0, 0, "", ""),
        ModuleType::Service,
        &[],
        &[],
        &[],
        &[],
        "",
        "Probe",
        location("probe.rs", 1, 1),
    );

    // SAFETY: `PROBE` describes `Probe` and builds it with `create_erased::<Probe>`.
    unsafe impl Module for Probe {
        const DESCRIPTOR: &'static ModuleDescriptor = &PROBE;
        fn __create(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
            Ok(Probe("probe".to_owned()))
        }
    }

    /// A slot table holding one fresh `Probe`.
    fn slots() -> (Slots, Erased) {
        let mut slots = Slots {
            slots: vec![None].into_boxed_slice(),
            map: SlotMap::for_one(&PROBE),
        };
        let e = create_erased::<Probe>(&slots).unwrap();
        slots.slots[0] = Some(e);
        (slots, e)
    }

    #[test]
    fn slots_hand_out_the_instance_and_shared_clones() {
        let (slots, e) = slots();
        assert_eq!(slots.get::<Probe>().unwrap().0, "probe");
        let clone = slots.arc::<Probe>().unwrap();
        assert_eq!(Arc::strong_count(&clone), 2);
        drop(clone);
        // SAFETY: made by `create_erased`, released once, here.
        unsafe {
            hook(e, Hook::Initialize).unwrap();
            release(e);
        }
    }

    #[test]
    fn cleanup_runs_when_only_weak_references_remain() {
        let (slots, e) = slots();
        let weak: Weak<Probe> = Arc::downgrade(&slots.arc::<Probe>().unwrap());
        let before = CLEANUPS.load(Ordering::SeqCst);
        // SAFETY: made by `create_erased`, taken once; dropping `owned` releases it.
        let mut owned = unsafe { Owned::take(e) };
        assert!(matches!(owned, Owned::Alone(_)));
        assert!(weak.upgrade().is_none());
        owned.cleanup().unwrap();
        assert!(CLEANUPS.load(Ordering::SeqCst) > before);
        drop(owned);
    }

    #[test]
    fn cleanup_is_refused_while_an_arc_remains() {
        let (slots, e) = slots();
        let kept = slots.arc::<Probe>().unwrap();
        // SAFETY: made by `create_erased`, taken once; dropping `owned` releases it.
        let mut owned = unsafe { Owned::take(e) };
        let err = owned.cleanup().unwrap_err().to_string();
        assert!(err.contains("1 other strong reference(s)"), "{err}");
        drop(owned);
        assert_eq!(kept.0, "probe");
    }
}
