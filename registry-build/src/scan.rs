//! Reads every crate root and follows its `mod` declarations, the way rustc does, collecting the
//! structs that `#[derive(Module)]`, parsed with the derive's own grammar.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::Token;

use crate::ast::Input;
use crate::attr::Kind;
use crate::cfg::CfgEnv;
use crate::errors::Errors;
use crate::graph::Site;
use crate::manifest::Package;
use crate::report::SourceError;

/// A module found in the sources, before its dependencies are resolved.
pub(crate) struct Found {
    pub(crate) name: String,
    pub(crate) version: semver::Version,
    pub(crate) kind: String,
    pub(crate) description: String,
    pub(crate) ident: String,
    /// `module_path!()` of the struct.
    pub(crate) module_path: String,
    pub(crate) crate_name: String,
    /// Defined in a binary of the application package.
    pub(crate) binary: bool,
    pub(crate) package: usize,
    pub(crate) file: usize,
    pub(crate) site: Site,
    pub(crate) capabilities: Vec<String>,
    pub(crate) requires: Vec<String>,
    pub(crate) deps: Vec<FoundDep>,
}

/// One `depends_on` / `optional` entry as written.
pub(crate) struct FoundDep {
    pub(crate) segments: Vec<String>,
    pub(crate) leading_colon: bool,
    pub(crate) text: String,
    pub(crate) req: Option<String>,
    pub(crate) optional: bool,
    pub(crate) site: Site,
}

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
    pub(crate) errors: Vec<SourceError>,
    pub(crate) warnings: Vec<String>,
    /// `macro_rules!` whose expansion derives `Module`, by name.
    pub(crate) module_macros: BTreeSet<String>,
    /// Capabilities listed inside such macros: modules the scan cannot see may provide them.
    pub(crate) macro_capabilities: BTreeSet<String>,
    /// Packages that define such a macro: module crates, even when no module is visible.
    pub(crate) macro_packages: BTreeSet<usize>,
    /// Item-level macro invocations: the macro's name and every identifier passed to it.
    pub(crate) invocations: Vec<(String, Vec<String>)>,
}

