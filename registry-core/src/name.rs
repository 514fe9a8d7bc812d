//! The rule of names: module names, capabilities and dependency names.

/// What a valid name looks like, for messages.
pub const NAME_RULE: &str = "1 to 64 characters, lowercase words of [a-z0-9] joined by `-`";

/// Whether `name` is a valid module name or capability: 1 to 64 characters, `[a-z0-9]` words
/// joined by single `-`.
pub fn is_valid_name(name: &str) -> bool {
    /// 1 for `[a-z0-9]`, 2 for `-`, 0 for anything else.
    const CLASS: [u8; 256] = {
        let mut class = [0u8; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            class[c] = if b.is_ascii_lowercase() || b.is_ascii_digit() {
                1
            } else if b == b'-' {
                2
            } else {
                0
            };
            c += 1;
        }
        class
    };
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 64 {
        return false;
    }
    // One pass without early exits (names are short): a byte outside the classes, or a `-`
    // after a `-`, marks the name bad; a leading `-` counts as following one.
    let mut bad = 0u8;
    let mut prev = 2u8;
    for &c in b {
        let class = CLASS[c as usize];
        bad |= u8::from(class == 0) | (class & prev & 2);
        prev = class;
    }
    bad == 0 && prev != 2
}

/// The default name of a module: the kebab-case of its struct name. `HttpServer` →
/// `http-server`, `HTTPCache` → `http-cache`, `Storage2` → `storage2`, `r#Type` → `type`.
pub fn kebab_case(ident: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass name rule agrees with its definition (words of `[a-z0-9]` joined by single
    /// `-`, 1 to 64 characters) on every string of up to 6 characters over a mixed alphabet.
    #[test]
    fn name_rule_agrees_with_its_definition() {
        let by_definition = |name: &str| {
            !name.is_empty()
                && name.len() <= 64
                && name.split('-').all(|w| {
                    !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                })
        };
        let alphabet = ["a", "z", "0", "9", "-", "A", "_", " ", "é"];
        let mut words = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = words
                .iter()
                .filter(|w| w.chars().count() == words.last().unwrap().chars().count())
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(longer);
        }
        assert!(words.len() > 500_000);
        for w in &words {
            assert_eq!(is_valid_name(w), by_definition(w), "{w:?}");
        }
        // Longer names, over several words: valid names of 7 to 70 characters (words joined by
        // single `-`), half of them with one character replaced by any of the alphabet.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n) as usize
        };
        let (mut valid, mut total) = (0, 0);
        for _ in 0..200_000 {
            let len = 7 + next(64);
            let mut w: Vec<char> = Vec::with_capacity(len);
            while w.len() < len {
                if !w.is_empty() && w.len() + 1 < len && next(5) == 0 && w[w.len() - 1] != '-' {
                    w.push('-');
                } else {
                    w.push(['a', 'k', 'z', '0', '5', '9'][next(6)]);
                }
            }
            if next(2) == 0 {
                let i = next(len as u64);
                w[i] = alphabet[next(alphabet.len() as u64)]
                    .chars()
                    .next()
                    .unwrap();
            }
            let w: String = w.into_iter().collect();
            assert_eq!(is_valid_name(&w), by_definition(&w), "{w:?}");
            valid += usize::from(by_definition(&w));
            total += 1;
        }
        assert!(
            valid > total / 3 && valid < total * 9 / 10,
            "{valid} of {total}"
        );
        for (name, valid) in [
            ("a".repeat(64), true),
            ("a".repeat(65), false),
            (format!("{}-b", "a".repeat(62)), true),
            (format!("{}-b", "a".repeat(63)), false),
        ] {
            assert_eq!(is_valid_name(&name), valid, "{name}");
        }
    }

    #[test]
    fn kebab_case_splits_words_and_acronyms() {
        for (ident, name) in [
            ("HttpServer", "http-server"),
            ("HTTPCache", "http-cache"),
            ("Storage2", "storage2"),
            ("r#Type", "type"),
            ("snake_case_name", "snake-case-name"),
        ] {
            assert_eq!(kebab_case(ident), name);
        }
    }
}
