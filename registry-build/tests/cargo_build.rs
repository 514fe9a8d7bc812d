//! Real `cargo build` runs of fixture crates, offline, in `target/fixtures` (shared between runs,
//! so only the first one compiles the dependencies).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// One cargo at a time: they share a target directory and would wait on its lock anyway.
static CARGO: Mutex<()> = Mutex::new(());

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fixtures")
}

fn cargo(manifest_dir: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .arg("--offline")
        .arg("--target-dir")
        .arg(target_dir())
        .current_dir(manifest_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

#[test]
fn failing_build_prints_every_error() {
    let _guard = CARGO.lock().unwrap_or_else(|e| e.into_inner());
    let out = cargo(&fixture("cycle"), &["build", "--quiet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let expected = std::fs::read_to_string(fixture("cycle/cycle.stderr")).unwrap();
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        assert!(stderr.contains(line), "missing {line:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn passing_build_links_every_module_and_reruns_only_for_what_it_read() {
    let _guard = CARGO.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixture("linked");
    let out = cargo(&dir, &["run", "--quiet", "-p", "app"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `leaf` is named nowhere in the application: only `link_modules!()` links it.
    assert_eq!(
        stdout,
        "modules: audit, cache, hidden, storage\nvalidate: ok\n"
    );

    let reran = |out: &Output| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        stderr.lines().any(|l| {
            l.contains("Running") && l.contains("app-") && l.contains("build-script-build")
        })
    };
    // A file the check did not read: the build script is not run again.
    let unrelated = dir.join("app/notes.txt");
    std::fs::write(&unrelated, "not a source file\n").unwrap();
    let out = cargo(&dir, &["build", "-v", "-p", "app"]);
    std::fs::remove_file(&unrelated).unwrap();
    assert!(out.status.success());
    assert!(!reran(&out), "{}", String::from_utf8_lossy(&out.stderr));
    // A module of a dependency: it is.
    let hidden = dir.join("leaf/src/hidden.rs");
    let text = std::fs::read(&hidden).unwrap();
    std::fs::write(&hidden, &text).unwrap();
    let out = cargo(&dir, &["build", "-v", "-p", "app"]);
    assert!(out.status.success());
    assert!(reran(&out), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn boot_time_twin_names_a_module_that_could_not_be_linked() {
    let _guard = CARGO.lock().unwrap_or_else(|e| e.into_inner());
    let out = cargo(&fixture("linked"), &["run", "--quiet", "-p", "partial"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        "1 module graph error:\n\
         error[MR0006]: module \"deep\" (deep::Deep) was found by the build check but is not linked into this program\n  \
         declared at deep/src/lib.rs:5:10\n  \
         help: make `deep` a direct dependency of the application (`link_modules!()` links the module crates it depends on directly), or reference `deep::Deep` from code that is linked\n"
    );
}
