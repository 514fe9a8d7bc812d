//! The build-time check of a `module-registry` application: every module graph error, before the
//! crate compiles.
//!
//! Add `module-registry-build` under `[build-dependencies]` and write this `build.rs`:
//!
//! ```no_run
//! fn main() {
//!     module_registry_build::Checker::new()
//!         .require_capability("storage") // optional: capabilities the application needs
//!         .run(); // prints diagnostics and fails the build on error
//! }
//! ```
//!
//! and, once, at the application's crate root:
//!
//! ```ignore
//! module_registry::link_modules!();
//! ```
//!
//! # What it checks
//!
//! The check reads the application's `Cargo.toml`, its workspace, and every crate of its
//! dependency graph that depends on `module-registry`: workspace members, path dependencies and
//! registry dependencies (located through `Cargo.lock` in `$CARGO_HOME/registry/src`). It reads
//! only what is on disk: no `cargo metadata`, which from a build script can need the network
//! (rust-lang/cargo#15272). From each crate root it follows `mod` declarations the way rustc
//! does, parses each file with `syn`, and reads every `#[derive(Module)]` with the derive's own
//! attribute parser. It then runs the graph checks that `Registry::validate()` and the dynamic
//! registry run, from the same source file, so a finding has the same text in all three:
//! dependency cycles (`MR0001`), missing dependencies (`MR0002`), unsatisfied version
//! requirements (`MR0003`), duplicate names (`MR0004`) and required capabilities nobody provides
//! (`MR0005`). Attributes the derive would reject are reported too, with the derive's message.
//! Every error of the run is printed, the way rustc prints its own:
//!
//! ```text
//! error[MR0001]: dependency cycle: a -> b -> c -> a
//!  --> src/a.rs:4:34
//!   |
//! 4 | #[module(depends_on = [crate::b::B])]
//!   |                                  ^ `a` depends on `b` here
//!   |
//!  ::: src/b.rs:6:24
//!   |
//! 6 | #[module(depends_on = [C])]
//!   |                        - `b` depends on `c` here
//!   |
//!  ::: src/c.rs:4:53
//!   |
//! 4 | #[module(version = "1.0.0", depends_on = [super::a::A])]
//!   |                                                     - `c` depends on `a` here
//!   |
//!   = note: a needs b  (src/a.rs:4:34)
//!   = note: b needs c  (src/b.rs:6:24)
//!   = note: c needs a  (src/c.rs:4:53)
//!   = help: break the cycle: move what both sides share into a new module that each can depend on
//!
//! error: aborting due to 1 previous error
//! ```
//!
//! On success, [`Checker::run`] writes to `OUT_DIR`:
//!
//! - `module_graph.json`: every module, its dependencies and the boot order (serde);
//! - `module_graph.dot`: the graph for Graphviz (`dot -Tsvg module_graph.dot`);
//! - `module_registry_link.rs`, which `module_registry::link_modules!()` includes: an
//!   `extern crate x as _;` for each module crate the application depends on directly, which
//!   makes rustc link it even when nothing names it (a crate nothing references is not linked,
//!   and its linkme elements vanish: rust-lang/rust#64731), and the list of modules the check
//!   found, which `Registry::validate()` and `boot()` compare with the linked set (`MR0006`).
//!
//! It prints `cargo:rerun-if-changed` for every file it read, so editing a module, a manifest
//! or `Cargo.lock` re-runs the check and nothing else does.
//!
//! # Cost
//!
//! Files are lexed and parsed on every core, and the graph checks and the report share two
//! threads. On two shared cores, checking 10,000 modules in 1,000 files takes 0.7–1.0 s
//! unoptimized (depending on what else runs), which is how cargo compiles build-script
//! dependencies by default, and about 0.2 s with optimizations (`cargo bench --manifest-path bench/Cargo.toml -p registry-bench-build-check` prints both). Large
//! applications can opt in:
//!
//! ```toml
//! [profile.dev.build-override]
//! opt-level = 3
//! ```
//!
//! # What the scanner cannot see
//!
//! The check reads source text; it does not expand macros or know every `cfg`. It cannot see:
//!
//! - modules produced by other macros: a `macro_rules!` or attribute macro that emits a
//!   `#[derive(Module)]` struct, files pulled in with `include!` (say, generated into
//!   `OUT_DIR`), and `#[cfg_attr(..., derive(Module))]`;
//! - modules under a `#[cfg]` it cannot evaluate. It evaluates target predicates (`unix`,
//!   `target_os = "linux"`, ...) from cargo's `CARGO_CFG_*`, and `feature = "x"` for the
//!   application crate only; `cfg(test)` and `#[test]` are off. Anything else (features of
//!   dependencies, cfgs that other build scripts set) leaves the module unseen;
//! - optional dependencies of dependencies (their features are unknown), git dependencies, and
//!   crates in a `[target]` table when run outside a build script.
//!
//! An unseen module is not in the check's graph: a dependency on it is not reported, and no
//! cycle or duplicate through it is found. For `macro_rules!` in the scanned crates the check
//! does notice what it cannot expand: a macro whose body derives `Module` makes the struct names
//! in its body and the identifiers passed to its invocations unseen (not missing), and the
//! capabilities its body lists count as possibly provided. A dependency the scan cannot
//! resolve is reported as missing (`MR0002`) only when nothing else could explain it: a single
//! name, not imported by a `use` of its file, in a file without glob imports, that no scanned
//! struct has and no `use … as` anywhere gives. A path into another crate or module that the
//! scan did not find (say, through an optional dependency a dependency's feature enables) is
//! left to the boot-time twin, as are names declared with [`Checker::assume_module`].
//!
//! The boot-time twin catches what the scan misses: `Registry::validate()`, `init_order()` and
//! `boot()` run the same checks over the modules actually linked, and name any module the
//! check expected but the binary lacks (`MR0006`).
//!
//! Dependency types are matched by their last path segment against the scanned structs'
//! names; when several modules share a struct name, the file's `use` items and the path's
//! `crate::`/`self::`/`super::`/crate-name prefix choose, and a dependency that stays ambiguous
//! is left unchecked with a warning. A name given by `use … as` (in the dependent's file, or a
//! re-export under another name anywhere in the scanned crates) is followed to the struct it
//! renames; glob imports are not followed. A module defined once in the sources counts once,
//! even if two crates of the package compile the same file. The application's `src/bin`
//! directory is watched as a whole (`rerun-if-changed`), so adding a binary re-runs the check.
//!
//! # Linking
//!
//! `link_modules!()` can force-link only the application's direct dependencies (an
//! `extern crate` needs a name the application can use). A module crate reached only through
//! another crate that never names it is not linked; `validate()` reports its modules as not
//! linked (`MR0006`), and the fix is to add that crate to the application's `[dependencies]`.
//! Modules defined in the application's own binaries are not in the expected list: each is
//! linked with its binary and belongs to no other program. For the same reason two binaries
//! may each have a module of the same name: that is not reported as a duplicate.
#![deny(missing_docs)]
#![allow(clippy::needless_doctest_main)] // the docs show a whole `build.rs`, `fn main` included

