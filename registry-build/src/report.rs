//! The findings of one check, and their rustc-style rendering (by `annotate-snippets`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use annotate_snippets::{Level, Renderer, Snippet};
use proc_macro2::Span;

use crate::lex::Shift;
use module_registry_core::diag::ValidationError;
use module_registry_core::location::Location;
use module_registry_core::version::ModuleType;

/// A module the check found in the sources.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScannedModule {
    /// The module name (the `name` key, or the kebab-case of the struct name).
    pub name: String,
    /// The `version` key, or the package version.
    pub version: semver::Version,
    /// The `kind`; `Service` by default.
    pub kind: ModuleType,
    /// `provides = [dyn Trait]` entries, as written.
    pub provides: Vec<String>,
    /// `module_path!()::Struct`, as the descriptor's `type_name()` has it.
    pub type_name: String,
    /// The package that defines it.
    pub package: String,
    /// The `Module` token of `#[derive(Module)]`, as the descriptor's `location()` has it.
    pub site: Location,
    /// Provided capabilities.
    pub capabilities: Vec<String>,
    /// Required capabilities.
    pub requires: Vec<String>,
    /// `depends_on` then `optional` entries.
    pub dependencies: Vec<ScannedDependency>,
    /// The `description` key, or the doc comment.
    pub description: String,
    /// Defined in a binary of the application package: linked into that binary only, so not
    /// among the modules `link_modules!()` expects.
    pub(crate) binary: bool,
    /// Where `version = "..."` is written, if it is.
    pub(crate) version_site: Option<Location>,
    /// How the application's crates can name the struct, for the list of modules written on
    /// targets without linker sections.
    pub(crate) naming: Naming,
}

/// How the application's crates can name a module's struct.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Naming {
    /// The crate it is in, as `module_path!()` starts.
    pub(crate) crate_name: String,
    /// The modules from that crate's root down to the struct, and the struct.
    pub(crate) path: Vec<String>,
    /// How the application names that crate, if it is a direct dependency.
    pub(crate) extern_name: Option<String>,
    /// In the application package.
    pub(crate) in_app: bool,
    /// Nameable from other crates.
    pub(crate) public: bool,
    /// Nameable from its own crate root.
    pub(crate) crate_visible: bool,
}

/// One `depends_on` or `optional` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScannedDependency {
    /// The type path as written, e.g. `crate::store::Storage`.
    pub path: String,
    /// The module it resolved to, if the check could tell.
    pub module: Option<String>,
    /// The semver requirement, if any.
    pub requirement: Option<String>,
    /// Whether it is listed under `optional`.
    pub optional: bool,
    /// The last segment of the path, where the derive records the dependency.
    pub site: Location,
}

/// A problem in a source file met while scanning: a file that does not parse, or a
/// `#[module(...)]` attribute the derive rejects (with the derive's own message).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceError {
    /// The message, as the derive or the parser words it.
    pub message: String,
    /// Where it starts.
    pub site: Location,
    /// Where it ends (line, 1-based column), for the underline.
    end: (u32, u32),
}

impl SourceError {
    /// An error about a whole file, shown at its first line.
    pub(crate) fn at_file(file: &'static str, message: String) -> Self {
        SourceError {
            message,
            site: Location::new(file, 1, 1),
            end: (1, 1),
        }
    }

    pub(crate) fn new(file: &'static str, shift: Shift, message: String, span: Span) -> Self {
        let site = crate::scan::site(file, shift, span);
        let (line, column) = shift.place(span.end());
        SourceError {
            message,
            site,
            end: (line as u32, column as u32 + 1),
        }
    }
}

/// Everything one check found. [`Report::is_ok`] tells whether the build may go on.
#[derive(Debug)]
pub struct Report {
    pub(crate) package: String,
    pub(crate) modules: Vec<ScannedModule>,
    pub(crate) errors: Vec<ValidationError>,
    pub(crate) source_errors: Vec<SourceError>,
    pub(crate) warnings: Vec<String>,
    pub(crate) files: Vec<PathBuf>,
    pub(crate) sources: BTreeMap<String, String>,
    pub(crate) boot_order: Vec<usize>,
    pub(crate) required: Vec<String>,
    pub(crate) extern_crates: Vec<String>,
    /// The crates of the application package: `(crate name, is a binary)`.
    pub(crate) app_crates: Vec<(String, bool)>,
    /// The module each resolved dependency edge points at, by the edge's site.
    pub(crate) targets: BTreeMap<Location, usize>,
    /// `module_graph.dot`, from the shared graph module.
    pub(crate) dot: String,
}

impl Report {
    /// On a target without linker sections, a module that no crate of the application can name
    /// is not in the list `link_modules!()` exports: say which, and why.
    pub(crate) fn warn_unnameable(&mut self) {
        for m in &self.modules {
            let nameable = self.app_crates.iter().any(|(krate, _)| {
                crate::artifacts::path_from(&m.naming, m.binary, krate).is_some()
            });
            if !nameable {
                self.warnings.push(format!(
                    "module \"{}\" ({}) is not in `Registry::global()` on this target: it has no \
                     linker sections, so `link_modules!()` lists the modules by path, and no crate \
                     of the application can name `{}` (make it and its modules `pub`, and its crate \
                     a direct dependency), or use `modules![...]`",
                    m.name, m.type_name, m.type_name
                ));
            }
        }
    }

