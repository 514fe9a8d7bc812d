//! Resolves `depends_on` type paths to scanned modules, then runs the shared graph checks.
//!
//! A path is matched by its last segment against the scanned structs' names; when several
//! structs share that name, the file's `use` items and the path's leading segments
//! (`crate::`, `self::`, `super::`, a crate name) pick one.

use std::collections::{BTreeMap, BTreeSet};

use crate::scan::{Found, FoundDep, Scan, GLOB};
use module_registry_core::diag::ValidationError;
use module_registry_core::graph::{self, Edge, Node, RequiredCapability, Target};
use module_registry_core::location::Location;
use module_registry_core::req::VersionReq;

/// Where one dependency entry points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// A scanned module, by index.
    Module(usize),
    /// A module the scanner cannot see (cfg-gated or assumed): left to the boot-time twin.
    Unseen,
}

/// Resolves every dependency of every module, in order. The modules are split between two
/// threads (two cores are common, and this runs after the parallel scan, alone).
pub(crate) fn resolve(
    scan: &Scan,
    assumed: &BTreeSet<String>,
    warnings: &mut Vec<String>,
) -> Vec<Vec<Resolution>> {
    let mut by_ident: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, m) in scan.modules.iter().enumerate() {
        by_ident.entry(&m.ident).or_default().push(i);
    }
    // Every name a `use … as` gives a struct anywhere (`pub use inner::Audit as AuditLog;`):
    // alias → the names it may stand for.
    let mut renamed: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for file in &scan.files {
        for (alias, path) in &file.uses {
            if let Some(original) = path.last() {
                if original != alias && alias != GLOB {
                    renamed.entry(alias).or_default().insert(original);
                }
            }
        }
    }
    let names = Names {
        by_ident: &by_ident,
        renamed: &renamed,
    };
    let by_ident = &names;
    let resolve_all = |modules: &[Found]| {
        let mut warnings = Vec::new();
        let resolved: Vec<Vec<Resolution>> = modules
            .iter()
            .map(|m| {
                m.deps
                    .iter()
                    .map(|dep| resolve_one(scan, by_ident, assumed, m, dep, &mut warnings))
                    .collect()
            })
            .collect();
        (resolved, warnings)
    };
    let (first, second) = scan.modules.split_at(scan.modules.len() / 2);
    let ((mut resolved, first_warnings), (rest, second_warnings)) = std::thread::scope(|s| {
        let second = s.spawn(|| resolve_all(second));
        let first = resolve_all(first);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    });
    resolved.extend(rest);
    warnings.extend(first_warnings);
    warnings.extend(second_warnings);
    resolved
}

/// The scanned structs by name, and the names `use … as` gives them.
struct Names<'a> {
    by_ident: &'a BTreeMap<&'a str, Vec<usize>>,
    renamed: &'a BTreeMap<&'a str, BTreeSet<&'a str>>,
}

fn resolve_one(
    scan: &Scan,
    names: &Names<'_>,
    assumed: &BTreeSet<String>,
    m: &Found,
    dep: &FoundDep,
    warnings: &mut Vec<String>,
) -> Resolution {
    let written = dep.segments.last().map(String::as_str).unwrap_or_default();
    if assumed.contains(written) || assumed.contains(&dep.text) {
        return Resolution::Unseen;
    }
    // The name the struct was declared with: `use plugin::Storage as Store;` then `Store`.
    let uses = &scan.files[m.file].uses;
    let imported = match (dep.leading_colon, dep.segments.as_slice()) {
        (false, [one]) => uses.get(one),
        _ => None,
    };
    let ident = imported
        .and_then(|path| path.last())
        .map_or(written, String::as_str);
    if assumed.contains(ident) {
        return Resolution::Unseen;
    }
    let direct = names.by_ident.get(ident).map_or(&[][..], Vec::as_slice);
    let renamed: Vec<usize>;
    let candidates = if direct.is_empty() {
        // A re-export under another name (`pub use inner::Audit as AuditLog;`).
        renamed = names
            .renamed
            .get(ident)
            .into_iter()
            .flatten()
            .flat_map(|original| names.by_ident.get(original).into_iter().flatten())
            .copied()
            .collect();
        renamed.as_slice()
    } else {
        direct
    };
    match candidates {
        // A name no struct of the program has: rustc reports a path it cannot resolve, and a
        // name the scan cannot see (a macro's, a crate it did not read, a glob) is the boot-time
        // twin's to check. Either way, not a graph error.
        [] => Resolution::Unseen,
        // The derive's grammar reports a module that depends on itself, at that dependency:
        // as a one-module cycle it would be reported a second time.
        [one]
            if std::ptr::eq(&scan.modules[*one], m)
                && scan.errors.iter().any(|(_, e)| e.site == dep.site) =>
        {
            Resolution::Unseen
        }
        [one] if designates(scan, m, dep, *one) => Resolution::Module(*one),
        // A path that does not lead to the one struct of that name (`shop::Orders` with no
        // crate `shop`): rustc's to report, or a path the scan cannot follow.
        [_] => Resolution::Unseen,
        many => pick(scan, m, dep, many).unwrap_or_else(|| {
            warnings.push(format!(
                "`{}` in `{}` ({}) could match several modules; that dependency was not checked",
                dep.text, m.name, dep.site
            ));
            Resolution::Unseen
        }),
    }
}

