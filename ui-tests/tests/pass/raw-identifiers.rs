#![allow(non_camel_case_types)]

use module_registry::{Context, Module, ModuleError};

#[derive(Module, Default)]
struct r#match;

#[derive(Module)]
#[module(depends_on = [r#match], create = r#type::r#new)]
struct r#type {
    r#ref: std::sync::Arc<r#match>,
}

impl r#type {
    fn r#new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(r#type {
            r#ref: ctx.dep::<r#match>(),
        })
    }
}

fn main() {
    assert_eq!(r#match::DESCRIPTOR.name(), "match");
    assert_eq!(r#type::DESCRIPTOR.name(), "type");
    let runtime = module_registry::modules![r#match, r#type].boot().unwrap();
    let _ = &runtime.get::<r#type>().unwrap().r#ref;
}
