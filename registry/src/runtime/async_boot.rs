//! The async boot: each module starts as soon as its dependencies are up, at most
//! `max_concurrency` at once, with timeouts; a failure cancels what is in flight and cleans up
//! exactly what started, dependents first. The shutdown runs the same way in reverse.
//!
//! Every hook future is polled by the task that awaits `boot_async` (a `FuturesUnordered`, no
//! spawn): cancelling a hook is dropping its future, synchronously, so when `boot_async`
//! returns, or its own future is dropped, no hook of the boot is left running. A `JoinSet`
//! would run hooks on other threads but needs `'static` futures (a `Context` borrows the
//! boot's slots) and an abort that only takes effect at the task's next poll.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::{Duration, SystemTime};

use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::FutureExt;
use tokio::time::Instant;
use tracing::Instrument;

use super::{panic_message, AuditEvent, AuditRecord, BootPolicy, ModuleMetrics, Runtime};
use super::{SkipReason, Skipped, Stage};
use crate::async_hooks::{CreateKind, SharedSlots};
use crate::descriptor::ModuleDescriptor;
use crate::error::{BootError, ModuleError, ShutdownError, ValidationErrors};
use crate::index::NameTable;
use crate::instance::{hook, release, Erased, Hook, SlotMap, Slots};
use crate::registry::Registry;

/// How [`Registry::boot_async`] runs: policy, concurrency, timeouts.
///
/// ```
/// use std::time::Duration;
/// use module_registry::runtime::BootOptions;
///
/// let options = BootOptions::new()
///     .max_concurrency(8)
///     .hook_timeout(Duration::from_secs(5))
///     .deadline(Duration::from_secs(30));
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct BootOptions {
    policy: BootPolicy,
    max_concurrency: usize,
    hook_timeout: Option<Duration>,
    deadline: Option<Duration>,
    cleanup_timeout: Option<Duration>,
}

impl Default for BootOptions {
    fn default() -> Self {
        BootOptions::new()
    }
}

impl BootOptions {
    /// [`BootPolicy::FailFast`], no concurrency limit, no timeout, no deadline.
    pub fn new() -> Self {
        BootOptions {
            policy: BootPolicy::FailFast,
            max_concurrency: usize::MAX,
            hook_timeout: None,
            deadline: None,
            cleanup_timeout: None,
        }
    }

    /// What to do when a module fails: stop and roll back, or skip it and its dependents.
    pub fn policy(mut self, policy: BootPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// At most `n` modules starting at once (at least 1).
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }

    /// The longest an async `create` or `initialize` may take; past it the hook is cancelled
    /// and counts as failed. Synchronous hooks cannot be preempted and are not timed out.
    pub fn hook_timeout(mut self, limit: Duration) -> Self {
        self.hook_timeout = Some(limit);
        self
    }

    /// The longest the whole boot may take, from the call to the last `initialize`; past it
    /// every hook in flight is cancelled and the boot is rolled back, under either policy.
    pub fn deadline(mut self, limit: Duration) -> Self {
        self.deadline = Some(limit);
        self
    }

    /// The longest one async `cleanup` of a rollback may take.
    pub fn cleanup_timeout(mut self, limit: Duration) -> Self {
        self.cleanup_timeout = Some(limit);
        self
    }
}

/// How [`Runtime::shutdown_async`] runs.
#[derive(Clone, Debug)]
pub struct ShutdownOptions {
    max_concurrency: usize,
    hook_timeout: Option<Duration>,
}

impl Default for ShutdownOptions {
    fn default() -> Self {
        ShutdownOptions::new()
    }
}

impl ShutdownOptions {
    /// No concurrency limit, no timeout.
    pub fn new() -> Self {
        ShutdownOptions {
            max_concurrency: usize::MAX,
            hook_timeout: None,
        }
    }

    /// At most `n` cleanups at once (at least 1).
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }

    /// The longest one async `cleanup` may take; past it the cleanup is cancelled, reported,
    /// and the instance dropped.
    pub fn hook_timeout(mut self, limit: Duration) -> Self {
        self.hook_timeout = Some(limit);
        self
    }
}

/// How a hook failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// It returned an error.
    Error,
    /// It panicked.
    Panic,
    /// It ran past its timeout and was cancelled.
    Timeout,
    /// It was still running when the boot's deadline passed, and was cancelled.
    Deadline,
}

/// One failed hook of an async boot or shutdown.
#[derive(Debug)]
pub struct HookFailure {
    /// The module.
    pub module: &'static str,
    /// The hook.
    pub stage: Stage,
    /// How it failed.
    pub kind: FailureKind,
    /// What it said (a panic or a timeout becomes an error with that message).
    pub error: ModuleError,
}

impl fmt::Display for HookFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "module \"{}\" failed in {}: {}",
            self.module, self.stage, self.error
        )
    }
}

