//! The requirement matcher against `semver`: for every requirement and version `semver`
//! parses, the matcher (over comparators written out, as the derive writes them, and kept in
//! a `semver::VersionReq`, as the dynamic registry keeps them) answers as
//! `semver::VersionReq::matches`.

use module_registry_core::req::{matches_all, Comparator, VersionParts, VersionReq};

const OPS: [&str; 10] = ["", "=", ">", ">=", "<", "<=", "~", "^", "", "^"];
const PRES: [&str; 8] = [
    "",
    "-alpha",
    "-alpha.1",
    "-beta",
    "-1",
    "-0.a",
    "-alpha.10",
    "-rc.1",
];
const PARTS: [&str; 6] = ["0", "1", "2", "*", "x", "18446744073709551615"];

/// The first byte picks the input: even, raw text (`requirement\nversion`); odd, the rest
/// drives a small grammar of comparators and versions, so that bounds collide often.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (req, version) = if mode % 2 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        let (req, version) = text.split_once('\n').unwrap_or((text, "1.2.3"));
        (req.to_owned(), version.to_owned())
    } else {
        generated(rest)
    };
    compare(&req, &version);
}

fn generated(bytes: &[u8]) -> (String, String) {
    let mut bytes = bytes.iter().copied();
    let mut next = move || bytes.next().unwrap_or(0) as usize;
    let mut req = String::new();
    for k in 0..=next() % 3 {
        if k > 0 {
            req.push_str(", ");
        }
        req.push_str(OPS[next() % OPS.len()]);
        req.push_str(PARTS[next() % 3]);
        for _ in 0..next() % 3 {
            req.push('.');
            req.push_str(PARTS[next() % PARTS.len()]);
        }
        req.push_str(PRES[next() % PRES.len()]);
    }
    let version = format!(
        "{}.{}.{}{}",
        next() % 3,
        next() % 3,
        next() % 3,
        PRES[next() % PRES.len()]
    );
    (req, version)
}

/// Asserts that the matcher and `semver` agree on `req` and `version`.
pub fn compare(req: &str, version: &str) {
    let (Ok(parsed), Ok(v)) = (
        semver::VersionReq::parse(req),
        semver::Version::parse(version),
    ) else {
        return;
    };
    let expected = parsed.matches(&v);
    let parts = VersionParts::of(&v);
    let kept = VersionReq::from_semver(req, &parsed);
    assert_eq!(
        kept.matches(&parts),
        expected,
        "{req:?} on {version} (kept)"
    );
    assert_eq!(
        kept.matches_text(version),
        Some(expected),
        "{req:?} on {version} (text)"
    );
    let written: Option<Vec<Comparator<'_>>> = parsed
        .comparators
        .iter()
        .map(Comparator::from_semver)
        .collect();
    if let Some(written) = written {
        assert_eq!(
            matches_all(&written, &parts),
            expected,
            "{req:?} on {version} (written)"
        );
        let req_const = VersionReq::new(req, &written);
        assert_eq!(
            req_const.matches_const(&parts),
            expected,
            "{req:?} on {version} (const)"
        );
    }
}
