//! The derive input as the later stages read it, borrowing the syn tree.

use proc_macro2::Ident;

use crate::attr::{self, Attrs};
use crate::errors::Errors;

/// A struct with `#[derive(Module)]`.
pub(crate) struct Input<'a> {
    /// The syn tree, for spans.
    pub(crate) original: &'a syn::DeriveInput,
    pub(crate) ident: &'a Ident,
    pub(crate) attrs: Attrs,
    /// The doc comment, lines joined with `\n`.
    pub(crate) doc: String,
}

impl<'a> Input<'a> {
    /// Reads the input; `None` when it is not a struct (nothing later stages could read).
    pub(crate) fn from_syn(cx: &mut Errors, node: &'a syn::DeriveInput) -> Option<Self> {
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

    pub(crate) fn is_generic(&self) -> bool {
        !self.original.generics.params.is_empty() || self.original.generics.where_clause.is_some()
    }

    /// The module name: the `name` key or the kebab-case of the struct name.
    pub(crate) fn name(&self) -> String {
        match &self.attrs.name.value {
            Some(lit) => lit.value(),
            None => attr::kebab_case(&self.ident.to_string()),
        }
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
