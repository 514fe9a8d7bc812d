//! Every kind of refused registration, on a registry with a linked module and optional edges
//! waiting for names: the findings carry the codes and texts of the crate docs, nothing
//! observable changes, and afterwards the registry behaves as if the refused configurations
//! never came.

pub mod fixtures {
    pub mod upper;
}

use std::error::Error;

use fixtures::upper::AsciiUpper;
use module_registry::dynamic::DependencyConfig;
use module_registry::{
    modules, CustomDiscoveryStrategy, DiscoveryQuery, ModuleConfig, ModuleInfo, ModuleRegistry,
    ModuleType, RegistryError,
};
use module_registry_tests::inspect::{codes, names, refusal, snapshot};
use module_registry_tests::probe::{cfg, entries, opt, probe, Log};

type TestResult = Result<(), Box<dyn Error>>;

/// A refused configuration, the codes of its findings, and how its first finding starts.
type Case = (ModuleConfig, Vec<&'static str>, String);

/// The names and capabilities every snapshot asks about, present or not.
const PROBES: [&str; 12] = [
    "metrics",
    "session",
    "storage",
    "cache",
    "web",
    "reader",
    "picky",
    "locker",
    "selfish",
    "ascii-upper",
    "Cache",
    "x1",
];

/// `ascii-upper` (linked), `storage`, `cache` on `storage ^1.2` and waiting for `metrics ^1`,
/// and `web` on `cache`, waiting for `session` and `ascii-upper`, requiring `storage`.
fn populated(log: &Log) -> Result<ModuleRegistry, RegistryError> {
    let registry = ModuleRegistry::from_registry(&modules![AsciiUpper]);
    registry.register(
        probe("storage")
            .version("1.2.0")
            .kind(ModuleType::Storage)
            .cap("storage")
            .cap("persistence")
            .config(log),
    )?;
    registry.register(
        probe("cache")
            .version("0.3.1")
            .cap("cache")
            .dep(DependencyConfig::new("storage").with_version_req("^1.2"))
            .dep(opt("metrics").with_version_req("^1"))
            .config(log),
    )?;
    registry.register(
        probe("web")
            .dep("cache")
            .dep(opt("session"))
            .dep(opt("ascii-upper").with_version_req(">=2, <3"))
            .config(log)
            .add_required_capability("storage"),
    )?;
    Ok(registry)
}

/// Refuses each case, checking its codes, its first finding, and that the registry's snapshot
/// did not change.
fn assert_refused(registry: &ModuleRegistry, cases: Vec<Case>) {
    let before = snapshot(registry, &PROBES);
    for (config, want_codes, first_text) in cases {
        let name = config.name().to_owned();
        let got = refusal(registry, config);
        assert_eq!(codes(&got), want_codes, "{name}: {got:?}");
        assert!(got[0].1.starts_with(&first_text), "{name}: {got:?}");
        assert_eq!(
            snapshot(registry, &PROBES),
            before,
            "refusing {name:?} changed the registry"
        );
    }
}

fn invalid_names() -> Vec<Case> {
    let bad_name = |n: &str| {
        format!("invalid module name \"{n}\": expected 1 to 64 characters, lowercase words of [a-z0-9] joined by `-`")
    };
    let long = "a".repeat(65);
    [
        "Cache", &long, "a--b", "-a", "a-", "", "a_b", "caché", " web",
    ]
    .into_iter()
    .map(|n| (cfg(n, "1.0.0"), vec!["MR0008"], bad_name(n)))
    .collect()
}

fn invalid_versions() -> Vec<Case> {
    let mut cases: Vec<Case> = [
        ("1.x", "invalid version \"1.x\" for module \"x1\": "),
        ("", "invalid version \"\" for module \"x1\": "),
        ("v1.0.0", "invalid version \"v1.0.0\""),
        ("01.0.0", "invalid version \"01.0.0\""),
        ("1.0", "invalid version \"1.0\""),
    ]
    .into_iter()
    .map(|(v, text)| (cfg("x1", v), vec!["MR0007"], text.to_owned()))
    .collect();
    cases.push((
        cfg("x1", "1.0.0").add_dependency(DependencyConfig::new("storage").with_version_req("^^1")),
        vec!["MR0007"],
        "invalid version requirement \"^^1\" for module \"x1\": ".into(),
    ));
    cases.push((
        cfg("x1", "1.0.0").add_dependency(opt("nowhere").with_version_req(">=1 <2")),
        vec!["MR0007"],
        "invalid version requirement \">=1 <2\" for module \"x1\": ".into(),
    ));
    cases
}

fn duplicates_and_missing_dependencies() -> Vec<Case> {
    vec![
        (
            cfg("storage", "9.9.9"),
            vec!["MR0004"],
            "duplicate module name \"storage\": defined at <registered at run time> and at <registered at run time>".into(),
        ),
        (
            cfg("ascii-upper", "2.1.0"),
            vec!["MR0004"],
            "duplicate module name \"ascii-upper\": defined at ".into(),
        ),
        (
            cfg("reader", "1.0.0").add_dependency("nosuch"),
            vec!["MR0002"],
            "module \"reader\" depends on \"nosuch\", which is not in the registry".into(),
        ),
        // An optional edge waiting for a name does not put the name in the registry.
        (
            cfg("reader", "1.0.0").add_dependency("metrics"),
            vec!["MR0002"],
            "module \"reader\" depends on \"metrics\", which is not in the registry".into(),
        ),
    ]
}

fn unmet_requirements() -> Vec<Case> {
    vec![
        (
            cfg("picky", "1.0.0")
                .add_dependency(DependencyConfig::new("storage").with_version_req("^2")),
            vec!["MR0003"],
            "module \"picky\" requires \"storage\" ^2, but found \"storage\" 1.2.0".into(),
        ),
        (
            cfg("picky", "1.0.0").add_dependency(opt("ascii-upper").with_version_req("~2.0")),
            vec!["MR0003"],
            "module \"picky\" requires \"ascii-upper\" ~2.0, but found \"ascii-upper\" 2.1.0"
                .into(),
        ),
        // On a waiting edge: `cache` waits for `metrics ^1`.
        (
            cfg("metrics", "2.0.0"),
            vec!["MR0003"],
            "module \"cache\" requires \"metrics\" ^1, but found \"metrics\" 2.0.0".into(),
        ),
        (
            cfg("metrics", "1.0.0-rc.1"),
            vec!["MR0003"],
            "module \"cache\" requires \"metrics\" ^1, but found \"metrics\" 1.0.0-rc.1".into(),
        ),
    ]
}

fn cycles_and_missing_capabilities() -> Vec<Case> {
    vec![
        (
            cfg("session", "1.0.0").add_dependency("web"),
            vec!["MR0001"],
            "dependency cycle: session -> web -> session".into(),
        ),
        (
            cfg("metrics", "2.0.0").add_dependency("web"),
            vec!["MR0003", "MR0001"],
            "module \"cache\" requires \"metrics\" ^1, but found \"metrics\" 2.0.0".into(),
        ),
        (
            cfg("locker", "1.0.0").add_required_capability("encryption"),
            vec!["MR0005"],
            "capability \"encryption\" required by \"locker\" is not provided by any module".into(),
        ),
        (
            cfg("selfish", "1.0.0").add_dependency("selfish"),
            vec!["MR0001"],
            "dependency cycle: selfish -> selfish".into(),
        ),
        (
            cfg("reader", "1.0.0")
                .add_dependency("nosuch")
                .add_dependency(DependencyConfig::new("storage").with_version_req("<1.2"))
                .add_required_capability("encryption"),
            vec!["MR0002", "MR0003", "MR0005"],
            "module \"reader\" depends on \"nosuch\", which is not in the registry".into(),
        ),
    ]
}

#[test]
fn invalid_names_are_refused_and_change_nothing() -> TestResult {
    assert_refused(&populated(&Log::default())?, invalid_names());
    Ok(())
}

#[test]
fn invalid_versions_and_requirements_are_refused_and_change_nothing() -> TestResult {
    assert_refused(&populated(&Log::default())?, invalid_versions());
    Ok(())
}

#[test]
fn duplicates_and_missing_dependencies_are_refused_and_change_nothing() -> TestResult {
    assert_refused(
        &populated(&Log::default())?,
        duplicates_and_missing_dependencies(),
    );
    Ok(())
}

#[test]
fn unmet_requirements_on_direct_and_waiting_edges_are_refused_and_change_nothing() -> TestResult {
    assert_refused(&populated(&Log::default())?, unmet_requirements());
    Ok(())
}

#[test]
fn cycles_and_missing_capabilities_are_refused_and_change_nothing() -> TestResult {
    let registry = populated(&Log::default())?;
    assert_refused(&registry, cycles_and_missing_capabilities());
    // The cycle found together with the version problem is the one through the new module.
    let got = refusal(&registry, cfg("metrics", "2.0.0").add_dependency("web"));
    assert_eq!(
        got[1].1,
        "dependency cycle: cache -> metrics -> web -> cache"
    );
    Ok(())
}

#[test]
fn a_refusal_prints_the_way_the_build_check_does() -> TestResult {
    let registry = populated(&Log::default())?;
    let before = snapshot(&registry, &PROBES);
    // Headline with the code, then notes, then help.
    let err = registry
        .register(cfg("reader", "1.0.0").add_dependency("nosuch"))
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "module \"reader\" refused: 1 module graph error:\nerror[MR0002]: module \"reader\" depends on \"nosuch\", which is not in the registry\n"
        ),
        "{err}"
    );
    let report = err.validation_errors().unwrap().errors()[0].report();
    assert!(
        report.lines().last().unwrap().starts_with("  help: "),
        "{report}"
    );
    assert_eq!(snapshot(&registry, &PROBES), before);
    Ok(())
}

