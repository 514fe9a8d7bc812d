//! Rules that look at more than one key, each opened by the sentence it enforces.

use std::collections::BTreeMap;

use module_registry_core::name::is_valid_name;
use quote::ToTokens;

use crate::ast::Input;
use crate::errors::Errors;

/// Every rule of one input that spans several keys; each error goes into `cx`.
pub fn check(cx: &mut Errors, input: &Input<'_>) {
    check_default_name(cx, input);
    check_duplicate_dependencies(cx, input);
    check_self_dependency(cx, input);
    check_duplicate_words(cx, input);
    check_duplicate_provides(cx, input);
}

/// Without a `name` key, the struct's kebab-case name must itself be a valid module name.
fn check_default_name(cx: &mut Errors, input: &Input<'_>) {
    if input.attrs.name.value.is_none() && !is_valid_name(&input.name()) {
        cx.error(input.ident.span(), format_args!("invalid module name `{}` derived from `{}`: add `#[module(name = \"...\")]` with lowercase words joined by `-`", input.name(), input.ident));
    }
}

/// A type appears at most once across `depends_on` and `optional`.
fn check_duplicate_dependencies(cx: &mut Errors, input: &Input<'_>) {
    if input.attrs.dependencies().nth(1).is_none() {
        return;
    }
    let mut seen = BTreeMap::new();
    for dep in input.attrs.dependencies() {
        let key = path_key(&dep.path);
        if let Some(first_optional) = seen.insert(key.clone(), dep.optional) {
            let place = match (first_optional, dep.optional) {
                (false, false) => "twice in `depends_on`",
                (true, true) => "twice in `optional`",
                _ => "in both `depends_on` and `optional`",
            };
            cx.error_spanned(
                &dep.path,
                format_args!("duplicate dependency `{key}`: listed {place}"),
            );
        }
    }
}

/// A path as written, without spaces: `crate::a::B`. Built from the identifiers when there are
/// no generic arguments (the common case; printing tokens costs far more).
fn path_key(path: &syn::Path) -> String {
    if path.segments.iter().any(|s| !s.arguments.is_none()) {
        return path.to_token_stream().to_string().replace(' ', "");
    }
    let mut key = String::new();
    if path.leading_colon.is_some() {
        key.push_str("::");
    }
    for (i, segment) in path.segments.iter().enumerate() {
        if i > 0 {
            key.push_str("::");
        }
        key.push_str(&segment.ident.to_string());
    }
    key
}

/// A module cannot depend on itself.
fn check_self_dependency(cx: &mut Errors, input: &Input<'_>) {
    for dep in input.attrs.dependencies() {
        if dep.path.is_ident(input.ident) || dep.path.is_ident("Self") {
            cx.error_spanned(
                &dep.path,
                format_args!(
                    "dependency cycle: {0} -> {0}: module `{1}` cannot depend on itself",
                    input.name(),
                    input.ident
                ),
            );
        }
    }
}

/// A capability is listed at most once in `capabilities` and at most once in `requires`.
fn check_duplicate_words(cx: &mut Errors, input: &Input<'_>) {
    for (key, slot) in [
        ("capabilities", &input.attrs.capabilities),
        ("requires", &input.attrs.requires),
    ] {
        // One word cannot repeat; reading a literal's value decodes it again.
        if slot.value.as_ref().is_none_or(|words| words.len() < 2) {
            continue;
        }
        let mut seen = std::collections::BTreeSet::new();
        for word in slot.value.iter().flatten() {
            if !seen.insert(word.value()) {
                cx.error(
                    word.span(),
                    format_args!("duplicate capability `{}` in `{key}`", word.value()),
                );
            }
        }
    }
}

/// A trait object is listed at most once in `provides`.
fn check_duplicate_provides(cx: &mut Errors, input: &Input<'_>) {
    if input
        .attrs
        .provides
        .value
        .as_ref()
        .is_none_or(|ts| ts.len() < 2)
    {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for t in input.attrs.provides.value.iter().flatten() {
        let text = t.to_token_stream().to_string();
        if !seen.insert(text.clone()) {
            cx.error_spanned(t, format_args!("duplicate trait `{text}` in `provides`"));
        }
    }
}