    /// Whether there is no error: no graph finding and no source error.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && self.source_errors.is_empty()
    }

    /// The graph findings, with the same text `Registry::validate()` gives for the same graph.
    pub fn errors(&self) -> &[ValidationError] {
        &self.errors
    }

    /// Files that do not parse and attributes the derive rejects.
    pub fn source_errors(&self) -> &[SourceError] {
        &self.source_errors
    }

    /// Non-fatal findings, e.g. a dependency that could not be read; `run()` prints each as a
    /// `cargo:warning=`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Every module found, by package then file order.
    pub fn modules(&self) -> &[ScannedModule] {
        &self.modules
    }

    /// Every file the check read (`cargo:rerun-if-changed` lines).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The boot order (dependencies first, ties broken by name); empty when there are errors.
    pub fn boot_order(&self) -> impl Iterator<Item = &ScannedModule> + '_ {
        self.boot_order.iter().map(|&i| &self.modules[i])
    }

    /// The errors the way rustc prints its own, sorted by file, line and column, then a
    /// summary line; colour off. Empty when [`Report::is_ok`].
    pub fn render(&self) -> String {
        let mut entries: Vec<(Option<&Location>, String)> = Vec::new();
        for e in &self.source_errors {
            entries.push((Some(&e.site), self.render_source_error(e)));
        }
        for e in &self.errors {
            entries.push((e.site(), self.render_error(e)));
        }
        // Sorted by place; errors without one go last.
        entries.sort_by(|a, b| match (a.0, b.0) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        let mut out = String::new();
        for (_, text) in &entries {
            out.push_str(text);
            out.push_str("\n\n");
        }
        match entries.len() {
            0 => {}
            1 => out.push_str("error: aborting due to 1 previous error\n"),
            n => out.push_str(&format!("error: aborting due to {n} previous errors\n")),
        }
        out
    }

    fn render_source_error(&self, e: &SourceError) -> String {
        let title = Level::Error.title(&e.message);
        let message = match self.annotation(&e.site, Some(e.end)) {
            Some((source, line_start, range)) => title.snippet(
                Snippet::source(source)
                    .line_start(line_start)
                    .origin(e.site.file())
                    .fold(true)
                    .annotation(Level::Error.span(range)),
            ),
            None => title,
        };
        Renderer::plain().render(message).to_string()
    }

    fn render_error(&self, e: &ValidationError) -> String {
        let headline = e.to_string();
        let notes = e.notes();
        let help = e.help();
        let labels = self.labels(e);
        let mut snippets = Vec::new();
        for (i, (site, label)) in labels.iter().enumerate() {
            let Some((source, line_start, range)) = self.annotation(site, None) else {
                continue;
            };
            // A secondary label: `-` underline and no prefix, as rustc draws them.
            let level = if i == 0 { Level::Error } else { Level::Warning };
            snippets.push(
                Snippet::source(source)
                    .line_start(line_start)
                    .origin(site.file())
                    .fold(true)
                    .annotation(level.span(range).label(label)),
            );
        }
        let message = Level::Error
            .title(&headline)
            .id(e.code())
            .snippets(snippets)
            .footers(notes.iter().map(|n| Level::Note.title(n)))
            .footer(Level::Help.title(&help));
        let rendered = Renderer::plain().render(message).to_string();
        rendered
    }

    /// The places an error involves, primary first, each with its label.
    fn labels(&self, e: &ValidationError) -> Vec<(Location, String)> {
        match e {
            ValidationError::Cycle { hops } => hops
                .iter()
                .map(|h| (h.site, format!("`{}` depends on `{}` here", h.from, h.to)))
                .collect(),
            ValidationError::MissingDependency {
                module,
                dependency,
                site,
                ..
            } => vec![(*site, format!("`{module}` depends on `{dependency}` here"))],
            ValidationError::UnsatisfiedVersion {
                dependency,
                requirement,
                found,
                site,
                ..
            } => {
                let mut out = vec![(*site, format!("requires `{dependency}` {requirement}"))];
                if let Some(m) = self.targets.get(site).map(|&i| &self.modules[i]) {
                    let at = m.version_site.as_ref().unwrap_or(&m.site);
                    out.push((*at, format!("`{dependency}` is {found}")));
                }
                out
            }
            ValidationError::DuplicateName {
                name,
                first,
                second,
            } => vec![
                (*second, format!("`{name}` defined again here")),
                (*first, "first defined here".to_owned()),
            ],
            ValidationError::MissingCapability {
                capability, site, ..
            } => vec![(*site, format!("requires `{capability}`"))],
            other => other
                .site()
                .map(|s| (*s, String::new()))
                .into_iter()
                .collect(),
        }
    }

    /// The file's text, its first line number, and the byte range to underline: from the
    /// site to `end` when given, else the identifier that starts there.
    fn annotation(
        &self,
        site: &Location,
        end: Option<(u32, u32)>,
    ) -> Option<(&str, usize, std::ops::Range<usize>)> {
        let text = self.sources.get(site.file())?;
        let start = offset(text, site.line(), site.column())?;
        let stop = match end {
            Some((line, column)) if (line, column) > (site.line(), site.column()) => {
                offset(text, line, column).unwrap_or(start + 1)
            }
            // A string literal, to its closing quote (a capability, a version).
            _ if text[start..].starts_with('"') => {
                let mut escaped = false;
                let close = text[start + 1..].char_indices().find(|&(_, c)| {
                    let done = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    done
                });
                close.map_or(start + 1, |(i, _)| start + 1 + i + 1)
            }
            _ => {
                let ident = text[start..]
                    .char_indices()
                    .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
                    .map_or(text.len() - start, |(i, _)| i);
                start + ident.max(text[start..].chars().next().map_or(0, char::len_utf8))
            }
        };
        Some((text.as_str(), 1, start..stop.min(text.len())))
    }
}

/// The byte offset of a 1-based line and 1-based character column.
fn offset(text: &str, line: u32, column: u32) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line as usize - 2)?.0 + 1
    };
    let rest = &text[line_start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + within)
}
