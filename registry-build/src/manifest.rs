//! Finds the crates to scan from what is on disk: the application's `Cargo.toml`, its workspace,
//! path dependencies, and registry dependencies through `Cargo.lock` and `$CARGO_HOME/registry/src`.
//! No `cargo metadata`: from a build script it may need the network (rust-lang/cargo#15272).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use toml::{Table, Value};

use crate::cfg::CfgEnv;
use crate::error::Error;
use crate::lock::Lock;

/// The package name of the runtime crate: packages that depend on it are scanned.
pub(crate) const RUNTIME: &str = "module-registry";

/// A package whose sources are scanned.
#[derive(Debug)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) version: semver::Version,
    /// Absolute directory of its `Cargo.toml`.
    pub(crate) dir: PathBuf,
    /// The same directory as rustc's `file!()` spells it: relative to the application's workspace
    /// root for path packages under it, absolute otherwise.
    pub(crate) display_dir: PathBuf,
    /// Crate roots to scan: the library, plus the binaries of the application package.
    pub(crate) crates: Vec<CrateRoot>,
    /// How the application names this package's library (`extern crate x as _;`), when it is a
    /// direct dependency of the application.
    pub(crate) extern_name: Option<String>,
    /// Whether this is the application package itself.
    pub(crate) is_root: bool,
}

/// One crate of a package: its name (for `module_path!()`) and its root file.
#[derive(Debug)]
pub(crate) struct CrateRoot {
    pub(crate) name: String,
    /// A binary of the application package (not linked into other programs).
    pub(crate) binary: bool,
    /// Relative to the package directory.
    pub(crate) file: PathBuf,
}

/// What the walk found.
pub(crate) struct Graph {
    pub(crate) packages: Vec<Package>,
    pub(crate) workspace_root: PathBuf,
    /// The application package's name.
    pub(crate) root: String,
    /// Every manifest and lock file read.
    pub(crate) files: Vec<PathBuf>,
    pub(crate) warnings: Vec<String>,
}

struct Walk<'a> {
    cfg: &'a CfgEnv,
    cargo_home: &'a Path,
    workspace_root: PathBuf,
    workspace: Option<Table>,
    lock: Option<Lock>,
    files: Vec<PathBuf>,
    warnings: Vec<String>,
}

/// Reads the package at `manifest_dir` and every package it depends on (normal dependencies, not
/// dev or build ones) that depends on `module-registry`.
pub(crate) fn discover(
    manifest_dir: &Path,
    cargo_home: &Path,
    cfg: &CfgEnv,
) -> Result<Graph, Error> {
    let manifest_dir = normalize(manifest_dir);
    let mut walk = Walk {
        cfg,
        cargo_home,
        workspace_root: manifest_dir.clone(),
        workspace: None,
        lock: None,
        files: Vec::new(),
        warnings: Vec::new(),
    };
    let root_manifest = walk.read_manifest(&manifest_dir)?;
    walk.find_workspace(&manifest_dir, &root_manifest)?;
    let lock_path = walk.workspace_root.join("Cargo.lock");
    if lock_path.is_file() {
        let table = read_toml(&lock_path)?;
        walk.files.push(lock_path);
        walk.lock = Some(Lock::new(&table));
    }

    let mut packages = Vec::new();
    let mut seen = BTreeSet::new();
    let root = walk.package(&manifest_dir, root_manifest, true)?;
    let root_name = root.package.name.clone();
    // Breadth first: the root's direct dependencies, which alone get an `extern crate` name,
    // are visited before the same packages are reached again through other crates.
    let mut queue = std::collections::VecDeque::from([root]);
    while let Some(pending) = queue.pop_front() {
        if !seen.insert((
            pending.package.name.clone(),
            pending.package.version.clone(),
        )) {
            continue;
        }
        let is_root = pending.package.is_root;
        let mut uses_runtime = false;
        for dep in walk.dependencies(&pending)? {
            if dep.package == RUNTIME {
                uses_runtime = true;
                continue;
            }
            let Some(dir) = walk.locate(&pending, &dep) else {
                continue;
            };
            let manifest = walk.read_manifest(&dir)?;
            let mut child = walk.package(&dir, manifest, false)?;
            if is_root {
                child.package.extern_name = match &dep.rename {
                    Some(_) => Some(dep.key.replace('-', "_")),
                    None => child.lib_name.clone(),
                };
            }
            queue.push_back(child);
        }
        if uses_runtime {
            packages.push(pending.package);
        }
    }
    packages
        .sort_by(|a, b| (!a.is_root, &a.name, &a.version).cmp(&(!b.is_root, &b.name, &b.version)));
    Ok(Graph {
        packages,
        workspace_root: walk.workspace_root,
        root: root_name,
        files: walk.files,
        warnings: walk.warnings,
    })
}

