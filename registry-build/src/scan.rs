//! Reads every crate root and follows its `mod` declarations, the way rustc does, collecting the
//! structs that `#[derive(Module)]`, parsed with the derive's own grammar.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::Token;

use crate::cfg::CfgEnv;
use crate::lex::{self, Shift};
use crate::manifest::Package;
use crate::report::SourceError;
use module_registry_core::location::Location;
use module_registry_core::version::ModuleType;
use module_registry_syntax::{Errors, Input};

/// A module found in the sources, before its dependencies are resolved.
pub(crate) struct Found {
    pub(crate) name: String,
    pub(crate) version: semver::Version,
    pub(crate) kind: ModuleType,
    pub(crate) provides: Vec<String>,
    pub(crate) description: String,
    pub(crate) ident: String,
    /// `module_path!()` of the struct.
    pub(crate) module_path: String,
    pub(crate) crate_name: String,
    /// Defined in a binary of the application package.
    pub(crate) binary: bool,
    pub(crate) package: usize,
    /// The crate root it was reached from, by position in the scan's job list: when several
    /// crates of a package compile the same file, the first one's reading counts.
    pub(crate) root: usize,
    pub(crate) file: usize,
    pub(crate) site: Location,
    pub(crate) capabilities: Vec<String>,
    pub(crate) requires: Vec<String>,
    /// Where each `requires` entry is written.
    pub(crate) requires_sites: Vec<Location>,
    /// Where `version = "..."` is written, if it is.
    pub(crate) version_site: Option<Location>,
    /// Nameable from other crates: the struct and every module around it are `pub`.
    pub(crate) public: bool,
    /// Nameable from its own crate root: the struct is `pub` in some way, and every module
    /// around it below the root is `pub`.
    pub(crate) crate_visible: bool,
    pub(crate) deps: Vec<FoundDep>,
}

/// One `depends_on` / `optional` entry as written.
pub(crate) struct FoundDep {
    pub(crate) segments: Vec<String>,
    pub(crate) leading_colon: bool,
    pub(crate) text: String,
    /// The requirement as written, and as `semver` parsed it.
    pub(crate) req: Option<(String, semver::VersionReq)>,
    pub(crate) optional: bool,
    pub(crate) site: Location,
}

/// The `uses` key that records a glob import (`use a::*;`) in a file; no identifier is `*`.
pub(crate) const GLOB: &str = "*";

/// A file that was read, with what its `use` items import (alias → absolute-ish path).
pub(crate) struct SourceFile {
    pub(crate) display: String,
    pub(crate) text: String,
    pub(crate) uses: BTreeMap<String, Vec<String>>,
}

#[derive(Default)]
pub(crate) struct Scan {
    pub(crate) modules: Vec<Found>,
    pub(crate) files: Vec<SourceFile>,
    /// Absolute paths of every file read.
    pub(crate) read: Vec<PathBuf>,
    /// Struct names of modules under a `#[cfg]` the check cannot evaluate.
    pub(crate) unseen: BTreeSet<String>,
    /// Each with the crate root whose reading of the file found it.
    pub(crate) errors: Vec<(usize, SourceError)>,
    pub(crate) warnings: Vec<String>,
    /// `macro_rules!` whose expansion derives `Module`, by name.
    pub(crate) module_macros: BTreeSet<String>,
    /// Capabilities listed inside such macros: modules the scan cannot see may provide them.
    pub(crate) macro_capabilities: BTreeSet<String>,
    /// Packages that define such a macro: module crates, even when no module is visible.
    pub(crate) macro_packages: BTreeSet<usize>,
    /// Whether a file of the application calls `link_modules!()`.
    pub(crate) link_modules_called: bool,
    /// Item-level macro invocations: the macro's name and every identifier passed to it.
    pub(crate) invocations: Vec<(String, Vec<String>)>,
}

/// Where a file's items live.
#[derive(Clone)]
struct Scope {
    package: usize,
    /// The crate root, by position in the job list.
    root: usize,
    crate_name: String,
    binary: bool,
    module_path: String,
    /// Directory of child `mod x;` files: absolute, and as `file!()` spells it.
    dir: PathBuf,
    display_dir: PathBuf,
    /// Directory of the file being read, where a `#[path]` outside inline modules is relative
    /// to; absolute and as `file!()` spells it.
    file_dir: PathBuf,
    file_display_dir: PathBuf,
    /// Inside an inline `mod x { ... }` of the file being read.
    inline: bool,
    /// Every module from the crate root down to here is `pub`.
    public: bool,
    /// Every module below the crate's top-level ones down to here is `pub`.
    visible_from_root: bool,
    /// Under a `#[cfg]` the check cannot evaluate.
    gated: bool,
    /// The package version: a module's default `version`, as `CARGO_PKG_VERSION` is for the derive.
    version: semver::Version,
    /// In the application package (the one whose build script runs the check).
    in_app: bool,
}

