//! The static registry: a read-only view over the descriptors the linker collected.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;
use std::sync::OnceLock;

use crate::descriptor::ModuleDescriptor;
use crate::error::{BootError, ValidationErrors};
use crate::index::{Index, NameTable};
use crate::linked;
use crate::module::Module;
use crate::runtime::{BootPolicy, Runtime};
use module_registry_core::graph::{self, Edge, Node, Target};

/// A set of modules: every linked one ([`Registry::global`]), an explicit list
/// ([`modules!`](crate::modules)) or a [`subset`](Registry::subset).
///
/// Lookups by name and capability use tables built on first use; `get::<T>()` uses none.
pub struct Registry {
    source: Source,
    index: OnceLock<Index>,
    /// The outcome of the graph checks: the boot order as positions, or every finding. A
    /// registry never changes, so this is computed once.
    checked: OnceLock<Result<Box<[u32]>, ValidationErrors>>,
    /// Capabilities members require that the registry this one is a subset of provides: met,
    /// though no member provides them: a required capability must be provided by some linked
    /// module, not necessarily a member.
    assumed: Vec<&'static str>,
}

enum Source {
    /// The linker-collected slice, read in place.
    Linked,
    /// An explicit list, in the order given.
    List(Box<[&'static ModuleDescriptor]>),
}

static GLOBAL: Registry = Registry {
    source: Source::Linked,
    index: OnceLock::new(),
    checked: OnceLock::new(),
    assumed: Vec::new(),
};

impl Registry {
    /// Every module linked into the program. Allocates nothing and does no work; the lookup
    /// tables are built on the first `find` or `with_capability`.
    pub fn global() -> &'static Registry {
        &GLOBAL
    }

    /// A registry of exactly these modules, in this order. See also [`modules!`](crate::modules).
    pub fn from_descriptors(
        modules: impl IntoIterator<Item = &'static ModuleDescriptor>,
    ) -> Registry {
        Registry {
            source: Source::List(modules.into_iter().collect()),
            index: OnceLock::new(),
            checked: OnceLock::new(),
            assumed: Vec::new(),
        }
    }

    /// A typed handle to module `T`: no lookup, no allocation, a constant.
    #[inline(always)]
    pub fn get<T: Module>(&self) -> Handle<T> {
        Handle(PhantomData)
    }

    /// Whether module `T` is in this registry.
    pub fn contains<T: Module>(&self) -> bool {
        self.position(T::DESCRIPTOR).is_some()
    }

    /// The module named `name`. With duplicate names (an invalid registry), the first one.
    pub fn find(&self, name: &str) -> Option<&'static ModuleDescriptor> {
        let index = self.index();
        index.names.find(name).map(|pos| self.at(pos))
    }

    /// Every module, in registry order (link order for the global registry; unspecified, but
    /// stable within one binary). For a deterministic order use [`Registry::init_order`].
    pub fn modules(
        &self,
    ) -> impl DoubleEndedIterator<Item = &'static ModuleDescriptor> + ExactSizeIterator + Clone + '_
    {
        (0..self.len()).map(move |i| self.at(i))
    }

    /// How many modules.
    pub fn len(&self) -> usize {
        match &self.source {
            Source::Linked => linked::len(),
            Source::List(list) => list.len(),
        }
    }

    /// Whether there are no modules.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The modules that provide capability `cap`, in registry order. Costs a hash lookup plus
    /// one step per module returned.
    pub fn with_capability(
        &self,
        cap: &str,
    ) -> impl ExactSizeIterator<Item = &'static ModuleDescriptor> + '_ {
        let positions: &[u32] = self
            .index()
            .capabilities
            .get(cap)
            .map(|b| &**b)
            .unwrap_or(&[]);
        positions.iter().map(move |&p| self.at(p as usize))
    }

