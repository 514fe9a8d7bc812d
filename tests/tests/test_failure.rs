//! Failure containment on a generated 50-module graph: a failure (error or panic, in `create`
//! or `initialize`) injected at every position of the boot order.
//! Generated edges; regenerate by hand if the shape must change.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use module_registry::runtime::{SkipReason, Stage};
use module_registry::{
    BootError, BootPolicy, Context, Lifecycle, Module, ModuleDescriptor, ModuleError, Registry,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Error,
    Panic,
}

/// (module index, stage, mode) to fail at.
static FAIL: Mutex<Option<(usize, Stage, Mode)>> = Mutex::new(None);
static LOG: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
static SERIAL: Mutex<()> = Mutex::new(());

fn event(what: &str, i: usize) {
    LOG.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((what.to_owned(), i));
}

fn maybe_fail(i: usize, stage: Stage) -> Result<(), ModuleError> {
    let fail = *FAIL.lock().unwrap_or_else(|e| e.into_inner());
    match fail {
        Some((at, s, Mode::Error)) if at == i && s == stage => {
            Err(ModuleError::new(format!("injected at {i}")))
        }
        Some((at, s, Mode::Panic)) if at == i && s == stage => panic!("injected panic at {i}"),
        _ => Ok(()),
    }
}

macro_rules! hooks {
    ($ty:ident, $i:expr) => {
        impl $ty {
            fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
                let _ = ctx;
                event("create", $i);
                maybe_fail($i, Stage::Create)?;
                Ok($ty(Vec::new()))
            }
        }
        impl Lifecycle for $ty {
            fn initialize(&mut self) -> Result<(), ModuleError> {
                event("init", $i);
                maybe_fail($i, Stage::Initialize)
            }
            fn cleanup(&mut self) -> Result<(), ModuleError> {
                event("cleanup", $i);
                Ok(())
            }
        }
        impl Drop for $ty {
            fn drop(&mut self) {
                event("drop", $i);
            }
        }
    };
}

#[derive(Module)]
#[module(name = "node-00", create = M0::new, lifecycle)]
pub struct M0(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M0, 0);

#[derive(Module)]
#[module(name = "node-37", create = M1::new, lifecycle, depends_on = [M0])]
pub struct M1(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M1, 1);

#[derive(Module)]
#[module(name = "node-24", create = M2::new, lifecycle, depends_on = [M1])]
pub struct M2(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M2, 2);

#[derive(Module)]
#[module(name = "node-11", create = M3::new, lifecycle, depends_on = [M2])]
pub struct M3(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M3, 3);

#[derive(Module)]
#[module(name = "node-48", create = M4::new, lifecycle, depends_on = [M1, M3])]
pub struct M4(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M4, 4);

#[derive(Module)]
#[module(name = "node-35", create = M5::new, lifecycle, depends_on = [M1, M3])]
pub struct M5(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M5, 5);

#[derive(Module)]
#[module(name = "node-22", create = M6::new, lifecycle, depends_on = [M0, M5])]
pub struct M6(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M6, 6);

#[derive(Module)]
#[module(name = "node-09", create = M7::new, lifecycle, depends_on = [M0, M6])]
pub struct M7(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M7, 7);

#[derive(Module)]
#[module(name = "node-46", create = M8::new, lifecycle, depends_on = [M6, M7])]
pub struct M8(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M8, 8);

#[derive(Module)]
#[module(name = "node-33", create = M9::new, lifecycle, depends_on = [M1, M8])]
pub struct M9(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M9, 9);

#[derive(Module)]
#[module(name = "node-20", create = M10::new, lifecycle, depends_on = [M0, M5])]
pub struct M10(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M10, 10);

#[derive(Module)]
#[module(name = "node-07", create = M11::new, lifecycle, depends_on = [M8, M10])]
pub struct M11(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M11, 11);

#[derive(Module)]
#[module(name = "node-44", create = M12::new, lifecycle, depends_on = [M3, M11])]
pub struct M12(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M12, 12);

