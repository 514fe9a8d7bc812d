//! `registry-bench-gen crates <dir> <repo>`: writes a workspace of standalone crates for the
//! compile-time, start-up and binary-size measurements.
//! `registry-bench-gen report <results> <out.md>`: turns the measurements into `BENCHMARKS.md`.
//!
//! Both are driven by `scripts/bench.sh`.

mod report;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use registry_bench_gen::{modules, part, part_count, prelude, Form, Spec};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["crates", dir, repo] => crates(Path::new(dir), Path::new(repo)),
        ["report", results, out] => report::write(Path::new(results), Path::new(out)),
        _ => {
            Err("usage: registry-bench-gen crates <dir> <repo> | report <results> <out.md>".into())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("registry-bench-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const FORMS: [Form; 3] = [Form::Derive, Form::Linkme, Form::Inventory];

/// Sizes of the `app-*` binaries: start-up is measured at the larger, and the size one more
/// module adds is the difference divided by the difference in count.
pub const APP_SIZES: [usize; 2] = [1_000, 10_000];
/// Size of the `compile-*` libraries.
pub const COMPILE_SIZE: usize = 1_000;

fn crates(dir: &Path, repo: &Path) -> Result {
    let repo = fs::canonicalize(repo)?;
    fs::create_dir_all(dir)?;
    let mut members = Vec::new();
    for form in FORMS {
        let specs = modules(COMPILE_SIZE);
        let name = format!("compile-{}-{COMPILE_SIZE}", form.name());
        write_crate(dir, &name, form, &repo, &specs, Kind::Lib)?;
        members.push(name);
        for n in APP_SIZES {
            let specs = modules(n);
            let name = format!("app-{}-{n}", form.name());
            write_crate(dir, &name, form, &repo, &specs, Kind::App)?;
            members.push(name);
        }
    }
    write_file(
        &dir.join("app-empty/Cargo.toml"),
        &manifest("app-empty", Form::Derive, &repo, false),
    )?;
    write_file(
        &dir.join("app-empty/src/main.rs"),
        "//! The start-up baseline: a process that does nothing.\n\nfn main() {\n    if std::env::args().nth(1).as_deref() == Some(\"--print\") {\n        println!(\"0\");\n    }\n}\n",
    )?;
    members.push("app-empty".to_owned());
    let mut root = String::from(
        "# Written by registry-bench-gen; see scripts/bench.sh.\n[workspace]\nresolver = \"2\"\nmembers = [\n",
    );
    for m in &members {
        let _ = writeln!(root, "    {m:?},");
    }
    // Stripped, like a shipped binary: symbol names are not loaded and would swamp the
    // per-module size.
    root.push_str("]\n\n[profile.release]\nstrip = true\n");
    write_file(&dir.join("Cargo.toml"), &root)?;
    let lock = repo.join("Cargo.lock");
    if lock.exists() && !dir.join("Cargo.lock").exists() {
        fs::copy(lock, dir.join("Cargo.lock"))?;
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Lib,
    App,
}

fn manifest(name: &str, form: Form, repo: &Path, lib: bool) -> String {
    let dep = match form {
        Form::Derive => format!(
            "module-registry = {{ path = {:?} }}",
            repo.join("registry").display().to_string()
        ),
        Form::Linkme => "linkme = \"0.3.30\"".to_owned(),
        Form::Inventory => "inventory = \"0.3.20\"".to_owned(),
    };
    let target = if lib {
        "[lib]\npath = \"src/lib.rs\"\n\n"
    } else {
        ""
    };
    format!(
        "[package]\nname = {name:?}\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n{target}[dependencies]\n{dep}\n"
    )
}

fn write_crate(
    dir: &Path,
    name: &str,
    form: Form,
    repo: &Path,
    specs: &[Spec],
    kind: Kind,
) -> Result {
    let root = dir.join(name);
    write_file(
        &root.join("Cargo.toml"),
        &manifest(name, form, repo, kind == Kind::Lib),
    )?;
    let mut main = format!(
        "//! {} modules as {}; generated.\n\n",
        specs.len(),
        form.name()
    );
    if kind == Kind::Lib {
        main.push_str("#![allow(dead_code)]\n\n");
    }
    main.push_str(&prelude(form));
    for p in 0..part_count(specs.len()) {
        let _ = writeln!(main, "pub mod p{p:03};");
        write_file(
            &root.join(format!("src/p{p:03}.rs")),
            &part(form, "crate", specs, p),
        )?;
    }
    if kind == Kind::App {
        let probe = &specs[specs.len() / 2].name;
        let find = match form {
            Form::Derive => format!("module_registry::Registry::global().find({probe:?})"),
            Form::Linkme | Form::Inventory => format!("find({probe:?})"),
        };
        let _ = write!(
            main,
            "\n/// Finds one module and exits; `--print` prints the nanoseconds that took.\n\
             fn main() {{\n    \
                 let start = std::time::Instant::now();\n    \
                 let found = {find}.is_some();\n    \
                 let elapsed = start.elapsed();\n    \
                 if std::env::args().nth(1).as_deref() == Some(\"--print\") {{\n        \
                     println!(\"{{}}\", elapsed.as_nanos());\n    \
                 }}\n    \
                 assert!(found);\n\
             }}\n"
        );
        write_file(&root.join("src/main.rs"), &main)?;
    } else {
        write_file(&root.join("src/lib.rs"), &main)?;
    }
    Ok(())
}

/// Writes only when the content changed, so cargo's fingerprints stay valid between runs.
fn write_file(path: &Path, text: &str) -> Result {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text)?;
    Ok(())
}
