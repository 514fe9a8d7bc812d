//! Booting modules in dependency order, injecting dependencies, lifecycle and shutdown.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant, SystemTime};

use crate::descriptor::ModuleDescriptor;
pub use crate::error::Stage;
use crate::error::{BootError, ModuleError, ShutdownError};
use crate::index::NameTable;
use crate::instance::{hook, release, Hook, Owned, Slots};
use crate::module::Caster;
use crate::module::{Module, Processor};
use crate::registry::Registry;

#[cfg(feature = "async")]
mod async_boot;
#[cfg(feature = "async")]
pub(crate) use self::async_boot::reject_async;
#[cfg(feature = "async")]
pub use self::async_boot::{
    AsyncBootError, BootOptions, BootReport, FailureKind, HookFailure, ModuleTiming, Outcome,
    ShutdownOptions,
};

/// What to do when a module fails to boot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BootPolicy {
    /// Stop, clean up everything already initialized in reverse order, return the error.
    #[default]
    FailFast,
    /// Skip the failed module and every module that requires it; boot the rest and report.
    Degrade,
}

/// Timings and outcome of one module in one runtime.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleMetrics {
    /// The module.
    pub name: &'static str,
    /// Time spent in `create`.
    pub create_time: Duration,
    /// Time spent in `initialize`.
    pub init_time: Duration,
    /// Time spent in `cleanup` (zero until shutdown).
    pub cleanup_time: Duration,
    /// Errors and panics raised by the module's hooks.
    pub errors: u32,
}

/// What happened to a module, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditEvent {
    /// `create` returned the instance.
    Created,
    /// `initialize` succeeded: the module is running.
    Initialized,
    /// A stage failed (error or panic).
    Failed {
        /// Which stage.
        stage: Stage,
        /// The message.
        message: String,
    },
    /// Not booted because a required dependency failed or was skipped (degrade policy).
    Skipped {
        /// The failed dependency.
        because: &'static str,
    },
    /// `cleanup` ran.
    CleanedUp,
    /// The instance was dropped.
    Dropped,
}

/// One line of the audit trail.
#[derive(Clone, Debug)]
pub struct AuditRecord {
    /// The module.
    pub module: &'static str,
    /// What happened.
    pub event: AuditEvent,
    /// When.
    pub at: SystemTime,
}

/// A module that did not boot under [`BootPolicy::Degrade`].
#[derive(Debug)]
pub struct Skipped {
    /// The module.
    pub module: &'static str,
    /// Why: its own failure, or the dependency that failed.
    pub reason: SkipReason,
}

/// Why a module was skipped.
#[derive(Debug)]
pub enum SkipReason {
    /// The module itself failed.
    Failed {
        /// In which stage.
        stage: Stage,
        /// The error (a panic becomes an error carrying its message).
        error: ModuleError,
    },
    /// A required dependency did not boot.
    DependencyDown {
        /// That dependency.
        dependency: &'static str,
    },
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            SkipReason::Failed { stage, error } => {
                write!(f, "module \"{}\" failed in {stage}: {error}", self.module)
            }
            SkipReason::DependencyDown { dependency } => write!(
                f,
                "module \"{}\" skipped: its dependency \"{dependency}\" did not boot",
                self.module
            ),
        }
    }
}

/// The booted modules of a registry: one instance each, in dependency order.
///
/// `Send + Sync`; [`Runtime::get`] takes no lock. Dropping it runs [`Runtime::shutdown`] if that
/// was not called.
pub struct Runtime {
    slots: Slots,
    booted: Vec<&'static ModuleDescriptor>,
    names: NameTable,
    metrics: Vec<ModuleMetrics>,
    skipped: Vec<Skipped>,
    audit: Vec<AuditRecord>,
    /// The boot's start on both clocks: audit times are derived from the `Instant`s the
    /// metrics read anyway, so that a module's boot reads the clock three times, not five.
    clock: (Instant, SystemTime),
    down: bool,
}

// SAFETY: every instance is a `Module`, hence `Send + Sync`; the slots are only written during
// boot and shutdown, which take `&mut self` or `self`.
unsafe impl Send for Runtime {}
// SAFETY: as above.
unsafe impl Sync for Runtime {}

/// A panic payload as an error: `panicked: <message>`.
pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> ModuleError {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned());
    drop_payload(payload);
    ModuleError::new(format!("panicked: {text}"))
}

/// Drops a panic payload, whose `Drop` is user code and may panic in turn, with a payload of
/// its own: that one is dropped the same way, and after a few rounds (a payload that keeps
/// making new ones) the last is leaked, so nothing unwinds into the caller.
fn drop_payload(mut payload: Box<dyn Any + Send>) {
    for _ in 0..4 {
        match catch_unwind(AssertUnwindSafe(|| drop(payload))) {
            Ok(()) => return,
            Err(again) => payload = again,
        }
    }
    std::mem::forget(payload);
}