/// Scans every crate root of every package. Files are parsed on all cores (a file's `mod`
/// items are found only once it is parsed, so workers share one queue); the result is sorted,
/// so it does not depend on which worker read what.
pub(crate) fn scan(packages: &[Package], cfg: &CfgEnv) -> Scan {
    let dep_cfg = cfg.without_features();
    let mut jobs: Queue = Vec::new();
    for (index, package) in packages.iter().enumerate() {
        for root in &package.crates {
            let path = package.dir.join(&root.file);
            let display = package.display_dir.join(&root.file);
            let scope = Scope {
                package: index,
                root: jobs.len(),
                crate_name: root.name.clone(),
                binary: root.binary,
                module_path: root.name.clone(),
                dir: parent(&path),
                display_dir: parent(&display),
                file_dir: parent(&path),
                file_display_dir: parent(&display),
                inline: false,
                public: true,
                visible_from_root: true,
                gated: false,
                version: package.version.clone(),
                in_app: package.is_root,
            };
            jobs.push((path, display, scope));
        }
    }
    jobs.reverse();
    // Each crate reads its own module tree, as rustc does: a file two crates compile is read
    // by both, and `merge` keeps one reading, the same whichever worker finished first.
    let visited: BTreeSet<(PathBuf, usize)> = jobs
        .iter()
        .map(|(path, _, scope)| (path.clone(), scope.root))
        .collect();
    let shared = Mutex::new(Shared {
        jobs,
        active: 0,
        visited,
    });
    let wake = Condvar::new();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let parts: Vec<Scan> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                std::thread::Builder::new()
                    .name("module-registry-build scan".to_owned())
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(s, || {
                        let mut local = Scan::default();
                        while let Some((path, display, scope)) = next_job(&shared, &wake) {
                            let cfg = if packages[scope.package].is_root {
                                cfg
                            } else {
                                &dep_cfg
                            };
                            let found = local.file_or_crash(cfg, &path, &display, scope);
                            let mut state = shared.lock().unwrap_or_else(PoisonError::into_inner);
                            for job in found {
                                if state.visited.insert((job.0.clone(), job.2.root)) {
                                    state.jobs.push(job);
                                }
                            }
                            state.active -= 1;
                            wake.notify_all();
                        }
                        local
                    })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.map(|h| h.join()) {
                Ok(Ok(part)) => part,
                // A worker that could not start, or died outside a file: its jobs went to the
                // others or are lost, so the check must fail rather than pass on less.
                _ => Scan::crashed("a scan worker stopped", "(the build check)"),
            })
            .collect()
    });
    merge(parts)
}

struct Shared {
    jobs: Queue,
    /// Files being read: while any is, more jobs may come.
    active: usize,
    visited: BTreeSet<(PathBuf, usize)>,
}

fn next_job(shared: &Mutex<Shared>, wake: &Condvar) -> Option<(PathBuf, PathBuf, Scope)> {
    let mut state = shared.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(job) = state.jobs.pop() {
            state.active += 1;
            return Some(job);
        }
        if state.active == 0 {
            return None;
        }
        state = wake.wait(state).unwrap_or_else(PoisonError::into_inner);
    }
}