mod artifacts;
mod cfg;
mod error;
mod lex;
mod lock;
mod manifest;
mod report;
mod resolve;
mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use crate::error::Error;
// The derive reads attributes through `module-registry-syntax` and the runtime checks its graph
// with `module-registry-core`, as this check does: they cannot disagree.
pub use crate::report::{Report, ScannedDependency, ScannedModule, SourceError};
pub use module_registry_core::diag::{Hop, ValidationError};
pub use module_registry_core::location::Location;
pub use module_registry_core::version::ModuleType;

use crate::cfg::CfgEnv;
use crate::resolve::Resolution;
use module_registry_core::graph::RequiredCapability;

/// The build check. See the [crate docs](crate) for a whole `build.rs`.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    manifest_dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    cargo_home: Option<PathBuf>,
    required: Vec<(String, Location)>,
    assumed: BTreeSet<String>,
}

impl Checker {
    /// A check of the package whose build script runs it (`CARGO_MANIFEST_DIR`), writing to
    /// `OUT_DIR`.
    pub fn new() -> Self {
        Checker::default()
    }

    /// Requires that some module provides `capability`; otherwise the check reports
    /// `MR0005` at this call.
    #[track_caller]
    pub fn require_capability(mut self, capability: &str) -> Self {
        let caller = std::panic::Location::caller();
        self.required.push((
            capability.to_owned(),
            Location::new(caller.file(), caller.line(), caller.column()),
        ));
        self
    }

