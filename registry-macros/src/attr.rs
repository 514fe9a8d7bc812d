//! Parses `#[module(...)]` into [`Attrs`].
//!
//! Parsers return no `Result`: every problem is pushed into [`Errors`] and parsing goes on with
//! the next key, so the user sees every bad key at once.

use proc_macro2::{Ident, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{LitStr, Token};

use crate::errors::Errors;
use crate::symbol::*;

/// A key's value with the key as written, for "duplicate" errors.
pub(crate) struct Slot<T> {
    pub(crate) key: Option<Ident>,
    pub(crate) value: Option<T>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            key: None,
            value: None,
        }
    }
}

impl<T> Slot<T> {
    fn set(&mut self, cx: &mut Errors, key: &Ident, value: T) {
        if self.key.is_some() {
            cx.error(
                key.span(),
                format_args!("duplicate module attribute `{key}`"),
            );
        } else {
            self.key = Some(key.clone());
            self.value = Some(value);
        }
    }
}

/// A validated semver literal.
pub(crate) struct VersionLit {
    #[cfg_attr(proc_macro, allow(dead_code))]
    pub(crate) lit: LitStr,
    pub(crate) version: semver::Version,
}

/// A string from a list (`capabilities`, `requires`) or the `name` key.
pub(crate) type Word = LitStr;

/// `Type` or `Type = "requirement"` in `depends_on` / `optional`.
pub(crate) struct DepEntry {
    pub(crate) path: syn::Path,
    pub(crate) req: Option<LitStr>,
    pub(crate) optional: bool,
}

/// `kind = Variant` or `kind = Custom("text")`.
pub(crate) enum Kind {
    Variant(Ident),
    Custom(LitStr),
}

/// Everything `#[module(...)]` said; `None` slots take their defaults in `expand`.
#[derive(Default)]
pub(crate) struct Attrs {
    pub(crate) name: Slot<Word>,
    pub(crate) version: Slot<VersionLit>,
    pub(crate) kind: Slot<Kind>,
    pub(crate) capabilities: Slot<Vec<Word>>,
    pub(crate) requires: Slot<Vec<Word>>,
    pub(crate) depends_on: Slot<Vec<DepEntry>>,
    pub(crate) optional: Slot<Vec<DepEntry>>,
    pub(crate) provides: Slot<Vec<syn::TypeTraitObject>>,
    pub(crate) create: Slot<syn::Path>,
    pub(crate) lifecycle: Slot<()>,
    pub(crate) description: Slot<LitStr>,
}

impl Attrs {
    /// The dependencies, required then optional.
    pub(crate) fn dependencies(&self) -> impl Iterator<Item = &DepEntry> {
        let req = self.depends_on.value.iter().flatten();
        req.chain(self.optional.value.iter().flatten())
    }

    pub(crate) fn has_lifecycle(&self) -> bool {
        self.lifecycle.key.is_some()
    }
}

