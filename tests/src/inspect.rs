//! Reading a registry back: names, descriptions, snapshots of everything observable, and the
//! findings of a refusal.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use module_registry::{
    CapabilityQuery, DiscoveryQuery, ModuleConfig, ModuleDescriptor, ModuleInfo, ModuleRegistry,
    RegistryError,
};

/// The names of dynamic-registry answers, in order.
pub fn names(modules: &[ModuleInfo]) -> Vec<&str> {
    modules.iter().map(ModuleInfo::name).collect()
}

/// The names of linked modules, in order.
pub fn descriptor_names<'a>(it: impl IntoIterator<Item = &'a ModuleDescriptor>) -> Vec<&'a str> {
    it.into_iter().map(|d| d.name()).collect()
}

/// Everything a `ModuleInfo` tells, on one line.
pub fn describe(m: &ModuleInfo) -> String {
    format!(
        "{} {} {} caps={:?} requires={:?} deps={:?} registered={} linked={}",
        m.name(),
        m.version(),
        m.module_type(),
        m.capabilities().collect::<Vec<_>>(),
        m.required_capabilities().collect::<Vec<_>>(),
        m.dependencies(),
        m.is_registered(),
        m.descriptor().is_some()
    )
}

/// Everything a user can observe about a registry, through every read API; `probes` are names
/// and capabilities to ask about besides those present.
pub fn snapshot(r: &ModuleRegistry, probes: &[&str]) -> String {
    let mut out = String::new();
    writeln!(out, "len={} empty={} {r:?}", r.len(), r.is_empty()).unwrap();
    let modules = r.modules();
    let mut caps: BTreeSet<String> = probes.iter().map(|s| (*s).to_owned()).collect();
    for m in &modules {
        writeln!(out, "module {}", describe(m)).unwrap();
        caps.extend(m.capabilities().map(str::to_owned));
    }
    let all = r.discover(DiscoveryQuery::new()).unwrap();
    writeln!(out, "discover {:?}", names(&all)).unwrap();
    for cap in &caps {
        let q = CapabilityQuery::new().with_required_capabilities([cap.as_str()]);
        writeln!(
            out,
            "cap {cap}: {:?}",
            names(&r.discover_capabilities(q).unwrap())
        )
        .unwrap();
    }
    let ranked = r
        .discover_capabilities(CapabilityQuery::new().with_optional_capabilities(&caps))
        .unwrap();
    writeln!(out, "ranked {:?}", names(&ranked)).unwrap();
    for name in probes {
        writeln!(
            out,
            "get {name}: {:?} contains={} pattern={:?}",
            r.get(name).map(|m| describe(&m)),
            r.contains(name),
            names(
                &r.discover(DiscoveryQuery::new().with_name_pattern(*name))
                    .unwrap()
            )
        )
        .unwrap();
    }
    writeln!(
        out,
        "validate {:?}",
        r.validate().map_err(|e| e.to_string())
    )
    .unwrap();
    out
}

/// Registers `config`, expecting a refusal that names the module; returns `(code, text)` of
/// each finding.
pub fn refusal(r: &ModuleRegistry, config: ModuleConfig) -> Vec<(&'static str, String)> {
    let name = config.name().to_owned();
    match r.register(config) {
        Err(RegistryError::Refused { module, errors }) => {
            assert_eq!(module, name, "the refusal names the refused module");
            assert!(!errors.is_empty());
            errors.iter().map(|e| (e.code(), e.to_string())).collect()
        }
        other => panic!("{name}: expected a refusal, got {other:?}"),
    }
}

/// The codes of `findings`, in order.
pub fn codes(findings: &[(&'static str, String)]) -> Vec<&'static str> {
    findings.iter().map(|f| f.0).collect()
}