/// Why [`Registry::boot_async`] failed. Nothing of the boot runs any more.
#[derive(thiserror::Error)]
pub enum AsyncBootError {
    /// The module graph is invalid; nothing was started.
    #[error("cannot boot: {0}")]
    Invalid(#[from] ValidationErrors),
    /// A hook failed, panicked or timed out, or the deadline passed: the hooks in flight were
    /// cancelled, then every module that had started was cleaned up, dependents first.
    #[error("{}", failed_message(failures, cancelled, cleanup))]
    Failed {
        /// What stopped the boot: one failure, or every hook cancelled by the deadline.
        failures: Vec<HookFailure>,
        /// Hooks in flight that the failure cancelled: `(module, stage)`.
        cancelled: Vec<(&'static str, Stage)>,
        /// Every `cleanup` of the rollback that failed.
        cleanup: Vec<HookFailure>,
        /// When each module started and how long its hooks took.
        report: BootReport,
    },
}

fn failed_message(
    failures: &[HookFailure],
    cancelled: &[(&'static str, Stage)],
    cleanup: &[HookFailure],
) -> String {
    let mut out = String::from("boot failed: ");
    let all: Vec<String> = failures
        .iter()
        .chain(cleanup)
        .map(ToString::to_string)
        .collect();
    out.push_str(&all.join("; "));
    if !cancelled.is_empty() {
        let names: Vec<String> = cancelled
            .iter()
            .map(|(m, s)| format!("\"{m}\" ({s})"))
            .collect();
        out.push_str(&format!("; cancelled: {}", names.join(", ")));
    }
    out
}

crate::error::debug_as_report!(AsyncBootError);

/// How one module's start went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Created and initialized.
    Started,
    /// A hook failed in this stage.
    Failed(Stage),
    /// Cancelled in this stage by another module's failure or the deadline.
    Cancelled(Stage),
    /// Not started: a required dependency did not boot ([`BootPolicy::Degrade`]).
    Skipped,
}

/// One module in a [`BootReport`]; offsets are from the start of the boot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleTiming {
    /// The module.
    pub name: &'static str,
    /// When its last dependency was up.
    pub ready: Duration,
    /// When its `create` started (later than `ready` when `max_concurrency` made it wait).
    pub start: Duration,
    /// How long `create` took.
    pub create: Duration,
    /// How long `initialize` took.
    pub initialize: Duration,
    /// How it went.
    pub outcome: Outcome,
}

impl ModuleTiming {
    /// When its hooks were done.
    pub fn end(&self) -> Duration {
        self.start + self.create + self.initialize
    }
}

/// When each module of an async boot started and how long its hooks took, and the chain of
/// modules that decided the boot's length. `Display` prints it as a table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootReport {
    /// From the call to the last hook's end.
    pub total: Duration,
    /// Every module the boot reached, in the order they started.
    pub modules: Vec<ModuleTiming>,
    /// From a module without dependencies to the last to finish, each step the dependency that
    /// finished last: the path to shorten to boot sooner.
    pub critical_path: Vec<&'static str>,
}

impl fmt::Display for BootReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let started = self
            .modules
            .iter()
            .filter(|m| m.outcome == Outcome::Started)
            .count();
        writeln!(
            f,
            "{started} of {} modules started in {:.1?}; critical path: {}",
            self.modules.len(),
            self.total,
            self.critical_path.join(" -> ")
        )?;
        let width = self.modules.iter().map(|m| m.name.len()).max().unwrap_or(0);
        writeln!(
            f,
            "  {:width$}  {:>10}  {:>10}  {:>10}  outcome",
            "module", "start", "create", "initialize"
        )?;
        for m in &self.modules {
            let mark = if self.critical_path.contains(&m.name) {
                " *"
            } else {
                ""
            };
            let outcome = match m.outcome {
                Outcome::Started => "started".to_owned(),
                Outcome::Failed(s) => format!("failed in {s}"),
                Outcome::Cancelled(s) => format!("cancelled in {s}"),
                Outcome::Skipped => "skipped".to_owned(),
            };
            writeln!(
                f,
                "  {:width$}  {:>10}  {:>10}  {:>10}  {outcome}{mark}",
                m.name,
                format!("{:.1?}", m.start),
                format!("{:.1?}", m.create),
                format!("{:.1?}", m.initialize),
            )?;
        }
        Ok(())
    }
}

/// A synchronous boot of modules with async hooks: refused before anything starts.
pub(crate) fn reject_async(registry: &Registry) -> Result<(), BootError> {
    match registry.modules().find(|d| d.is_async()) {
        Some(d) => Err(BootError::NeedsAsyncBoot { module: d.name() }),
        None => Ok(()),
    }
}

