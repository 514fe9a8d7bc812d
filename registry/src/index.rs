//! Lookup tables a registry builds on first use: names and capabilities.

use std::collections::HashMap;

use crate::table::{hash, Table};

/// Module name to position; the first module of a name wins.
pub(crate) struct NameTable {
    table: Table,
    names: Box<[&'static str]>,
}

impl NameTable {
    pub(crate) fn build(names: impl ExactSizeIterator<Item = &'static str>) -> Self {
        let names: Box<[&'static str]> = names.collect();
        let mut table = Table::with_capacity(names.len());
        for (pos, name) in names.iter().enumerate() {
            let h = hash(name);
            if table.get(h, |p| names[p as usize] == *name).is_none() {
                table.insert(h, pos as u32);
            }
        }
        NameTable { table, names }
    }

    /// The position of `name`.
    #[inline]
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.table
            .get(hash(name), |p| self.names[p as usize] == name)
            .map(|p| p as usize)
    }
}

/// Everything a registry looks up by key, built once.
pub(crate) struct Index {
    pub(crate) names: NameTable,
    /// Capability → positions of the modules providing it, in registry order.
    pub(crate) capabilities: HashMap<&'static str, Box<[u32]>>,
}
