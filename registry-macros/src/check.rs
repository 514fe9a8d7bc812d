//! Rules that look at more than one key, each opened by the sentence it enforces.

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::ast::Input;
use crate::attr;
use crate::errors::Errors;

pub(crate) fn check(cx: &mut Errors, input: &Input<'_>) {
    check_default_name(cx, input);
    check_duplicate_dependencies(cx, input);
    check_self_dependency(cx, input);
    check_duplicate_words(cx, input);
    check_duplicate_provides(cx, input);
}

/// Without a `name` key, the struct's kebab-case name must itself be a valid module name.
fn check_default_name(cx: &mut Errors, input: &Input<'_>) {
    if input.attrs.name.value.is_none() && !attr::is_valid_word(&input.name()) {
        cx.error(input.ident.span(), format_args!("invalid module name `{}` derived from `{}`: add `#[module(name = \"...\")]` with lowercase words joined by `-`", input.name(), input.ident));
    }
}

/// A type appears at most once across `depends_on` and `optional`.
fn check_duplicate_dependencies(cx: &mut Errors, input: &Input<'_>) {
    let mut seen = BTreeMap::new();
    for dep in input.attrs.dependencies() {
        let key = dep.path.to_token_stream().to_string();
        if let Some(first_optional) = seen.insert(key.clone(), dep.optional) {
            let place = match (first_optional, dep.optional) {
                (false, false) => "twice in `depends_on`",
                (true, true) => "twice in `optional`",
                _ => "in both `depends_on` and `optional`",
            };
            cx.error_spanned(
                &dep.path,
                format_args!(
                    "duplicate dependency `{}`: listed {place}",
                    key.replace(' ', "")
                ),
            );
        }
    }
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
    let mut seen = std::collections::BTreeSet::new();
    for t in input.attrs.provides.value.iter().flatten() {
        let text = t.to_token_stream().to_string();
        if !seen.insert(text.clone()) {
            cx.error_spanned(t, format_args!("duplicate trait `{text}` in `provides`"));
        }
    }
}