impl Registry {
    /// Boots every module, each as soon as all its dependencies are initialized, at most
    /// `max_concurrency` at once; returns the runtime and the [`BootReport`].
    ///
    /// Runs on the caller's task: hooks are polled here, not spawned, and synchronous hooks
    /// run inline. Needs a tokio runtime with the time driver when a timeout or deadline is
    /// set. On failure (error, panic, timeout, deadline) the hooks in flight are cancelled
    /// (their futures dropped), then the modules that had started are cleaned up, each after
    /// its dependents, at most `max_concurrency` at once; it returns when nothing of the boot
    /// runs. If this future is itself dropped, hooks in flight are dropped and the started
    /// modules are cleaned up synchronously, as dropping a [`Runtime`] does.
    pub async fn boot_async(
        &self,
        options: BootOptions,
    ) -> Result<(Runtime, BootReport), AsyncBootError> {
        let order = self.init_order()?;
        let plan = Plan::new(order);
        let t0 = Instant::now();
        let boot_span = tracing::info_span!(
            "boot_async",
            modules = plan.order.len(),
            total_us = tracing::field::Empty,
            critical_path = tracing::field::Empty
        );
        // The same map as the plan's: built from the same order.
        let slots = SharedSlots::new(SlotMap::new(plan.order.iter().copied()));
        let in_init: Box<[AtomicBool]> =
            plan.order.iter().map(|_| AtomicBool::new(false)).collect();
        let mut rollback = Rollback {
            slots: &slots,
            plan: &plan,
            started: Vec::with_capacity(plan.order.len()),
            armed: true,
        };
        let mut sched = Sched::new(&plan, t0, options.policy);
        let mut in_flight = FuturesUnordered::new();
        let deadline = options.deadline.map(|d| t0 + d);
        let mut abort = false;
        let mut batch = Vec::new();
        'boot: loop {
            while in_flight.len() < options.max_concurrency {
                let Some(Reverse(pos)) = sched.ready.pop() else {
                    break;
                };
                if sched.skip_if_dependency_down(pos) {
                    continue;
                }
                sched.launch(pos);
                let d = plan.order[pos as usize];
                let span = tracing::info_span!(parent: &boot_span, "module", name = d.name(),
                    start_us = tracing::field::Empty, create_us = tracing::field::Empty,
                    init_us = tracing::field::Empty);
                let hooks = start(
                    &slots,
                    &plan,
                    pos,
                    t0,
                    options.hook_timeout,
                    &in_init[pos as usize],
                    span.clone(),
                )
                .instrument(span);
                if d.hooks.is_async() {
                    in_flight.push(hooks);
                    continue;
                }
                // Synchronous hooks run inline: their future is done at its first poll.
                let Some((pos, outcome)) = hooks.now_or_never() else {
                    unreachable!("`start` awaits nothing for a module without async hooks");
                };
                abort = settle(
                    pos,
                    outcome,
                    &slots,
                    &mut rollback,
                    &mut sched,
                    &in_init,
                    false,
                );
                if abort {
                    break 'boot;
                }
            }
            let next = match deadline {
                Some(at) => match tokio::time::timeout_at(at, in_flight.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        sched.deadline_passed(&in_init, options.deadline.unwrap_or_default());
                        abort = true;
                        break;
                    }
                },
                None => in_flight.next().await,
            };
            let Some(first) = next else {
                break;
            };
            // Modules that finished in the same turn are handled in boot order, so that the
            // same graph starts its modules in the same order every run.
            batch.push(first);
            while let Some(Some(more)) = in_flight.next().now_or_never() {
                batch.push(more);
            }
            batch.sort_by_key(|(pos, _)| *pos);
            for (pos, outcome) in batch.drain(..) {
                abort |= settle(
                    pos,
                    outcome,
                    &slots,
                    &mut rollback,
                    &mut sched,
                    &in_init,
                    abort,
                );
            }
            if abort {
                break;
            }
        }
        // Cancels every hook still in flight: dropping their futures drops what they created.
        drop(in_flight);
        let started = rollback.disarm();
        let report = sched.report();
        boot_span.record("total_us", report.total.as_micros() as u64);
        boot_span.record(
            "critical_path",
            tracing::field::display(report.critical_path.join(" -> ")),
        );
        tracing::info!(parent: &boot_span, "{report}");
        let (mut runtime, failures, cancelled) = sched.into_runtime(slots.into_slots(), started);
        if !abort {
            return Ok((runtime, report));
        }
        let cleanup = stop(
            &mut runtime,
            options.max_concurrency,
            options.cleanup_timeout,
        )
        .instrument(boot_span)
        .await;
        Err(AsyncBootError::Failed {
            failures,
            cancelled,
            cleanup,
            report,
        })
    }
}

impl Runtime {
    /// Cleans up every module in reverse dependency order: a module's `cleanup` starts when
    /// every module that depends on it is cleaned up and dropped, at most `max_concurrency` at
    /// once, each within the timeout; continues past failures and reports them all.
    ///
    /// If this future is dropped, cleanups in flight are cancelled and their instances
    /// dropped; the modules not reached yet are cleaned up synchronously, as dropping a
    /// [`Runtime`] does (an async `cleanup` cannot run there and is reported by `tracing`).
    pub async fn shutdown_async(mut self, options: ShutdownOptions) -> Result<(), ShutdownError> {
        let failures = stop(&mut self, options.max_concurrency, options.hook_timeout).await;
        if failures.is_empty() {
            Ok(())
        } else {
            Err(ShutdownError {
                failures: failures.into_iter().map(|f| (f.module, f.error)).collect(),
            })
        }
    }
}

