//! The build check of 10,000 generated modules in 1,000 files (bar: at most 1 s on 2 cores).
//!
//! Cargo compiles build-script dependencies without optimizations unless the application
//! says otherwise (`[profile.dev.build-override]`), so the figure that counts is the
//! unoptimized one. The default run prints both: the optimized figure, then that of the same
//! benchmark built with the dev profile (in its own target directory, built on first use).
//!
//! ```text
//! cargo bench --manifest-path bench/Cargo.toml -p registry-bench-build-check
//!                                              # optimized, then unoptimized
//! cargo bench --manifest-path bench/Cargo.toml -p registry-bench-build-check --profile dev
//!                                              # unoptimized only
//! cargo bench --manifest-path bench/Cargo.toml -p registry-bench-build-check -- --optimized-only
//! cargo bench --manifest-path bench/Cargo.toml -p registry-bench-build-check -- --cargo-build
//!                                              # + `cargo build` of the crate
//! ```
//!
//! The generated crate goes to `$TMPDIR/module-registry-bench-10k`. Every module has a version,
//! a capability and two dependencies with requirements (the module above it in its file and the
//! same module in the previous file), so the graph has 10,000 nodes and ~20,000 edges.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const FILES: usize = 1_000;
const PER_FILE: usize = 10;

fn ident(file: usize, k: usize) -> String {
    format!("M{file:04}x{k}")
}

/// Writes the crate and returns its directory.
fn generate() -> PathBuf {
    let dir = std::env::temp_dir().join("module-registry-bench-10k");
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let registry = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../registry");
    let registry = std::fs::canonicalize(registry).unwrap();
    let manifest = format!(
        "[package]\nname = \"bench-modules\"\nversion = \"1.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nmodule-registry = {{ path = {:?} }}\n\n[workspace]\n",
        registry.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    let mut lib = String::from("//! 10,000 generated modules.\n#![allow(missing_docs)]\n");
    for f in 0..FILES {
        let _ = writeln!(lib, "pub mod m{f:04};");
        let mut file = String::from("use module_registry::Module;\n");
        for k in 0..PER_FILE {
            let mut deps = Vec::new();
            if k > 0 {
                deps.push(format!("{} = \"^1\"", ident(f, k - 1)));
            }
            if f > 0 {
                deps.push(format!(
                    "crate::m{:04}::{} = \"^1.0\"",
                    f - 1,
                    ident(f - 1, k)
                ));
            }
            let _ = write!(
                file,
                "\n/// Module {k} of file {f}.\n#[derive(Module, Default)]\n\
                 #[module(version = \"1.{k}.0\", kind = Service, capabilities = [\"cap-{f}-{k}\"], depends_on = [{}])]\n\
                 pub struct {};\n",
                deps.join(", "),
                ident(f, k)
            );
        }
        std::fs::write(src.join(format!("m{f:04}.rs")), file).unwrap();
    }
    std::fs::write(src.join("lib.rs"), lib).unwrap();
    dir
}

fn main() {
    let dir = generate();
    let checker = module_registry_build::Checker::new().manifest_dir(&dir);
    let report = checker.check().unwrap();
    assert!(report.is_ok(), "{}", report.render());
    assert_eq!(report.modules().len(), FILES * PER_FILE);

    let mut times: Vec<Duration> = (0..10)
        .map(|_| {
            let start = Instant::now();
            let report = checker.check().unwrap();
            let elapsed = start.elapsed();
            assert!(report.is_ok());
            elapsed
        })
        .collect();
    times.sort();
    // The dev profile is the one with debug assertions; the bench profile has none.
    let build = if cfg!(debug_assertions) {
        "unoptimized, as cargo builds build-script dependencies"
    } else {
        "optimized"
    };
    println!(
        "check of {} modules in {FILES} files ({build}): median {:.1} ms (min {:.1}, max {:.1}; 10 runs)",
        FILES * PER_FILE,
        times[5].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[9].as_secs_f64() * 1e3
    );

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    if !cfg!(debug_assertions) && !std::env::args().any(|a| a == "--optimized-only") {
        // The same benchmark with the dev profile, in a target directory of its own: the
        // `cargo bench` running this binary (from `<target>/release/deps/`) may still hold the
        // lock of its own.
        let exe = std::env::current_exe().unwrap();
        let target = exe.ancestors().nth(3).unwrap().join("bench-unoptimized");
        eprintln!(
            "building the benchmark with the dev profile in {}",
            target.display()
        );
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let status = Command::new(&cargo)
            .args(["bench", "--offline", "--quiet", "--manifest-path"])
            .arg(&manifest)
            .args(["--bench", "check_10k", "--profile", "dev"])
            .arg("--target-dir")
            .arg(&target)
            .status()
            .unwrap();
        assert!(status.success());
    }

    if std::env::args().any(|a| a == "--cargo-build") {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fixtures");
        // Dependencies first, so that the figure is the generated crate alone.
        let _ = std::fs::write(dir.join("src/lib.rs"), "");
        let status = Command::new(&cargo)
            .args(["build", "--offline", "--quiet", "--target-dir"])
            .arg(&target)
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(status.success());
        generate();
        let start = Instant::now();
        let status = Command::new(&cargo)
            .args(["build", "--offline", "--quiet", "--target-dir"])
            .arg(&target)
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(status.success());
        println!(
            "cargo build (dev) of the same crate: {:.1} s",
            start.elapsed().as_secs_f64()
        );
    }
}
