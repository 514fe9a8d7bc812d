// Dependencies by plain and qualified paths, with and without requirements, every operator.
use module_registry::{modules, Module};

mod inner {
    use module_registry::Module;

    #[derive(Module, Default)]
    #[module(version = "1.4.2")]
    pub struct Storage;

    pub mod deeper {
        use module_registry::Module;

        #[derive(Module, Default)]
        #[module(version = "2.0.0-rc.1")]
        pub struct Index;
    }
}

#[derive(Module, Default)]
#[module(version = "0.1.7")]
struct Metrics;

#[derive(Module, Default)]
#[module(
    depends_on = [crate::inner::Storage = "^1.2", inner::deeper::Index = ">=2.0.0-rc.1"],
    optional = [self::Metrics = "~0.1.5"],
)]
struct Cache;

#[derive(Module, Default)]
#[module(depends_on = [
    inner::Storage = "1.4",
    inner::deeper::Index = "=2.0.0-rc.1",
    Metrics = "0.1.*",
    Cache = "*",
])]
struct Exact;

#[derive(Module, Default)]
#[module(depends_on = [inner::Storage = ">=1, <=1.4.2, <1.4.3-0"])]
struct Bounded;

mod sibling {
    use module_registry::Module;

    #[derive(Module, Default)]
    #[module(depends_on = [super::inner::Storage = ">= 1.0.0 , < 2"])]
    pub struct Reader;
}

fn main() {
    let registry = modules![
        inner::Storage,
        inner::deeper::Index,
        Metrics,
        Cache,
        Exact,
        Bounded,
        sibling::Reader
    ];
    registry.validate().unwrap();
    let order: Vec<_> = registry
        .init_order()
        .unwrap()
        .iter()
        .map(|d| d.name())
        .collect();
    let at = |name| order.iter().position(|n| *n == name).unwrap();
    assert!(
        at("storage") < at("cache") && at("cache") < at("exact"),
        "{order:?}"
    );
}
