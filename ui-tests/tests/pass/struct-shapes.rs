use module_registry::Module;

#[derive(Module, Default)]
struct Unit;

#[derive(Module, Default)]
struct Tuple(u8, String);

#[derive(Module, Default)]
struct Named {
    bytes: Vec<u8>,
}

#[derive(Module, Default)]
#[module]
struct BareAttribute;

#[derive(Module, Default)]
#[module()]
struct EmptyAttribute;

#[derive(Module, Default)]
#[module(name = "http-server")]
#[module(version = "2.0.0")]
struct TwoAttributes;

#[derive(Module, Default)]
struct HTTPServer2;

fn main() {
    assert_eq!(Unit::DESCRIPTOR.name(), "unit");
    assert_eq!(Tuple::DESCRIPTOR.name(), "tuple");
    assert_eq!(Named::DESCRIPTOR.name(), "named");
    assert_eq!(BareAttribute::DESCRIPTOR.name(), "bare-attribute");
    assert_eq!(EmptyAttribute::DESCRIPTOR.name(), "empty-attribute");
    assert_eq!(TwoAttributes::DESCRIPTOR.name(), "http-server");
    assert_eq!(TwoAttributes::DESCRIPTOR.version().to_string(), "2.0.0");
    assert_eq!(HTTPServer2::DESCRIPTOR.name(), "http-server2");
    let _ = (
        Tuple::default().0,
        Tuple::default().1,
        Named::default().bytes,
    );
}
