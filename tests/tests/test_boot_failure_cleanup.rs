//! A boot that fails: fail-fast names the module, the stage and the path, and cleans up what
//! started in reverse, exactly once; `Degrade` skips the failed module and its dependents;
//! shutdown goes on past failing cleanups and reports them all.

pub mod fixtures {
    pub mod example;
    pub mod failing;
}

use std::sync::atomic::Ordering;

use fixtures::example::Crypto;
use fixtures::failing::{
    serial, BadB, Boxed, Faulty, Mid, OptUser, Root, BAD_CLEANUP, BOXED_FAIL, FAULTY_CREATE,
    FAULTY_INIT,
};
use module_registry::runtime::{SkipReason, Stage};
use module_registry::{BootError, BootPolicy, Module, Registry};
use module_registry_tests::events::take_log;
use module_registry_tests::inspect::descriptor_names as names;

#[test]
fn question_mark_on_a_boxed_error_in_create_fails_the_boot() {
    let _serial = serial();
    BOXED_FAIL.store(true, Ordering::SeqCst);
    let err = Registry::global()
        .subset([Boxed::DESCRIPTOR])
        .boot()
        .unwrap_err();
    let BootError::Failed {
        module,
        stage,
        error,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*module, "boxed");
    assert_eq!(*stage, Stage::Create);
    assert_eq!(error.to_string(), "invalid digit found in string");
    assert!(err.to_string().contains("\"boxed\""), "{err}");
}

#[test]
fn fail_fast_names_module_and_path_and_cleans_up_in_reverse() {
    let _serial = serial();
    FAULTY_CREATE.store(true, Ordering::SeqCst);
    let err = Registry::global()
        .subset([Root::DESCRIPTOR, Crypto::DESCRIPTOR])
        .boot()
        .unwrap_err();
    FAULTY_CREATE.store(false, Ordering::SeqCst);
    let BootError::Failed {
        module,
        stage,
        path,
        error,
        cleanup,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*module, "faulty");
    assert_eq!(*stage, Stage::Create);
    assert_eq!(path, &["root", "mid", "faulty"]);
    assert_eq!(error.to_string(), "no disk");
    assert!(cleanup.is_empty());
    let text = err.to_string();
    assert!(text.contains("\"faulty\""), "{text}");
    assert!(text.contains("root -> mid -> faulty"), "{text}");
    assert!(text.contains("no disk"), "{text}");
    // crypto (booted first) is cleaned up and dropped exactly once; nothing else ran.
    assert_eq!(
        take_log(),
        [
            "init crypto",
            "create faulty",
            "cleanup crypto",
            "drop crypto"
        ]
    );
}

#[test]
fn fail_fast_in_initialize_drops_the_failed_instance_once() {
    let _serial = serial();
    FAULTY_INIT.store(true, Ordering::SeqCst);
    let err = Registry::global()
        .subset([Mid::DESCRIPTOR])
        .boot()
        .unwrap_err();
    FAULTY_INIT.store(false, Ordering::SeqCst);
    assert!(
        matches!(
            &err,
            BootError::Failed {
                module: "faulty",
                stage: Stage::Initialize,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("mid -> faulty"), "{err}");
    assert_eq!(
        take_log(),
        ["create faulty", "init faulty", "drop faulty"],
        "not initialized, so not cleaned up; dropped once"
    );
}

#[test]
fn degrade_skips_the_failed_module_and_its_dependents_and_optional_becomes_none() {
    let _serial = serial();
    FAULTY_INIT.store(true, Ordering::SeqCst);
    let r = Registry::global();
    let s = r.subset([OptUser::DESCRIPTOR, Faulty::DESCRIPTOR, Root::DESCRIPTOR]);
    let rt = s.boot_with(BootPolicy::Degrade).unwrap();
    FAULTY_INIT.store(false, Ordering::SeqCst);
    assert_eq!(names(rt.modules()), ["a-opt-user"]);
    // `ctx.optional::<T>()` is Some exactly when T is booted: under `Degrade`, not failed.
    assert!(rt.get::<OptUser>().unwrap().faulty.is_none());
    assert!(rt.get::<Faulty>().is_none());
    assert!(rt.get::<Mid>().is_none() && rt.get::<Root>().is_none());
    drop(rt);
    let log = take_log();
    assert_eq!(
        log.iter().filter(|e| *e == "drop faulty").count(),
        1,
        "{log:?}"
    );
    assert!(!log.contains(&"cleanup faulty".to_owned()), "{log:?}");
}

#[test]
fn degrade_reports_why_each_module_was_skipped() {
    let _serial = serial();
    FAULTY_INIT.store(true, Ordering::SeqCst);
    let r = Registry::global();
    let s = r.subset([OptUser::DESCRIPTOR, Faulty::DESCRIPTOR, Root::DESCRIPTOR]);
    let rt = s.boot_with(BootPolicy::Degrade).unwrap();
    FAULTY_INIT.store(false, Ordering::SeqCst);
    let skipped: Vec<&str> = rt.skipped().iter().map(|s| s.module).collect();
    assert_eq!(skipped, ["faulty", "mid", "root"]);
    assert!(matches!(
        &rt.skipped()[0].reason,
        SkipReason::Failed { stage: Stage::Initialize, error } if error.to_string() == "disk on fire"
    ));
    assert!(matches!(
        rt.skipped()[1].reason,
        SkipReason::DependencyDown {
            dependency: "faulty"
        }
    ));
    assert!(matches!(
        rt.skipped()[2].reason,
        SkipReason::DependencyDown { dependency: "mid" }
    ));
    for s in rt.skipped() {
        assert!(s.to_string().contains(s.module), "{s}");
    }
}

#[test]
fn shutdown_continues_past_failures_and_reports_them_all() {
    let _serial = serial();
    BAD_CLEANUP.store(true, Ordering::SeqCst);
    let rt = Registry::global()
        .subset([BadB::DESCRIPTOR])
        .boot()
        .unwrap();
    assert_eq!(names(rt.modules()), ["bad-a", "bad-b"]);
    let err = rt.shutdown().unwrap_err();
    BAD_CLEANUP.store(false, Ordering::SeqCst);
    let failures: Vec<(&str, String)> = err
        .failures
        .iter()
        .map(|(m, e)| (*m, e.to_string()))
        .collect();
    assert_eq!(
        failures,
        [
            ("bad-b", "b is stuck".to_owned()),
            ("bad-a", "a is stuck".to_owned())
        ]
    );
    let text = err.to_string();
    assert!(text.contains("bad-a") && text.contains("bad-b"), "{text}");
    assert_eq!(
        take_log(),
        ["cleanup bad-b", "cleanup bad-a"],
        "each exactly once"
    );
}

#[test]
fn dropping_a_runtime_runs_each_failing_cleanup_once() {
    let _serial = serial();
    BAD_CLEANUP.store(true, Ordering::SeqCst);
    let rt = Registry::global()
        .subset([BadB::DESCRIPTOR])
        .boot()
        .unwrap();
    drop(rt);
    BAD_CLEANUP.store(false, Ordering::SeqCst);
    assert_eq!(take_log(), ["cleanup bad-b", "cleanup bad-a"]);
}