/// Installs a started module, or records its failure; returns whether the boot stops.
fn settle(
    pos: u32,
    outcome: Result<Started, Failed>,
    slots: &SharedSlots,
    rollback: &mut Rollback<'_>,
    sched: &mut Sched<'_>,
    in_init: &[AtomicBool],
    stopping: bool,
) -> bool {
    match outcome {
        Ok(started) => {
            let e = started.instance.disarm();
            // SAFETY: between polls of the hooks, and once: `pos` starts once.
            unsafe { slots.install(sched.plan.slot[pos as usize], e) };
            rollback.started.push(pos);
            sched.started(pos, &started.times);
            false
        }
        Err(failed) if !stopping => sched.failed(pos, failed, in_init),
        // A second failure in the turn that already stopped the boot.
        Err(failed) => {
            sched.also_failed(pos, failed);
            true
        }
    }
}

/// The boot order as a graph: positions in `order`, edges in both directions.
struct Plan {
    order: Vec<&'static ModuleDescriptor>,
    /// Each module's index in the linked slice (its instance's slot).
    slot: Vec<usize>,
    /// Dependencies present in this boot, as `(position, required)`, module by module.
    deps: Csr<(u32, bool)>,
    /// The modules that depend on each module.
    dependents: Csr<u32>,
}

/// Lists of lists in two vectors.
struct Csr<T> {
    start: Vec<u32>,
    items: Vec<T>,
}

impl<T> Csr<T> {
    fn get(&self, i: u32) -> &[T] {
        let i = i as usize;
        &self.items[self.start[i] as usize..self.start[i + 1] as usize]
    }
}