/// Joins the workers' results in a deterministic order: modules by package then place.
fn merge(parts: Vec<Scan>) -> Scan {
    let mut out = Scan::default();
    for part in parts {
        out.absorb(part);
    }
    // By package, site and crate root. Sites sort by file name: rank the names once (a file
    // two crates read has one rank) rather than compare them in each of the sort's comparisons.
    let mut by_name: Vec<usize> = (0..out.files.len()).collect();
    by_name.sort_by(|&a, &b| out.files[a].display.cmp(&out.files[b].display));
    let mut rank = vec![0; by_name.len()];
    let mut r = 0;
    for pair in by_name.windows(2) {
        if out.files[pair[0]].display != out.files[pair[1]].display {
            r += 1;
        }
        rank[pair[1]] = r;
    }
    out.modules.sort_by_cached_key(|m| {
        let site = &m.site;
        (m.package, rank[m.file], site.line(), site.column(), m.root)
    });
    out.read.sort();
    // A file two crates compile gives the same errors twice: keep the first crate's.
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    for (root, e) in &out.errors {
        let min = first.entry(e.site.file()).or_insert(*root);
        *min = (*min).min(*root);
    }
    let first: BTreeMap<String, usize> =
        first.into_iter().map(|(f, r)| (f.to_owned(), r)).collect();
    out.errors
        .retain(|(root, e)| first.get(e.site.file()) == Some(root));
    out.errors.sort_by_key(|a| a.1.site);
    out.warnings.sort();
    out.warnings.dedup();
    // A struct a module-deriving macro may have made from one of its arguments is unseen.
    for (name, idents) in &out.invocations {
        if out.module_macros.contains(name) {
            out.unseen.extend(idents.iter().cloned());
        }
    }
    out
}

/// A file name as sites hold it. Each module has a site and one per dependency, copied into the
/// graph check and the report: borrowed, a copy costs no allocation. A name is stored once per
/// process, so memory grows with the number of distinct files ever checked, not with checks.
fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(name) = names.get(name) {
        return name;
    }
    let name: &'static str = Box::leak(name.into());
    names.insert(name);
    name
}

fn parent(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

type Queue = Vec<(PathBuf, PathBuf, Scope)>;

/// The stack of a scan worker. syn parses and drops nested expressions, types and blocks
/// recursively, and cargo builds build-script dependencies unoptimized: rustc accepts nesting
/// hundreds deep, which a default 2 MiB thread stack does not.
const WORKER_STACK: usize = 64 << 20;

impl Scan {
    /// Appends `part`'s findings; its modules' file indexes follow its files.
    fn absorb(&mut self, mut part: Scan) {
        let offset = self.files.len();
        for m in &mut part.modules {
            m.file += offset;
        }
        self.modules.append(&mut part.modules);
        self.files.append(&mut part.files);
        self.read.append(&mut part.read);
        self.unseen.append(&mut part.unseen);
        self.errors.append(&mut part.errors);
        self.warnings.append(&mut part.warnings);
        self.module_macros.append(&mut part.module_macros);
        self.macro_capabilities.append(&mut part.macro_capabilities);
        self.macro_packages.append(&mut part.macro_packages);
        self.invocations.append(&mut part.invocations);
        self.link_modules_called |= part.link_modules_called;
    }

    /// A scan whose only finding is that reading `file` failed inside the check.
    fn crashed(what: &str, file: &str) -> Scan {
        let mut scan = Scan::default();
        scan.errors.push((
            0,
            SourceError::at_file(
                intern(file),
                format!("{what}: this is a bug of module-registry-build, please report it; the module graph was not checked"),
            ),
        ));
        scan
    }

    /// [`Scan::file`], with a panic of the check turned into an error naming the file: never a
    /// hang (the caller always counts the job done) nor a silent pass.
    fn file_or_crash(&mut self, cfg: &CfgEnv, path: &Path, display: &Path, scope: Scope) -> Queue {
        let root = scope.root;
        let mut found = Vec::new();
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut local = Scan::default();
            local.file(cfg, path, display, scope, &mut found);
            local
        }));
        match read {
            Ok(local) => {
                self.absorb(local);
                found
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                // Dropping a payload may panic in turn: leak it rather than unwind here.
                std::mem::forget(panic);
                let display = display.to_string_lossy();
                let mut crash = Scan::crashed(
                    &format!("the build check crashed while reading `{display}` ({message})"),
                    &display,
                );
                crash.errors[0].0 = root;
                self.absorb(crash);
                Vec::new()
            }
        }
    }

    fn file(&mut self, cfg: &CfgEnv, path: &Path, display: &Path, scope: Scope, queue: &mut Queue) {
        #[cfg(test)]
        if path.file_name().is_some_and(|n| n == tests::PANICS) {
            panic!("a test made the scan panic");
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            if !scope.gated {
                self.warnings.push(format!(
                    "could not read `{}`: its modules were not checked",
                    path.display()
                ));
            }
            return;
        };
        self.read.push(path.to_path_buf());
        let display = display.to_string_lossy().into_owned();
        let name = intern(&display);
        let file = self.files.len();
        let mut uses = BTreeMap::new();
        let (parsed, shift) = match lex::tokens(&text) {
            Some(tokens) => (syn::parse2::<syn::File>(tokens), Shift(1)),
            None => (syn::parse_file(&text), Shift(0)),
        };
        match parsed {
            Ok(ast) => {
                let mut walker = Walker {
                    scan: self,
                    cfg,
                    file,
                    display: name,
                    shift,
                    queue,
                    uses: &mut uses,
                };
                // The tree is walked by value: a module's struct becomes its `DeriveInput`
                // without a copy.
                walker.items(ast.items, &scope);
            }
            Err(e) => self.push_errors(scope.root, name, shift, e),
        }
        self.files.push(SourceFile {
            display,
            text,
            uses,
        });
    }

    fn push_errors(&mut self, root: usize, display: &'static str, shift: Shift, error: syn::Error) {
        for e in error {
            let e = SourceError::new(display, shift, e.to_string(), e.span());
            self.errors.push((root, e));
        }
    }
}

