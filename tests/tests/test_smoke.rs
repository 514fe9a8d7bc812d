use module_registry::{Module, Registry};

#[test]
fn smoke() {
    #[derive(Module, Default)]
    #[module(depends_on = [plugin_beta::BetaService])]
    struct Host;
    let r = Registry::global();
    for d in r.modules() {
        println!(
            "{} {} {} {:?}",
            d.name(),
            d.version(),
            d.location(),
            d.dependencies()
                .iter()
                .map(|d| (d.name(), d.location().to_string()))
                .collect::<Vec<_>>()
        );
    }
    r.validate().unwrap();
    let rt = r.boot().unwrap();
    assert!(rt.get::<Host>().is_some());
}
