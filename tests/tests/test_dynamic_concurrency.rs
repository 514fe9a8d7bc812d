//! The dynamic registry under concurrent writers, and its types across threads. Eight threads
//! register at once: names raced by every thread, rings of optional edges that the last member
//! would close, private chains, refusals of every kind, requirements on waiting edges, while
//! reading and creating. Afterwards the registry is consistent: one module per name, `validate`
//! passes, every dependency resolves, and `create` works for every module with exactly the
//! modules its edges reach, dependencies first.

pub mod fixtures {
    pub mod upper;
}

use std::collections::{BTreeSet, HashMap, HashSet};
use std::error::Error;
use std::fmt::Write as _;
use std::sync::{Barrier, OnceLock};

use fixtures::upper::AsciiUpper;
use module_registry::dynamic::DependencyConfig;
use module_registry::{
    modules, DiscoveryQuery, ModuleConfig, ModuleInfo, ModuleInstance, ModuleRegistry,
    RegistryError,
};
use module_registry_tests::probe::{cfg, opt, probe, Fail, Log};

const THREADS: usize = 8;
const ROUNDS: usize = 25;

/// A registration's name and either success or the `(code, text)` of each finding.
type Outcome = (String, Result<(), Vec<(&'static str, String)>>);

/// The registry after the race, and every registration's outcome.
struct Race {
    registry: ModuleRegistry,
    outcomes: Vec<Outcome>,
}

/// The race runs once; each test checks part of what it left.
fn race() -> &'static Race {
    static RACE: OnceLock<Race> = OnceLock::new();
    RACE.get_or_init(|| {
        let log = Log::default();
        let registry = ModuleRegistry::from_registry(&modules![AsciiUpper]);
        let barrier = Barrier::new(THREADS);
        let outcomes = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (registry, barrier, log) = (&registry, &barrier, &log);
                    s.spawn(move || {
                        barrier.wait();
                        writer(t, registry, log)
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        Race { registry, outcomes }
    })
}

/// What thread `t` registers, round after round, reading and creating in between.
fn writer(t: usize, registry: &ModuleRegistry, log: &Log) -> Vec<Outcome> {
    let mut out: Vec<Outcome> = Vec::new();
    let mut reg = |config: ModuleConfig| {
        let name = config.name().to_owned();
        let r = registry.register(config).map(|_| ()).map_err(|e| {
            e.validation_errors()
                .unwrap_or_else(|| panic!("{name}: {e}"))
                .iter()
                .map(|f| (f.code(), f.to_string()))
                .collect()
        });
        out.push((name, r));
    };
    for k in 0..ROUNDS {
        reg(probe(&format!("shared-{k}"))
            .version(&format!("1.{t}.0"))
            .config(log));
        reg(probe(&format!("ring-{k}-{t}"))
            .dep(opt(&format!("ring-{k}-{}", (t + 1) % THREADS)))
            .config(log));
        let mut chain = probe(&format!("chain-{t}-{k}"))
            .dep(DependencyConfig::new(format!("shared-{k}")).with_version_req("^1"))
            .dep(opt("ascii-upper").with_version_req("^2"))
            .dep(opt(&format!("shared-{}", k + 1)));
        if k > 0 {
            chain = chain.dep(format!("chain-{t}-{}", k - 1));
        }
        reg(chain.config(log));
        reg(cfg(&format!("Bad-{t}-{k}"), "1.0.0"));
        reg(cfg(&format!("ghost-user-{t}-{k}"), "1.0.0").add_dependency(format!("ghost-{t}-{k}")));
        reg(probe(&format!("waiter-{t}-{k}"))
            .dep(opt(&format!("late-{k}")).with_version_req("^2"))
            .config(log));
        reg(probe(&format!("late-{k}")).config(log));
        reg(probe(&format!("late-{k}"))
            .version(&format!("2.{t}.0"))
            .config(log));
        // Readers, between writes.
        let all = registry.discover(DiscoveryQuery::new()).unwrap();
        assert!(all.windows(2).all(|w| w[0].name() < w[1].name()));
        match registry.create(&format!("chain-{t}-{k}")) {
            Ok(instance) => drop(instance),
            Err(e) => panic!("chain-{t}-{k}: {e}"),
        }
    }
    out
}

/// How many registrations of `name` succeeded.
fn ok(name: &str) -> usize {
    race()
        .outcomes
        .iter()
        .filter(|(n, r)| n == name && r.is_ok())
        .count()
}

/// How many registrations of `name` were refused with a finding of `code`.
fn refused_with(name: &str, code: &str) -> usize {
    race()
        .outcomes
        .iter()
        .filter(|(n, r)| n == name && r.as_ref().is_err_and(|f| f.iter().any(|c| c.0 == code)))
        .count()
}

#[test]
fn a_name_raced_by_every_thread_registers_once() {
    let race = race();
    for k in 0..ROUNDS {
        let shared = format!("shared-{k}");
        assert_eq!(
            (ok(&shared), refused_with(&shared, "MR0004")),
            (1, THREADS - 1)
        );
        let late = format!("late-{k}");
        assert_eq!(ok(&late), 1);
        assert!(race.registry.get(&late).unwrap().version().major == 2);
    }
    // Every `late-k` 1.0.0 was refused: by a waiting requirement or as a duplicate.
    assert!(race
        .outcomes
        .iter()
        .filter(|(n, _)| n.starts_with("late-"))
        .all(|(_, r)| r
            .as_ref()
            .is_err_and(|f| f[0].0 == "MR0003" || f[0].0 == "MR0004")
            || r.is_ok()));
}

#[test]
fn the_member_that_closes_a_ring_of_optional_edges_is_refused() {
    for k in 0..ROUNDS {
        let ring: Vec<String> = (0..THREADS).map(|t| format!("ring-{k}-{t}")).collect();
        let accepted: usize = ring.iter().map(|n| ok(n)).sum();
        assert_eq!(
            accepted,
            THREADS - 1,
            "ring {k}: the last member closes the cycle"
        );
        let cycle: Vec<&Outcome> = race()
            .outcomes
            .iter()
            .filter(|(n, r)| n.starts_with(&format!("ring-{k}-")) && r.is_err())
            .collect();
        assert_eq!(cycle.len(), 1);
        let mut want = ring.join(" -> ");
        write!(want, " -> {}", ring[0]).unwrap();
        assert_eq!(
            cycle[0].1.as_ref().unwrap_err(),
            &[("MR0001", format!("dependency cycle: {want}"))]
        );
    }
}

#[test]
fn private_registrations_come_out_as_they_would_alone() {
    for k in 0..ROUNDS {
        for t in 0..THREADS {
            assert_eq!(ok(&format!("chain-{t}-{k}")), 1);
            assert_eq!(ok(&format!("waiter-{t}-{k}")), 1);
            assert_eq!(refused_with(&format!("Bad-{t}-{k}"), "MR0008"), 1);
            assert_eq!(refused_with(&format!("ghost-user-{t}-{k}"), "MR0002"), 1);
        }
    }
    let race = race();
    let accepted = race.outcomes.iter().filter(|(_, r)| r.is_ok()).count();
    assert_eq!(race.registry.len(), 1 + accepted);
}

#[test]
fn concurrent_writers_leave_one_module_per_name_and_every_dependency_resolved() {
    let registry = &race().registry;
    let modules = registry.modules();
    let mut seen = HashSet::new();
    assert!(
        modules.iter().all(|m| seen.insert(m.name().to_owned())),
        "one module per name"
    );
    assert_eq!(modules[0].name(), "ascii-upper");
    registry.validate().unwrap();
    let all = registry.discover(DiscoveryQuery::new()).unwrap();
    assert_eq!(all.len(), modules.len());
    let by_name: HashMap<&str, &ModuleInfo> = modules.iter().map(|m| (m.name(), m)).collect();
    for m in &modules {
        for d in m.dependencies() {
            match by_name.get(d.name()) {
                Some(dep) => {
                    if let Some(req) = d.version_req() {
                        let major: u64 = req.trim_start_matches('^').parse().unwrap();
                        assert_eq!(dep.version().major, major, "{} -> {}", m.name(), d.name());
                    }
                }
                None => assert!(d.is_optional(), "{} misses {}", m.name(), d.name()),
            }
        }
    }
}

/// The names `root`'s present edges reach, `root` included.
fn reach<'a>(by_name: &HashMap<&'a str, &'a ModuleInfo>, root: &'a str) -> BTreeSet<&'a str> {
    let mut reach = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if reach.insert(n) {
            stack.extend(
                by_name[n]
                    .dependencies()
                    .iter()
                    .map(|d| d.name())
                    .filter(|d| by_name.contains_key(d)),
            );
        }
    }
    reach
}