/// Runs user code, turning a panic into an error.
pub(crate) fn guarded<R>(f: impl FnOnce() -> Result<R, ModuleError>) -> Result<R, ModuleError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(panic_message(payload)))
}

impl Runtime {
    pub(crate) fn boot(registry: &Registry, policy: BootPolicy) -> Result<Runtime, BootError> {
        let order = registry.init_order()?;
        let mut rt = Runtime {
            slots: Slots::new(registry.modules()),
            booted: Vec::with_capacity(order.len()),
            names: NameTable::build(std::iter::empty()),
            metrics: Vec::with_capacity(order.len()),
            skipped: Vec::new(),
            audit: Vec::with_capacity(order.len() * 2),
            clock: (Instant::now(), SystemTime::now()),
            down: false,
        };
        for &d in &order {
            let _span = tracing::info_span!("module", name = d.name()).entered();
            if policy == BootPolicy::Degrade {
                if let Some(dep) = d
                    .dependencies()
                    .iter()
                    .find(|dep| !dep.is_optional() && rt.index_of(dep.descriptor()).is_none())
                {
                    let dependency = dep.name();
                    tracing::warn!(dependency, "skipped: a required dependency did not boot");
                    rt.record(
                        d,
                        AuditEvent::Skipped {
                            because: dependency,
                        },
                        Instant::now(),
                    );
                    rt.skipped.push(Skipped {
                        module: d.name(),
                        reason: SkipReason::DependencyDown { dependency },
                    });
                    continue;
                }
            }
            if let Err((stage, error)) = rt.start(d) {
                tracing::error!(%stage, %error, "module failed to boot");
                match policy {
                    BootPolicy::FailFast => {
                        let path = needed_by(&order, d);
                        let cleanup = rt.stop_all();
                        return Err(BootError::Failed {
                            module: d.name(),
                            stage,
                            path,
                            error,
                            cleanup,
                        });
                    }
                    BootPolicy::Degrade => rt.skipped.push(Skipped {
                        module: d.name(),
                        reason: SkipReason::Failed { stage, error },
                    }),
                }
            }
        }
        rt.names = NameTable::build(rt.booted.iter().map(|d| d.name()));
        Ok(rt)
    }

    fn index_of(&self, d: &'static ModuleDescriptor) -> Option<usize> {
        self.slots
            .slot_of(d)
            .filter(|&i| self.slots.slots[i].is_some())
    }

    fn record(&mut self, d: &'static ModuleDescriptor, event: AuditEvent, at: Instant) {
        let (instant, system) = self.clock;
        self.audit.push(AuditRecord {
            module: d.name(),
            event,
            at: system + at.saturating_duration_since(instant),
        });
    }

    /// Creates and initializes one module; on failure nothing of it remains.
    fn start(&mut self, d: &'static ModuleDescriptor) -> Result<(), (Stage, ModuleError)> {
        let mut metrics = ModuleMetrics {
            name: d.name(),
            ..ModuleMetrics::default()
        };
        let Some(slot) = self.slots.slot_of(d) else {
            return Err((
                Stage::Create,
                ModuleError::new("descriptor is not in the linked module slice"),
            ));
        };
        let t0 = Instant::now();
        let created = guarded(|| (d.create)(&self.slots));
        let t1 = Instant::now();
        metrics.create_time = t1 - t0;
        let instance = match created {
            Ok(instance) => instance,
            Err(e) => {
                let event = AuditEvent::Failed {
                    stage: Stage::Create,
                    message: e.to_string(),
                };
                self.record(d, event, t1);
                return Err((Stage::Create, e));
            }
        };
        self.record(d, AuditEvent::Created, t1);
        // SAFETY: `instance` was just made by this descriptor's `create`.
        let init = guarded(|| unsafe { hook(instance, Hook::Initialize) });
        let t2 = Instant::now();
        metrics.init_time = t2 - t1;
        if let Err(e) = init {
            let event = AuditEvent::Failed {
                stage: Stage::Initialize,
                message: e.to_string(),
            };
            self.record(d, event, t2);
            // SAFETY: released once, here; it was never stored.
            let _ = guarded(|| {
                unsafe { release(instance) };
                Ok(())
            });
            self.record(d, AuditEvent::Dropped, Instant::now());
            return Err((Stage::Initialize, e));
        }
        self.record(d, AuditEvent::Initialized, t2);
        self.slots.slots[slot] = Some(instance);
        self.booted.push(d);
        self.metrics.push(metrics);
        Ok(())
    }

