//! The one requirement matcher answers as `semver::VersionReq::matches` does, whether its
//! comparators were written out (as the derive writes them) or read from a parsed
//! `semver::VersionReq` (as the dynamic registry keeps them).

use module_registry_core::req::{matches_all, Comparator, VersionParts, VersionReq};

/// A deterministic generator (Knuth's MMIX LCG), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Every `major.minor.patch` below 3 with a spread of pre-releases, and a few far ones.
fn versions() -> Vec<semver::Version> {
    let mut out = Vec::new();
    for major in 0..3 {
        for minor in 0..3 {
            for patch in 0..3 {
                for pre in [
                    "",
                    "-alpha",
                    "-alpha.1",
                    "-alpha.beta",
                    "-beta",
                    "-1",
                    "-0.a",
                ] {
                    out.push(format!("{major}.{minor}.{patch}{pre}"));
                }
            }
        }
    }
    out.extend(
        [
            "1.2.3-alpha.10",
            "1.0.0+build.7",
            "10.20.30",
            "18446744073709551615.0.0",
        ]
        .map(String::from),
    );
    out.iter()
        .map(|t| semver::Version::parse(t).unwrap())
        .collect()
}

/// One to three comparators over small numbers, so that bounds, partial versions, wildcards
/// and pre-releases collide often.
fn requirement(rng: &mut Rng) -> String {
    let ops = ["", "", "=", ">", ">=", "<", "<=", "~", "^", "^"];
    let pres = ["", "", "", "-alpha", "-alpha.1", "-beta", "-1", "-0.a"];
    let mut text = String::new();
    for k in 0..=rng.below(3) {
        if k > 0 {
            text.push_str(", ");
        }
        text.push_str(rng.pick(&ops));
        text.push_str(&rng.below(3).to_string());
        match rng.below(6) {
            0 => {}
            1 => text.push_str(&format!(".{}", rng.pick(&["0", "1", "2", "*", "x"]))),
            2 => text.push_str(&format!(".{}.*", rng.below(3))),
            _ => {
                let (minor, patch) = (rng.below(3), rng.below(3));
                text.push_str(&format!(".{minor}.{patch}{}", rng.pick(&pres)));
            }
        }
    }
    text
}

#[test]
fn matcher_agrees_with_semver_on_random_requirements() {
    let mut rng = Rng(0x5eed);
    let versions = versions();
    let mut texts: Vec<String> = ["*", ">=1.0.0-alpha, <1.0.0, >1.0.0-alpha.1", "^0.0.1"]
        .map(String::from)
        .to_vec();
    texts.extend((0..4000).map(|_| requirement(&mut rng)));
    let mut pairs = 0;
    for text in &texts {
        let Ok(parsed) = semver::VersionReq::parse(text) else {
            continue;
        };
        let written: Vec<Comparator<'_>> = parsed
            .comparators
            .iter()
            .map(|c| Comparator::from_semver(c).unwrap())
            .collect();
        let kept = VersionReq::from_semver(text, &parsed);
        for v in &versions {
            let expected = parsed.matches(v);
            let parts = VersionParts::of(v);
            assert_eq!(matches_all(&written, &parts), expected, "{text:?} on {v}");
            assert_eq!(kept.matches(&parts), expected, "{text:?} on {v} (kept)");
            pairs += 1;
        }
    }
    assert!(pairs > 100_000, "only {pairs} pairs");
}