impl Plan {
    fn new(order: Vec<&'static ModuleDescriptor>) -> Plan {
        let map = SlotMap::new(order.iter().copied());
        let mut pos_of_slot = vec![u32::MAX; map.len()];
        let slot: Vec<usize> = order
            .iter()
            .enumerate()
            .map(|(pos, d)| match map.slot_of(d) {
                Some(i) => {
                    pos_of_slot[i] = pos as u32;
                    i
                }
                None => usize::MAX,
            })
            .collect();
        let mut deps = Csr {
            start: Vec::with_capacity(order.len() + 1),
            items: Vec::new(),
        };
        let mut count = vec![0u32; order.len() + 1];
        for d in &order {
            deps.start.push(deps.items.len() as u32);
            for dep in d.dependencies() {
                let at = map
                    .slot_of(dep.descriptor())
                    .map_or(u32::MAX, |i| pos_of_slot[i]);
                if at != u32::MAX {
                    deps.items.push((at, !dep.is_optional()));
                    count[at as usize + 1] += 1;
                }
            }
        }
        deps.start.push(deps.items.len() as u32);
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        let mut dependents = Csr {
            items: vec![0; deps.items.len()],
            start: count.clone(),
        };
        for pos in 0..order.len() as u32 {
            for &(dep, _) in deps.get(pos) {
                let at = &mut count[dep as usize];
                dependents.items[*at as usize] = pos;
                *at += 1;
            }
        }
        Plan {
            order,
            slot,
            deps,
            dependents,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Waiting,
    Running,
    Started,
    Down,
}

/// Times of one module's hooks.
struct Times {
    start: Instant,
    create: Duration,
    init: Duration,
}

/// A hook's failure, before the module's name is attached.
struct Fault {
    kind: FailureKind,
    error: ModuleError,
}

struct Started {
    instance: Owned,
    times: Times,
}

struct Failed {
    stage: Stage,
    fault: Fault,
    times: Times,
}

/// The bookkeeping of one boot, everything but the instances.
struct Sched<'p> {
    plan: &'p Plan,
    t0: Instant,
    clock: (std::time::Instant, SystemTime),
    policy: BootPolicy,
    status: Vec<Status>,
    /// Dependencies not finished yet.
    waiting: Vec<u32>,
    ready_at: Vec<Duration>,
    ready: BinaryHeap<Reverse<u32>>,
    /// The report's entries, in the order modules started; `timing_of` finds them.
    timings: Vec<ModuleTiming>,
    timing_of: Vec<u32>,
    failures: Vec<HookFailure>,
    cancelled: Vec<(&'static str, Stage)>,
    skipped: Vec<(u32, Skipped)>,
    audit: Vec<AuditRecord>,
}

impl<'p> Sched<'p> {
    fn new(plan: &'p Plan, t0: Instant, policy: BootPolicy) -> Self {
        let n = plan.order.len();
        let waiting: Vec<u32> = (0..n as u32)
            .map(|p| plan.deps.get(p).len() as u32)
            .collect();
        let ready = (0..n as u32)
            .filter(|&p| waiting[p as usize] == 0)
            .map(Reverse)
            .collect();
        Sched {
            plan,
            t0,
            clock: (std::time::Instant::now(), SystemTime::now()),
            policy,
            status: vec![Status::Waiting; n],
            waiting,
            ready_at: vec![Duration::ZERO; n],
            ready,
            timings: Vec::with_capacity(n),
            timing_of: vec![u32::MAX; n],
            failures: Vec::new(),
            cancelled: Vec::new(),
            skipped: Vec::new(),
            audit: Vec::with_capacity(n * 2),
        }
    }

    fn name(&self, pos: u32) -> &'static str {
        self.plan.order[pos as usize].name()
    }

    fn record(&mut self, pos: u32, event: AuditEvent, at: Instant) {
        self.audit.push(AuditRecord {
            module: self.name(pos),
            event,
            at: self.clock.1 + at.saturating_duration_since(self.t0),
        });
    }

    fn timing(&mut self, pos: u32) -> &mut ModuleTiming {
        &mut self.timings[self.timing_of[pos as usize] as usize]
    }

    /// Adds `pos` to the report; its start is its ready time until its hooks report theirs
    /// (the clock is read three times per module, by the hooks).
    fn enter(&mut self, pos: u32, outcome: Outcome) {
        let start = self.ready_at[pos as usize];
        self.timing_of[pos as usize] = self.timings.len() as u32;
        self.timings.push(ModuleTiming {
            name: self.name(pos),
            ready: self.ready_at[pos as usize],
            start,
            create: Duration::ZERO,
            initialize: Duration::ZERO,
            outcome,
        });
    }

    /// Under [`BootPolicy::Degrade`], skips a module one of whose required dependencies did
    /// not boot.
    fn skip_if_dependency_down(&mut self, pos: u32) -> bool {
        let down = self
            .plan
            .deps
            .get(pos)
            .iter()
            .find(|&&(dep, required)| required && self.status[dep as usize] == Status::Down);
        let Some(&(dep, _)) = down else {
            return false;
        };
        let dependency = self.name(dep);
        tracing::warn!(
            module = self.name(pos),
            dependency,
            "skipped: a required dependency did not boot"
        );
        self.record(
            pos,
            AuditEvent::Skipped {
                because: dependency,
            },
            Instant::now(),
        );
        let skipped = Skipped {
            module: self.name(pos),
            reason: SkipReason::DependencyDown { dependency },
        };
        self.skipped.push((pos, skipped));
        self.enter(pos, Outcome::Skipped);
        self.finish(pos, Status::Down, self.ready_at[pos as usize]);
        true
    }

    fn launch(&mut self, pos: u32) {
        self.status[pos as usize] = Status::Running;
        self.enter(pos, Outcome::Started);
    }

    /// Marks `pos` finished at offset `now` and makes the dependents whose last dependency
    /// it was ready.
    fn finish(&mut self, pos: u32, status: Status, now: Duration) {
        self.status[pos as usize] = status;
        for &dependent in self.plan.dependents.get(pos) {
            let waiting = &mut self.waiting[dependent as usize];
            *waiting -= 1;
            if *waiting == 0 {
                self.ready_at[dependent as usize] = now;
                self.ready.push(Reverse(dependent));
            }
        }
    }

    fn started(&mut self, pos: u32, times: &Times) {
        let start = times.start.saturating_duration_since(self.t0);
        let timing = self.timing(pos);
        timing.start = start;
        timing.create = times.create;
        timing.initialize = times.init;
        let end = timing.end();
        self.record(pos, AuditEvent::Created, times.start + times.create);
        self.record(
            pos,
            AuditEvent::Initialized,
            times.start + times.create + times.init,
        );
        self.finish(pos, Status::Started, end);
    }

    /// Records a failure in the report and the audit trail; returns when it ended.
    fn note_failure(&mut self, pos: u32, failed: &Failed) -> Duration {
        let start = failed.times.start.saturating_duration_since(self.t0);
        let timing = self.timing(pos);
        timing.start = start;
        timing.create = failed.times.create;
        timing.initialize = failed.times.init;
        timing.outcome = Outcome::Failed(failed.stage);
        tracing::error!(module = self.name(pos), stage = %failed.stage, error = %failed.fault.error,
            "module failed to boot");
        let event = AuditEvent::Failed {
            stage: failed.stage,
            message: failed.fault.error.to_string(),
        };
        let end = failed.times.start + failed.times.create + failed.times.init;
        self.record(pos, event, end);
        if failed.stage == Stage::Initialize {
            self.record(pos, AuditEvent::Dropped, end);
        }
        end.saturating_duration_since(self.t0)
    }

    /// Records a failure; returns whether the boot stops.
    fn failed(&mut self, pos: u32, failed: Failed, in_init: &[AtomicBool]) -> bool {
        let end = self.note_failure(pos, &failed);
        match self.policy {
            BootPolicy::FailFast => {
                self.status[pos as usize] = Status::Down;
                self.failures.push(self.hook_failure(pos, failed));
                self.cancel_running(in_init, None);
                true
            }
            BootPolicy::Degrade => {
                let skipped = Skipped {
                    module: self.name(pos),
                    reason: SkipReason::Failed {
                        stage: failed.stage,
                        error: failed.fault.error,
                    },
                };
                self.skipped.push((pos, skipped));
                self.finish(pos, Status::Down, end);
                false
            }
        }
    }

    /// A failure that came in the same turn as the one that stopped the boot: its hook had
    /// finished, so it is a failure, not a cancellation.
    fn also_failed(&mut self, pos: u32, failed: Failed) {
        self.note_failure(pos, &failed);
        self.cancelled
            .retain(|&(m, _)| m != self.plan.order[pos as usize].name());
        self.failures.push(self.hook_failure(pos, failed));
    }

    fn hook_failure(&self, pos: u32, failed: Failed) -> HookFailure {
        HookFailure {
            module: self.name(pos),
            stage: failed.stage,
            kind: failed.fault.kind,
            error: failed.fault.error,
        }
    }

    /// Every module still running is cancelled: listed, or a failure when the deadline did it.
    fn cancel_running(&mut self, in_init: &[AtomicBool], deadline: Option<Duration>) {
        let now = self.t0.elapsed();
        for pos in 0..self.plan.order.len() as u32 {
            if self.status[pos as usize] != Status::Running {
                continue;
            }
            self.status[pos as usize] = Status::Down;
            let stage = if in_init[pos as usize].load(Ordering::Relaxed) {
                Stage::Initialize
            } else {
                Stage::Create
            };
            let timing = self.timing(pos);
            timing.outcome = Outcome::Cancelled(stage);
            let spent = now.saturating_sub(timing.start);
            match stage {
                Stage::Create => timing.create = spent,
                _ => timing.initialize = spent,
            }
            let name = self.name(pos);
            match deadline {
                Some(limit) => self.failures.push(HookFailure {
                    module: name,
                    stage,
                    kind: FailureKind::Deadline,
                    error: ModuleError::new(format!(
                        "cancelled: the boot's deadline of {limit:?} passed"
                    )),
                }),
                None => self.cancelled.push((name, stage)),
            }
        }
    }

    fn deadline_passed(&mut self, in_init: &[AtomicBool], limit: Duration) {
        tracing::error!(?limit, "boot deadline passed");
        self.cancel_running(in_init, Some(limit));
    }

    fn report(&self) -> BootReport {
        let total = self
            .timings
            .iter()
            .map(ModuleTiming::end)
            .max()
            .unwrap_or_default();
        BootReport {
            total,
            modules: self.timings.clone(),
            critical_path: self.critical_path(),
        }
    }

    /// The started module that finished last, then repeatedly its started dependency that
    /// finished last; ties go to the later position in the boot order.
    fn critical_path(&self) -> Vec<&'static str> {
        let end = |pos: u32| {
            let t = &self.timings[self.timing_of[pos as usize] as usize];
            (t.outcome == Outcome::Started).then(|| (t.end(), pos))
        };
        let mut current = (0..self.plan.order.len() as u32)
            .filter(|&p| self.timing_of[p as usize] != u32::MAX)
            .filter_map(end)
            .max();
        let mut path = Vec::new();
        while let Some((_, pos)) = current {
            path.push(self.name(pos));
            current = self
                .plan
                .deps
                .get(pos)
                .iter()
                .filter_map(|&(dep, _)| end(dep))
                .max();
        }
        path.reverse();
        path
    }

