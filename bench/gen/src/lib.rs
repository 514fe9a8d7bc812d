//! The same N modules written three ways, for the benchmarks: `#[derive(Module)]`, hand-written
//! `linkme` statics of a plain struct, and `inventory::submit!` of that struct.
//!
//! Modules look like an application's: `billing-worker-3`-style names, six kinds, capabilities
//! spread so that `with_capability` answers range from 4 modules to half of them, and about 1.5
//! dependency edges per module, always to a lower index (a DAG), some with a semver requirement,
//! some optional. Every module is an empty `Default` struct.
//!
//! Sources are split into parts of [`PART`] modules: inline `pub mod pNNN { ... }` blocks for the
//! fixtures that `build.rs` writes into `OUT_DIR`, or one file per part for the crates
//! `registry-bench-gen` writes to disk (so an edit touches one file, as in a real crate).

use std::fmt::Write as _;

/// Modules per part (inline module or file).
pub const PART: usize = 100;

/// Capability held by exactly 4 modules at every size.
pub const SMALL_CAP: &str = "audit-log";
/// Capability held by every other module.
pub const LARGE_CAP: &str = "telemetry";
/// The description a module carries so that the incremental compile benchmark has a line to
/// edit; the benchmark swaps `-a` and `-b`.
pub const EDIT_MARKER: &str = "edit-here-a";

const DOMAINS: [&str; 20] = [
    "auth", "billing", "cache", "catalog", "config", "search", "storage", "metrics", "mail",
    "payments", "orders", "stock", "shipping", "pricing", "users", "sessions", "reports", "audit",
    "gateway", "media",
];
const ROLES: [&str; 8] = [
    "store", "service", "client", "worker", "index", "queue", "api", "sync",
];
const KINDS: [&str; 6] = [
    "Service",
    "Storage",
    "DataProcessor",
    "Network",
    "Security",
    "Monitoring",
];

/// How the modules are declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `#[derive(Module, Default)]` + `#[module(...)]`.
    Derive,
    /// A `#[distributed_slice]` static of [`PLAIN`] per module.
    Linkme,
    /// An `inventory::submit!` of [`PLAIN`] per module.
    Inventory,
}

impl Form {
    /// Lowercase name, used in crate names.
    pub fn name(self) -> &'static str {
        match self {
            Form::Derive => "derive",
            Form::Linkme => "linkme",
            Form::Inventory => "inventory",
        }
    }
}

/// One generated module.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Position, 0-based.
    pub index: usize,
    /// Module name, e.g. `billing-worker-3`.
    pub name: String,
    /// Struct name, e.g. `BillingWorker3`.
    pub ident: String,
    /// Semver version, all `1.x.y`.
    pub version: String,
    /// A `ModuleType` variant.
    pub kind: &'static str,
    /// Capabilities provided.
    pub capabilities: Vec<&'static str>,
    /// Capabilities required from some module.
    pub requires: Vec<&'static str>,
    /// Required dependencies: index and optional semver requirement.
    pub depends_on: Vec<(usize, Option<&'static str>)>,
    /// Optional dependencies.
    pub optional: Vec<usize>,
    /// Doc comment / description.
    pub description: String,
}