#[derive(Module)]
#[module(name = "node-31", create = M13::new, lifecycle, depends_on = [M0, M12])]
pub struct M13(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M13, 13);

#[derive(Module)]
#[module(name = "node-18", create = M14::new, lifecycle, depends_on = [M1, M13])]
pub struct M14(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M14, 14);

#[derive(Module)]
#[module(name = "node-05", create = M15::new, lifecycle, depends_on = [M6])]
pub struct M15(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M15, 15);

#[derive(Module)]
#[module(name = "node-42", create = M16::new, lifecycle, depends_on = [M1, M15])]
pub struct M16(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M16, 16);

#[derive(Module)]
#[module(name = "node-29", create = M17::new, lifecycle, depends_on = [M7, M16])]
pub struct M17(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M17, 17);

#[derive(Module)]
#[module(name = "node-16", create = M18::new, lifecycle, depends_on = [M2, M17])]
pub struct M18(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M18, 18);

#[derive(Module)]
#[module(name = "node-03", create = M19::new, lifecycle, depends_on = [M17, M18])]
pub struct M19(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M19, 19);

#[derive(Module)]
#[module(name = "node-40", create = M20::new, lifecycle, depends_on = [M1, M13])]
pub struct M20(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M20, 20);

#[derive(Module)]
#[module(name = "node-27", create = M21::new, lifecycle, depends_on = [M18, M20])]
pub struct M21(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M21, 21);

#[derive(Module)]
#[module(name = "node-14", create = M22::new, lifecycle, depends_on = [M3, M21])]
pub struct M22(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M22, 22);

#[derive(Module)]
#[module(name = "node-01", create = M23::new, lifecycle, depends_on = [M7, M22])]
pub struct M23(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M23, 23);

#[derive(Module)]
#[module(name = "node-38", create = M24::new, lifecycle, depends_on = [M20, M23])]
pub struct M24(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M24, 24);

#[derive(Module)]
#[module(name = "node-25", create = M25::new, lifecycle, depends_on = [M18, M20])]
pub struct M25(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M25, 25);

#[derive(Module)]
#[module(name = "node-12", create = M26::new, lifecycle, depends_on = [M1, M25])]
pub struct M26(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M26, 26);

#[derive(Module)]
#[module(name = "node-49", create = M27::new, lifecycle, depends_on = [M18, M26])]
pub struct M27(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M27, 27);

#[derive(Module)]
#[module(name = "node-36", create = M28::new, lifecycle, depends_on = [M18, M27])]
pub struct M28(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M28, 28);

#[derive(Module)]
#[module(name = "node-23", create = M29::new, lifecycle, depends_on = [M12, M28])]
pub struct M29(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M29, 29);

#[derive(Module)]
#[module(name = "node-10", create = M30::new, lifecycle, depends_on = [M1, M7])]
pub struct M30(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M30, 30);

#[derive(Module)]
#[module(name = "node-47", create = M31::new, lifecycle, depends_on = [M1, M30])]
pub struct M31(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M31, 31);

#[derive(Module)]
#[module(name = "node-34", create = M32::new, lifecycle, depends_on = [M17, M31])]
pub struct M32(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M32, 32);

#[derive(Module)]
#[module(name = "node-21", create = M33::new, lifecycle, depends_on = [M8, M32])]
pub struct M33(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M33, 33);

#[derive(Module)]
#[module(name = "node-08", create = M34::new, lifecycle, depends_on = [M18, M33])]
pub struct M34(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M34, 34);

#[derive(Module)]
#[module(name = "node-45", create = M35::new, lifecycle, depends_on = [M9, M26])]
pub struct M35(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M35, 35);

#[derive(Module)]
#[module(name = "node-32", create = M36::new, lifecycle, depends_on = [M34, M35])]
pub struct M36(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M36, 36);