    /// The runtime of the started modules, in boot order, with the failures.
    #[allow(clippy::type_complexity)]
    fn into_runtime(
        self,
        slots: Slots,
        mut started: Vec<u32>,
    ) -> (Runtime, Vec<HookFailure>, Vec<(&'static str, Stage)>) {
        started.sort_unstable();
        let booted: Vec<&'static ModuleDescriptor> = started
            .iter()
            .map(|&p| self.plan.order[p as usize])
            .collect();
        let metrics = started
            .iter()
            .map(|&p| {
                let t = &self.timings[self.timing_of[p as usize] as usize];
                ModuleMetrics {
                    name: t.name,
                    create_time: t.create,
                    init_time: t.initialize,
                    ..ModuleMetrics::default()
                }
            })
            .collect();
        let mut skipped = self.skipped;
        skipped.sort_by_key(|(pos, _)| *pos);
        let runtime = Runtime {
            slots,
            names: NameTable::build(booted.iter().map(|d| d.name())),
            booted,
            metrics,
            skipped: skipped.into_iter().map(|(_, s)| s).collect(),
            audit: self.audit,
            clock: self.clock,
            down: false,
        };
        (runtime, self.failures, self.cancelled)
    }
}

/// Starts one module: `create`, then `initialize`, each within the timeout.
async fn start(
    slots: &SharedSlots,
    plan: &Plan,
    pos: u32,
    boot_start: Instant,
    limit: Option<Duration>,
    in_init: &AtomicBool,
    span: tracing::Span,
) -> (u32, Result<Started, Failed>) {
    let d = plan.order[pos as usize];
    let t0 = Instant::now();
    let created = if plan.slot[pos as usize] == usize::MAX {
        Err(Fault {
            kind: FailureKind::Error,
            error: ModuleError::new("descriptor is not in the linked module slice"),
        })
    } else {
        match d.hooks.create {
            CreateKind::Sync(create) => catch(|| create(slots)),
            CreateKind::Async(create) => within(limit, create(slots)).await,
        }
    };
    let t1 = Instant::now();
    let times = |t2: Instant| Times {
        start: t0,
        create: t1 - t0,
        init: t2 - t1,
    };
    if !span.is_disabled() {
        span.record("start_us", (t0 - boot_start).as_micros() as u64);
        span.record("create_us", (t1 - t0).as_micros() as u64);
    }
    let instance = match created {
        Ok(e) => Owned(Some(e)),
        Err(fault) => {
            let stage = Stage::Create;
            let times = times(t1);
            return (
                pos,
                Err(Failed {
                    stage,
                    fault,
                    times,
                }),
            );
        }
    };
    in_init.store(true, Ordering::Relaxed);
    let e = instance.get();
    let init = match d.hooks.lifecycle {
        // SAFETY: `instance` was just made by this descriptor's `create` and is alive.
        None => catch(|| unsafe { hook(e, Hook::Initialize) }),
        // SAFETY: `instance`, declared before the hook's future, outlives it, and nothing else
        // reaches the module before it is installed.
        Some(run) => within(limit, unsafe { run(e, Hook::Initialize) }).await,
    };
    let t2 = Instant::now();
    if !span.is_disabled() {
        span.record("init_us", (t2 - t1).as_micros() as u64);
    }
    match init {
        Ok(()) => (
            pos,
            Ok(Started {
                instance,
                times: times(t2),
            }),
        ),
        Err(fault) => {
            drop(instance);
            let stage = Stage::Initialize;
            (
                pos,
                Err(Failed {
                    stage,
                    fault,
                    times: times(t2),
                }),
            )
        }
    }
}

/// Runs a synchronous hook, a panic becoming a failure.
fn catch<R>(f: impl FnOnce() -> Result<R, ModuleError>) -> Result<R, Fault> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(error)) => Err(Fault {
            kind: FailureKind::Error,
            error,
        }),
        Err(payload) => Err(Fault {
            kind: FailureKind::Panic,
            error: panic_message(payload),
        }),
    }
}