struct Walker<'a> {
    scan: &'a mut Scan,
    cfg: &'a CfgEnv,
    file: usize,
    display: &'static str,
    shift: Shift,
    queue: &'a mut Queue,
    uses: &'a mut BTreeMap<String, Vec<String>>,
}

impl Walker<'_> {
    fn items(&mut self, items: Vec<syn::Item>, scope: &Scope) {
        for item in items {
            self.item(item, scope);
        }
    }

    fn item(&mut self, item: syn::Item, scope: &Scope) {
        let attrs: &[syn::Attribute] = match &item {
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Union(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            syn::Item::Type(i) => &i.attrs,
            _ => return,
        };
        let gated = match self.cfg.attrs(attrs) {
            Some(false) => return,
            Some(true) => scope.gated,
            None => true,
        };
        let gated_scope;
        let scope = if gated == scope.gated {
            scope
        } else {
            gated_scope = Scope {
                gated,
                ..scope.clone()
            };
            &gated_scope
        };
        match item {
            syn::Item::Struct(s) => self.maybe_module(s.into(), scope),
            syn::Item::Enum(e) => self.maybe_module(e.into(), scope),
            syn::Item::Union(u) => self.maybe_module(u.into(), scope),
            syn::Item::Fn(f) => {
                for stmt in f.block.stmts {
                    match stmt {
                        syn::Stmt::Item(item) => self.item(item, scope),
                        syn::Stmt::Macro(m) => self.macro_item(
                            syn::ItemMacro {
                                attrs: m.attrs,
                                ident: None,
                                mac: m.mac,
                                semi_token: m.semi_token,
                            },
                            scope,
                        ),
                        _ => {}
                    }
                }
            }
            // `type Store = Storage;` names `Storage` as `use … as Store` would.
            syn::Item::Type(t) => {
                if let (true, syn::Type::Path(p)) = (t.generics.params.is_empty(), &*t.ty) {
                    if p.qself.is_none() {
                        let mut path: Vec<String> = Vec::new();
                        if p.path.leading_colon.is_some() {
                            path.push(String::new());
                        }
                        path.extend(p.path.segments.iter().map(|s| s.ident.to_string()));
                        self.uses.insert(t.ident.to_string(), path);
                    }
                }
            }
            syn::Item::Use(u) => {
                let mut prefix = Vec::new();
                if u.leading_colon.is_some() {
                    prefix.push(String::new());
                }
                self.use_tree(&u.tree, &mut prefix);
            }
            syn::Item::Mod(m) => self.module_item(m, scope),
            syn::Item::Macro(m) => self.macro_item(m, scope),
            _ => {}
        }
    }

    /// `mod x { ... }` or `mod x;` (with an optional `#[path]`).
    fn module_item(&mut self, m: syn::ItemMod, scope: &Scope) {
        let name = m.ident.to_string();
        let name = name.trim_start_matches("r#");
        let path_attr = m.attrs.iter().find_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        });
        let module_path = format!("{}::{name}", scope.module_path);
        let is_pub = matches!(m.vis, syn::Visibility::Public(_));
        let at_root = !scope.module_path.contains("::");
        let public = scope.public && is_pub;
        let visible_from_root = scope.visible_from_root && (is_pub || at_root);
        if let Some((_, items)) = m.content {
            let dir = path_attr.as_deref().unwrap_or(name);
            let child = Scope {
                module_path,
                dir: scope.dir.join(dir),
                display_dir: scope.display_dir.join(dir),
                inline: true,
                public,
                visible_from_root,
                ..scope.clone()
            };
            self.items(items, &child);
            return;
        }
        // As rustc reads `mod x;`: a `#[path]` is relative to the directory of the file it is
        // written in, or, inside inline modules, to where their files would be. A file
        // reached through `#[path]` keeps its children beside it, as a `mod.rs` does.
        let (path, display, owns_dir) = match &path_attr {
            Some(p) if !scope.inline => {
                (scope.file_dir.join(p), scope.file_display_dir.join(p), true)
            }
            Some(p) => (scope.dir.join(p), scope.display_dir.join(p), true),
            None if scope.dir.join(format!("{name}.rs")).is_file() => {
                let rel = format!("{name}.rs");
                (scope.dir.join(&rel), scope.display_dir.join(&rel), false)
            }
            None => {
                let rel = Path::new(name).join("mod.rs");
                (scope.dir.join(&rel), scope.display_dir.join(&rel), true)
            }
        };
        // Children of `a.rs` live in `a/`; children of `a/mod.rs` live in `a/`.
        let (dir, display_dir) = if owns_dir {
            (parent(&path), parent(&display))
        } else {
            let stem = path.file_stem().map(PathBuf::from).unwrap_or_default();
            (parent(&path).join(&stem), parent(&display).join(&stem))
        };
        self.queue.push((
            path.clone(),
            display.clone(),
            Scope {
                module_path,
                dir,
                display_dir,
                file_dir: parent(&path),
                file_display_dir: parent(&display),
                inline: false,
                public,
                visible_from_root,
                ..scope.clone()
            },
        ));
    }

    /// A `macro_rules!` that derives `Module` makes modules the scan cannot see: remember its
    /// name and the capabilities it lists. Remember every invocation's identifiers.
    fn macro_item(&mut self, m: syn::ItemMacro, scope: &Scope) {
        let Some(name) = m.mac.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        if name == "macro_rules" {
            let mut derives = false;
            let mut capabilities = Vec::new();
            let mut structs = Vec::new();
            macro_body(m.mac.tokens, &mut derives, &mut capabilities, &mut structs);
            if let (true, Some(ident)) = (derives, &m.ident) {
                self.scan.module_macros.insert(ident.to_string());
                self.scan.macro_packages.insert(scope.package);
                self.scan.macro_capabilities.extend(capabilities);
                self.scan.unseen.extend(structs);
            }
        } else {
            if name == "link_modules" && scope.in_app {
                self.scan.link_modules_called = true;
            }
            // `declare! { #[derive(Module)] struct Storage; }`: a module the scan cannot read
            // is unknown, not missing.
            let mut derives = false;
            let mut capabilities = Vec::new();
            let mut structs = Vec::new();
            macro_body(
                m.mac.tokens.clone(),
                &mut derives,
                &mut capabilities,
                &mut structs,
            );
            if derives {
                self.scan.macro_packages.insert(scope.package);
                self.scan.macro_capabilities.extend(capabilities);
                self.scan.unseen.extend(structs);
            }
            let mut idents = Vec::new();
            collect_idents(m.mac.tokens, &mut idents);
            self.scan.invocations.push((name, idents));
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                full.push(n.ident.to_string());
                self.uses.insert(n.ident.to_string(), full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                self.uses.insert(r.rename.to_string(), full);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix);
                }
            }
            // Names a glob brings in are unknown: recorded so that resolution does not call a
            // dependency missing when a glob may have imported it under another name.
            syn::UseTree::Glob(_) => {
                self.uses.insert(GLOB.to_owned(), prefix.clone());
            }
        }
    }

    /// A struct (enum, union) as rustc sees it once `cfg_attr` is expanded: a module if it
    /// derives `Module`; unknown if a `cfg_attr` the check cannot evaluate may make it one or
    /// change its attribute.
    fn maybe_module(&mut self, mut node: syn::DeriveInput, scope: &Scope) {
        if node.attrs.iter().any(|a| a.path().is_ident("cfg_attr")) {
            match self.cfg.expand_cfg_attr(&node.attrs) {
                Some(attrs) => node.attrs = attrs,
                None => {
                    self.scan.unseen.insert(node.ident.to_string());
                    return;
                }
            }
        }
        if let Some(derive) = derives_module(&node.attrs) {
            self.module(node, derive, scope);
        }
    }

    fn module(&mut self, node: syn::DeriveInput, derive: Span, scope: &Scope) {
        let node_vis = node.vis.clone();
        let mut cx = Errors::default();
        let input = Input::from_syn(&mut cx, &node);
        if let Some(input) = &input {
            module_registry_syntax::check(&mut cx, input);
        }
        for e in cx.into_vec() {
            self.scan
                .push_errors(scope.root, self.display, self.shift, e);
        }
        let Some(input) = input else { return };
        if scope.gated {
            self.scan.unseen.insert(input.ident.to_string());
            return;
        }
        let module = input.resolve(|| scope.version.clone());
        let requires_sites = (input.attrs.requires.value.iter().flatten())
            .map(|lit| site(self.display, self.shift, lit.span()))
            .collect();
        let version_site = (input.attrs.version.value.as_ref())
            .map(|v| site(self.display, self.shift, v.lit.span()));
        let deps = module
            .dependencies
            .iter()
            .map(|dep| {
                let last = dep
                    .path
                    .segments
                    .last()
                    .map_or_else(Span::call_site, |s| s.ident.span());
                let segments: Vec<String> = dep
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let leading_colon = dep.path.leading_colon.is_some();
                // `a::b::C` as written, without spaces (and without generic arguments, which a
                // module type cannot have).
                let mut text = String::from(if leading_colon { "::" } else { "" });
                text.push_str(&segments.join("::"));
                FoundDep {
                    segments,
                    leading_colon,
                    text,
                    req: dep.req.as_ref().map(|r| (r.text.clone(), r.req.clone())),
                    optional: dep.optional,
                    site: site(self.display, self.shift, last),
                }
            })
            .collect();
        let (public, crate_visible) = match &node_vis {
            syn::Visibility::Public(_) => (scope.public, scope.visible_from_root),
            syn::Visibility::Restricted(_) => (false, scope.visible_from_root),
            syn::Visibility::Inherited => (false, false),
        };
        self.scan.modules.push(Found {
            name: module.name,
            version: module.version,
            kind: module.kind,
            provides: module.provides,
            description: module.description,
            ident: input.ident.to_string(),
            module_path: scope.module_path.clone(),
            crate_name: scope.crate_name.clone(),
            binary: scope.binary,
            package: scope.package,
            root: scope.root,
            file: self.file,
            site: site(self.display, self.shift, derive),
            capabilities: module.capabilities,
            requires: module.requires,
            requires_sites,
            version_site,
            public,
            crate_visible,
            deps,
        });
    }
}

