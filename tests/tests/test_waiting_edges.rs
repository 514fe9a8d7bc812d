//! Optional dependencies on names not registered yet ("waiting edges"): their requirements and
//! the cycles they would close are checked when the name registers, with the same meaning as on
//! a direct edge; a refused candidate resolves nothing; a good one resolves every waiting edge.

use std::error::Error;

use module_registry::dynamic::DependencyConfig;
use module_registry::{ModuleInfo, ModuleRegistry, RegistryError};
use module_registry_tests::inspect::{codes, refusal, snapshot};
use module_registry_tests::probe::{cfg, entries, opt, probe, Log};
use module_registry_tests::rng::{shuffle, tiny_rng};

type TestResult = Result<(), Box<dyn Error>>;

/// `a` waits for `x ^2`, `b` for any `x`, `c` needs `b`, `d` waits for `x >=2.0.0, <3` and `y`.
fn four_waiting_modules(log: &Log) -> Result<ModuleRegistry, RegistryError> {
    let registry = ModuleRegistry::empty();
    registry.register(probe("a").dep(opt("x").with_version_req("^2")).config(log))?;
    registry.register(probe("b").dep(opt("x")).config(log))?;
    registry.register(probe("c").dep("b").config(log))?;
    registry.register(
        probe("d")
            .dep(opt("x").with_version_req(">=2.0.0, <3"))
            .dep(opt("y"))
            .config(log),
    )?;
    Ok(registry)
}

/// Candidates for `x` and `y` that fail a requirement, close a cycle, or both: each refused with
/// every finding, and the registry unchanged.
fn assert_bad_candidates_refused(registry: &ModuleRegistry, log: &Log) {
    let probes = ["a", "b", "c", "d", "x", "y"];
    let before = snapshot(registry, &probes);
    let got = refusal(registry, probe("x").config(log).add_dependency("c"));
    assert_eq!(
        got,
        [
            (
                "MR0003",
                "module \"a\" requires \"x\" ^2, but found \"x\" 1.0.0".to_owned()
            ),
            (
                "MR0003",
                "module \"d\" requires \"x\" >=2.0.0, <3, but found \"x\" 1.0.0".to_owned()
            ),
            ("MR0001", "dependency cycle: b -> x -> c -> b".to_owned()),
        ]
    );
    let got = refusal(registry, probe("x").version("2.5.0").dep("c").config(log));
    assert_eq!(
        got,
        [("MR0001", "dependency cycle: b -> x -> c -> b".to_owned())]
    );
    let got = refusal(registry, probe("x").version("3.0.0").config(log));
    assert_eq!(codes(&got), ["MR0003", "MR0003"]);
    let got = refusal(registry, probe("x").version("2.0.0-alpha").config(log));
    assert_eq!(codes(&got), ["MR0003", "MR0003"]);
    // `y` must not be resolved by a refused module that depends on it either.
    let got = refusal(registry, probe("y").dep("d").config(log));
    assert_eq!(
        got,
        [("MR0001", "dependency cycle: d -> y -> d".to_owned())]
    );
    assert_eq!(snapshot(registry, &probes), before);
}

#[test]
fn candidates_for_a_waited_name_are_refused_with_every_finding() -> TestResult {
    let log = Log::default();
    assert_bad_candidates_refused(&four_waiting_modules(&log)?, &log);
    Ok(())
}

#[test]
fn after_refusals_one_good_candidate_resolves_every_waiting_edge() -> TestResult {
    let log = Log::default();
    let registry = four_waiting_modules(&log)?;
    assert_bad_candidates_refused(&registry, &log);
    registry.register(probe("x").version("2.1.0").config(&log))?;
    registry.register(probe("y").config(&log))?;
    registry.validate()?;
    for (root, order) in [
        ("a", &["x", "a"][..]),
        ("c", &["x", "b", "c"]),
        ("d", &["x", "y", "d"]),
    ] {
        let instance = registry.create(root)?;
        assert_eq!(instance.modules().collect::<Vec<_>>(), order, "{root}");
    }
    let creates: Vec<String> = entries(&log)
        .into_iter()
        .filter(|l| {
            l.starts_with("create a") || l.starts_with("create b") || l.starts_with("create d")
        })
        .collect();
    assert_eq!(creates, ["create a [x]", "create b [x]", "create d [x,y]"]);
    Ok(())
}

/// Every finding has one line per hop of the chain that explains why the module is needed: for
/// a requirement that fails on a waiting edge, that `d` needs `a`, which needs `x ^2`.
#[test]
fn a_waiting_edge_refusal_explains_why_the_dependent_is_needed() {
    let registry = ModuleRegistry::empty();
    registry
        .register(cfg("a", "1.0.0").add_dependency(opt("x").with_version_req("^2")))
        .unwrap();
    registry
        .register(cfg("d", "1.0.0").add_dependency("a"))
        .unwrap();
    let err = registry.register(cfg("x", "1.0.0")).unwrap_err();
    let finding = &err.validation_errors().unwrap().errors()[0];
    assert_eq!(
        finding.notes(),
        [
            "d needs a  (<registered at run time>)",
            "a needs x ^2  (<registered at run time>)"
        ]
    );
}