/// A package being walked, with its manifest.
struct Pending {
    package: Package,
    manifest: Table,
    lib_name: Option<String>,
    /// Its `Cargo.lock` entry.
    lock_index: Option<usize>,
    /// The workspace its manifest inherits from, when it is not the application's.
    workspace: Option<(PathBuf, Table)>,
}

/// One normal dependency of a manifest, with `workspace = true` resolved.
struct Dep {
    key: String,
    package: String,
    rename: Option<String>,
    path: Option<PathBuf>,
}

impl Walk<'_> {
    fn read_manifest(&mut self, dir: &Path) -> Result<Table, Error> {
        let path = dir.join("Cargo.toml");
        let table = read_toml(&path)?;
        self.files.push(path);
        Ok(table)
    }

    /// The first manifest with `[workspace]` at or above the package that does not exclude it,
    /// the way cargo finds the workspace root.
    fn find_workspace(&mut self, dir: &Path, manifest: &Table) -> Result<(), Error> {
        if manifest.contains_key("workspace") {
            self.workspace = manifest.get("workspace").and_then(Value::as_table).cloned();
            return Ok(());
        }
        if let Some(Value::String(explicit)) = get(manifest, &["package", "workspace"]) {
            let root = normalize(&dir.join(explicit));
            let table = self.read_manifest(&root)?;
            self.workspace = table.get("workspace").and_then(Value::as_table).cloned();
            self.workspace_root = root;
            return Ok(());
        }
        for ancestor in dir.ancestors().skip(1) {
            let path = ancestor.join("Cargo.toml");
            if !path.is_file() {
                continue;
            }
            let table = self.read_manifest(ancestor)?;
            let Some(ws) = table.get("workspace").and_then(Value::as_table) else {
                continue;
            };
            let relative = dir.strip_prefix(ancestor).unwrap_or(dir);
            let excluded = strings(ws.get("exclude"))
                .iter()
                .any(|e| relative.starts_with(normalize(Path::new(e))));
            if !excluded {
                self.workspace = Some(ws.clone());
                self.workspace_root = ancestor.to_path_buf();
                return Ok(());
            }
        }
        Ok(())
    }

    fn package(&mut self, dir: &Path, manifest: Table, is_root: bool) -> Result<Pending, Error> {
        let manifest_path = dir.join("Cargo.toml");
        let Some(pkg) = manifest.get("package").and_then(Value::as_table) else {
            return Err(Error::Manifest {
                path: manifest_path,
                message: "no `[package]` table: point the check at a package, not a virtual workspace manifest".to_owned(),
            });
        };
        let name = pkg
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        // A dependency outside the application's workspace inherits from its own workspace.
        let own_workspace =
            if is_root || dir.starts_with(&self.workspace_root) || self.is_registry(dir) {
                None
            } else {
                self.foreign_workspace(dir)?
            };
        let workspace = own_workspace
            .as_ref()
            .map(|(_, t)| t)
            .or(self.workspace.as_ref());
        let version_text = match pkg.get("version") {
            Some(Value::String(v)) => v.clone(),
            Some(Value::Table(t)) if t.get("workspace").and_then(Value::as_bool) == Some(true) => {
                workspace
                    .and_then(|w| get(w, &["package", "version"]))
                    .and_then(Value::as_str)
                    .unwrap_or("0.0.0")
                    .to_owned()
            }
            _ => "0.0.0".to_owned(),
        };
        let version = semver::Version::parse(&version_text).map_err(|e| Error::Manifest {
            path: manifest_path.clone(),
            message: format!("`package.version` \"{version_text}\" is not a semantic version: {e}"),
        })?;

        let mut crates = Vec::new();
        let lib = manifest.get("lib").and_then(Value::as_table);
        let lib_file = lib
            .and_then(|l| l.get("path"))
            .and_then(Value::as_str)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("src/lib.rs"));
        let lib_name = if dir.join(&lib_file).is_file() {
            let crate_name = lib
                .and_then(|l| l.get("name"))
                .and_then(Value::as_str)
                .map_or_else(|| name.replace('-', "_"), str::to_owned);
            crates.push(CrateRoot {
                name: crate_name.clone(),
                binary: false,
                file: lib_file,
            });
            Some(crate_name)
        } else {
            None
        };
        if is_root {
            crates.extend(binaries(dir, &name, &manifest));
            // A binary added to `src/bin` is a new crate root no tracked file mentions: cargo
            // watches a directory's contents when it is named in `rerun-if-changed`.
            let bin_dir = dir.join("src/bin");
            if bin_dir.is_dir() {
                self.files.push(bin_dir);
            }
        }

        let lock_index = self.lock.as_ref().and_then(|lock| {
            let source_wanted = self.is_registry(dir);
            lock.find(&name, &version_text, source_wanted)
        });
        let display_dir = match dir.strip_prefix(&self.workspace_root) {
            Ok(rel) if !self.is_registry(dir) => rel.to_path_buf(),
            _ => dir.to_path_buf(),
        };
        Ok(Pending {
            package: Package {
                name,
                version,
                dir: dir.to_path_buf(),
                display_dir,
                crates,
                extern_name: None,
                is_root,
            },
            manifest,
            lib_name,
            lock_index,
            workspace: own_workspace,
        })
    }

    fn foreign_workspace(&mut self, dir: &Path) -> Result<Option<(PathBuf, Table)>, Error> {
        for ancestor in dir.ancestors().skip(1) {
            if ancestor.join("Cargo.toml").is_file() {
                let table = self.read_manifest(ancestor)?;
                if let Some(ws) = table.get("workspace").and_then(Value::as_table) {
                    return Ok(Some((ancestor.to_path_buf(), ws.clone())));
                }
            }
        }
        Ok(None)
    }

    fn is_registry(&self, dir: &Path) -> bool {
        dir.starts_with(self.cargo_home.join("registry"))
    }

    /// The normal dependencies that this build compiles: `[dependencies]` and the
    /// `[target.<key>.dependencies]` whose key holds; optional ones only for the application,
    /// when a feature enables them.
    fn dependencies(&mut self, pending: &Pending) -> Result<Vec<Dep>, Error> {
        let manifest = &pending.manifest;
        let mut tables: Vec<&Table> = manifest
            .get("dependencies")
            .and_then(Value::as_table)
            .into_iter()
            .collect();
        if let Some(targets) = manifest.get("target").and_then(Value::as_table) {
            for (key, target) in targets {
                let Some(deps) = target.get("dependencies").and_then(Value::as_table) else {
                    continue;
                };
                match self.cfg.target_key(key) {
                    Some(true) => tables.push(deps),
                    Some(false) => {}
                    None => self.warnings.push(format!(
                        "dependencies of `{}` for target `{key}` were not scanned: the target is not known outside a build script",
                        pending.package.name
                    )),
                }
            }
        }
        let (ws_root, workspace) = match &pending.workspace {
            Some((root, table)) => (root.as_path(), Some(table)),
            None => (self.workspace_root.as_path(), self.workspace.as_ref()),
        };
        let mut out = Vec::new();
        for table in tables {
            for (key, spec) in table {
                let mut spec = spec.as_table().cloned().unwrap_or_default();
                let mut base = pending.package.dir.clone();
                if spec.get("workspace").and_then(Value::as_bool) == Some(true) {
                    if let Some(inherited) = workspace
                        .and_then(|w| get(w, &["dependencies", key]))
                        .and_then(Value::as_table)
                    {
                        for (k, v) in inherited {
                            spec.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                        base = ws_root.to_path_buf();
                    }
                }
                if spec.get("optional").and_then(Value::as_bool) == Some(true)
                    && !(pending.package.is_root && self.optional_enabled(manifest, key))
                {
                    continue;
                }
                let rename = spec
                    .get("package")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                out.push(Dep {
                    key: key.clone(),
                    package: rename.clone().unwrap_or_else(|| key.clone()),
                    rename,
                    path: spec
                        .get("path")
                        .and_then(Value::as_str)
                        .map(|p| normalize(&base.join(p))),
                });
            }
        }
        Ok(out)
    }

    /// Whether an enabled feature of the application turns on optional dependency `key`.
    fn optional_enabled(&self, manifest: &Table, key: &str) -> bool {
        if self.cfg.feature(key) == Some(true) {
            return true;
        }
        let Some(features) = manifest.get("features").and_then(Value::as_table) else {
            return false;
        };
        features.iter().any(|(feature, values)| {
            self.cfg.feature(feature) == Some(true)
                && strings(Some(values)).iter().any(|v| {
                    v.strip_prefix("dep:") == Some(key)
                        || v.split_once('/').is_some_and(|(d, _)| d == key)
                })
        })
    }

    /// Where a dependency's sources are, or `None` when it need not (or cannot) be scanned.
    fn locate(&mut self, parent: &Pending, dep: &Dep) -> Option<PathBuf> {
        let lock = self.lock.as_ref();
        let entry = lock.and_then(|lock| {
            let deps = &lock.packages[parent.lock_index?].deps;
            deps.iter()
                .copied()
                .find(|&i| lock.packages[i].name == dep.package)
        });
        if let (Some(lock), Some(i)) = (lock, entry) {
            if !lock.reaches_runtime[i] {
                return None; // nothing under it uses module-registry: no need to read it
            }
        }
        if let Some(path) = &dep.path {
            return Some(path.clone());
        }
        let Some((lock, i)) = lock.zip(entry) else {
            if lock.is_none() {
                self.warnings.push(format!(
                    "registry dependency `{}` was not scanned: there is no Cargo.lock yet",
                    dep.package
                ));
            }
            return None;
        };
        let package = &lock.packages[i];
        match package.source.as_deref() {
            Some(s) if s.starts_with("registry+") || s.starts_with("sparse+") => {
                let folder = format!("{}-{}", package.name, package.version);
                let found = registry_dir(self.cargo_home, &folder);
                if found.is_none() {
                    self.warnings.push(format!(
                        "registry dependency `{folder}` was not scanned: it is not unpacked under {}",
                        self.cargo_home.join("registry/src").display()
                    ));
                }
                found
            }
            // A path package not named by path here: a `[patch]` entry.
            None => self.patch_path(&dep.package),
            Some(other) => {
                self.warnings.push(format!(
                    "dependency `{}` from `{other}` was not scanned: only path, workspace and registry dependencies are",
                    dep.package
                ));
                None
            }
        }
    }

    fn patch_path(&mut self, package: &str) -> Option<PathBuf> {
        let root = &self.workspace_root;
        let manifest = read_toml(&root.join("Cargo.toml")).ok()?;
        let patches = manifest.get("patch").and_then(Value::as_table)?;
        let found = patches.values().find_map(|source| {
            let path = get(source.as_table()?, &[package, "path"])?.as_str()?;
            Some(normalize(&root.join(path)))
        });
        if found.is_none() {
            self.warnings.push(format!(
                "path dependency `{package}` was not scanned: its directory could not be found"
            ));
        }
        found
    }
}