    /// Checks the package in `dir` instead of `CARGO_MANIFEST_DIR` (for tests and tools).
    pub fn manifest_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.manifest_dir = Some(dir.into());
        self
    }

    /// Writes the artifacts to `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Looks for registry sources under `dir/registry/src` instead of `$CARGO_HOME` (default
    /// `~/.cargo`).
    pub fn cargo_home(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cargo_home = Some(dir.into());
        self
    }

    /// Declares a module the scanner cannot see (made by another macro, or under a `#[cfg]`),
    /// by struct name or path as written in `depends_on`: dependencies on it are not reported
    /// as missing. The boot-time twin still checks it.
    pub fn assume_module(mut self, type_name: &str) -> Self {
        self.assumed.insert(type_name.to_owned());
        self
    }

    /// Runs the check and returns the findings, without printing or writing anything.
    pub fn check(&self) -> Result<Report, Error> {
        let env_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
        let manifest_dir = match (&self.manifest_dir, &env_dir) {
            (Some(dir), _) => absolute(dir),
            (None, Some(dir)) => dir.clone(),
            (None, None) => {
                return Err(Error::Env {
                    var: "CARGO_MANIFEST_DIR",
                    setter: "manifest_dir",
                })
            }
        };
        let cargo_home = match (&self.cargo_home, std::env::var_os("CARGO_HOME")) {
            (Some(dir), _) => absolute(dir),
            (None, Some(dir)) => PathBuf::from(dir),
            (None, None) => std::env::var_os("HOME")
                .map(|home| Path::new(&home).join(".cargo"))
                .ok_or(Error::Env {
                    var: "CARGO_HOME",
                    setter: "cargo_home",
                })?,
        };
        // Features in the environment belong to the package whose build script this is.
        let own_package =
            env_dir.as_deref().map(manifest::normalize) == Some(manifest::normalize(&manifest_dir));
        let cfg = CfgEnv::from_env(own_package);

        let graph = manifest::discover(&manifest_dir, &cargo_home, &cfg)?;
        let mut scan = scan::scan(&graph.packages, &cfg);
        // A file compiled into two crates of a package defines its modules once (the scan
        // sorts the first crate's reading first).
        let mut sites = BTreeSet::new();
        scan.modules.retain(|m| sites.insert(m.site));

        let mut warnings = graph.warnings;
        warnings.append(&mut scan.warnings);
        let resolved = resolve::resolve(&scan, &self.assumed, &mut warnings);
        let required: Vec<RequiredCapability<'_>> = self
            .required
            .iter()
            .map(|(capability, site)| RequiredCapability {
                capability,
                by: &graph.root,
                site: *site,
            })
            .collect();
        let nodes = resolve::nodes(&scan.modules, &resolved);
        // Writing the DOT text costs about what the checks and the report cost: on two cores,
        // both at once.
        let (errors, boot_order, modules, targets, dot) = std::thread::scope(|s| {
            let dot = s.spawn(|| module_registry_core::dot::to_dot(&nodes));
            let (errors, boot_order) = resolve::check(&scan, &nodes, &required);
            let modules = scanned_modules(&scan, &resolved, &graph.packages);
            let targets: BTreeMap<Location, usize> = scan
                .modules
                .iter()
                .zip(&resolved)
                .flat_map(|(m, res)| m.deps.iter().zip(res))
                .filter_map(|(d, r)| match r {
                    Resolution::Module(i) => Some((d.site, *i)),
                    _ => None,
                })
                .collect();
            let dot = dot
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (errors, boot_order, modules, targets, dot)
        });
        let mut with_modules: BTreeSet<usize> = scan.modules.iter().map(|m| m.package).collect();
        with_modules.extend(scan.macro_packages.iter().copied());
        let extern_crates: BTreeSet<String> = graph
            .packages
            .iter()
            .enumerate()
            .filter(|(i, p)| !p.is_root && with_modules.contains(i))
            .filter_map(|(_, p)| p.extern_name.clone())
            .collect();

        if !extern_crates.is_empty() && !scan.link_modules_called {
            warnings.push(format!(
                "modules in {} are not linked: nothing in `{}` names their crates, so the \
                 linker drops them and `Registry::global()` will not have them; add \
                 `module_registry::link_modules!();` at the crate root",
                list_crates(&extern_crates),
                graph.root
            ));
        }

        let mut sources: BTreeMap<String, String> =
            scan.files.drain(..).map(|f| (f.display, f.text)).collect();
        // `file!()` of the build script is relative to the directory rustc ran in: the
        // workspace root under cargo, some ancestor of the current directory otherwise.
        for (_, site) in &self.required {
            let cwd = std::env::current_dir().unwrap_or_default();
            let text = std::iter::once(graph.workspace_root.as_path())
                .chain(cwd.ancestors())
                .find_map(|base| std::fs::read_to_string(base.join(site.file())).ok());
            if let Some(text) = text {
                sources.entry(site.file().to_string()).or_insert(text);
            }
        }
        let mut files = graph.files;
        files.append(&mut scan.read);
        let mut seen = BTreeSet::new();
        files.retain(|f| seen.insert(f.clone()));

        let mut report = Report {
            package: graph.root,
            modules,
            errors,
            source_errors: scan.errors.into_iter().map(|(_, e)| e).collect(),
            warnings,
            files,
            sources,
            boot_order,
            required: self.required.iter().map(|(c, _)| c.clone()).collect(),
            extern_crates: extern_crates.into_iter().collect(),
            app_crates: graph
                .packages
                .iter()
                .filter(|p| p.is_root)
                .flat_map(|p| p.crates.iter().map(|c| (c.name.clone(), c.binary)))
                .collect(),
            targets,
            dot,
        };
        if !artifacts::target_has_linker_sections() {
            report.warn_unnameable();
        }
        Ok(report)
    }

    /// Writes `module_graph.json`, `module_graph.dot` and `module_registry_link.rs` for a
    /// report to the output directory (`OUT_DIR` unless [`Checker::out_dir`] was given).
    pub fn write_artifacts(&self, report: &Report) -> Result<(), Error> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::Env {
                    var: "OUT_DIR",
                    setter: "out_dir",
                })?,
        };
        artifacts::write(&out_dir, report)
    }

    /// The build-script entry point: checks and prints a `cargo:warning=` per non-fatal
    /// finding; on error prints every diagnostic to stderr and exits with status 1 (no panic,
    /// no backtrace); on success writes the artifacts and prints `cargo:rerun-if-changed` for
    /// every file read.
    pub fn run(self) {
        let report = match self.check() {
            Ok(report) => report,
            Err(e) => fail(&e),
        };
        for warning in report.warnings() {
            println!("cargo:warning={warning}");
        }
        // A failed build script runs again on the next build whatever it printed, so the
        // `rerun-if-changed` lines would only stand between the user and the diagnostic.
        if !report.is_ok() {
            eprint!("{}", report.render());
            std::process::exit(1);
        }
        if let Err(e) = self.write_artifacts(&report) {
            fail(&e);
        }
        for file in report.files() {
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
}

/// `` `a`, `b` and `c` ``.
fn list_crates(crates: &BTreeSet<String>) -> String {
    let names: Vec<String> = crates.iter().map(|c| format!("`{c}`")).collect();
    match names.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// The report's view of the scanned modules.
fn scanned_modules(
    scan: &scan::Scan,
    resolved: &[Vec<Resolution>],
    packages: &[manifest::Package],
) -> Vec<ScannedModule> {
    scan.modules
        .iter()
        .zip(resolved)
        .map(|(m, res)| ScannedModule {
            name: m.name.clone(),
            version: m.version.clone(),
            kind: m.kind.clone(),
            provides: m.provides.clone(),
            type_name: format!("{}::{}", m.module_path, m.ident),
            package: packages[m.package].name.clone(),
            site: m.site,
            capabilities: m.capabilities.clone(),
            requires: m.requires.clone(),
            dependencies: m
                .deps
                .iter()
                .zip(res)
                .map(|(d, r)| ScannedDependency {
                    path: d.text.clone(),
                    module: match r {
                        Resolution::Module(i) => Some(scan.modules[*i].name.clone()),
                        _ => None,
                    },
                    requirement: d.req.as_ref().map(|(text, _)| text.clone()),
                    optional: d.optional,
                    site: d.site,
                })
                .collect(),
            description: m.description.clone(),
            binary: m.binary,
            version_site: m.version_site,
            naming: report::Naming {
                crate_name: m.crate_name.clone(),
                path: m
                    .module_path
                    .split("::")
                    .skip(1)
                    .map(str::to_owned)
                    .chain(std::iter::once(m.ident.clone()))
                    .collect(),
                extern_name: packages[m.package].extern_name.clone(),
                in_app: packages[m.package].is_root,
                public: m.public,
                crate_visible: m.crate_visible,
            },
        })
        .collect()
}

fn fail(error: &Error) -> ! {
    eprintln!("error: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        eprintln!("\nCaused by:\n    {cause}");
        source = cause.source();
    }
    std::process::exit(1)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
