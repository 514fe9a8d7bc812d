//! Parses `#[module(...)]` into [`Attrs`].
//!
//! Parsers return no `Result`: every problem is pushed into [`Errors`] and parsing goes on with
//! the next key, so the user sees every bad key at once.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenTree};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::discouraged::Speculative;
use syn::parse::ParseStream;
use syn::{LitStr, Token};

use module_registry_core::name::{is_valid_name, NAME_RULE};

use crate::errors::Errors;
use crate::symbol::*;

/// A key's value with the key as written, for "duplicate" errors.
pub struct Slot<T> {
    /// The key, once written.
    pub key: Option<Ident>,
    /// Its value, when it parsed.
    pub value: Option<T>,
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
pub struct VersionLit {
    /// The literal, for spans.
    pub lit: LitStr,
    /// The parsed version.
    pub version: semver::Version,
}

/// A string from a list (`capabilities`, `requires`) or the `name` key.
pub type Word = LitStr;

/// `Type` or `Type = "requirement"` in `depends_on` / `optional`.
pub struct DepEntry {
    /// The module type as written.
    pub path: syn::Path,
    /// The requirement after `=`, parsed.
    pub req: Option<ReqLit>,
    /// Listed under `optional`.
    pub optional: bool,
}

/// A version requirement literal and what `semver` parsed of it.
pub struct ReqLit {
    /// The literal, for spans.
    pub lit: LitStr,
    /// The text of the literal.
    pub text: String,
    /// The parsed requirement.
    pub req: semver::VersionReq,
}

/// `kind = Variant` or `kind = Custom("text")`.
pub enum Kind {
    /// `kind = Storage`: one of [`crate::symbol::KINDS`].
    Variant(Ident),
    /// `kind = Custom("text")`.
    Custom(LitStr),
}

/// Everything `#[module(...)]` said; `None` slots take their defaults in `expand`.
#[derive(Default)]
pub struct Attrs {
    /// `name = "..."`.
    pub name: Slot<Word>,
    /// `version = "..."`.
    pub version: Slot<VersionLit>,
    /// `kind = ...`.
    pub kind: Slot<Kind>,
    /// `capabilities = [...]`.
    pub capabilities: Slot<Vec<Word>>,
    /// `requires = [...]`.
    pub requires: Slot<Vec<Word>>,
    /// `depends_on = [...]`.
    pub depends_on: Slot<Vec<DepEntry>>,
    /// `optional = [...]`.
    pub optional: Slot<Vec<DepEntry>>,
    /// `provides = [dyn Trait, ...]`.
    pub provides: Slot<Vec<syn::TypeTraitObject>>,
    /// `create = path`, or `create = async path`.
    pub create: Slot<syn::Path>,
    /// The `async` of `create = async path`.
    pub create_async: Option<Token![async]>,
    /// The `lifecycle` flag, or `lifecycle = async`.
    pub lifecycle: Slot<()>,
    /// The `async` of `lifecycle = async`.
    pub lifecycle_async: Option<Token![async]>,
    /// `description = "..."`.
    pub description: Slot<LitStr>,
    /// Keys whose value did not parse, `*` when a whole attribute did not: the fallback
    /// expansion must not guess at them, or rustc adds follow-up errors.
    pub unparsed: BTreeSet<String>,
}

impl Attrs {
    /// The dependencies, required then optional.
    pub fn dependencies(&self) -> impl Iterator<Item = &DepEntry> {
        let req = self.depends_on.value.iter().flatten();
        req.chain(self.optional.value.iter().flatten())
    }

    /// Whether the `lifecycle` flag was written.
    pub fn has_lifecycle(&self) -> bool {
        self.lifecycle.key.is_some()
    }

    /// Whether a hook is async: `create = async path` or `lifecycle = async`.
    pub fn is_async(&self) -> bool {
        self.create_async.is_some() || self.lifecycle_async.is_some()
    }

