//! The derive input as the later stages read it, borrowing the syn tree.

use proc_macro2::Ident;

use module_registry_core::name::kebab_case;
use module_registry_core::version::ModuleType;

use crate::attr::{self, Attrs, DepEntry, Kind};
use crate::errors::Errors;

/// A struct with `#[derive(Module)]`.
pub struct Input<'a> {
    /// The syn tree, for spans.
    pub original: &'a syn::DeriveInput,
    /// The struct's name.
    pub ident: &'a Ident,
    /// What `#[module(...)]` said.
    pub attrs: Attrs,
    /// The doc comment, lines joined with `\n`.
    pub doc: String,
}

impl<'a> Input<'a> {
    /// Reads the input; `None` when it is not a struct (nothing later stages could read).
    pub fn from_syn(cx: &mut Errors, node: &'a syn::DeriveInput) -> Option<Self> {
        match &node.data {
            syn::Data::Struct(_) => {}
            syn::Data::Enum(e) => {
                cx.error(
                    e.enum_token.span,
                    format_args!("only structs can be modules; `{}` is an enum", node.ident),
                );
                return None;
            }
            syn::Data::Union(u) => {
                cx.error(
                    u.union_token.span,
                    format_args!("only structs can be modules; `{}` is a union", node.ident),
                );
                return None;
            }
        }
        if let Some(param) = node.generics.params.first() {
            cx.error_spanned(param, format_args!("a module cannot be generic: `{}` has one `'static` descriptor, so it cannot have type, lifetime or const parameters", node.ident));
        } else if let Some(clause) = &node.generics.where_clause {
            cx.error_spanned(
                clause,
                "a module cannot be generic: remove the `where` clause",
            );
        }
        let attrs = attr::parse(cx, &node.attrs);
        Some(Input {
            original: node,
            ident: &node.ident,
            attrs,
            doc: doc_comment(&node.attrs),
        })
    }

    /// Whether the struct has generic parameters or a `where` clause (an error).
    pub fn is_generic(&self) -> bool {
        !self.original.generics.params.is_empty() || self.original.generics.where_clause.is_some()
    }

    /// The module name: the `name` key or the kebab-case of the struct name.
    pub fn name(&self) -> String {
        match &self.attrs.name.value {
            Some(lit) => lit.value(),
            None => kebab_case(&self.ident.to_string()),
        }
    }
}

/// A module as the derive and the build check both read it: every default resolved.
pub struct Resolved<'a> {
    /// The `name` key, or the kebab-case of the struct name.
    pub name: String,
    /// The `version` key, or the default version given (the crate's).
    pub version: semver::Version,
    /// The `kind` key, or `Service`.
    pub kind: ModuleType,
    /// Provided capabilities.
    pub capabilities: Vec<String>,
    /// Required capabilities.
    pub requires: Vec<String>,
    /// `depends_on`, then `optional`.
    pub dependencies: Vec<&'a DepEntry>,
    /// `provides = [dyn Trait]` entries, as written (`dyn CacheApi`).
    pub provides: Vec<String>,
    /// The `description` key, or the doc comment.
    pub description: String,
}

impl Input<'_> {
    /// The module with every default resolved; `default_version` is the defining crate's
    /// version, used when there is no `version` key.
    pub fn resolve(&self, default_version: impl FnOnce() -> semver::Version) -> Resolved<'_> {
        let attrs = &self.attrs;
        let words = |slot: &Option<Vec<syn::LitStr>>| -> Vec<String> {
            slot.iter().flatten().map(syn::LitStr::value).collect()
        };
        Resolved {
            name: self.name(),
            version: match &attrs.version.value {
                Some(v) => v.version.clone(),
                None => default_version(),
            },
            kind: match &attrs.kind.value {
                None => ModuleType::Service,
                Some(Kind::Variant(v)) => kind_variant(&v.to_string()),
                Some(Kind::Custom(text)) => ModuleType::custom(text.value()),
            },
            capabilities: words(&attrs.capabilities.value),
            requires: words(&attrs.requires.value),
            dependencies: attrs.dependencies().collect(),
            provides: attrs
                .provides
                .value
                .iter()
                .flatten()
                .map(|t| quote::ToTokens::to_token_stream(t).to_string())
                .collect(),
            description: match &attrs.description.value {
                Some(lit) => lit.value(),
                None => self.doc.clone(),
            },
        }
    }
}

/// The kind a `kind = Variant` names; the grammar accepts only the variants of
/// [`crate::symbol::KINDS`].
fn kind_variant(name: &str) -> ModuleType {
    match name {
        "DataProcessor" => ModuleType::DataProcessor,
        "Storage" => ModuleType::Storage,
        "Network" => ModuleType::Network,
        "Security" => ModuleType::Security,
        "Monitoring" => ModuleType::Monitoring,
        _ => ModuleType::Service,
    }
}

fn doc_comment(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(syn::MetaNameValue {
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }),
            ..
        }) = &attr.meta
        {
            let line = s.value();
            lines.push(
                line.strip_prefix(' ')
                    .unwrap_or(&line)
                    .trim_end()
                    .to_owned(),
            );
        }
    }
    lines.join("\n").trim().to_owned()
}