    /// Runs every whole-graph check: cycles, missing dependencies, unsatisfied version
    /// requirements, duplicate names, required capabilities nobody provides, and (for the
    /// global registry) modules the build check expected that are not linked. Reports every
    /// problem at once, in a deterministic order. Computed once per registry.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        self.checked().as_ref().map(|_| ()).map_err(Clone::clone)
    }

    /// The boot order: dependencies first, ties broken by name. Fails like [`Registry::validate`].
    pub fn init_order(&self) -> Result<Vec<&'static ModuleDescriptor>, ValidationErrors> {
        match self.checked() {
            Ok(order) => Ok(order.iter().map(|&i| self.at(i as usize)).collect()),
            Err(errors) => Err(errors.clone()),
        }
    }

    fn checked(&self) -> &Result<Box<[u32]>, ValidationErrors> {
        self.checked.get_or_init(|| {
            let nodes = self.nodes();
            let checked = graph::check_and_order(&nodes, &[], &|cap| self.assumed.contains(&cap));
            let missing = self.missing_expected();
            match checked {
                Ok(order) if missing.is_empty() => {
                    Ok(order.into_iter().map(|i| i as u32).collect())
                }
                Ok(_) => Err(ValidationErrors::new(missing)),
                Err(mut errors) => {
                    errors.extend(missing);
                    Err(ValidationErrors::new(errors))
                }
            }
        })
    }

    /// Modules the build check expected (`link_modules!()`) that are not linked. Only the global
    /// registry is compared: a subset or an explicit list leaves modules out on purpose.
    fn missing_expected(&self) -> Vec<crate::ValidationError> {
        if !matches!(self.source, Source::Linked) {
            return Vec::new();
        }
        let mut seen = HashSet::new();
        linked::expected()
            .iter()
            .filter(|e| seen.insert(e.name) && self.find(e.name).is_none())
            .map(|e| crate::ValidationError::NotLinked {
                module: e.name.to_owned(),
                type_name: e.type_name.to_owned(),
                site: e.location,
            })
            .collect()
    }

    /// The roots and everything they need, transitively. An optional dependency is in the
    /// subset only if it is a root or some member requires it. Modules not in `self` are left
    /// out (and reported by [`Registry::validate`] when required).
    ///
    /// A capability a member `requires` is met when `self` provides it, even if the provider is
    /// not in the subset: `requires` asks that some linked module provide it, not that it boot.
    /// Give the provider as a root to boot it too.
    ///
    /// Roots are handles, descriptors or names ([`SubsetRoot`]):
    /// `registry.subset([registry.get::<Cache>()])`, `registry.subset([Cache::DESCRIPTOR])`,
    /// `registry.subset(["cache", "metrics"])`. A root that is not in `self` (an unknown name)
    /// is left out, like any module not in `self`.
    pub fn subset<R: SubsetRoot>(&self, roots: impl IntoIterator<Item = R>) -> Registry {
        let mut keep: HashSet<*const ModuleDescriptor> = HashSet::new();
        let mut stack: Vec<&'static ModuleDescriptor> = Vec::new();
        for root in roots {
            let Some(root) = root.resolve(self) else {
                continue;
            };
            if self.position(root).is_some() && keep.insert(root) {
                stack.push(root);
            }
        }
        while let Some(d) = stack.pop() {
            for dep in d.dependencies().iter().filter(|dep| !dep.is_optional()) {
                let target = dep.descriptor();
                if self.position(target).is_some() && keep.insert(target) {
                    stack.push(target);
                }
            }
        }
        let mut subset = Registry::from_descriptors(
            self.modules()
                .filter(|d| keep.contains(&(*d as *const ModuleDescriptor))),
        );
        let inside: HashSet<&str> = subset
            .modules()
            .flat_map(|d| d.capabilities().iter().copied())
            .collect();
        let mut assumed = Vec::new();
        for d in subset.modules() {
            for &cap in d.requires() {
                let outside = !inside.contains(cap)
                    && (self.with_capability(cap).len() > 0 || self.assumed.contains(&cap));
                if outside && !assumed.contains(&cap) {
                    assumed.push(cap);
                }
            }
        }
        subset.assumed = assumed;
        subset
    }

    /// Boots every module with [`BootPolicy::FailFast`].
    pub fn boot(&self) -> Result<Runtime, BootError> {
        self.boot_with(BootPolicy::FailFast)
    }

    /// Boots every module with the given policy.
    pub fn boot_with(&self, policy: BootPolicy) -> Result<Runtime, BootError> {
        #[cfg(feature = "async")]
        crate::runtime::reject_async(self)?;
        Runtime::boot(self, policy)
    }

    #[inline]
    pub(crate) fn at(&self, pos: usize) -> &'static ModuleDescriptor {
        match &self.source {
            Source::Linked => linked::at(pos),
            Source::List(list) => list[pos],
        }
    }

    /// The position of `d` in this registry.
    pub(crate) fn position(&self, d: &'static ModuleDescriptor) -> Option<usize> {
        match &self.source {
            Source::Linked => linked::index_of(d),
            Source::List(list) => list.iter().position(|x| std::ptr::eq(*x, d)),
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let names = NameTable::build(self.modules().map(|d| d.name));
            let mut capabilities: HashMap<&'static str, Vec<u32>> = HashMap::new();
            for (pos, d) in self.modules().enumerate() {
                for cap in d.capabilities {
                    capabilities.entry(cap).or_default().push(pos as u32);
                }
            }
            Index {
                names,
                capabilities: capabilities
                    .into_iter()
                    .map(|(k, v)| (k, v.into_boxed_slice()))
                    .collect(),
            }
        })
    }

    /// The graph as the shared checks see it; positions are registry positions.
    pub(crate) fn nodes(&self) -> Vec<Node<'static>> {
        // A descriptor's slice index is its position in the linked registry; a list maps slice
        // indexes to its positions (a descriptor outside the slice, made by hand, goes through
        // a hash map).
        let mut by_slice = Vec::new();
        let mut others: HashMap<*const ModuleDescriptor, usize> = HashMap::new();
        if let Source::List(list) = &self.source {
            // Without linker sections an explicit list never reads the linked one, which a
            // program without `link_modules!()` does not have.
            let sections = cfg!(not(target_family = "wasm"));
            if sections {
                by_slice = vec![usize::MAX; linked::len()];
            }
            for (i, &d) in list.iter().enumerate() {
                let slice_index = if sections { linked::index_of(d) } else { None };
                match slice_index {
                    Some(s) => by_slice[s] = i,
                    None => {
                        others.insert(d, i);
                    }
                }
            }
        }
        let position = |d: &'static ModuleDescriptor| match &self.source {
            Source::Linked => linked::index_of(d),
            Source::List(_) => match (!by_slice.is_empty())
                .then(|| linked::index_of(d))
                .flatten()
            {
                Some(s) => Some(by_slice[s]).filter(|&i| i != usize::MAX),
                None => others.get(&(d as *const ModuleDescriptor)).copied(),
            },
        };
        self.modules()
            .map(|d| Node {
                name: d.name,
                version: d.version.to_semver(),
                site: d.location,
                capabilities: d.capabilities.to_vec(),
                requires: d.requires.to_vec(),
                requires_sites: Vec::new(),
                deps: d
                    .dependencies
                    .iter()
                    .map(|dep| {
                        let target = dep.descriptor();
                        Edge {
                            target: match position(target) {
                                Some(i) => Target::Node(i),
                                None => Target::Missing(target.name),
                            },
                            req: dep.req,
                            optional: dep.optional,
                            site: dep.location,
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.modules().map(|d| d.name))
            .finish()
    }
}

/// A typed, zero-sized handle to module `T`. `Copy`; every accessor is a constant read.
pub struct Handle<T: Module>(PhantomData<fn() -> T>);

impl<T: Module> Handle<T> {
    /// The module's name.
    #[inline(always)]
    pub fn name(self) -> &'static str {
        T::DESCRIPTOR.name
    }

    /// The module's version (`Display`s as e.g. `0.3.1`).
    #[inline(always)]
    pub fn version(self) -> &'static crate::descriptor::Version {
        &T::DESCRIPTOR.version
    }

    /// The module's descriptor.
    #[inline(always)]
    pub fn descriptor(self) -> &'static ModuleDescriptor {
        T::DESCRIPTOR
    }
}

