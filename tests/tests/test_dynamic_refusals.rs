//! Refused registrations: the same findings as the static checks, and a registry left exactly
//! as it was, also under concurrent writers. The linked modules of this file form broken graphs
//! on purpose; each test takes the part it needs.

use std::sync::Barrier;

use module_registry::dynamic::DependencyConfig;
use module_registry::{
    modules, Module, ModuleConfig, ModuleRegistry, Registry, RegistryError, ValidationError,
};

#[derive(Module, Default)]
#[module(version = "1.2.0")]
struct Storage;

#[derive(Module, Default)]
#[module(depends_on = [Storage])]
struct Reader;

#[derive(Module, Default)]
#[module(optional = [Bee])]
struct Ay;

#[derive(Module, Default)]
#[module(depends_on = [Ay])]
struct Bee;

#[derive(Module, Default)]
#[module(requires = ["encryption"])]
struct Needy;

fn config(name: &str) -> ModuleConfig {
    ModuleConfig::new().with_name(name).with_version("1.0.0")
}

/// `(code, text)` of each finding.
fn findings(errors: impl IntoIterator<Item = ValidationError>) -> Vec<(&'static str, String)> {
    errors
        .into_iter()
        .map(|e| (e.code(), e.to_string()))
        .collect()
}

fn refused(
    result: Result<module_registry::ModuleInfo, RegistryError>,
) -> Vec<(&'static str, String)> {
    match result {
        Err(RegistryError::Refused { errors, .. }) => findings(errors),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Everything observable about the registry's contents.
fn snapshot(registry: &ModuleRegistry) -> Vec<String> {
    registry
        .modules()
        .iter()
        .map(|m| {
            let deps: Vec<_> = m
                .dependencies()
                .iter()
                .map(|d| d.name().to_owned())
                .collect();
            format!(
                "{} {} {:?} {:?}",
                m.name(),
                m.version(),
                m.capabilities().collect::<Vec<_>>(),
                deps
            )
        })
        .collect()
}

fn static_findings(registry: Registry) -> Vec<(&'static str, String)> {
    findings(registry.validate().unwrap_err())
}

#[test]
fn unsatisfied_version_as_the_static_check_says() {
    let registry = ModuleRegistry::empty();
    registry
        .register(config("storage").with_version("1.2.0"))
        .unwrap();
    let before = snapshot(&registry);
    let got = refused(registry.register(
        config("cache").add_dependency(DependencyConfig::new("storage").with_version_req("^2")),
    ));
    // A derived module with this problem does not compile (the derive's const check), so the
    // static twin's text is the one of the error-code table.
    assert_eq!(
        got,
        [(
            "MR0003",
            "module \"cache\" requires \"storage\" ^2, but found \"storage\" 1.2.0".to_owned()
        )]
    );
    assert_eq!(snapshot(&registry), before);
}

#[test]
fn missing_dependency_as_the_static_check_says() {
    let registry = ModuleRegistry::empty();
    let got = refused(registry.register(config("reader").add_dependency("storage")));
    assert_eq!(got, static_findings(modules![Reader]));
    assert_eq!(
        got,
        [(
            "MR0002",
            "module \"reader\" depends on \"storage\", which is not in the registry".to_owned()
        )]
    );
    assert!(registry.is_empty());
}

#[test]
fn cycle_as_the_static_check_says() {
    let registry = ModuleRegistry::empty();
    registry
        .register(
            config("ay")
                .add_dependency(DependencyConfig::new("bee").optional())
                .with_factory(|_| Err("ay factory".into())),
        )
        .unwrap();
    let before = snapshot(&registry);
    let got = refused(registry.register(config("bee").add_dependency("ay")));
    assert_eq!(got, static_findings(modules![Ay, Bee]));
    assert_eq!(
        got,
        [("MR0001", "dependency cycle: ay -> bee -> ay".to_owned())]
    );
    assert_eq!(snapshot(&registry), before);
    // The refusal left "ay"'s optional edge waiting: a "bee" without the cycle resolves it.
    registry
        .register(config("bee").with_factory(|_| Err("bee factory".into())))
        .unwrap();
    let err = registry.create("ay").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("module \"bee\" failed in create: bee factory"),
        "{err}"
    );
    registry.validate().unwrap();
}

#[test]
fn self_dependency_is_a_cycle() {
    let registry = ModuleRegistry::empty();
    let got = refused(registry.register(config("ouroboros").add_dependency("ouroboros")));
    assert_eq!(
        got,
        [(
            "MR0001",
            "dependency cycle: ouroboros -> ouroboros".to_owned()
        )]
    );
    let got = refused(registry.register(
        config("ouroboros").add_dependency(DependencyConfig::new("ouroboros").optional()),
    ));
    assert_eq!(got[0].0, "MR0001");
    assert!(registry.is_empty());
}

#[test]
fn a_cycle_closed_by_a_registration_starts_at_the_smallest_name() {
    let registry = ModuleRegistry::empty();
    registry
        .register(config("zeta").add_dependency(DependencyConfig::new("alpha").optional()))
        .unwrap();
    let err = registry
        .register(config("alpha").add_dependency("zeta"))
        .unwrap_err();
    let e = &err.validation_errors().unwrap().errors()[0];
    assert_eq!(e.code(), "MR0001");
    assert_eq!(e.to_string(), "dependency cycle: alpha -> zeta -> alpha");
    assert!(registry.get("alpha").is_none());
}

#[test]
fn long_cycles_through_optional_edges() {
    let registry = ModuleRegistry::empty();
    registry
        .register(config("d").add_dependency(DependencyConfig::new("a").optional()))
        .unwrap();
    registry.register(config("c").add_dependency("d")).unwrap();
    registry.register(config("b").add_dependency("c")).unwrap();
    let got = refused(registry.register(config("a").add_dependency("b")));
    assert_eq!(
        got,
        [(
            "MR0001",
            "dependency cycle: a -> b -> c -> d -> a".to_owned()
        )]
    );
    // An optional edge's requirement binds the module that registers later.
    let registry = ModuleRegistry::empty();
    registry
        .register(
            config("user").add_dependency(
                DependencyConfig::new("lib")
                    .optional()
                    .with_version_req("^2"),
            ),
        )
        .unwrap();
    let got = refused(registry.register(config("lib")));
    assert_eq!(
        got,
        [(
            "MR0003",
            "module \"user\" requires \"lib\" ^2, but found \"lib\" 1.0.0".to_owned()
        )]
    );
    registry
        .register(config("lib").with_version("2.0.1"))
        .unwrap();
    registry.validate().unwrap();
}

#[test]
fn missing_capability_as_the_static_check_says() {
    let registry = ModuleRegistry::empty();
    let got = refused(registry.register(config("needy").add_required_capability("encryption")));
    assert_eq!(got, static_findings(modules![Needy]));
    registry
        .register(config("vault").add_capability("encryption"))
        .unwrap();
    registry
        .register(config("needy").add_required_capability("encryption"))
        .unwrap();
    // A module may provide what it requires.
    registry
        .register(
            config("selfish")
                .add_capability("zip")
                .add_required_capability("zip"),
        )
        .unwrap();
}

/// Capabilities follow the rule of names, which the derive enforces ("invalid capability"),
/// and the dynamic registry runs the same checks: on provided and required capabilities, and on
/// the names of dependencies.
#[test]
fn capability_strings_are_checked_like_names() {
    let registry = ModuleRegistry::empty();
    let refusal =
        |result: Result<module_registry::ModuleInfo, RegistryError>| -> Vec<(String, String)> {
            let err = result.unwrap_err();
            err.validation_errors()
                .unwrap()
                .iter()
                .map(|e| (e.code().to_owned(), e.to_string()))
                .collect()
        };
    for bad in ["Not Valid", "", "UPPER", "a--b", "trailing-"] {
        let expected = format!("invalid capability \"{bad}\" of module \"provider\": ");
        let found = refusal(registry.register(config("provider").add_capability(bad)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "MR0008");
        assert!(found[0].1.starts_with(&expected), "{found:?}");
        // Provided and required alike: each is reported.
        let found = refusal(
            registry.register(
                config("requirer")
                    .add_capability(bad)
                    .add_required_capability(bad),
            ),
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|(code, _)| code == "MR0008"), "{found:?}");
        // A dependency on a name no module can have.
        let found =
            refusal(registry.register(
                config("dependent").add_dependency(DependencyConfig::new(bad).optional()),
            ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "MR0008");
        assert!(
            found[0]
                .1
                .starts_with(&format!("invalid module name \"{bad}\"")),
            "{found:?}"
        );
    }
    assert!(registry.is_empty());
}

#[test]
fn duplicate_name_names_both_places() {
    let registry = ModuleRegistry::from_registry(&modules![Storage]);
    let got = refused(registry.register(config("storage")));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "MR0004");
    let location = Storage::DESCRIPTOR.location().to_string();
    // Sites are ordered as the static check orders them: a run-time registration after every
    // source site, so the linked module is the first definition.
    assert_eq!(
        got[0].1,
        format!("duplicate module name \"storage\": defined at {location} and at <registered at run time>")
    );
    let got = refused(registry.register(config("storage")));
    assert_eq!(got[0].0, "MR0004");
    assert_eq!(registry.len(), 1);
    assert_eq!(
        registry.get("storage").unwrap().version().to_string(),
        "1.2.0"
    );
}

#[test]
fn every_finding_at_once_in_the_static_order() {
    let registry = ModuleRegistry::empty();
    registry
        .register(config("storage").with_version("1.2.0"))
        .unwrap();
    let got = refused(
        registry.register(
            config("cache")
                .add_dependency("nope")
                .add_dependency(DependencyConfig::new("storage").with_version_req("^2"))
                .add_required_capability("encryption"),
        ),
    );
    let codes: Vec<_> = got.iter().map(|g| g.0).collect();
    assert_eq!(codes, ["MR0002", "MR0003", "MR0005"]);
    assert_eq!(registry.len(), 1);
}

#[test]
fn linked_problems_do_not_refuse_unrelated_registrations() {
    // The linked graph of this file is broken: Ay and Bee form a cycle.
    let registry = ModuleRegistry::new();
    assert!(registry.validate().is_err());
    registry
        .register(config("fresh").add_dependency("storage"))
        .unwrap();
    registry
        .register(config("fresher").add_dependency("ay"))
        .unwrap();
}

const THREADS: usize = 8;

/// A registration's name, and its first finding's code if it was refused.
type Outcome = (String, Result<(), &'static str>);

/// What thread `t` registers: a name every thread races for, one of a pair of modules that
/// depend on each other optionally (the later one closes a cycle), and a private chain whose
/// links depend on the previous one and on "base".
fn writer(t: usize, registry: &ModuleRegistry) -> Vec<Outcome> {
    let mut out = Vec::new();
    let mut record = |name: String, r: Result<module_registry::ModuleInfo, RegistryError>| {
        let r = r.map(|_| ()).map_err(|e| match e.validation_errors() {
            Some(errors) => errors.errors()[0].code(),
            None => "other",
        });
        out.push((name, r));
    };
    for k in 0..50 {
        let name = format!("shared-{k}");
        let r = registry.register(config(&name).with_version(format!("1.0.{t}")));
        record(name, r);
        let (me, other) = if t % 2 == 0 { ("x", "y") } else { ("y", "x") };
        let name = format!("pair-{k}-{}-{me}", t / 2);
        let other = format!("pair-{k}-{}-{other}", t / 2);
        let r = registry
            .register(config(&name).add_dependency(DependencyConfig::new(other).optional()));
        record(name, r);
        let name = format!("chain-{t}-{k}");
        let mut c = config(&name).add_dependency("base");
        if k > 0 {
            c = c.add_dependency(format!("chain-{t}-{}", k - 1));
        }
        let r = registry.register(c);
        record(name, r);
    }
    out
}

#[test]
fn eight_concurrent_writers() {
    let registry = ModuleRegistry::empty();
    registry.register(config("base")).unwrap();
    let barrier = Barrier::new(THREADS);
    let outcomes: Vec<Vec<Outcome>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (registry, barrier) = (&registry, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    writer(t, registry)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let all: Vec<&Outcome> = outcomes.iter().flatten().collect();
    for k in 0..50 {
        let name = format!("shared-{k}");
        let wins = all.iter().filter(|(n, r)| *n == name && r.is_ok()).count();
        let dups = all
            .iter()
            .filter(|(n, r)| *n == name && *r == Err("MR0004"))
            .count();
        assert_eq!((wins, dups), (1, THREADS - 1), "{name}");
        for pair in 0..THREADS / 2 {
            let x = format!("pair-{k}-{pair}-x");
            let y = format!("pair-{k}-{pair}-y");
            let ok: Vec<_> = all
                .iter()
                .filter(|(n, r)| (*n == x || *n == y) && r.is_ok())
                .collect();
            let cycles = all
                .iter()
                .filter(|(n, r)| (*n == x || *n == y) && *r == Err("MR0001"))
                .count();
            assert_eq!((ok.len(), cycles), (1, 1), "{x} / {y}");
            assert!(registry.contains(&ok[0].0));
        }
    }
    assert!(all
        .iter()
        .filter(|(n, _)| n.starts_with("chain-"))
        .all(|(_, r)| r.is_ok()));
    let accepted = all.iter().filter(|(_, r)| r.is_ok()).count();
    assert_eq!(registry.len(), 1 + accepted);
    assert_eq!(accepted, 50 + 50 * THREADS / 2 + 50 * THREADS);
    registry.validate().unwrap();
}
