//! Lookups allocate nothing: `Registry::global()`, `get::<T>()`, `find`, `with_capability` and
//! `Runtime::get`, measured with a counting allocator.

pub mod fixtures {
    pub mod example;
}

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use fixtures::example::{Cache, Crypto};
use module_registry::{Module, Registry};
use module_registry_tests::events::serial;

/// Counts allocations per thread, so that tests running in parallel do not interfere.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards to the system allocator; the counter is a const-initialized thread local.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as `GlobalAlloc::alloc`.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as `GlobalAlloc::alloc_zeroed`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as `GlobalAlloc::dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: same contract as `GlobalAlloc::realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `f`'s result and the number of allocations this thread made while running it.
fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    (r, ALLOCATIONS.with(Cell::get) - before)
}

#[test]
fn global_and_get_allocate_nothing() {
    let ((), n) = allocations(|| {
        let registry = Registry::global();
        let h = registry.get::<Cache>();
        assert_eq!(h.name(), "cache");
        assert_eq!(h.descriptor().dependencies().len(), 2);
    });
    assert_eq!(n, 0, "Registry::global() and get::<T>() allocate nothing");
}

#[test]
fn find_and_with_capability_allocate_nothing_after_their_first_use() {
    let registry = Registry::global();
    registry.find("cache").unwrap(); // the table is built on first use
    let (found, n) = allocations(|| registry.find("storage"));
    assert!(found.is_some());
    assert_eq!(n, 0, "find: no per-call allocation");
    registry.with_capability("cache").count();
    let (count, n) = allocations(|| registry.with_capability("storage").count());
    assert_eq!(count, 1);
    assert_eq!(n, 0, "with_capability: no per-call allocation");
}

#[test]
fn runtime_get_allocates_nothing() {
    let _serial = serial();
    let runtime = Registry::global()
        .subset([Cache::DESCRIPTOR, Crypto::DESCRIPTOR])
        .boot()
        .unwrap();
    let (got, n) = allocations(|| runtime.get::<Cache>().is_some());
    assert!(got);
    assert_eq!(n, 0, "runtime.get: no allocation");
    drop(runtime);
}