const WAITERS: usize = 400;
const TARGETS: usize = 53;

/// `w-000` to `w-399`, each waiting for a target `t-NN` (every third with `^1`) and for its
/// own `u-NNN`.
fn waiters(log: &Log) -> Result<ModuleRegistry, RegistryError> {
    let registry = ModuleRegistry::empty();
    for i in 0..WAITERS {
        let mut t = opt(&format!("t-{:02}", i % TARGETS));
        if i % 3 == 0 {
            t = t.with_version_req("^1");
        }
        registry.register(
            probe(&format!("w-{i:03}"))
                .dep(t)
                .dep(opt(&format!("u-{i:03}")))
                .config(log),
        )?;
    }
    Ok(registry)
}

/// Registers every waited name in a shuffled order, each after a candidate that fails a
/// requirement or closes a cycle was refused; every eighth time, on a registry whose cached
/// name order exists, checks that the refusal left every answer as it was.
fn register_each_after_a_refusal(registry: &ModuleRegistry, log: &Log) -> TestResult {
    let mut next = tiny_rng(0xdead_beef_cafe_f00d);
    let mut later: Vec<String> = (0..TARGETS)
        .map(|t| format!("t-{t:02}"))
        .chain((0..WAITERS).map(|i| format!("u-{i:03}")))
        .collect();
    shuffle(&mut later, &mut next);
    for (step, name) in later.iter().enumerate() {
        let probes = [name.as_str(), "t-00", "w-000"];
        let before = (step % 8 == 0).then(|| snapshot(registry, &probes));
        if name.starts_with("t-") {
            // Every target has a waiter that requires ^1 (53 and 3 are coprime).
            let got = refusal(registry, probe(name).version("2.0.0").config(log));
            assert!(got.iter().all(|f| f.0 == "MR0003"), "{got:?}");
        } else {
            let i = &name[2..];
            let got = refusal(registry, probe(name).dep(format!("w-{i}")).config(log));
            let cycle = format!("dependency cycle: {name} -> w-{i} -> {name}");
            assert_eq!(got, [("MR0001", cycle)]);
        }
        // The answers are the same as before the refusal, including those that follow the
        // cached name order the snapshot's large queries built.
        if let Some(before) = before {
            assert_eq!(snapshot(registry, &probes), before, "{name}");
        }
        registry.register(probe(name).version("1.5.0").config(log))?;
    }
    Ok(())
}

#[test]
fn waiting_edges_at_scale_resolve_after_interleaved_refusals() -> TestResult {
    let log = Log::default();
    let registry = waiters(&log)?;
    register_each_after_a_refusal(&registry, &log)?;
    registry.validate()?;
    assert_eq!(registry.len(), WAITERS + TARGETS + WAITERS);
    for i in 0..WAITERS {
        let instance = registry.create(&format!("w-{i:03}"))?;
        assert_eq!(
            instance.modules().collect::<Vec<_>>(),
            [
                format!("t-{:02}", i % TARGETS),
                format!("u-{i:03}"),
                format!("w-{i:03}")
            ],
        );
    }
    Ok(())
}

const VERSIONS: [&str; 15] = [
    "0.0.0",
    "0.0.3",
    "0.2.5",
    "1.0.0",
    "1.2.0",
    "1.2.3",
    "1.2.3-alpha.1",
    "1.2.3-rc.2",
    "1.2.3-rc.10",
    "1.2.3+build.7",
    "1.2.4-beta",
    "1.3.0",
    "2.0.0-0",
    "2.0.0",
    "18446744073709551615.0.0",
];

const REQUIREMENTS: [&str; 36] = [
    "^1.2",
    "~1.2.3",
    ">=1.2.3, <1.3",
    "1.2.*",
    "1.*",
    "*",
    "x",
    "X",
    " * ",
    "1.x",
    "1.X.x",
    "=1.2.3-alpha.1",
    ">1.2.3-alpha.1",
    "<1.2.3",
    "<=1.2",
    ">1",
    "^0.2.3",
    "^0.0.3",
    "^0",
    "~0",
    "~1",
    "1.2.3-rc.1",
    ">= 1.2.0 , < 2.0.0-0",
    "=1.2.3+build.7",
    "^1.2.3-beta.2",
    "0.0.*",
    "<1.2.3-rc",
    ">=1.2.3-rc.10",
    "~1.2.3-beta",
    "<2, >=1.0.0-alpha",
    "=1.2",
    ">=18446744073709551615",
    "<0.0.1",
    "^1.2.3, ^1.2.4-beta",
    "~1.2.4-alpha",
    ">=2.0.0-0",
];

