//! `Cargo.lock`: which version of each registry dependency is used, and which packages can
//! lead to `module-registry` at all (the others are never read).

use std::collections::BTreeMap;

use toml::{Table, Value};

use crate::manifest::{strings, RUNTIME};

/// `Cargo.lock`'s packages, with dependencies resolved to indices.
pub(crate) struct Lock {
    pub(crate) packages: Vec<LockPackage>,
    /// Whether each package depends on module-registry, directly or not (any dependency kind).
    pub(crate) reaches_runtime: Vec<bool>,
}

pub(crate) struct LockPackage {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) source: Option<String>,
    pub(crate) deps: Vec<usize>,
}

impl Lock {
    pub(crate) fn new(table: &Table) -> Self {
        let entries: Vec<&Table> = table
            .get("package")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_table)
            .collect();
        let mut packages: Vec<LockPackage> = entries
            .iter()
            .map(|t| LockPackage {
                name: t
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                version: t
                    .get("version")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                source: t.get("source").and_then(Value::as_str).map(str::to_owned),
                deps: Vec::new(),
            })
            .collect();
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, p) in packages.iter().enumerate() {
            by_name.entry(&p.name).or_default().push(i);
        }
        let resolved: Vec<Vec<usize>> = entries
            .iter()
            .map(|t| {
                strings(t.get("dependencies"))
                    .iter()
                    .filter_map(|spec| {
                        // "name", "name version" or "name version (source)"
                        let mut parts = spec.splitn(3, ' ');
                        let name = parts.next()?;
                        let version = parts.next();
                        let candidates = by_name.get(name)?;
                        candidates
                            .iter()
                            .copied()
                            .find(|&i| version.is_none_or(|v| packages[i].version == v))
                    })
                    .collect()
            })
            .collect();
        for (p, deps) in packages.iter_mut().zip(resolved) {
            p.deps = deps;
        }
        let mut reaches: Vec<bool> = packages.iter().map(|p| p.name == RUNTIME).collect();
        loop {
            let mut changed = false;
            for i in 0..packages.len() {
                if !reaches[i] && packages[i].deps.iter().any(|&d| reaches[d]) {
                    reaches[i] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        Lock {
            packages,
            reaches_runtime: reaches,
        }
    }

    pub(crate) fn find(&self, name: &str, version: &str, registry: bool) -> Option<usize> {
        self.packages
            .iter()
            .position(|p| p.name == name && p.version == version && p.source.is_some() == registry)
    }
}