#[derive(Module)]
#[module(name = "node-19", create = M37::new, lifecycle, depends_on = [M7, M36])]
pub struct M37(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M37, 37);

#[derive(Module)]
#[module(name = "node-06", create = M38::new, lifecycle, depends_on = [M36, M37])]
pub struct M38(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M38, 38);

#[derive(Module)]
#[module(name = "node-43", create = M39::new, lifecycle, depends_on = [M19, M38])]
pub struct M39(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M39, 39);

#[derive(Module)]
#[module(name = "node-30", create = M40::new, lifecycle, depends_on = [M11, M35])]
pub struct M40(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M40, 40);

#[derive(Module)]
#[module(name = "node-17", create = M41::new, lifecycle, depends_on = [M6, M40])]
pub struct M41(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M41, 41);

#[derive(Module)]
#[module(name = "node-04", create = M42::new, lifecycle, depends_on = [M37, M41])]
pub struct M42(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M42, 42);

#[derive(Module)]
#[module(name = "node-41", create = M43::new, lifecycle, depends_on = [M36, M42])]
pub struct M43(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M43, 43);

#[derive(Module)]
#[module(name = "node-28", create = M44::new, lifecycle, depends_on = [M40, M43])]
pub struct M44(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M44, 44);

#[derive(Module)]
#[module(name = "node-15", create = M45::new, lifecycle, depends_on = [M12, M23])]
pub struct M45(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M45, 45);

#[derive(Module)]
#[module(name = "node-02", create = M46::new, lifecycle, depends_on = [M6, M45])]
pub struct M46(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M46, 46);

#[derive(Module)]
#[module(name = "node-39", create = M47::new, lifecycle, depends_on = [M35, M46])]
pub struct M47(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M47, 47);

#[derive(Module)]
#[module(name = "node-26", create = M48::new, lifecycle, depends_on = [M45, M47])]
pub struct M48(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M48, 48);