/// Looks for `derive(.. Module ..)`, `capabilities = ["..", ..]` and `struct Name` in a macro's
/// token trees.
fn macro_body(
    tokens: TokenStream,
    derives: &mut bool,
    capabilities: &mut Vec<String>,
    structs: &mut Vec<String>,
) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "derive" => {
                if let Some(TokenTree::Group(g)) = trees.get(i + 1) {
                    *derives |= g
                        .stream()
                        .into_iter()
                        .any(|t| matches!(&t, TokenTree::Ident(m) if m == "Module"));
                }
            }
            TokenTree::Ident(ident) if ident == "capabilities" => {
                if let (Some(TokenTree::Punct(eq)), Some(TokenTree::Group(list))) =
                    (trees.get(i + 1), trees.get(i + 2))
                {
                    if eq.as_char() == '=' && list.delimiter() == Delimiter::Bracket {
                        capabilities.extend(list.stream().into_iter().filter_map(|t| match t {
                            TokenTree::Literal(lit) => match syn::Lit::new(lit) {
                                syn::Lit::Str(s) => Some(s.value()),
                                _ => None,
                            },
                            _ => None,
                        }));
                    }
                }
            }
            TokenTree::Ident(ident) if ident == "struct" => {
                if let Some(TokenTree::Ident(name)) = trees.get(i + 1) {
                    structs.push(name.to_string());
                }
            }
            TokenTree::Group(g) => macro_body(g.stream(), derives, capabilities, structs),
            _ => {}
        }
    }
}

