//! A plugin crate depending on another plugin crate's module.
use module_registry::Module;
use plugin_alpha::AlphaStore;

#[derive(Module, Default)]
#[module(version = "1.0.0", depends_on = [AlphaStore = "^0.4"], requires = ["storage"])]
pub struct BetaService;
