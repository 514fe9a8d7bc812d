//! Demo plugin: processors the host finds through `runtime.all::<dyn Processor>()`; nothing in
//! the host names them.

use std::sync::Arc;

use demo_metrics::Metrics;
use module_registry::{Context, Module, ModuleError, Processor};

macro_rules! processor {
    ($(#[$doc:meta])* $ty:ident, $name:literal, |$data:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Module)]
        #[module(name = $name, version = "2.0.0", kind = DataProcessor,
                 capabilities = ["processing"], optional = [Metrics],
                 provides = [dyn Processor], create = $ty::new)]
        pub struct $ty {
            metrics: Option<Arc<Metrics>>,
        }

        impl $ty {
            fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
                Ok($ty { metrics: ctx.optional::<Metrics>() })
            }
        }

        impl Processor for $ty {
            fn process(&self, $data: &[u8]) -> Result<Vec<u8>, ModuleError> {
                if let Some(m) = &self.metrics {
                    m.bump(concat!("process.", $name));
                }
                $body
            }
        }
    };
}

processor!(
    /// Trims surrounding ASCII whitespace.
    Trim, "trim", |data| Ok(data.trim_ascii().to_vec())
);

processor!(
    /// ASCII upper-case.
    Uppercase, "uppercase", |data| Ok(data.to_ascii_uppercase())
);

processor!(
    /// Refuses input that is not UTF-8, then passes it on.
    Utf8Guard, "utf8-guard", |data| match std::str::from_utf8(data) {
        Ok(_) => Ok(data.to_vec()),
        Err(e) => Err(ModuleError::new(format!("not UTF-8: {e}"))),
    }
);