/// Runs an async hook within `limit`, a panic becoming a failure.
async fn within<T>(
    limit: Option<Duration>,
    hook: Pin<Box<dyn Future<Output = Result<T, ModuleError>> + Send + '_>>,
) -> Result<T, Fault> {
    let caught = CatchUnwind(hook);
    match limit {
        None => caught.await,
        // Boxed: a `Sleep` is large, and would make every start's future larger.
        Some(limit) => match Box::pin(tokio::time::timeout(limit, caught)).await {
            Ok(result) => result,
            Err(_) => Err(Fault {
                kind: FailureKind::Timeout,
                error: ModuleError::new(format!("timed out after {limit:?}")),
            }),
        },
    }
}

/// A hook's future whose panics become failures.
struct CatchUnwind<F>(F);

impl<T, F> Future for CatchUnwind<F>
where
    F: Future<Output = Result<T, ModuleError>> + Unpin,
{
    type Output = Result<T, Fault>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(result.map_err(|error| Fault {
                kind: FailureKind::Error,
                error,
            })),
            Err(payload) => Poll::Ready(Err(Fault {
                kind: FailureKind::Panic,
                error: panic_message(payload),
            })),
        }
    }
}

/// An instance owned by a hook in flight: dropping it (a cancelled or failed start, a
/// cancelled cleanup) drops the module.
struct Owned(Option<Erased>);

impl Owned {
    fn get(&self) -> Erased {
        match self.0 {
            Some(e) => e,
            // `Owned` is built with `Some` and emptied only by `disarm` and `release`, which
            // consume it.
            None => unreachable!("an `Owned` instance is always present until consumed"),
        }
    }

    /// Hands the instance over, to a slot.
    fn disarm(mut self) -> Erased {
        let e = self.get();
        self.0 = None;
        e
    }

    /// Drops the instance; a panic in its `Drop` becomes an error.
    fn release(mut self) -> Result<(), ModuleError> {
        let e = self.get();
        self.0 = None;
        // SAFETY: taken out above, so released exactly once.
        catch_unwind(AssertUnwindSafe(|| unsafe { release(e) })).map_err(panic_message)
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(e) = self.0.take() {
            // SAFETY: the instance left its hook's future (dropped before this) and no slot
            // holds it: released exactly once, here.
            let _ = catch_unwind(AssertUnwindSafe(|| unsafe { release(e) }));
        }
    }
}

/// The modules a boot started, cleaned up synchronously if the boot's future is dropped
/// before it hands them to a runtime.
struct Rollback<'a> {
    slots: &'a SharedSlots,
    plan: &'a Plan,
    started: Vec<u32>,
    armed: bool,
}