impl<T: Module> Clone for Handle<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Module> Copy for Handle<T> {}

impl<T: Module> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle<{}>", T::DESCRIPTOR.name)
    }
}

impl<T: Module> PartialEq for Handle<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T: Module> Eq for Handle<T> {}

impl<T: Module> From<Handle<T>> for &'static ModuleDescriptor {
    fn from(_: Handle<T>) -> Self {
        T::DESCRIPTOR
    }
}

impl<T: Module> From<&Handle<T>> for &'static ModuleDescriptor {
    fn from(_: &Handle<T>) -> Self {
        T::DESCRIPTOR
    }
}

impl From<&&'static ModuleDescriptor> for &'static ModuleDescriptor {
    fn from(d: &&'static ModuleDescriptor) -> Self {
        d
    }
}

/// What [`Registry::subset`] takes as a root: a [`Handle`], a descriptor, or a module name.
pub trait SubsetRoot {
    /// The module this root designates in `registry`, if there is one.
    fn resolve(self, registry: &Registry) -> Option<&'static ModuleDescriptor>;
}

impl<T: Module> SubsetRoot for Handle<T> {
    fn resolve(self, _: &Registry) -> Option<&'static ModuleDescriptor> {
        Some(T::DESCRIPTOR)
    }
}

impl<T: Module> SubsetRoot for &Handle<T> {
    fn resolve(self, _: &Registry) -> Option<&'static ModuleDescriptor> {
        Some(T::DESCRIPTOR)
    }
}

impl SubsetRoot for &'static ModuleDescriptor {
    fn resolve(self, _: &Registry) -> Option<&'static ModuleDescriptor> {
        Some(self)
    }
}

impl SubsetRoot for &&'static ModuleDescriptor {
    fn resolve(self, _: &Registry) -> Option<&'static ModuleDescriptor> {
        Some(*self)
    }
}

impl SubsetRoot for &str {
    fn resolve(self, registry: &Registry) -> Option<&'static ModuleDescriptor> {
        registry.find(self)
    }
}

impl SubsetRoot for &&str {
    fn resolve(self, registry: &Registry) -> Option<&'static ModuleDescriptor> {
        registry.find(self)
    }
}

impl SubsetRoot for String {
    fn resolve(self, registry: &Registry) -> Option<&'static ModuleDescriptor> {
        registry.find(&self)
    }
}

impl SubsetRoot for &String {
    fn resolve(self, registry: &Registry) -> Option<&'static ModuleDescriptor> {
        registry.find(self)
    }
}