fn collect_idents(tokens: TokenStream, out: &mut Vec<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => out.push(ident.to_string()),
            TokenTree::Group(g) => collect_idents(g.stream(), out),
            _ => {}
        }
    }
}

/// The span of `Module` in `#[derive(..., Module, ...)]`, where the derive records the location.
fn derives_module(attrs: &[syn::Attribute]) -> Option<Span> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .find_map(|a| {
            if let syn::Meta::List(list) = &a.meta {
                if let Some(found) = plain_derive(list.tokens.clone()) {
                    return found;
                }
            }
            let paths = a
                .parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .ok()?;
            // rustc gives the derive the span of the whole path: its first token.
            paths.iter().find_map(|p| {
                let last = p.segments.last()?;
                let first = match p.leading_colon {
                    Some(colon) => colon.spans[0],
                    None => p.segments.first()?.ident.span(),
                };
                (last.ident == "Module").then_some(first)
            })
        })
}

/// Reads a derive list made only of plain paths (`Debug, ::module_registry::Module,`) without
/// syn's parser, which is slow when unoptimized (how cargo builds build-script dependencies).
/// `Some` holds what the syn reading above finds; `None` leaves any other list to it.
fn plain_derive(tokens: TokenStream) -> Option<Option<Span>> {
    /// Where the reader is in `path, path, ...`.
    #[derive(Clone, Copy, PartialEq)]
    enum At {
        /// Before a path: `::`, an identifier, or the end.
        Start,
        /// After the first `:` of a `::`.
        Colon,
        /// After a `::`: an identifier.
        Segment,
        /// After an identifier: `::`, `,` or the end.
        Ident,
    }
    let mut at = At::Start;
    // The start of the first path ending in `Module` (rustc gives the derive the span of the
    // whole path), the current path's start, and whether its last segment is `Module`.
    let mut found = None;
    let mut last = None;
    let mut start = None;
    let mut joint = false;
    for tree in tokens {
        at = match (at, tree) {
            (At::Start | At::Ident, TokenTree::Punct(p)) if p.as_char() == ':' => {
                joint = p.spacing() == Spacing::Joint;
                if at == At::Start {
                    start = Some(p.span());
                }
                last = None;
                At::Colon
            }
            (At::Colon, TokenTree::Punct(p)) if p.as_char() == ':' && joint => At::Segment,
            (At::Start | At::Segment, TokenTree::Ident(ident)) => {
                // Keywords and `_` are not path segments to syn (`self`, `crate`, ... are, but
                // with rules of their own): let syn decide.
                if KEYWORDS.iter().any(|k| ident == k) {
                    return None;
                }
                if at == At::Start {
                    start = Some(ident.span());
                }
                last = (ident == "Module").then_some(start).flatten();
                At::Ident
            }
            (At::Ident, TokenTree::Punct(p)) if p.as_char() == ',' => {
                found = found.or(last.take());
                At::Start
            }
            _ => return None,
        };
    }
    matches!(at, At::Start | At::Ident).then(|| found.or(last))
}