/// The registry after every refusal above, and the refused names registered for real.
fn refused_then_registered(log: &Log) -> Result<ModuleRegistry, RegistryError> {
    let registry = populated(log)?;
    for cases in [
        invalid_names(),
        invalid_versions(),
        duplicates_and_missing_dependencies(),
        unmet_requirements(),
        cycles_and_missing_capabilities(),
    ] {
        assert_refused(&registry, cases);
    }
    registry.register(probe("metrics").version("1.4.0").config(log))?;
    registry.register(probe("session").config(log))?;
    registry.register(probe("reader").dep("storage").config(log))?;
    Ok(registry)
}

#[test]
fn after_refusals_the_refused_names_register_for_real() -> TestResult {
    let registry = refused_then_registered(&Log::default())?;
    assert_eq!(
        names(&registry.modules()),
        [
            "ascii-upper",
            "storage",
            "cache",
            "web",
            "metrics",
            "session",
            "reader"
        ],
        "linked first, then in registration order"
    );
    registry.validate()?;
    Ok(())
}

#[test]
fn after_refusals_waiting_edges_resolve_to_the_modules_registered_for_real() -> TestResult {
    let log = Log::default();
    let web = refused_then_registered(&log)?.create("web")?;
    assert_eq!(
        web.modules().collect::<Vec<_>>(),
        [
            "ascii-upper",
            "metrics",
            "session",
            "storage",
            "cache",
            "web"
        ]
    );
    // Through each declared dependency, in declaration order; the linked one uppercases.
    assert_eq!(web.process(b">")?, b">|STORAGE|METRICS|CACHE|SESSION|web");
    let creates: Vec<String> = entries(&log)
        .into_iter()
        .filter(|l| l.starts_with("create"))
        .collect();
    assert_eq!(
        creates,
        [
            "create metrics []",
            "create session []",
            "create storage []",
            "create cache [storage,metrics]",
            "create web [cache,session,ascii-upper]",
        ]
    );
    Ok(())
}

