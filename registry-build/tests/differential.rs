//! The build check against the run-time twin, on generated programs built for real: random
//! module graphs spread over files (a `#[path]` file among them), reached through type aliases
//! and re-exports, with names and versions set by `cfg_attr`, requirements (satisfied: an unsatisfied one
//! does not compile), capabilities, duplicate names, cycles, and modules declared through a
//! macro's arguments. Each program's build script runs
//! the check and records its findings; the program prints them beside `validate()`'s.
//!
//! Where the check can see every module, its findings equal `validate()`'s, finding for
//! finding. Where a macro hides modules from it, it finds a subset: never a finding the
//! program does not have.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How many programs, and how many modules each.
const PROGRAMS: usize = 24;
const MODULES: std::ops::Range<usize> = 4..9;

/// A deterministic generator (xorshift), so a disagreement reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Where a module's struct is written.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// `src/main.rs`.
    Root,
    /// `src/a.rs` (`mod a;`).
    A,
    /// `src/x.rs`, read from `src/a.rs` through `#[path = "x.rs"] mod x;`.
    Pathed,
    /// `src/main.rs`, inside `declare! { ... }`: invisible to the scan.
    Macro,
}

impl Place {
    fn module_path(self) -> &'static str {
        match self {
            Place::Root | Place::Macro => "crate",
            Place::A => "crate::a",
            Place::Pathed => "crate::a::x",
        }
    }
}

struct Dep {
    target: usize,
    req: Option<&'static str>,
    optional: bool,
    /// 0: the full path, 1: a type alias at the root, 2: a re-export at the root.
    via: usize,
}

struct Generated {
    place: Place,
    name: Option<&'static str>,
    version: &'static str,
    /// `#[cfg_attr(unix, module(version = "..."))]` instead of the `version` key.
    cfg_version: bool,
    /// The `name`, if any, is given in `#[cfg_attr(unix, module(name = "..."))]`.
    cfg_name: bool,
    capabilities: Vec<&'static str>,
    requires: Vec<&'static str>,
    deps: Vec<Dep>,
}

fn generate(rng: &mut Rng) -> Vec<Generated> {
    let n = MODULES.start + rng.below(MODULES.len());
    let places = [Place::Root, Place::A, Place::Pathed, Place::Macro];
    let mut modules: Vec<Generated> = (0..n)
        .map(|_| Generated {
            place: places[[0, 0, 1, 1, 2, 3][rng.below(6)]],
            name: rng.chance(12).then_some("shared-name"),
            version: ["1.0.0", "1.4.0", "2.0.0"][rng.below(3)],
            cfg_version: rng.chance(25),
            cfg_name: rng.chance(50),
            capabilities: pick(rng, &["kv", "log", "auth"], 30),
            requires: pick(rng, &["kv", "log", "auth", "rare"], 15),
            deps: Vec::new(),
        })
        .collect();
    for i in 0..n {
        for target in 0..n {
            if target == i || !rng.chance(25) {
                continue;
            }
            // An unsatisfied requirement does not compile (the derive checks it), so every
            // requirement here holds.
            let satisfied: &[&'static str] = match modules[target].version {
                "1.0.0" => &["^1", "~1.0"],
                "1.4.0" => &["^1", ">=1.2"],
                _ => &["^2", ">=1.2"],
            };
            let req = rng
                .chance(50)
                .then(|| satisfied[rng.below(satisfied.len())]);
            modules[i].deps.push(Dep {
                target,
                req,
                optional: rng.chance(20),
                via: rng.below(3),
            });
        }
    }
    modules
}

