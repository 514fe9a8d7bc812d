//! Evaluates `#[cfg(...)]` predicates and `[target.'cfg(...)'.dependencies]` keys with what a
//! build script knows: the target's `CARGO_CFG_*` variables and, for the application crate only,
//! its enabled features. Anything else is unknown, and an item gated on an unknown predicate is
//! "unseen": left out of the graph, and left to the boot-time twin.

use std::collections::{BTreeMap, BTreeSet};

use syn::punctuated::Punctuated;
use syn::{Meta, Token};

/// What is known about the compilation the build script belongs to.
#[derive(Clone, Debug, Default)]
pub(crate) struct CfgEnv {
    /// `CARGO_CFG_<KEY>` values, by lowercase key; `None` outside a build script.
    target: Option<BTreeMap<String, BTreeSet<String>>>,
    /// The `TARGET` triple.
    triple: Option<String>,
    /// Enabled features of the application crate (`CARGO_FEATURE_*`), when known.
    features: Option<BTreeSet<String>>,
}

/// Names rustc or cargo define, so that their absence from `CARGO_CFG_*` means "false".
fn is_builtin(name: &str) -> bool {
    name.starts_with("target_")
        || matches!(
            name,
            "unix"
                | "windows"
                | "panic"
                | "debug_assertions"
                | "overflow_checks"
                | "relocation_model"
                | "sanitize"
                | "ub_checks"
                | "fmt_debug"
                | "proc_macro"
        )
}

impl CfgEnv {
    /// Reads the environment of a build script. Features are taken only when `features` is true,
    /// that is, when the checked crate is the one this build script belongs to.
    pub(crate) fn from_env(features: bool) -> Self {
        let mut target: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut feats = BTreeSet::new();
        for (key, value) in std::env::vars() {
            if let Some(name) = key.strip_prefix("CARGO_CFG_") {
                if name == "FEATURE" {
                    continue; // features are per crate: read from CARGO_FEATURE_* below
                }
                let values = value
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned);
                target
                    .entry(name.to_ascii_lowercase())
                    .or_default()
                    .extend(values);
            } else if let Some(name) = key.strip_prefix("CARGO_FEATURE_") {
                feats.insert(name.to_owned());
            }
        }
        let known = !target.is_empty();
        CfgEnv {
            target: known.then_some(target),
            triple: std::env::var("TARGET").ok(),
            features: (known && features).then_some(feats),
        }
    }

    /// The same target, without the application's features (for dependency crates).
    pub(crate) fn without_features(&self) -> Self {
        CfgEnv {
            features: None,
            ..self.clone()
        }
    }

    /// Whether a feature of the application crate is enabled, when known.
    pub(crate) fn feature(&self, name: &str) -> Option<bool> {
        let key = name.to_ascii_uppercase().replace('-', "_");
        self.features.as_ref().map(|f| f.contains(&key))
    }

    /// Evaluates every `#[cfg]` of an item: `Some(true)` if compiled, `Some(false)` if not,
    /// `None` if unknown. `#[test]` functions count as `cfg(test)`.
    pub(crate) fn attrs(&self, attrs: &[syn::Attribute]) -> Option<bool> {
        let mut out = Some(true);
        for attr in attrs {
            let value = if attr.path().is_ident("cfg") {
                attr.parse_args::<Meta>().ok().and_then(|m| self.eval(&m))
            } else if attr.path().is_ident("test") {
                Some(false)
            } else {
                continue;
            };
            out = and(out, value);
        }
        out
    }

    /// The attributes rustc sees once every `#[cfg_attr(pred, attr, ...)]` is expanded: the
    /// inner attributes where `pred` holds, nothing where it does not. `None` when a predicate
    /// the check cannot evaluate guards a `module` or `derive` attribute: the item is then
    /// unknown (its module, its name, its version), never guessed.
    pub(crate) fn expand_cfg_attr(&self, attrs: &[syn::Attribute]) -> Option<Vec<syn::Attribute>> {
        let mut out = Vec::with_capacity(attrs.len());
        for attr in attrs {
            if !attr.path().is_ident("cfg_attr") {
                out.push(attr.clone());
                continue;
            }
            let args = attr
                .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .ok()?;
            let mut args = args.into_iter();
            let predicate = args.next()?;
            let inner: Vec<syn::Attribute> = args
                .map(|meta| syn::Attribute {
                    pound_token: attr.pound_token,
                    style: attr.style,
                    bracket_token: attr.bracket_token,
                    meta,
                })
                .collect();
            match self.eval(&predicate) {
                Some(true) => out.extend(self.expand_cfg_attr(&inner)?),
                Some(false) => {}
                None if inner.iter().any(|a| {
                    a.path().is_ident("module")
                        || a.path().is_ident("derive")
                        || a.path().is_ident("cfg_attr")
                }) =>
                {
                    return None
                }
                None => {}
            }
        }
        Some(out)
    }

    /// Evaluates a `[target.<key>.dependencies]` key: a `cfg(...)` or a target triple.
    pub(crate) fn target_key(&self, key: &str) -> Option<bool> {
        if key.starts_with("cfg(") {
            let meta: Meta = syn::parse_str(key).ok()?;
            let Meta::List(list) = meta else { return None };
            self.eval(&list.parse_args::<Meta>().ok()?)
        } else {
            self.triple.as_ref().map(|t| t == key)
        }
    }

    fn eval(&self, meta: &Meta) -> Option<bool> {
        match meta {
            Meta::List(list) => {
                let args = list
                    .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                    .ok()?;
                // Three-valued: an unknown operand does not end the walk, a decisive one does
                // not either (so `try_fold` would be wrong).
                if list.path.is_ident("all") {
                    let mut acc = Some(true);
                    for m in &args {
                        acc = and(acc, self.eval(m));
                    }
                    acc
                } else if list.path.is_ident("any") {
                    let mut acc = Some(false);
                    for m in &args {
                        acc = or(acc, self.eval(m));
                    }
                    acc
                } else if list.path.is_ident("not") && args.len() == 1 {
                    self.eval(&args[0]).map(|b| !b)
                } else {
                    None
                }
            }
            Meta::Path(path) => {
                let name = path.get_ident()?.to_string();
                match name.as_str() {
                    "test" | "doc" | "doctest" | "miri" => Some(false),
                    _ => self.lookup(&name, None),
                }
            }
            Meta::NameValue(nv) => {
                let name = nv.path.get_ident()?.to_string();
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(value),
                    ..
                }) = &nv.value
                else {
                    return None;
                };
                if name == "feature" {
                    return self.feature(&value.value());
                }
                self.lookup(&name, Some(&value.value()))
            }
        }
    }

    fn lookup(&self, name: &str, value: Option<&str>) -> Option<bool> {
        let target = self.target.as_ref()?;
        match target.get(name) {
            Some(values) => Some(value.is_none_or(|v| values.contains(v))),
            None if is_builtin(name) => Some(false),
            // A cfg set by some build script or RUSTFLAGS that we cannot see.
            None => None,
        }
    }
}

fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> CfgEnv {
        let mut target = BTreeMap::new();
        target.insert("unix".to_owned(), BTreeSet::new());
        target.insert(
            "target_os".to_owned(),
            ["linux".to_owned()].into_iter().collect(),
        );
        CfgEnv {
            target: Some(target),
            triple: Some("x86_64-unknown-linux-gnu".to_owned()),
            features: Some(["FAST".to_owned()].into_iter().collect()),
        }
    }

    fn eval(env: &CfgEnv, s: &str) -> Option<bool> {
        env.eval(&syn::parse_str(s).unwrap())
    }

    #[test]
    fn predicates() {
        let env = env();
        assert_eq!(eval(&env, "unix"), Some(true));
        assert_eq!(eval(&env, "windows"), Some(false));
        assert_eq!(eval(&env, "target_os = \"linux\""), Some(true));
        assert_eq!(eval(&env, "not(target_os = \"macos\")"), Some(true));
        assert_eq!(eval(&env, "test"), Some(false));
        assert_eq!(eval(&env, "feature = \"fast\""), Some(true));
        assert_eq!(eval(&env, "feature = \"slow\""), Some(false));
        assert_eq!(eval(&env, "custom"), None);
        assert_eq!(eval(&env, "any(custom, unix)"), Some(true));
        assert_eq!(eval(&env, "all(custom, unix)"), None);
        assert_eq!(eval(&env, "all(custom, windows)"), Some(false));
        assert_eq!(env.without_features().feature("fast"), None);
        assert_eq!(env.target_key("cfg(unix)"), Some(true));
        assert_eq!(env.target_key("x86_64-pc-windows-msvc"), Some(false));
        assert_eq!(CfgEnv::default().target_key("cfg(unix)"), None);
    }
}