/// What syn does not accept as an identifier (`syn::ident::accept_as_ident`).
const KEYWORDS: &[&str] = &[
    "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "Self", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// A span's start as rustc's `line!()`/`column!()` give it (1-based column).
pub(crate) fn site(file: &'static str, shift: Shift, span: Span) -> Location {
    let (line, column) = shift.place(span.start());
    Location::new(file, line as u32, column as u32 + 1)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::Checker;

    /// A file whose reading panics, as a bug of the check would.
    pub(super) const PANICS: &str = "panics-the-scan.rs";

    #[test]
    fn a_panic_while_reading_a_file_is_an_error_naming_it() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp/scan-panic");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let manifest = format!(
            "[package]\nname = \"p\"\nversion = \"1.0.0\"\n[dependencies]\n\
             module-registry = {{ path = {:?} }}\n[workspace]\n",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../registry")
        );
        let files = [
            ("Cargo.toml", manifest.as_str()),
            (
                "src/lib.rs",
                "#[path = \"panics-the-scan.rs\"]\nmod bad;\nmod good;\n",
            ),
            ("src/panics-the-scan.rs", "pub struct Fine;\n"),
            ("src/good.rs", "pub struct AlsoFine;\n"),
        ];
        for (path, text) in files {
            std::fs::write(dir.join(path), text).unwrap();
        }
        let report = Checker::new().manifest_dir(&dir).check().unwrap();
        assert!(!report.is_ok());
        let [error] = report.source_errors() else {
            panic!("{:?}", report.source_errors());
        };
        assert!(error.site.file().ends_with(PANICS), "{error:?}");
        assert!(error.message.contains("crashed"), "{}", error.message);
        assert!(report.render().contains(PANICS), "{}", report.render());
    }
}