fn pick(rng: &mut Rng, from: &[&'static str], percent: usize) -> Vec<&'static str> {
    from.iter()
        .copied()
        .filter(|_| rng.chance(percent))
        .collect()
}

/// The `#[derive]` and `#[module]` lines and the struct of module `i`.
fn declaration(modules: &[Generated], i: usize) -> String {
    let m = &modules[i];
    let mut keys = Vec::new();
    let mut cfg_keys = Vec::new();
    if let Some(name) = m.name {
        let keys = if m.cfg_name { &mut cfg_keys } else { &mut keys };
        keys.push(format!("name = {name:?}"));
    }
    let version = format!("version = {:?}", m.version);
    if m.cfg_version {
        cfg_keys.push(version);
    } else {
        keys.push(version);
    }
    let list = |words: &[&str]| words.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>();
    if !m.capabilities.is_empty() {
        keys.push(format!(
            "capabilities = [{}]",
            list(&m.capabilities).join(", ")
        ));
    }
    if !m.requires.is_empty() {
        keys.push(format!("requires = [{}]", list(&m.requires).join(", ")));
    }
    for optional in [false, true] {
        let entries: Vec<String> = m
            .deps
            .iter()
            .filter(|d| d.optional == optional)
            .map(|d| {
                let path = match d.via {
                    1 => format!("crate::Alias{}", d.target),
                    2 => format!("crate::Re{}", d.target),
                    _ => format!("{}::M{}", modules[d.target].place.module_path(), d.target),
                };
                match d.req {
                    Some(req) => format!("{path} = {req:?}"),
                    None => path,
                }
            })
            .collect();
        if !entries.is_empty() {
            let key = if optional { "optional" } else { "depends_on" };
            keys.push(format!("{key} = [{}]", entries.join(", ")));
        }
    }
    let mut out = String::from("#[derive(module_registry::Module, Default)]\n");
    if !keys.is_empty() {
        writeln!(out, "#[module({})]", keys.join(", ")).unwrap();
    }
    if !cfg_keys.is_empty() {
        writeln!(out, "#[cfg_attr(unix, module({}))]", cfg_keys.join(", ")).unwrap();
    }
    writeln!(out, "pub struct M{i};").unwrap();
    out
}

/// The files of one program.
fn program(modules: &[Generated]) -> Vec<(&'static str, String)> {
    let in_place = |place: Place| -> String {
        (0..modules.len())
            .filter(|&i| modules[i].place == place)
            .map(|i| declaration(modules, i))
            .collect()
    };
    let mut main = String::from("module_registry::link_modules!();\nmod a;\n");
    main += "macro_rules! declare { ($($item:tt)*) => { $($item)* } }\n";
    writeln!(main, "declare! {{\n{}}}", in_place(Place::Macro)).unwrap();
    main += &in_place(Place::Root);
    for (i, m) in modules.iter().enumerate() {
        let path = format!("{}::M{i}", m.place.module_path());
        writeln!(
            main,
            "pub type Alias{i} = {path};\npub use {path} as Re{i};"
        )
        .unwrap();
    }
    main += MAIN;
    let a = format!("#[path = \"x.rs\"]\npub mod x;\n{}", in_place(Place::A));
    vec![
        ("src/main.rs", main),
        ("src/a.rs", a),
        ("src/x.rs", in_place(Place::Pathed)),
        ("build.rs", BUILD.to_owned()),
    ]
}

/// Prints the build check's findings (recorded by the build script), then `validate()`'s.
const MAIN: &str = r#"
fn main() {
    print!("{}", include_str!(concat!(env!("OUT_DIR"), "/findings.txt")));
    println!("--");
    if let Err(errors) = module_registry::Registry::global().validate() {
        for e in errors.errors() {
            println!("{} {e}", e.code());
        }
    }
}
"#;

/// Runs the check and records its findings instead of failing the build.
const BUILD: &str = r#"
fn main() {
    let checker = module_registry_build::Checker::new();
    let report = checker.check().expect("the check runs");
    let mut findings = String::new();
    for e in report.errors() {
        findings.push_str(&format!("{} {e}\n", e.code()));
    }
    for e in report.source_errors() {
        findings.push_str(&format!("source {}\n", e.message));
    }
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    std::fs::write(out.join("findings.txt"), findings).unwrap();
    checker.write_artifacts(&report).expect("the artifacts are written");
}
"#;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap();
    }
}