/// The `n` modules, identical for every form.
pub fn modules(n: usize) -> Vec<Spec> {
    let rare = [n / 8, 3 * n / 8, 5 * n / 8, 7 * n / 8];
    (0..n)
        .map(|i| {
            let domain = DOMAINS[i % DOMAINS.len()];
            let role = ROLES[(i / DOMAINS.len()) % ROLES.len()];
            let round = i / (DOMAINS.len() * ROLES.len());
            let name = if round == 0 {
                format!("{domain}-{role}")
            } else {
                format!("{domain}-{role}-{round}")
            };
            let ident = pascal(&name);
            let mut capabilities = vec![domain, role];
            if i % 2 == 0 {
                capabilities.push(LARGE_CAP);
            }
            if rare.contains(&i) {
                capabilities.push(SMALL_CAP);
            }
            let mut requires = Vec::new();
            if i % 17 == 16 && n > 6 {
                requires.push("storage"); // provided by module 6 ("storage-store")
            }
            let mut depends_on: Vec<(usize, Option<&'static str>)> = Vec::new();
            if i > 0 && i % 5 != 0 {
                let j = i - 1 - (i * 7) % i.min(64);
                depends_on.push((j, (i % 3 == 0).then_some("^1")));
            }
            if i > 1 && i % 4 == 1 {
                let j = (i * 31 + 7) % i;
                if !depends_on.iter().any(|&(d, _)| d == j) {
                    depends_on.push((j, None));
                }
            }
            let mut optional = Vec::new();
            if i > 0 && i % 11 == 0 {
                let j = i / 2;
                if !depends_on.iter().any(|&(d, _)| d == j) {
                    optional.push(j);
                }
            }
            let description = if i == n / 2 {
                EDIT_MARKER.to_owned()
            } else {
                format!("The {domain} {role}, instance {round}: a generated benchmark module.")
            };
            Spec {
                index: i,
                name,
                ident,
                version: format!("1.{}.{}", i % 7, i % 13),
                kind: KINDS[i % KINDS.len()],
                capabilities,
                requires,
                depends_on,
                optional,
                description,
            }
        })
        .collect()
}

fn pascal(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Number of parts for `n` modules.
pub fn part_count(n: usize) -> usize {
    n.div_ceil(PART)
}

/// The path of module `i` from anywhere in the crate, given the path of the parts' parent.
pub fn path_of(root: &str, specs: &[Spec], i: usize) -> String {
    format!("{root}::p{:03}::{}", i / PART, specs[i].ident)
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

fn quoted<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    list(items.into_iter().map(|s| format!("{s:?}")))
}

/// Items shared by the parts of the linkme and inventory forms: the plain struct, its slice or
/// collection, a `create` helper and a linear `find`. Empty for the derive form.
pub fn prelude(form: Form) -> String {
    let collect = match form {
        Form::Derive => return String::new(),
        Form::Linkme => {
            "/// Every module, collected by the linker.\n\
             #[linkme::distributed_slice]\n\
             pub static PLAIN_MODULES: [Plain];\n\n\
             /// The module named `name`: a linear scan.\n\
             pub fn find(name: &str) -> Option<&'static Plain> {\n    \
                 PLAIN_MODULES.iter().find(|m| m.name == name)\n\
             }\n"
        }
        Form::Inventory => {
            "inventory::collect!(Plain);\n\n\
             /// Every module, in inventory's order.\n\
             pub fn all() -> impl Iterator<Item = &'static Plain> {\n    \
                 inventory::iter::<Plain>.into_iter()\n\
             }\n\n\
             /// The module named `name`: a walk of inventory's list.\n\
             pub fn find(name: &str) -> Option<&'static Plain> {\n    \
                 all().find(|m| m.name == name)\n\
             }\n"
        }
    };
    format!(
        "/// A module, hand-written: what the derive's descriptor holds, minus the typed parts.\n\
         pub struct Plain {{\n    \
             pub name: &'static str,\n    \
             pub version: &'static str,\n    \
             pub kind: &'static str,\n    \
             pub capabilities: &'static [&'static str],\n    \
             pub requires: &'static [&'static str],\n    \
             pub dependencies: &'static [&'static str],\n    \
             pub optional: &'static [&'static str],\n    \
             pub description: &'static str,\n    \
             pub create: fn() -> Box<dyn std::any::Any + Send + Sync>,\n\
         }}\n\n\
         /// Builds a module with `Default`.\n\
         pub fn create<T: Default + Send + Sync + 'static>() -> Box<dyn std::any::Any + Send + Sync> {{\n    \
             Box::new(T::default())\n\
         }}\n\n\
         {collect}"
    )
}

/// The body of part `part` (its modules), as a file or the inside of `pub mod pNNN { }`.
/// `root` is the path of the module holding the parts (and, for linkme/inventory, the prelude).
pub fn part(form: Form, root: &str, specs: &[Spec], part: usize) -> String {
    let mut out = String::new();
    if form == Form::Derive {
        out.push_str("use module_registry::Module;\n");
    }
    let end = ((part + 1) * PART).min(specs.len());
    for s in &specs[part * PART..end] {
        out.push('\n');
        match form {
            Form::Derive => derive_item(&mut out, root, specs, s),
            Form::Linkme | Form::Inventory => plain_item(&mut out, form, root, specs, s),
        }
    }
    out
}

fn derive_item(out: &mut String, root: &str, specs: &[Spec], s: &Spec) {
    let mut keys = vec![
        format!("name = {:?}", s.name),
        format!("version = {:?}", s.version),
        format!("kind = {}", s.kind),
        format!(
            "capabilities = [{}]",
            quoted(s.capabilities.iter().copied())
        ),
    ];
    if !s.requires.is_empty() {
        keys.push(format!(
            "requires = [{}]",
            quoted(s.requires.iter().copied())
        ));
    }
    if !s.depends_on.is_empty() {
        keys.push(format!(
            "depends_on = [{}]",
            list(s.depends_on.iter().map(|&(j, req)| match req {
                Some(r) => format!("{} = {r:?}", path_of(root, specs, j)),
                None => path_of(root, specs, j),
            }))
        ));
    }
    if !s.optional.is_empty() {
        keys.push(format!(
            "optional = [{}]",
            list(s.optional.iter().map(|&j| path_of(root, specs, j)))
        ));
    }
    let _ = write!(
        out,
        "/// {}\n#[derive(Module, Default)]\n#[module({})]\npub struct {};\n",
        s.description,
        keys.join(", "),
        s.ident
    );
}

fn plain_item(out: &mut String, form: Form, root: &str, specs: &[Spec], s: &Spec) {
    let names = |v: &mut dyn Iterator<Item = usize>| quoted(v.map(|j| specs[j].name.as_str()));
    let value = format!(
        "{root}::Plain {{\n    name: {:?},\n    version: {:?},\n    kind: {:?},\n    \
         capabilities: &[{}],\n    requires: &[{}],\n    dependencies: &[{}],\n    \
         optional: &[{}],\n    description: {:?},\n    create: {root}::create::<{}>,\n}}",
        s.name,
        s.version,
        s.kind,
        quoted(s.capabilities.iter().copied()),
        quoted(s.requires.iter().copied()),
        names(&mut s.depends_on.iter().map(|&(j, _)| j)),
        names(&mut s.optional.iter().copied()),
        s.description,
        s.ident,
    );
    let _ = write!(
        out,
        "/// {}\n#[derive(Default)]\npub struct {};\n\n",
        s.description, s.ident
    );
    match form {
        Form::Linkme => {
            let _ = writeln!(
                out,
                "#[linkme::distributed_slice({root}::PLAIN_MODULES)]\nstatic {}: {root}::Plain = {value};",
                s.ident.to_ascii_uppercase()
            );
        }
        _ => {
            let _ = writeln!(out, "inventory::submit! {{\n{value}\n}}");
        }
    }
}

/// Every part inline, as `pub mod pNNN { ... }` blocks after the prelude: one file for
/// `include!`. `root` is the path of the module the text is included in.
pub fn single_file(form: Form, root: &str, specs: &[Spec]) -> String {
    let mut out = prelude(form);
    for p in 0..part_count(specs.len()) {
        let _ = write!(
            out,
            "\npub mod p{p:03} {{\n{}}}\n",
            part(form, root, specs, p)
        );
    }
    out
}

/// The runtime benchmark fixture: the `n` modules derived (`derived`) and as inventory entries
/// (`inv`), plus the constants the benchmarks need. Included by `bench/fixtures/n*`.
pub fn fixture(n: usize) -> String {
    let specs = modules(n);
    let probe = &specs[n / 2];
    format!(
        "/// The modules, derived.\n\
         pub mod derived {{\n{}}}\n\n\
         /// The same modules, as `inventory::submit!` of a plain struct.\n\
         pub mod inv {{\n{}}}\n\n\
         /// How many modules.\n\
         pub const N: usize = {n};\n\
         /// The module the `get` benchmarks read (the middle one).\n\
         pub use {} as Probe;\n\
         /// Its name.\n\
         pub const PROBE_NAME: &str = {:?};\n\
         /// A capability 4 modules provide.\n\
         pub const SMALL_CAP: &str = {SMALL_CAP:?};\n\
         /// A capability every other module provides.\n\
         pub const LARGE_CAP: &str = {LARGE_CAP:?};\n\
         /// How many modules provide [`LARGE_CAP`].\n\
         pub const LARGE_ANSWER: usize = {};\n",
        single_file(Form::Derive, "crate::derived", &specs),
        single_file(Form::Inventory, "crate::inv", &specs),
        path_of("crate::derived", &specs, n / 2),
        probe.name,
        n.div_ceil(2),
    )
}
