//! The queries of `discover` and `discover_capabilities`.

use crate::descriptor::ModuleType;
use crate::dynamic::config::ModuleInfo;

/// Finds modules by name and kind: `registry.discover(query)`.
///
/// The name pattern is a substring match (`"processor"` matches `"data-processor"`); a pattern
/// with `*` matches the whole name, `*` standing for any run of characters (`"data-*"`,
/// `"*-processor"`). An empty query matches every module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiscoveryQuery {
    name_pattern: Option<String>,
    type_filter: Option<ModuleType>,
}

impl DiscoveryQuery {
    /// A query matching every module.
    pub fn new() -> Self {
        DiscoveryQuery::default()
    }

    /// Only modules whose name matches `pattern`.
    pub fn with_name_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.name_pattern = Some(pattern.into());
        self
    }

    /// Only modules of this kind.
    pub fn with_type_filter(mut self, kind: ModuleType) -> Self {
        self.type_filter = Some(kind);
        self
    }

    /// The name pattern, if set.
    pub fn name_pattern(&self) -> Option<&str> {
        self.name_pattern.as_deref()
    }

    /// The kind, if set.
    pub fn type_filter(&self) -> Option<&ModuleType> {
        self.type_filter.as_ref()
    }

    /// Whether `module` matches.
    pub fn matches(&self, module: &ModuleInfo) -> bool {
        self.matches_kind(&module.0.kind) && self.matches_name(&module.0.name)
    }

    /// Whether `name` matches the pattern, if there is one.
    pub(crate) fn matches_name(&self, name: &str) -> bool {
        self.name_pattern
            .as_deref()
            .is_none_or(|p| pattern_matches(p, name))
    }

    /// Whether `kind` is the type filter, if there is one.
    pub(crate) fn matches_kind(&self, kind: &ModuleType) -> bool {
        self.type_filter.as_ref().is_none_or(|t| t == kind)
    }
}

/// Substring match, or a whole-name match with `*` wildcards.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return contains(name.as_bytes(), pattern.as_bytes());
    }
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let mut parts: Vec<&str> = parts.collect();
    let last = parts.pop().unwrap_or("");
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// `name.contains(pattern)`, for the short strings module names are (at most 64 bytes): a
/// plain scan for the first byte, where `str::contains` sets up a general searcher per call,
/// which dominated `discover` over 10,000 names.
pub(crate) fn contains(name: &[u8], pattern: &[u8]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return true;
    };
    name.len() >= pattern.len()
        && (0..=name.len() - pattern.len())
            .any(|i| name[i] == first && name[i + 1..i + pattern.len()] == *rest)
}

/// Finds modules by capability: `registry.discover_capabilities(query)`.
///
/// A module matches when it provides every required capability; matches are ranked by how
/// many optional capabilities they provide (most first), then by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapabilityQuery {
    required: Vec<String>,
    optional: Vec<String>,
}

impl CapabilityQuery {
    /// A query matching every module.
    pub fn new() -> Self {
        CapabilityQuery::default()
    }

    /// Capabilities a module must provide (added to those already set).
    pub fn with_required_capabilities<S: AsRef<str>>(
        mut self,
        capabilities: impl IntoIterator<Item = S>,
    ) -> Self {
        extend_unique(&mut self.required, capabilities);
        self
    }

    /// Capabilities that rank a module higher (added to those already set).
    pub fn with_optional_capabilities<S: AsRef<str>>(
        mut self,
        capabilities: impl IntoIterator<Item = S>,
    ) -> Self {
        extend_unique(&mut self.optional, capabilities);
        self
    }

    /// The required capabilities.
    pub fn required_capabilities(&self) -> &[String] {
        &self.required
    }

    /// The optional capabilities.
    pub fn optional_capabilities(&self) -> &[String] {
        &self.optional
    }

    /// How many optional capabilities `module` provides, or `None` if it lacks a required one.
    pub fn score(&self, module: &ModuleInfo) -> Option<usize> {
        let e = &module.0;
        self.required
            .iter()
            .all(|c| e.has_capability(c))
            .then(|| self.optional.iter().filter(|c| e.has_capability(c)).count())
    }
}

fn extend_unique<S: AsRef<str>>(list: &mut Vec<String>, items: impl IntoIterator<Item = S>) {
    for item in items {
        let item = item.as_ref();
        if !list.iter().any(|x| x == item) {
            list.push(item.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{contains, pattern_matches};

    /// The scan agrees with `str::contains` on every pair of short strings over a small alphabet.
    #[test]
    fn contains_agrees_with_std() {
        let mut words = vec![String::new()];
        for len in 1..=5 {
            let mut n = 3usize.pow(len);
            while n > 0 {
                n -= 1;
                let mut k = n;
                words.push(
                    (0..len)
                        .map(|_| {
                            let c = ["a", "b", "-"][k % 3];
                            k /= 3;
                            c
                        })
                        .collect(),
                );
            }
        }
        for name in &words {
            for pattern in &words {
                assert_eq!(
                    contains(name.as_bytes(), pattern.as_bytes()),
                    name.contains(pattern.as_str()),
                    "{name:?} {pattern:?}"
                );
            }
        }
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("processor", "data-processor"));
        assert!(!pattern_matches("processor", "data-store"));
        assert!(pattern_matches("data-*", "data-processor"));
        assert!(!pattern_matches("data-*", "big-data-processor"));
        assert!(pattern_matches("*-processor", "data-processor"));
        assert!(pattern_matches("d*a*r", "data-processor"));
        assert!(!pattern_matches("a*a", "a"));
        assert!(pattern_matches("*", "anything"));
    }
}