/// Where a file's items live.
#[derive(Clone)]
struct Scope {
    package: usize,
    crate_name: String,
    binary: bool,
    module_path: String,
    /// Directory of child `mod x;` files: absolute, and as `file!()` spells it.
    dir: PathBuf,
    display_dir: PathBuf,
    /// Under a `#[cfg]` the check cannot evaluate.
    gated: bool,
    /// The package version: a module's default `version`, as `CARGO_PKG_VERSION` is for the derive.
    version: semver::Version,
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
                crate_name: root.name.clone(),
                binary: root.binary,
                module_path: root.name.clone(),
                dir: parent(&path),
                display_dir: parent(&display),
                gated: false,
                version: package.version.clone(),
            };
            jobs.push((path, display, scope));
        }
    }
    jobs.reverse();
    let visited: BTreeSet<(PathBuf, String)> = jobs
        .iter()
        .map(|(path, _, scope)| (path.clone(), scope.crate_name.clone()))
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
                s.spawn(|| {
                    let mut local = Scan::default();
                    while let Some((path, display, scope)) = next_job(&shared, &wake) {
                        let cfg = if packages[scope.package].is_root {
                            cfg
                        } else {
                            &dep_cfg
                        };
                        let mut found = Vec::new();
                        local.file(cfg, &path, &display, scope, &mut found);
                        let mut state = shared.lock().unwrap_or_else(PoisonError::into_inner);
                        for job in found {
                            if state
                                .visited
                                .insert((job.0.clone(), job.2.crate_name.clone()))
                            {
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
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    merge(parts)
}

struct Shared {
    jobs: Queue,
    /// Files being read: while any is, more jobs may come.
    active: usize,
    visited: BTreeSet<(PathBuf, String)>,
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
    for mut part in parts {
        let offset = out.files.len();
        for m in &mut part.modules {
            m.file += offset;
        }
        out.modules.append(&mut part.modules);
        out.files.append(&mut part.files);
        out.read.append(&mut part.read);
        out.unseen.append(&mut part.unseen);
        out.errors.append(&mut part.errors);
        out.warnings.append(&mut part.warnings);
        out.module_macros.append(&mut part.module_macros);
        out.macro_capabilities.append(&mut part.macro_capabilities);
        out.macro_packages.append(&mut part.macro_packages);
        out.invocations.append(&mut part.invocations);
    }
    out.modules
        .sort_by(|a, b| (a.package, &a.site).cmp(&(b.package, &b.site)));
    out.read.sort();
    out.errors.sort_by(|a, b| a.site.cmp(&b.site));
    out.warnings.sort();
    // A struct a module-deriving macro may have made from one of its arguments is unseen.
    for (name, idents) in &out.invocations {
        if out.module_macros.contains(name) {
            out.unseen.extend(idents.iter().cloned());
        }
    }
    out
}

fn parent(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

type Queue = Vec<(PathBuf, PathBuf, Scope)>;

impl Scan {
    fn file(&mut self, cfg: &CfgEnv, path: &Path, display: &Path, scope: Scope, queue: &mut Queue) {
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
        let file = self.files.len();
        match syn::parse_file(&text) {
            Ok(ast) => {
                let mut uses = BTreeMap::new();
                let mut walker = Walker {
                    scan: self,
                    cfg,
                    file,
                    display: &display,
                    queue,
                    uses: &mut uses,
                };
                walker.items(&ast.items, &scope);
                self.files.push(SourceFile {
                    display,
                    text,
                    uses,
                });
            }
            Err(e) => {
                self.push_errors(&display, e);
                self.files.push(SourceFile {
                    display,
                    text,
                    uses: BTreeMap::new(),
                });
            }
        }
    }

    fn push_errors(&mut self, display: &str, error: syn::Error) {
        for e in error {
            self.errors
                .push(SourceError::new(display, e.to_string(), e.span()));
        }
    }
}

struct Walker<'a> {
    scan: &'a mut Scan,
    cfg: &'a CfgEnv,
    file: usize,
    display: &'a str,
    queue: &'a mut Queue,
    uses: &'a mut BTreeMap<String, Vec<String>>,
}

impl Walker<'_> {
    fn items(&mut self, items: &[syn::Item], scope: &Scope) {
        for item in items {
            self.item(item, scope);
        }
    }

    fn item(&mut self, item: &syn::Item, scope: &Scope) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Union(i) => &i.attrs,
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            _ => return,
        };
        let gated = match self.cfg.attrs(attrs) {
            Some(false) => return,
            Some(true) => scope.gated,
            None => true,
        };
        let scope = &Scope {
            gated,
            ..scope.clone()
        };
        match item {
            syn::Item::Struct(s) => {
                if let Some(derive) = derives_module(&s.attrs) {
                    self.module(syn::DeriveInput::from(s.clone()), derive, scope);
                }
            }
            syn::Item::Enum(e) => {
                if let Some(derive) = derives_module(&e.attrs) {
                    self.module(syn::DeriveInput::from(e.clone()), derive, scope);
                }
            }
            syn::Item::Union(u) => {
                if let Some(derive) = derives_module(&u.attrs) {
                    self.module(syn::DeriveInput::from(u.clone()), derive, scope);
                }
            }
            syn::Item::Fn(f) => {
                let inner: Vec<syn::Item> = f
                    .block
                    .stmts
                    .iter()
                    .filter_map(|s| match s {
                        syn::Stmt::Item(i) => Some(i.clone()),
                        _ => None,
                    })
                    .collect();
                self.items(&inner, scope);
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
    fn module_item(&mut self, m: &syn::ItemMod, scope: &Scope) {
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
        if let Some((_, items)) = &m.content {
            let dir = path_attr.as_deref().unwrap_or(name);
            let child = Scope {
                module_path,
                dir: scope.dir.join(dir),
                display_dir: scope.display_dir.join(dir),
                ..scope.clone()
            };
            self.items(items, &child);
            return;
        }
        let (rel, mod_rs) = match &path_attr {
            Some(p) => {
                let p = PathBuf::from(p);
                let mod_rs = p.file_name().is_some_and(|f| f == "mod.rs");
                (p, mod_rs)
            }
            None if scope.dir.join(format!("{name}.rs")).is_file() => {
                (PathBuf::from(format!("{name}.rs")), false)
            }
            None => (Path::new(name).join("mod.rs"), true),
        };
        let path = scope.dir.join(&rel);
        let display = scope.display_dir.join(&rel);
        // Children of `a.rs` live in `a/`; children of `a/mod.rs` live in `a/`.
        let (dir, display_dir) = if mod_rs {
            (parent(&path), parent(&display))
        } else {
            let stem = path.file_stem().map(PathBuf::from).unwrap_or_default();
            (parent(&path).join(&stem), parent(&display).join(&stem))
        };
        self.queue.push((
            path,
            display,
            Scope {
                module_path,
                dir,
                display_dir,
                ..scope.clone()
            },
        ));
    }

    /// A `macro_rules!` that derives `Module` makes modules the scan cannot see: remember its
    /// name and the capabilities it lists. Remember every invocation's identifiers.
    fn macro_item(&mut self, m: &syn::ItemMacro, scope: &Scope) {
        let Some(name) = m.mac.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        if name == "macro_rules" {
            let mut derives = false;
            let mut capabilities = Vec::new();
            let mut structs = Vec::new();
            macro_body(
                m.mac.tokens.clone(),
                &mut derives,
                &mut capabilities,
                &mut structs,
            );
            if let (true, Some(ident)) = (derives, &m.ident) {
                self.scan.module_macros.insert(ident.to_string());
                self.scan.macro_packages.insert(scope.package);
                self.scan.macro_capabilities.extend(capabilities);
                self.scan.unseen.extend(structs);
            }
        } else {
            let mut idents = Vec::new();
            collect_idents(m.mac.tokens.clone(), &mut idents);
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
            syn::UseTree::Glob(_) => {}
        }
    }

    fn module(&mut self, node: syn::DeriveInput, derive: Span, scope: &Scope) {
        let mut cx = Errors::default();
        let input = Input::from_syn(&mut cx, &node);
        if let Some(input) = &input {
            crate::check::check(&mut cx, input);
        }
        for e in cx.into_vec() {
            self.scan.push_errors(self.display, e);
        }
        let Some(input) = input else { return };
        if scope.gated {
            self.scan.unseen.insert(input.ident.to_string());
            return;
        }
        let attrs = &input.attrs;
        let kind = match &attrs.kind.value {
            None => "Service".to_owned(),
            Some(Kind::Variant(v)) => v.to_string(),
            Some(Kind::Custom(text)) => format!("Custom({:?})", text.value()),
        };
        let words = |slot: &Option<Vec<syn::LitStr>>| -> Vec<String> {
            slot.iter().flatten().map(syn::LitStr::value).collect()
        };
        let deps = attrs
            .dependencies()
            .map(|dep| {
                let last = dep
                    .path
                    .segments
                    .last()
                    .map_or_else(Span::call_site, |s| s.ident.span());
                FoundDep {
                    segments: dep
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect(),
                    leading_colon: dep.path.leading_colon.is_some(),
                    text: path_text(&dep.path),
                    req: dep.req.as_ref().map(syn::LitStr::value),
                    optional: dep.optional,
                    site: site(self.display, last),
                }
            })
            .collect();
        let package = scope.package;
        self.scan.modules.push(Found {
            name: input.name(),
            version: attrs
                .version
                .value
                .as_ref()
                .map_or_else(|| scope.version.clone(), |v| v.version.clone()),
            kind,
            description: attrs
                .description
                .value
                .as_ref()
                .map_or_else(|| input.doc.clone(), syn::LitStr::value),
            ident: input.ident.to_string(),
            module_path: scope.module_path.clone(),
            crate_name: scope.crate_name.clone(),
            binary: scope.binary,
            package,
            file: self.file,
            site: site(self.display, derive),
            capabilities: words(&attrs.capabilities.value),
            requires: words(&attrs.requires.value),
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

/// `a::b::C` as written, without spaces (and without generic arguments, which a module type
/// cannot have).
fn path_text(path: &syn::Path) -> String {
    let mut out = String::new();
    if path.leading_colon.is_some() {
        out.push_str("::");
    }
    for (i, segment) in path.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        out.push_str(&segment.ident.to_string());
    }
    out
}

/// The span of `Module` in `#[derive(..., Module, ...)]`, where the derive records the location.
fn derives_module(attrs: &[syn::Attribute]) -> Option<Span> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .find_map(|a| {
            let paths = a
                .parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .ok()?;
            paths.iter().find_map(|p| {
                let last = p.segments.last()?;
                (last.ident == "Module").then(|| last.ident.span())
            })
        })
}

/// A span's start as rustc's `line!()`/`column!()` give it (1-based column).
pub(crate) fn site(file: &str, span: Span) -> Site {
    let start = span.start();
    Site {
        file: file.to_owned().into(),
        line: start.line as u32,
        column: start.column as u32 + 1,
    }
}