    /// Cleans up and drops every running module in reverse boot order, exactly once.
    fn stop_all(&mut self) -> Vec<(&'static str, ModuleError)> {
        let mut failures = Vec::new();
        while let Some(d) = self.booted.pop() {
            let _span = tracing::info_span!("module", name = d.name()).entered();
            let Some(slot) = self.slots.slot_of(d) else {
                continue;
            };
            let Some(instance) = self.slots.slots[slot].take() else {
                continue;
            };
            let t = Instant::now();
            // SAFETY: taken out of its slot above, so released exactly once: when `owned` drops.
            let mut owned = unsafe { Owned::take(instance) };
            let result = guarded(|| owned.cleanup());
            let done = Instant::now();
            // `start` pushes to `booted` and `metrics` together: the popped module's metrics
            // are at the same position.
            if let Some(m) = self.metrics.get_mut(self.booted.len()) {
                m.cleanup_time = done - t;
                m.errors += u32::from(result.is_err());
            }
            match result {
                Ok(()) => self.record(d, AuditEvent::CleanedUp, done),
                Err(e) => {
                    tracing::error!(error = %e, "cleanup failed");
                    let event = AuditEvent::Failed {
                        stage: Stage::Cleanup,
                        message: e.to_string(),
                    };
                    self.record(d, event, done);
                    failures.push((d.name(), e));
                }
            }
            if let Err(e) = guarded(|| {
                drop(owned);
                Ok(())
            }) {
                failures.push((d.name(), e));
            }
            self.record(d, AuditEvent::Dropped, Instant::now());
        }
        self.down = true;
        failures
    }

    /// The instance of module `T`, if it is booted here. O(1): an index computed from `T`'s
    /// descriptor address, then one slot read.
    #[inline(always)]
    pub fn get<T: Module>(&self) -> Option<&T> {
        self.slots.get::<T>()
    }

    /// Every booted module that declared `provides = [dyn I]`, as `&dyn I`, in boot order.
    pub fn all<I: ?Sized + 'static>(&self) -> impl Iterator<Item = &I> + '_ {
        self.booted.iter().filter_map(move |d| self.cast::<I>(d))
    }

    /// The booted module named `name`, if it provides `dyn Processor`.
    pub fn processor(&self, name: &str) -> Option<&dyn Processor> {
        let pos = self.names.find(name)?;
        self.cast::<dyn Processor>(self.booted[pos])
    }

    fn cast<I: ?Sized + 'static>(&self, d: &'static ModuleDescriptor) -> Option<&I> {
        let caster = d
            .provides()
            .iter()
            .find_map(|p| p.caster.downcast_ref::<Caster<I>>())?;
        let instance = self.slots.slots[self.slots.slot_of(d)?]?;
        // SAFETY: the caster was generated for this descriptor's module type, and `instance`
        // is that module's live instance.
        Some(unsafe { &*caster.cast(instance.data()) })
    }

    /// The running modules, in boot order.
    pub fn modules(
        &self,
    ) -> impl DoubleEndedIterator<Item = &'static ModuleDescriptor> + ExactSizeIterator + '_ {
        self.booted.iter().copied()
    }

    /// How many modules are running.
    pub fn len(&self) -> usize {
        self.booted.len()
    }

    /// Whether no module is running.
    pub fn is_empty(&self) -> bool {
        self.booted.is_empty()
    }

    /// What [`BootPolicy::Degrade`] skipped, and why, in boot order.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// A snapshot of per-module timings and error counts, in boot order.
    pub fn metrics(&self) -> Vec<ModuleMetrics> {
        self.metrics.clone()
    }

    /// A copy of the audit trail: every lifecycle event so far, in order.
    pub fn audit_trail(&self) -> Vec<AuditRecord> {
        self.audit.clone()
    }

    /// Runs `cleanup` on every module in reverse boot order, dropping each instance after its
    /// cleanup, continuing past failures, and reports them all.
    pub fn shutdown(mut self) -> Result<(), ShutdownError> {
        let failures = self.stop_all();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(ShutdownError { failures })
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if !self.down {
            for (module, error) in self.stop_all() {
                tracing::error!(module, %error, "cleanup failed during drop");
            }
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field(
                "modules",
                &self.booted.iter().map(|d| d.name()).collect::<Vec<_>>(),
            )
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

/// The chain of dependents that made `failed` necessary, from a module nothing depends on down
/// to `failed` (smallest names first).
fn needed_by(
    order: &[&'static ModuleDescriptor],
    failed: &'static ModuleDescriptor,
) -> Vec<&'static str> {
    let mut path = vec![failed.name()];
    let mut current = failed;
    while let Some(parent) = order
        .iter()
        .filter(|d| {
            d.dependencies()
                .iter()
                .any(|dep| std::ptr::eq(dep.descriptor(), current))
                && !path.contains(&d.name())
        })
        .min_by_key(|d| d.name())
    {
        path.push(parent.name());
        current = parent;
    }
    path.reverse();
    path
}