/// MR0005 counts what registered and linked modules provide, and what the module provides
/// itself; not what a discovery strategy merely describes; a provider that registers later
/// makes the same registration pass.
#[test]
fn required_capabilities_count_registered_linked_and_own_providers_only() -> TestResult {
    struct Describes;
    impl CustomDiscoveryStrategy for Describes {
        fn discover(&self, _: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
            Ok(vec![ModuleInfo::from_config(
                cfg("elsewhere", "1.0.0").add_capability("encryption"),
            )?])
        }
    }
    let registry = ModuleRegistry::new().add_custom_discovery_strategy(Box::new(Describes));
    assert_eq!(
        names(&registry.discover(DiscoveryQuery::new().with_name_pattern("elsewhere"))?),
        ["elsewhere"]
    );
    let needy = || {
        cfg("needy", "1.0.0")
            .add_required_capability("encryption")
            .add_required_capability("uppercase")
            .add_required_capability("selfmade")
            .add_capability("selfmade")
    };
    let before = snapshot(&registry, &["needy", "encryption"]);
    assert_eq!(
        refusal(&registry, needy()),
        [(
            "MR0005",
            "capability \"encryption\" required by \"needy\" is not provided by any module"
                .to_owned()
        )]
    );
    assert_eq!(snapshot(&registry, &["needy", "encryption"]), before);
    registry.register(cfg("lock", "1.0.0").add_capability("encryption"))?;
    let info = registry.register(needy())?;
    assert_eq!(
        info.required_capabilities().collect::<Vec<_>>(),
        ["encryption", "uppercase", "selfmade"]
    );
    registry.validate()?;
    Ok(())
}