/// The name a generated module is registered under.
fn name_of(m: &Generated, i: usize) -> String {
    m.name.map_or_else(|| format!("m{i}"), str::to_owned)
}

/// Whether `finding`, a cycle `a -> b -> ... -> a`, is a cycle of the generated program (every
/// module is linked, so optional edges count).
fn is_cycle(modules: &[Generated], finding: &str) -> bool {
    let Some(path) = finding.strip_prefix("MR0001 dependency cycle: ") else {
        return false;
    };
    let names: Vec<&str> = path.split(" -> ").collect();
    let edge = |from: &str, to: &str| {
        modules.iter().enumerate().any(|(i, m)| {
            name_of(m, i) == from
                && m.deps
                    .iter()
                    .any(|d| name_of(&modules[d.target], d.target) == to)
        })
    };
    names.len() > 1 && names.windows(2).all(|w| edge(w[0], w[1]))
}

/// A workspace of `PROGRAMS` generated binaries, `p0` to `pN`, and each one's modules.
fn workspace(dir: &Path) -> Vec<Vec<Generated>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let registry = root.join("registry").display().to_string();
    let build = root.join("registry-build").display().to_string();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut programs = Vec::new();
    for p in 0..PROGRAMS {
        let modules = generate(&mut rng);
        let manifest = format!(
            "[package]\nname = \"p{p}\"\nversion = \"1.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nmodule-registry = {{ path = {registry:?} }}\n\n\
             [build-dependencies]\nmodule-registry-build = {{ path = {build:?} }}\n"
        );
        write(&dir.join(format!("p{p}/Cargo.toml")), &manifest);
        for (file, text) in program(&modules) {
            write(&dir.join(format!("p{p}/{file}")), &text);
        }
        programs.push(modules);
    }
    let members: Vec<String> = (0..PROGRAMS).map(|p| format!("\"p{p}\"")).collect();
    let manifest = format!(
        "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
        members.join(", ")
    );
    write(&dir.join("Cargo.toml"), &manifest);
    // The repository's lock file pins every dependency to a version already downloaded.
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    }
    programs
}

fn cargo(dir: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fixtures");
    Command::new(cargo)
        .args(args)
        .arg("--offline")
        .arg("--target-dir")
        .arg(target)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

/// The two lists of findings one program prints, each sorted.
fn findings(dir: &Path, p: usize) -> (Vec<String>, Vec<String>) {
    let out = cargo(dir, &["run", "--quiet", "-p", &format!("p{p}")]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "p{p}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (check, validate) = stdout.split_once("--\n").expect("two lists");
    let sorted = |text: &str| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    (sorted(check), sorted(validate))
}

#[test]
fn build_check_and_validate_agree_on_generated_programs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/differential");
    let programs = workspace(&dir);
    let build = cargo(&dir, &["build", "--quiet", "--workspace"]);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for (p, modules) in programs.iter().enumerate() {
        let (check, validate) = findings(&dir, p);
        for line in &validate {
            *codes.entry(line[..6].to_owned()).or_default() += 1;
        }
        // A program that hides modules from the check: each of its findings is a finding of
        // the program (a cycle of the part it sees is a cycle of the program, though the
        // twin, seeing more, may name that strongly connected part by other cycles).
        let agrees = if modules.iter().any(|m| m.place == Place::Macro) {
            check
                .iter()
                .all(|f| validate.contains(f) || is_cycle(modules, f))
        } else {
            check == validate
        };
        if !agrees {
            disagreements.push(format!(
                "p{p}:\n  check: {check:#?}\n  validate: {validate:#?}"
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    // The programs exercise every finding the check can make.
    for code in ["MR0001", "MR0004", "MR0005"] {
        assert!(codes.contains_key(code), "no {code} in {codes:?}");
    }
}