/// The application's binaries: `src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs` and `[[bin]]`.
fn binaries(dir: &Path, package: &str, manifest: &Table) -> Vec<CrateRoot> {
    let mut out: BTreeMap<PathBuf, String> = BTreeMap::new();
    let auto = get(manifest, &["package", "autobins"]).and_then(Value::as_bool) != Some(false);
    if auto {
        if dir.join("src/main.rs").is_file() {
            out.insert(PathBuf::from("src/main.rs"), package.to_owned());
        }
        if let Ok(entries) = std::fs::read_dir(dir.join("src/bin")) {
            for entry in entries.flatten() {
                let path = entry.path();
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_owned();
                if path.extension().is_some_and(|e| e == "rs") {
                    out.insert(Path::new("src/bin").join(entry.file_name()), stem);
                } else if path.join("main.rs").is_file() {
                    out.insert(
                        Path::new("src/bin").join(entry.file_name()).join("main.rs"),
                        stem,
                    );
                }
            }
        }
    }
    for bin in manifest
        .get("bin")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = bin.get("name").and_then(Value::as_str) else {
            continue;
        };
        let path = match bin.get("path").and_then(Value::as_str) {
            Some(p) => PathBuf::from(p),
            None if name == package => PathBuf::from("src/main.rs"),
            None => PathBuf::from(format!("src/bin/{name}.rs")),
        };
        if dir.join(&path).is_file() {
            out.insert(path, name.to_owned());
        }
    }
    out.into_iter()
        .map(|(file, name)| CrateRoot {
            name: name.replace('-', "_"),
            binary: true,
            file,
        })
        .collect()
}

/// `$CARGO_HOME/registry/src/<index>/<name>-<version>`, the first index in sorted order.
fn registry_dir(cargo_home: &Path, folder: &str) -> Option<PathBuf> {
    let mut indexes: Vec<PathBuf> = std::fs::read_dir(cargo_home.join("registry/src"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    indexes.sort();
    indexes
        .into_iter()
        .map(|index| index.join(folder))
        .find(|dir| dir.join("Cargo.toml").is_file())
}

pub(crate) fn read_toml(path: &Path) -> Result<Table, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    text.parse::<Table>().map_err(|source| Error::Toml {
        path: path.to_path_buf(),
        source,
    })
}

fn get<'a>(table: &'a Table, keys: &[&str]) -> Option<&'a Value> {
    let (last, init) = keys.split_last()?;
    let mut t = table;
    for key in init {
        t = t.get(*key)?.as_table()?;
    }
    t.get(*last)
}

pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Removes `.` and resolves `..` lexically, as cargo does for path dependencies.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