/// Expectations taken from semver's rules: pre-releases match only through a comparator on the
/// same `major.minor.patch` with a pre-release.
const EXPECTED: [(&str, &str, bool); 27] = [
    ("^1.2", "1.3.0", true),
    ("^1.2", "2.0.0", false),
    ("^1.2", "1.2.3-alpha.1", false),
    ("~1.2.3", "1.2.3+build.7", true),
    ("~1.2.3", "1.3.0", false),
    (">=1.2.3, <1.3", "1.2.4-beta", false),
    ("*", "2.0.0-0", false),
    ("*", "0.0.0", true),
    ("1.X.x", "1.3.0", true),
    ("=1.2.3-alpha.1", "1.2.3-alpha.1", true),
    (">1.2.3-alpha.1", "1.2.3-rc.2", true),
    (">1.2.3-alpha.1", "1.2.4-beta", false),
    ("^0.2.3", "0.2.5", true),
    ("^0.0.3", "0.0.3", true),
    ("^0.0.3", "0.0.0", false),
    ("1.2.3-rc.1", "1.2.3-rc.10", true),
    ("1.2.3-rc.1", "1.2.3", true),
    (">=1.2.3-rc.10", "1.2.3-rc.2", false),
    ("<1.2.3-rc", "1.2.3-alpha.1", true),
    (">= 1.2.0 , < 2.0.0-0", "2.0.0-0", false),
    (">= 1.2.0 , < 2.0.0-0", "1.3.0", true),
    ("=1.2", "1.2.3", true),
    ("=1.2", "1.3.0", false),
    (">=18446744073709551615", "18446744073709551615.0.0", true),
    ("^1.2.3, ^1.2.4-beta", "1.2.4-beta", true),
    ("^1.2.3, ^1.2.4-beta", "1.2.3", false),
    (">=2.0.0-0", "2.0.0-0", true),
];

type Outcome = Result<(), Vec<&'static str>>;

fn outcome(r: Result<ModuleInfo, RegistryError>) -> Outcome {
    r.map(|_| ()).map_err(|e| {
        e.validation_errors()
            .unwrap_or_else(|| panic!("{e}"))
            .iter()
            .map(|f| f.code())
            .collect()
    })
}

/// What a requirement on `dep` at `version` gives.
struct Verdicts {
    /// A `dep` is registered; `user` requires it, directly.
    now: Outcome,
    /// The same, with the edge optional (`other`).
    now_optional: Outcome,
    /// `user` waits for `dep` on an optional edge, then `dep` registers.
    later: Outcome,
    direct: ModuleRegistry,
    waiting: ModuleRegistry,
}

fn verdicts(req: &str, version: &str) -> Verdicts {
    let direct = ModuleRegistry::empty();
    direct.register(cfg("dep", version)).unwrap();
    let edge = DependencyConfig::new("dep").with_version_req(req);
    let now = outcome(direct.register(cfg("user", "1.0.0").add_dependency(edge.clone())));
    let now_optional =
        outcome(direct.register(cfg("other", "1.0.0").add_dependency(edge.clone().optional())));
    let waiting = ModuleRegistry::empty();
    waiting
        .register(cfg("user", "1.0.0").add_dependency(edge.optional()))
        .unwrap();
    let later = outcome(waiting.register(cfg("dep", version)));
    Verdicts {
        now,
        now_optional,
        later,
        direct,
        waiting,
    }
}

/// On a direct edge a requirement is checked when the dependent registers, on a waiting edge
/// when the dependency registers later: both agree, required or optional, for every shape, and
/// `validate` agrees with every acceptance.
#[test]
fn every_requirement_shape_means_the_same_on_direct_and_waiting_edges() {
    for req in REQUIREMENTS {
        for version in VERSIONS {
            let v = verdicts(req, version);
            assert_eq!(
                v.now, v.later,
                "{req:?} on {version}: direct vs waiting edge"
            );
            assert_eq!(
                v.now, v.now_optional,
                "{req:?} on {version}: required vs optional"
            );
            assert!(
                v.now.as_ref().is_ok() || v.now == Err(vec!["MR0003"]),
                "{req:?} {version}: {:?}",
                v.now
            );
            v.direct
                .validate()
                .unwrap_or_else(|e| panic!("{req:?} on {version}: {e}"));
            v.waiting
                .validate()
                .unwrap_or_else(|e| panic!("{req:?} on {version}: {e}"));
        }
    }
}

#[test]
fn requirements_match_versions_as_semver_says() {
    for (req, version, want) in EXPECTED {
        assert!(REQUIREMENTS.contains(&req) && VERSIONS.contains(&version));
        assert_eq!(
            verdicts(req, version).now.is_ok(),
            want,
            "{req:?} on {version}"
        );
    }
}

#[test]
fn an_unmet_requirement_names_the_requirement_and_the_version_found() {
    for req in REQUIREMENTS {
        for version in VERSIONS {
            let v = verdicts(req, version);
            let Err(codes) = &v.now else { continue };
            assert_eq!(codes, &["MR0003"]);
            let edge = DependencyConfig::new("dep").with_version_req(req);
            let text = v
                .direct
                .register(cfg("user", "1.0.0").add_dependency(edge))
                .unwrap_err()
                .validation_errors()
                .unwrap()
                .errors()[0]
                .to_string();
            let found = v.direct.get("dep").unwrap().version().to_string();
            assert_eq!(
                text,
                format!("module \"user\" requires \"dep\" {req}, but found \"dep\" {found}")
            );
        }
    }
}