    /// Whether `key`'s value (or the whole attribute) did not parse.
    pub fn is_unparsed(&self, key: &str) -> bool {
        self.unparsed.contains(key) || self.unparsed.contains("*")
    }
}

/// Parses every `#[module(...)]` attribute of `attrs`.
pub fn parse(cx: &mut Errors, attrs: &[syn::Attribute]) -> Attrs {
    let mut out = Attrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident(MODULE)) {
        if let syn::Meta::Path(_) = attr.meta {
            continue; // a bare `#[module]` says nothing
        }
        let result = attr.parse_nested_meta(|meta| {
            if let Err(e) = parse_key(cx, &mut out, &meta) {
                cx.push(e);
                skip_value(meta.input);
                let key = meta.path.get_ident().map(Ident::to_string);
                out.unparsed.extend(key);
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.push(e);
            out.unparsed.insert("*".to_owned());
            // Keys after the error were not read; a `lifecycle` flag among them still counts.
            if let syn::Meta::List(list) = &attr.meta {
                let flag = list.tokens.clone().into_iter().find_map(|tt| match tt {
                    TokenTree::Ident(i) if i == LIFECYCLE => Some(i),
                    _ => None,
                });
                if let (Some(flag), false) = (flag, out.has_lifecycle()) {
                    out.lifecycle.set(cx, &flag, ());
                }
            }
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
            let lit = string(value(meta, "name = \"cache\"")?, "name = \"cache\"")?;
            if !is_valid_name(&lit.value()) {
                cx.error(
                    lit.span(),
                    format_args!(
                        "invalid module name `{}`: expected {NAME_RULE}",
                        lit.value()
                    ),
                );
            }
            out.name.set(cx, key, lit);
        }
        // #[module(version = "1.2.0")]
        VERSION => {
            let lit = string(value(meta, "version = \"1.2.0\"")?, "version = \"1.2.0\"")?;
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
            let input = value(meta, "kind = Storage")?;
            if !input.peek(syn::Ident) {
                return Err(input.error(format_args!(
                    "expected a module kind, as in `kind = Storage`; one of {}, or `Custom(\"text\")`",
                    list(KINDS)
                )));
            }
            let ident: Ident = input.parse()?;
            if ident == "Custom" {
                let example = "kind = Custom(\"scheduler\")";
                if !input.peek(syn::token::Paren) {
                    return Err(input.error(format_args!(
                        "expected `(\"text\")` after `Custom`, as in `{example}`"
                    )));
                }
                let lit = parenthesized(input, |content| string(content, example))?;
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
            let example = format!("{key} = [\"storage\"]");
            let words = bracketed(value(meta, &example)?, key, |input| string(input, &example))?;
            for w in &words {
                if !is_valid_name(&w.value()) {
                    cx.error(
                        w.span(),
                        format_args!("invalid capability `{}`: expected {NAME_RULE}", w.value()),
                    );
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
            let example = format!("{key} = [Storage]");
            let entries = bracketed(value(meta, &example)?, key, |input| {
                parse_dep(cx, input, key, optional)
            })?;
            let slot = if optional {
                &mut out.optional
            } else {
                &mut out.depends_on
            };
            slot.set(cx, key, entries);
        }
        // #[module(provides = [dyn CacheApi])]
        PROVIDES => {
            let example = "provides = [dyn CacheApi]";
            let traits = bracketed(value(meta, example)?, key, |input| {
                let ty: syn::Type = input.parse()?;
                match ty {
                    syn::Type::TraitObject(t) if t.dyn_token.is_some() => {
                        marker_bounds(&t)?;
                        Ok(t)
                    }
                    other => Err(syn::Error::new_spanned(
                        other,
                        "expected a trait object, as in `provides = [dyn CacheApi]`",
                    )),
                }
            })?;
            out.provides.set(cx, key, traits);
        }
        // #[module(create = Cache::new)] or #[module(create = async Cache::new)]
        CREATE => {
            let input = value(meta, "create = Cache::new")?;
            let asyncness: Option<Token![async]> = input.parse()?;
            if !(input.peek(Ident::peek_any) || input.peek(Token![::])) {
                return Err(match asyncness {
                    Some(_) => input.error(
                        "expected a path to an async function after `async`, as in `create = async Cache::new`",
                    ),
                    None => input.error("expected a path to a function, as in `create = Cache::new`"),
                });
            }
            let path: syn::Path = input.parse()?;
            if out.create.key.is_none() {
                out.create_async = asyncness;
            }
            out.create.set(cx, key, path);
        }
        // #[module(lifecycle)] or #[module(lifecycle = async)]
        LIFECYCLE => {
            // The flag counts even with a value, so the error is not followed by a conflict
            // between the user's `impl Lifecycle` and the default one.
            let first = out.lifecycle.key.is_none();
            out.lifecycle.set(cx, key, ());
            let fork = meta.input.fork();
            let is_async = fork.parse::<Token![=]>().is_ok()
                && fork.parse::<Token![async]>().is_ok()
                && (fork.is_empty() || fork.peek(Token![,]));
            if is_async {
                meta.input.parse::<Token![=]>()?;
                let asyncness: Token![async] = meta.input.parse()?;
                if first {
                    out.lifecycle_async = Some(asyncness);
                }
            } else if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
                return Err(meta.error("`lifecycle` is a flag: write `lifecycle` (the type implements `Lifecycle`) or `lifecycle = async` (it implements `AsyncLifecycle`)"));
            }
        }
        // #[module(description = "text")]
        DESCRIPTION => {
            let example = "description = \"Keeps bytes\"";
            let lit = string(value(meta, example)?, example)?;
            out.description.set(cx, key, lit);
        }
        other => {
            // A misspelt key probably meant the guess: the fallback does not guess its value,
            // and a misspelt `lifecycle` flag still counts, for the same reason as above.
            let guess = did_you_mean(other, KEYS);
            out.unparsed.extend(guess.map(str::to_owned));
            let flag = meta.input.is_empty() || meta.input.peek(Token![,]);
            if flag && guess == Some(LIFECYCLE) && !out.has_lifecycle() {
                out.lifecycle.set(cx, key, ());
            }
            return Err(meta.error(unknown_key(other)));
        }
    }
    Ok(())
}

fn parse_dep(
    cx: &mut Errors,
    input: ParseStream<'_>,
    key: &Ident,
    optional: bool,
) -> syn::Result<DepEntry> {
    if input.peek(LitStr) {
        return Err(input.error(format_args!(
            "expected a module type, as in `{key} = [Storage]`: dependencies are types, not names"
        )));
    }
    if !(input.peek(Ident::peek_any) || input.peek(Token![::])) {
        return Err(input.error(format_args!(
            "expected a module type, as in `{key} = [Storage]`"
        )));
    }
    let path: syn::Path = input.parse()?;
    let req = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let lit = string(input, &format!("{key} = [Storage = \"^1.2\"]"))?;
        let text = lit.value();
        match semver::VersionReq::parse(&text) {
            Ok(req) => Some(ReqLit { lit, text, req }),
            Err(e) => {
                cx.error(lit.span(), format_args!("invalid version requirement `{text}`: {e}; expected e.g. \"^1.2\" or \">=1.0, <2\""));
                None
            }
        }
    } else {
        None
    };
    Ok(DepEntry {
        path,
        req,
        optional,
    })
}

/// `provides = [dyn Api + Send]`: `Runtime::all::<dyn Api>()` looks an entry up by its exact
/// type, so the extra bounds would hide it. Every module is `Send + Sync` already, so the
/// entry is the trait alone; an error at the first extra bound says so.
fn marker_bounds(t: &syn::TypeTraitObject) -> syn::Result<()> {
    let mut traits = t.bounds.iter().filter_map(|b| match b {
        syn::TypeParamBound::Trait(tr) => Some(tr),
        _ => None,
    });
    let first = traits.next();
    let extra = t.bounds.iter().nth(1);
    match (first, extra) {
        (Some(first), Some(extra)) => {
            let name = quote::ToTokens::to_token_stream(&first.path)
                .to_string()
                .replace(' ', "");
            Err(syn::Error::new_spanned(
                extra,
                format_args!(
                    "write `provides = [dyn {name}]`: an entry is found by its exact type \
                     (`runtime.all::<dyn {name}>()`), and every module is `Send + Sync` already"
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// The value of a `key = value`, or an error at the key that shows how to write it.
fn value<'a>(meta: &'a ParseNestedMeta<'_>, example: &str) -> syn::Result<ParseStream<'a>> {
    if meta.input.peek(Token![=]) {
        meta.value()
    } else {
        Err(meta.error(format_args!("expected a value, as in `{example}`")))
    }
}

/// A string literal, or an error at the next token that shows how to write it.
fn string(input: ParseStream<'_>, example: &str) -> syn::Result<LitStr> {
    // Parsed on a fork, then the stream moves past it: one reading of the literal's text, where
    // `peek` then `parse` read it twice (the build check parses every attribute of a program,
    // unoptimized as cargo builds build-script dependencies). A literal of another kind leaves
    // the stream where it was, for the error.
    let fork = input.fork();
    match fork.parse::<LitStr>() {
        Ok(lit) if !lit.suffix().is_empty() => Err(syn::Error::new(
            lit.span(),
            format_args!(
                "unexpected suffix `{}` on a string literal: write `\"{}\"`",
                lit.suffix(),
                lit.value()
            ),
        )),
        Ok(lit) => {
            input.advance_to(&fork);
            Ok(lit)
        }
        Err(_) => Err(input.error(format_args!("expected a string literal, as in `{example}`"))),
    }
}

/// `[item, item, ...]`; `[value]` is suggested when the brackets are missing around one value.
fn bracketed<T>(
    input: ParseStream<'_>,
    key: &Ident,
    mut item: impl FnMut(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<Vec<T>> {
    if !input.peek(syn::token::Bracket) {
        let fork = input.fork();
        let one = fork
            .parse::<TokenTree>()
            .ok()
            .filter(|_| fork.is_empty() || fork.peek(Token![,]));
        return Err(match one {
            Some(tt) => input.error(format_args!(
                "expected a list in brackets: `{key} = [{tt}]`"
            )),
            None => input.error(format_args!("expected a list in brackets: `{key} = [...]`")),
        });
    }
    let content;
    syn::bracketed!(content in input);
    let result = (|| {
        let mut out = Vec::new();
        while !content.is_empty() {
            out.push(item(&content)?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        Ok(out)
    })();
    drain(&content, result)
}

/// `( item )`.
fn parenthesized<T>(
    input: ParseStream<'_>,
    item: impl FnOnce(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<T> {
    let content;
    syn::parenthesized!(content in input);
    let result = item(&content).and_then(|value| {
        if content.is_empty() {
            Ok(value)
        } else {
            Err(content.error("expected `)`"))
        }
    });
    drain(&content, result)
}

/// After an error inside a delimited group, consumes the rest of it: syn reports leftover tokens
/// as a second, "unexpected token" error.
fn drain<T>(content: ParseStream<'_>, result: syn::Result<T>) -> syn::Result<T> {
    if result.is_err() {
        let _ = content.parse::<proc_macro2::TokenStream>();
    }
    result
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
pub fn did_you_mean<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (key.len() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(key, c), *c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, where swapping two neighbours is one edit (`nmae` -> `name`).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        d[i][0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