impl Rollback<'_> {
    fn disarm(mut self) -> Vec<u32> {
        self.armed = false;
        std::mem::take(&mut self.started)
    }
}

impl Drop for Rollback<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        while let Some(pos) = self.started.pop() {
            let d = self.plan.order[pos as usize];
            // SAFETY: the hooks in flight were dropped before this guard (declared after it),
            // so nothing reads the slots any more.
            let Some(e) = (unsafe { self.slots.take(self.plan.slot[pos as usize]) }) else {
                continue;
            };
            // SAFETY: `e` is a live instance just taken out of its slot.
            if let Err(fault) = catch(|| unsafe { hook(e, Hook::Cleanup) }) {
                tracing::error!(module = d.name(), error = %fault.error,
                    "cleanup failed while dropping a cancelled boot");
            }
            drop(Owned(Some(e)));
        }
    }
}

/// Cleans up and drops every module of `rt`, each after the modules that depend on it, at most
/// `max` at once; returns the failures.
async fn stop(rt: &mut Runtime, max: usize, limit: Option<Duration>) -> Vec<HookFailure> {
    let n = rt.booted.len();
    let mut at_slot = vec![u32::MAX; rt.slots.map.len()];
    for (k, d) in rt.booted.iter().enumerate() {
        if let Some(i) = rt.slots.slot_of(d).filter(|&i| rt.slots.slots[i].is_some()) {
            at_slot[i] = k as u32;
        }
    }
    let mut deps = Csr {
        start: Vec::with_capacity(n + 1),
        items: Vec::new(),
    };
    let mut pending = vec![0u32; n];
    for d in &rt.booted {
        deps.start.push(deps.items.len() as u32);
        for dep in d.dependencies() {
            let k = rt
                .slots
                .slot_of(dep.descriptor())
                .map_or(u32::MAX, |i| at_slot[i]);
            if k != u32::MAX {
                deps.items.push(k);
                pending[k as usize] += 1;
            }
        }
    }
    deps.start.push(deps.items.len() as u32);
    let live = |k: usize| {
        rt.slots
            .slot_of(rt.booted[k])
            .is_some_and(|i| at_slot[i] == k as u32)
    };
    let mut ready: BinaryHeap<u32> = (0..n)
        .filter(|&k| pending[k] == 0 && live(k))
        .map(|k| k as u32)
        .collect();
    let mut in_flight = FuturesUnordered::new();
    let mut failures = Vec::new();
    loop {
        while in_flight.len() < max {
            let Some(k) = ready.pop() else {
                break;
            };
            let d = rt.booted[k as usize];
            let Some(e) = rt.slots.slot_of(d).and_then(|i| rt.slots.slots[i].take()) else {
                continue;
            };
            let span = tracing::info_span!("module", name = d.name());
            in_flight.push(cleanup(k, d, Owned(Some(e)), limit).instrument(span));
        }
        let Some((k, took, result, dropped)) = in_flight.next().await else {
            break;
        };
        let d = rt.booted[k as usize];
        if let Some(m) = rt.metrics.get_mut(k as usize) {
            m.cleanup_time = took;
            m.errors += u32::from(result.is_err());
        }
        let now = std::time::Instant::now();
        match result {
            Ok(()) => rt.record(d, AuditEvent::CleanedUp, now),
            Err(fault) => {
                tracing::error!(module = d.name(), error = %fault.error, "cleanup failed");
                let event = AuditEvent::Failed {
                    stage: Stage::Cleanup,
                    message: fault.error.to_string(),
                };
                rt.record(d, event, now);
                failures.push(HookFailure {
                    module: d.name(),
                    stage: Stage::Cleanup,
                    kind: fault.kind,
                    error: fault.error,
                });
            }
        }
        if let Err(error) = dropped {
            failures.push(HookFailure {
                module: d.name(),
                stage: Stage::Cleanup,
                kind: FailureKind::Panic,
                error,
            });
        }
        rt.record(d, AuditEvent::Dropped, std::time::Instant::now());
        for &dep in deps.get(k) {
            pending[dep as usize] -= 1;
            if pending[dep as usize] == 0 {
                ready.push(dep);
            }
        }
    }
    rt.booted.clear();
    rt.down = true;
    failures
}

/// Cleans up one module and drops it.
async fn cleanup(
    k: u32,
    d: &'static ModuleDescriptor,
    instance: Owned,
    limit: Option<Duration>,
) -> (u32, Duration, Result<(), Fault>, Result<(), ModuleError>) {
    let t = Instant::now();
    let e = instance.get();
    let result = match d.hooks.lifecycle {
        // SAFETY: `instance` owns the live instance, taken out of its slot.
        None => catch(|| unsafe { hook(e, Hook::Cleanup) }),
        // SAFETY: `instance`, declared before the hook's future, outlives it.
        Some(run) => within(limit, unsafe { run(e, Hook::Cleanup) }).await,
    };
    let took = t.elapsed();
    (k, took, result, instance.release())
}