#[test]
fn after_concurrent_writes_each_module_is_created_with_what_its_edges_reach() {
    let registry = &race().registry;
    let modules = registry.modules();
    let by_name: HashMap<&str, &ModuleInfo> = modules.iter().map(|m| (m.name(), m)).collect();
    for m in &modules {
        let instance = registry
            .create(m.name())
            .unwrap_or_else(|e| panic!("{}: {e}", m.name()));
        let built: Vec<&str> = instance.modules().collect();
        assert_eq!(
            built.iter().copied().collect::<BTreeSet<_>>(),
            reach(&by_name, m.name()),
            "{}",
            m.name()
        );
        // Dependencies first.
        let at: HashMap<&str, usize> = built.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        for n in &built {
            for d in by_name[n].dependencies() {
                if let Some(&i) = at.get(d.name()) {
                    assert!(i < at[n], "{}: {} built after {n}", m.name(), d.name());
                }
            }
        }
        assert_eq!(instance.name(), m.name());
    }
}

#[test]
fn errors_registries_and_instances_can_be_shared_between_threads() {
    fn thread_safe<T: Send + Sync + 'static>() {}
    thread_safe::<RegistryError>();
    thread_safe::<ModuleRegistry>();
    thread_safe::<ModuleInstance>();
    thread_safe::<ModuleInfo>();
    thread_safe::<ModuleConfig>();
    let registry = ModuleRegistry::empty();
    let err = registry.create("nope").unwrap_err();
    assert_eq!(err.to_string(), "module \"nope\" is not in the registry");
    let boxed: Box<dyn Error + Send + Sync> = Box::new(err);
    assert!(boxed.source().is_none());
}

#[test]
fn an_instance_serves_several_threads_at_once() -> Result<(), Box<dyn Error>> {
    let registry = ModuleRegistry::empty();
    registry.register(probe("shared").config(&Log::default()))?;
    let instance = registry.create("shared")?;
    let outputs: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u8)
            .map(|i| {
                let instance = &instance;
                s.spawn(move || instance.process(&[b'0' + i]).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(outputs[3], b"3|shared");
    assert_eq!(instance.metrics()[0].calls, 4);
    Ok(())
}

#[test]
fn a_failed_create_has_the_factory_error_as_its_source() -> Result<(), Box<dyn Error>> {
    let registry = ModuleRegistry::empty();
    registry.register(probe("broken").create(Fail::Error).config(&Log::default()))?;
    let failed = registry.create("broken").unwrap_err();
    assert_eq!(
        failed.source().map(ToString::to_string).as_deref(),
        Some("broken create failed")
    );
    Ok(())
}