/// Parses every `#[module(...)]` attribute of `attrs`.
pub(crate) fn parse(cx: &mut Errors, attrs: &[syn::Attribute]) -> Attrs {
    let mut out = Attrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident(MODULE)) {
        if let syn::Meta::Path(_) = attr.meta {
            continue; // a bare `#[module]` says nothing
        }
        let result = attr.parse_nested_meta(|meta| {
            if let Err(e) = parse_key(cx, &mut out, &meta) {
                cx.push(e);
                skip_value(meta.input);
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    out
}

fn parse_key(cx: &mut Errors, out: &mut Attrs, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let Some(key) = meta.path.get_ident() else {
        let path = quote::ToTokens::to_token_stream(&meta.path)
            .to_string()
            .replace(' ', "");
        return Err(meta.error(unknown_key(&path)));
    };
    match key.to_string().as_str() {
        // #[module(name = "kebab-case")]
        NAME => {
            let lit: LitStr = meta.value()?.parse()?;
            if !is_valid_word(&lit.value()) {
                cx.error(lit.span(), format_args!("invalid module name `{}`: expected 1 to 64 characters, lowercase words of [a-z0-9] joined by `-`", lit.value()));
            }
            out.name.set(cx, key, lit);
        }
        // #[module(version = "1.2.0")]
        VERSION => {
            let lit: LitStr = meta.value()?.parse()?;
            match semver::Version::parse(&lit.value()) {
                Ok(version) => out.version.set(cx, key, VersionLit { lit, version }),
                Err(e) => cx.error(
                    lit.span(),
                    format_args!(
                        "invalid version `{}`: {e}; expected a semantic version such as \"1.2.0\"",
                        lit.value()
                    ),
                ),
            }
        }
        // #[module(kind = Storage)] or #[module(kind = Custom("text"))]
        KIND => {
            let input = meta.value()?;
            let ident: Ident = input.parse()?;
            if ident == "Custom" {
                let content;
                syn::parenthesized!(content in input);
                let lit: LitStr = content.parse()?;
                out.kind.set(cx, key, Kind::Custom(lit));
            } else if KINDS.iter().any(|k| ident == k) {
                out.kind.set(cx, key, Kind::Variant(ident));
            } else {
                cx.error(
                    ident.span(),
                    format_args!(
                        "unknown module kind `{ident}`; expected one of {}, or `Custom(\"text\")`",
                        list(KINDS)
                    ),
                );
            }
        }
        // #[module(capabilities = ["a", "b"])], #[module(requires = ["a"])]
        CAPABILITIES | REQUIRES => {
            let words = bracketed(meta.value()?, |input| input.parse::<LitStr>())?;
            for w in &words {
                if !is_valid_word(&w.value()) {
                    cx.error(w.span(), format_args!("invalid capability `{}`: expected 1 to 64 characters, lowercase words of [a-z0-9] joined by `-`", w.value()));
                }
            }
            let slot = if key == CAPABILITIES {
                &mut out.capabilities
            } else {
                &mut out.requires
            };
            slot.set(cx, key, words);
        }
        // #[module(depends_on = [Storage, Metrics = "^1.2"])], same for `optional`
        DEPENDS_ON | OPTIONAL => {
            let optional = key == OPTIONAL;
            let entries = bracketed(meta.value()?, |input| parse_dep(cx, input, optional))?;
            let slot = if optional {
                &mut out.optional
            } else {
                &mut out.depends_on
            };
            slot.set(cx, key, entries);
        }
        // #[module(provides = [dyn CacheApi])]
        PROVIDES => {
            let traits = bracketed(meta.value()?, |input| {
                let ty: syn::Type = input.parse()?;
                match ty {
                    syn::Type::TraitObject(t) if t.dyn_token.is_some() => Ok(t),
                    other => Err(syn::Error::new_spanned(
                        other,
                        "expected a trait object such as `dyn CacheApi` in `provides`",
                    )),
                }
            })?;
            out.provides.set(cx, key, traits);
        }
        // #[module(create = Cache::new)]
        CREATE => {
            let path: syn::Path = meta.value()?.parse()?;
            out.create.set(cx, key, path);
        }
        // #[module(lifecycle)]
        LIFECYCLE => {
            if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
                return Err(meta.error("`lifecycle` is a flag: write `lifecycle` alone, and implement `Lifecycle` for the type"));
            }
            out.lifecycle.set(cx, key, ());
        }
        // #[module(description = "text")]
        DESCRIPTION => {
            let lit: LitStr = meta.value()?.parse()?;
            out.description.set(cx, key, lit);
        }
        other => return Err(meta.error(unknown_key(other))),
    }
    Ok(())
}

fn parse_dep(cx: &mut Errors, input: ParseStream<'_>, optional: bool) -> syn::Result<DepEntry> {
    let path: syn::Path = input.parse()?;
    let req = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let lit: LitStr = input.parse()?;
        if let Err(e) = semver::VersionReq::parse(&lit.value()) {
            cx.error(lit.span(), format_args!("invalid version requirement `{}`: {e}; expected e.g. \"^1.2\" or \">=1.0, <2\"", lit.value()));
        }
        Some(lit)
    } else {
        None
    };
    Ok(DepEntry {
        path,
        req,
        optional,
    })
}

fn bracketed<T>(
    input: ParseStream<'_>,
    mut item: impl FnMut(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<Vec<T>> {
    let content;
    syn::bracketed!(content in input);
    let mut out = Vec::new();
    while !content.is_empty() {
        out.push(item(&content)?);
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(out)
}

/// Skips the rest of a key's value, up to the next top-level `,`, after an error.
fn skip_value(input: ParseStream<'_>) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if let TokenTree::Punct(p) = &tt {
                if p.as_char() == ',' {
                    return Ok(((), rest));
                }
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

fn unknown_key(key: &str) -> String {
    match did_you_mean(key, KEYS) {
        Some(guess) => format!("unknown module attribute `{key}`; did you mean `{guess}`?"),
        None => format!(
            "unknown module attribute `{key}`; expected one of {}",
            list(KEYS)
        ),
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest candidate within an edit distance of a third of the key's length (at least 1).
pub(crate) fn did_you_mean<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (key.len() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(key, c), *c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// `[a-z0-9]` words joined by single `-`, 1 to 64 characters (the rule `graph::is_valid_name`
/// applies to names registered at run time).
pub(crate) fn is_valid_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `HttpServer` → `http-server`, `HTTPCache` → `http-cache`, `Storage2` → `storage2`.
pub(crate) fn kebab_case(ident: &str) -> String {
    let chars: Vec<char> = ident.trim_start_matches("r#").chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
            continue;
        }
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if (prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower))
                && !out.ends_with('-')
            {
                out.push('-');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.trim_end_matches('-').to_owned()
}