#[derive(Module)]
#[module(name = "node-13", create = M49::new, lifecycle, depends_on = [M4, M48])]
pub struct M49(#[allow(dead_code)] Vec<Arc<dyn Send + Sync>>);
hooks!(M49, 49);

fn index_of(d: &ModuleDescriptor) -> usize {
    d.type_name().rsplit("::M").next().unwrap().parse().unwrap()
}

fn dependents_closure(order: &[&'static ModuleDescriptor], failed: usize) -> BTreeSet<usize> {
    let mut down = BTreeSet::from([failed]);
    for d in order {
        if d.dependencies()
            .iter()
            .any(|dep| down.contains(&index_of(dep.descriptor())))
        {
            down.insert(index_of(d));
        }
    }
    down
}

fn take_log() -> Vec<(String, usize)> {
    std::mem::take(&mut *LOG.lock().unwrap_or_else(|e| e.into_inner()))
}

fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// The boot failed at `failing` (index `k`) in `stage`, and says so.
fn assert_failed_at(err: &BootError, failing: &ModuleDescriptor, stage: Stage, mode: Mode) {
    let k = index_of(failing);
    let BootError::Failed {
        module,
        stage: s,
        path,
        error,
        cleanup,
    } = err
    else {
        panic!("{err}")
    };
    assert_eq!(*module, failing.name());
    assert_eq!(*s, stage);
    assert!(cleanup.is_empty());
    assert_eq!(path.last(), Some(&failing.name()));
    match mode {
        Mode::Error => assert_eq!(error.to_string(), format!("injected at {k}")),
        Mode::Panic => assert_eq!(
            error.to_string(),
            format!("panicked: injected panic at {k}")
        ),
    }
    assert!(err.to_string().contains(failing.name()), "{err}");
}

/// The events of a fail-fast boot that fails at position `pos` (index `k`) in `stage`: the
/// modules before it created and initialized, the failing one created (and initialized and
/// dropped, if it failed there), then the ones before it cleaned up and dropped in reverse.
fn fail_fast_events(
    order: &[&'static ModuleDescriptor],
    pos: usize,
    stage: Stage,
) -> Vec<(String, usize)> {
    let k = index_of(order[pos]);
    let mut expected = Vec::new();
    for d in &order[..pos] {
        expected.push(("create".to_owned(), index_of(d)));
        expected.push(("init".to_owned(), index_of(d)));
    }
    expected.push(("create".to_owned(), k));
    if stage == Stage::Initialize {
        expected.push(("init".to_owned(), k));
        expected.push(("drop".to_owned(), k));
    }
    for d in order[..pos].iter().rev() {
        expected.push(("cleanup".to_owned(), index_of(d)));
        expected.push(("drop".to_owned(), index_of(d)));
    }
    expected
}

#[test]
fn fail_fast_cleans_up_in_reverse_exactly_once_at_every_position() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    quiet_panics();
    let registry = Registry::global();
    let order = registry.init_order().unwrap();
    assert_eq!(order.len(), 50);
    for (pos, failing) in order.iter().enumerate() {
        for stage in [Stage::Create, Stage::Initialize] {
            for mode in [Mode::Error, Mode::Panic] {
                *FAIL.lock().unwrap() = Some((index_of(failing), stage, mode));
                take_log();
                let err = registry.boot().unwrap_err();
                assert_failed_at(&err, failing, stage, mode);
                assert_eq!(
                    take_log(),
                    fail_fast_events(&order, pos, stage),
                    "failure at position {pos} in {stage} ({mode:?})"
                );
            }
        }
    }
    *FAIL.lock().unwrap() = None;
}

/// The first module skipped failed in `initialize` with the injected panic; the others were
/// skipped because a dependency was down.
fn assert_skip_reasons(rt: &module_registry::Runtime) {
    assert!(matches!(
        rt.skipped()[0].reason,
        SkipReason::Failed {
            stage: Stage::Initialize,
            ..
        }
    ));
    assert!(
        rt.skipped()[0]
            .to_string()
            .contains("panicked: injected panic"),
        "{}",
        rt.skipped()[0]
    );
    for s in &rt.skipped()[1..] {
        assert!(matches!(s.reason, SkipReason::DependencyDown { .. }), "{s}");
    }
}

/// Every created instance is dropped exactly once; cleanup ran for every running one.
fn assert_dropped_once_and_running_cleaned_up(log: &[(String, usize)], down: &BTreeSet<usize>) {
    for i in 0..50 {
        let count = |what: &str| log.iter().filter(|(w, j)| w == what && *j == i).count();
        assert_eq!(count("create"), count("drop"), "module {i}");
        assert_eq!(
            count("cleanup"),
            usize::from(!down.contains(&i)),
            "module {i}"
        );
    }
}

#[test]
fn degrade_skips_the_failed_module_and_its_dependents() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    quiet_panics();
    let registry = Registry::global();
    let order = registry.init_order().unwrap();
    for (pos, failing) in order.iter().enumerate().step_by(7) {
        let k = index_of(failing);
        *FAIL.lock().unwrap() = Some((k, Stage::Initialize, Mode::Panic));
        take_log();
        let rt = registry.boot_with(BootPolicy::Degrade).unwrap();
        let down = dependents_closure(&order, k);
        let running: Vec<usize> = rt.modules().map(index_of).collect();
        let expected: Vec<usize> = order
            .iter()
            .map(|d| index_of(d))
            .filter(|i| !down.contains(i))
            .collect();
        assert_eq!(running, expected, "position {pos}");
        let skipped: BTreeSet<usize> = rt
            .skipped()
            .iter()
            .map(|s| index_of(registry.find(s.module).unwrap()))
            .collect();
        assert_eq!(skipped, down);
        assert_skip_reasons(&rt);
        drop(rt);
        assert_dropped_once_and_running_cleaned_up(&take_log(), &down);
    }
    *FAIL.lock().unwrap() = None;
}