/// Whether the path `dep` as written in `from` can name `candidate`, the only scanned struct
/// of its name: a name written alone is in scope (declared in the same module, imported, or
/// possibly through a glob); a longer path starts where the candidate is (its crate, `crate`,
/// `self`, `super`, a module of `from`'s crate, or an import).
fn designates(scan: &Scan, from: &Found, dep: &FoundDep, candidate: usize) -> bool {
    let uses = &scan.files[from.file].uses;
    if let ([one], false) = (dep.segments.as_slice(), dep.leading_colon) {
        if !uses.contains_key(one) {
            // Declared in the same module, or possibly brought in by a glob; nothing else
            // puts a struct of another module in scope.
            return scan.modules[candidate].module_path == from.module_path
                || uses.contains_key(GLOB);
        }
    }
    pick(scan, from, dep, &[candidate]).is_some()
}

/// Among structs of the same name, the one the path designates, if the rules can tell.
fn pick(scan: &Scan, from: &Found, dep: &FoundDep, candidates: &[usize]) -> Option<Resolution> {
    let uses = &scan.files[from.file].uses;
    let mut path = dep.segments.clone();
    if !dep.leading_colon {
        if let Some(imported) = uses.get(&path[0]) {
            path.splice(0..1, imported.iter().cloned());
        }
    }
    let module: Vec<&str> = from.module_path.split("::").collect();
    let mut absolute: Vec<String> = Vec::new();
    let mut rest = path.as_slice();
    match rest.first().map(String::as_str) {
        Some("crate") => {
            absolute.push(from.crate_name.clone());
            rest = &rest[1..];
        }
        Some("self") | Some("super") => {
            let mut base = module.clone();
            while let Some(first) = rest.first() {
                match first.as_str() {
                    "self" => {}
                    "super" => {
                        base.pop();
                    }
                    _ => break,
                }
                rest = &rest[1..];
            }
            absolute.extend(base.iter().map(|s| (*s).to_owned()));
        }
        _ => {}
    }
    absolute.extend(rest.iter().cloned());
    let relative = format!("{}::{}", from.module_path, absolute.join("::"));
    let absolute = absolute.join("::");
    let type_name = |i: usize| {
        let m = &scan.modules[i];
        format!("{}::{}", m.module_path, m.ident)
    };
    let exact: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| type_name(i) == absolute || type_name(i) == relative)
        .collect();
    if let [one] = exact[..] {
        return Some(Resolution::Module(one));
    }
    // A re-export or an alias we cannot follow: prefer the crate the path names, else ours.
    let first = absolute.split("::").next().unwrap_or_default();
    let krate = if dep.segments.len() > 1 || uses.contains_key(&dep.segments[0]) {
        first
    } else {
        from.crate_name.as_str()
    };
    let same_crate: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| scan.modules[i].crate_name == krate)
        .collect();
    match same_crate[..] {
        [one] => Some(Resolution::Module(one)),
        _ => None,
    }
}

/// The scanned modules as the shared graph checks see them.
pub(crate) fn nodes<'a>(modules: &'a [Found], resolved: &[Vec<Resolution>]) -> Vec<Node<'a>> {
    modules
        .iter()
        .zip(resolved)
        .map(|(m, res)| Node {
            name: &m.name,
            version: m.version.clone(),
            site: m.site,
            capabilities: m.capabilities.iter().map(String::as_str).collect(),
            requires: m.requires.iter().map(String::as_str).collect(),
            requires_sites: m.requires_sites.clone(),
            deps: m
                .deps
                .iter()
                .zip(res)
                .filter_map(|(d, r)| {
                    let target = match *r {
                        Resolution::Module(i) => Target::Node(i),
                        Resolution::Unseen => return None,
                    };
                    Some(Edge {
                        target,
                        req: d
                            .req
                            .as_ref()
                            .map(|(text, req)| VersionReq::from_semver(text, req)),
                        optional: d.optional,
                        site: d.site,
                    })
                })
                .collect(),
        })
        .collect()
}

/// Runs the shared checks; on success, also gives the boot order.
pub(crate) fn check(
    scan: &Scan,
    nodes: &[Node<'_>],
    required: &[RequiredCapability<'_>],
) -> (Vec<ValidationError>, Vec<usize>) {
    // A capability a module-deriving macro lists is probably provided by a module the scan
    // cannot see; the boot-time twin decides.
    let elsewhere = |cap: &str| scan.macro_capabilities.contains(cap);
    let mut errors = match graph::check_and_order(nodes, required, &elsewhere) {
        Ok(order) => return (Vec::new(), order),
        Err(errors) => errors,
    };
    // Two binaries of the application are two programs: a name each of them uses for its own
    // module is not a duplicate.
    let binary_of = |site: &Location| {
        scan.modules
            .iter()
            .find(|m| m.site == *site)
            .filter(|m| m.binary)
            .map(|m| m.crate_name.as_str())
    };
    errors.retain(|e| match e {
        ValidationError::DuplicateName { first, second, .. } => {
            match (binary_of(first), binary_of(second)) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
        }
        _ => true,
    });
    let order = if errors.is_empty() {
        graph::topological(nodes)
    } else {
        Vec::new()
    };
    (errors, order)
}
