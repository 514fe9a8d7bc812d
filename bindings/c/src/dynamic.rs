//! The dynamic registry, and modules implemented in C through callbacks.

use std::collections::BTreeSet;
use std::ffi::{c_char, c_void};
use std::ptr;
use std::sync::{Arc, Mutex, PoisonError};

use module_registry::dynamic::DependencyConfig;
use module_registry::{
    CapabilityQuery, DiscoveryQuery, DynModule, ModuleConfig, ModuleError, ModuleInstance,
    ModuleRegistry, ModuleType,
};

use crate::bytes::{input, MrBytes, MrOutput};
use crate::error::{
    check_out, guard, guard_value, handle, optional_text, slice, text, text_list, Failure, MrError,
    MrStatus,
};
use crate::module::MrModuleList;

/// A registry that also accepts modules at run time, with the checks of the static one. Owned
/// by the caller; free it with `mr_dynamic_free`. Safe to use from several threads at once.
#[derive(Debug)]
pub struct MrDynRegistry(ModuleRegistry);

/// A module built by `mr_dynamic_create`, with its dependencies. Owned by the caller; end it
/// with `mr_instance_shutdown`, exactly once.
#[derive(Debug)]
pub struct MrInstance(ModuleInstance);

/// One dependency of a module registered from C.
#[repr(C)]
#[derive(Debug)]
pub struct MrDependencySpec {
    /// The module depended on: NUL-terminated, not NULL.
    pub name: *const c_char,
    /// A semver requirement such as `"^1.2"`, or NULL for any version.
    pub version_req: *const c_char,
    /// Whether the module may be absent.
    pub optional: bool,
}

/// What a module registered from C is. Every pointer is borrowed for the duration of the call
/// only; arrays may be NULL when their length is 0.
#[repr(C)]
#[derive(Debug)]
pub struct MrModuleSpec {
    /// `[a-z0-9]` words joined by `-`; not NULL.
    pub name: *const c_char,
    /// A semver version such as `"1.0.0"`; not NULL.
    pub version: *const c_char,
    /// `"DataProcessor"`, `"Service"`, `"Storage"`, `"Network"`, `"Security"`,
    /// `"Monitoring"`, any other text for a custom kind, or NULL for `"Service"`.
    pub kind: *const c_char,
    /// The capabilities the module provides.
    pub capabilities: *const *const c_char,
    /// How many capabilities.
    pub capabilities_len: usize,
    /// The capabilities some other module must provide.
    pub requires: *const *const c_char,
    /// How many required capabilities.
    pub requires_len: usize,
    /// The modules this one depends on; each must already be registered unless optional.
    pub dependencies: *const MrDependencySpec,
    /// How many dependencies.
    pub dependencies_len: usize,
}

/// Builds one instance: writes its state to `*instance` (NULL is a valid state) and returns
/// 0, or returns non-zero, optionally after `mr_output_set_error(output, ...)`.
pub type MrCreateFn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        instance: *mut *mut c_void,
        output: *mut MrOutput,
    ) -> i32,
>;

/// Processes `len` bytes at `data` (valid during the call only): writes the result with
/// `mr_output_write(output, ...)` and returns 0, or returns non-zero, optionally after
/// `mr_output_set_error(output, ...)`. May run on several threads at once.
pub type MrProcessFn = Option<
    unsafe extern "C" fn(
        instance: *mut c_void,
        data: *const u8,
        len: usize,
        output: *mut MrOutput,
    ) -> i32,
>;

/// Frees one instance built by the create callback; runs once per instance.
pub type MrDestroyFn = Option<unsafe extern "C" fn(user_data: *mut c_void, instance: *mut c_void)>;

/// Frees `user_data`; runs once, after every instance is destroyed and the registry (with every
/// list and instance made from it) is freed, or at once if the registration fails.
pub type MrFreeUserDataFn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// A module implemented in C. `create` and `process` are required; `destroy` and
/// `free_user_data` may be NULL. The callbacks may be called from any thread, and must not
/// unwind (no C++ exception may leave them).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MrModuleCallbacks {
    /// Passed to `create`, `destroy` and `free_user_data`.
    pub user_data: *mut c_void,
    /// Builds an instance.
    pub create: MrCreateFn,
    /// Processes bytes with an instance.
    pub process: MrProcessFn,
    /// Frees an instance.
    pub destroy: MrDestroyFn,
    /// Frees `user_data`.
    pub free_user_data: MrFreeUserDataFn,
}

/// The callbacks of one registration, owning `user_data`.
struct Callbacks(MrModuleCallbacks);

// SAFETY: the callbacks and `user_data` may be used from any thread, a documented requirement
// of `MrModuleCallbacks`.
unsafe impl Send for Callbacks {}
// SAFETY: as above.
unsafe impl Sync for Callbacks {}

impl Drop for Callbacks {
    fn drop(&mut self) {
        if let Some(free) = self.0.free_user_data {
            // SAFETY: this runs once, when nothing else refers to `user_data`.
            unsafe { free(self.0.user_data) };
        }
    }
}

/// What every instance of one C module reports about itself: the registration's values.
#[derive(Clone)]
struct Shape {
    name: String,
    version: String,
    kind: ModuleType,
    capabilities: Arc<[&'static str]>,
}

/// `text`, kept for the life of the library: `DynModule::capabilities` lends `&str`s that an
/// instance must hold. Each distinct capability is stored once, so the set stays small.
fn intern(text: &str) -> &'static str {
    static INTERNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&known) = interned.get(text) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.into());
    interned.insert(leaked);
    leaked
}

/// One instance of a C module.
struct CModule {
    callbacks: Arc<Callbacks>,
    instance: *mut c_void,
    shape: Shape,
}

// SAFETY: the instance may be used from any thread, a documented requirement of
// `MrModuleCallbacks`.
unsafe impl Send for CModule {}
// SAFETY: as above.
unsafe impl Sync for CModule {}

impl Drop for CModule {
    fn drop(&mut self) {
        if let Some(destroy) = self.callbacks.0.destroy {
            // SAFETY: the instance came from `create` with this `user_data`, and is destroyed once.
            unsafe { destroy(self.callbacks.0.user_data, self.instance) };
        }
    }
}

fn callback_error(name: &str, callback: &str, code: i32, output: MrOutput) -> ModuleError {
    ModuleError::new(
        output.error.unwrap_or_else(|| {
            format!("module \"{name}\": the {callback} callback returned {code}")
        }),
    )
}

impl DynModule for CModule {
    fn name(&self) -> &str {
        &self.shape.name
    }

    fn version(&self) -> &str {
        &self.shape.version
    }

    fn module_type(&self) -> ModuleType {
        self.shape.kind.clone()
    }

    fn capabilities(&self) -> &[&str] {
        &self.shape.capabilities
    }

    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        let name = &self.shape.name;
        let Some(process) = self.callbacks.0.process else {
            return Err(ModuleError::new(format!(
                "module \"{name}\" has no process callback"
            )));
        };
        let mut output = MrOutput::default();
        // SAFETY: `process` is a C function of the documented signature; `data` is valid for
        // the call, and `output` outlives it.
        let code = unsafe { process(self.instance, data.as_ptr(), data.len(), &mut output) };
        if code == 0 {
            Ok(output.data)
        } else {
            Err(callback_error(name, "process", code, output))
        }
    }
}

fn kind(text: Option<&str>) -> ModuleType {
    match text.unwrap_or("Service") {
        "DataProcessor" => ModuleType::DataProcessor,
        "Service" => ModuleType::Service,
        "Storage" => ModuleType::Storage,
        "Network" => ModuleType::Network,
        "Security" => ModuleType::Security,
        "Monitoring" => ModuleType::Monitoring,
        other => ModuleType::custom(other.to_owned()),
    }
}

/// The configuration a spec describes, without a factory, and what its instances report.
///
/// # Safety
/// Every pointer of `spec` is valid as `MrModuleSpec` documents.
unsafe fn config(spec: &MrModuleSpec) -> Result<(ModuleConfig, Shape), Failure> {
    // SAFETY (for the block): guaranteed by the caller.
    let (name, version, kind_text, capabilities, requires, dependencies) = unsafe {
        (
            text(spec.name, "spec.name")?,
            text(spec.version, "spec.version")?,
            optional_text(spec.kind, "spec.kind")?,
            text_list(
                spec.capabilities,
                spec.capabilities_len,
                "spec.capabilities",
            )?,
            text_list(spec.requires, spec.requires_len, "spec.requires")?,
            slice(
                spec.dependencies,
                spec.dependencies_len,
                "spec.dependencies",
            )?,
        )
    };
    let shape = Shape {
        name: name.to_owned(),
        version: version.to_owned(),
        kind: kind(kind_text),
        capabilities: capabilities.iter().map(|c| intern(c)).collect(),
    };
    let mut config = ModuleConfig::new()
        .with_name(name)
        .with_version(version)
        .with_type(shape.kind.clone());
    for capability in capabilities {
        config = config.add_capability(capability);
    }
    for capability in requires {
        config = config.add_required_capability(capability);
    }
    for dep in dependencies {
        // SAFETY: guaranteed by the caller.
        let (dep_name, req) = unsafe {
            (
                text(dep.name, "dependency.name")?,
                optional_text(dep.version_req, "dependency.version_req")?,
            )
        };
        let mut dependency = DependencyConfig::new(dep_name);
        if let Some(req) = req {
            dependency = dependency.with_version_req(req);
        }
        if dep.optional {
            dependency = dependency.optional();
        }
        config = config.add_dependency(dependency);
    }
    Ok((config, shape))
}

fn with_factory(
    config: ModuleConfig,
    shape: Shape,
    callbacks: Arc<Callbacks>,
) -> Result<ModuleConfig, Failure> {
    let Some(create) = callbacks.0.create else {
        return Err(Failure::invalid("`callbacks.create` is NULL"));
    };
    if callbacks.0.process.is_none() {
        return Err(Failure::invalid("`callbacks.process` is NULL"));
    }
    Ok(config.with_factory(move |_| {
        let mut instance = ptr::null_mut();
        let mut output = MrOutput::default();
        // SAFETY: `create` is a C function of the documented signature; both out-arguments
        // outlive the call.
        let code = unsafe { create(callbacks.0.user_data, &mut instance, &mut output) };
        if code != 0 {
            return Err(callback_error(&shape.name, "create", code, output));
        }
        Ok(Box::new(CModule {
            callbacks: Arc::clone(&callbacks),
            instance,
            shape: shape.clone(),
        }))
    }))
}

/// Writes to `out` a new dynamic registry: with every module linked into the library if
/// `with_linked`, else empty. The caller frees it with `mr_dynamic_free`.
///
/// # Safety
/// `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_dynamic_new(
    with_linked: bool,
    out: *mut *mut MrDynRegistry,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        check_out(out, "out")?;
        let registry = if with_linked {
            ModuleRegistry::new()
        } else {
            ModuleRegistry::empty()
        };
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { out.write(Box::into_raw(Box::new(MrDynRegistry(registry)))) };
        Ok(())
    })
}

/// Frees a dynamic registry. Instances created from it stay valid until shut down. NULL is
/// ignored.
///
/// # Safety
/// `registry` is NULL or from `mr_dynamic_new`, not yet freed, and no other thread uses it.
#[no_mangle]
pub unsafe extern "C" fn mr_dynamic_free(registry: *mut MrDynRegistry) {
    guard_value((), || {
        if !registry.is_null() {
            // SAFETY: `registry` came from `Box::into_raw` in `mr_dynamic_new`, freed once.
            drop(unsafe { Box::from_raw(registry) });
        }
    });
}

/// Registers the module `spec` describes, implemented by `callbacks` (or, with NULL callbacks,
/// a module that only describes itself and cannot be created).
///
/// `MR_REFUSED` with one finding per problem (the codes of `mr_registry_validate`: bad name
/// `MR0008`, bad version `MR0007`, duplicate `MR0004`, missing dependency `MR0002`, ...); the
/// registry is then unchanged. From this call on, the library owns `callbacks->user_data`:
/// `free_user_data` runs exactly once, at once if this call fails.
///
/// # Safety
/// `registry` is NULL or a live `MrDynRegistry`; `spec` is NULL or valid as `MrModuleSpec`
/// documents; `callbacks` is NULL or points to an `MrModuleCallbacks` (copied); `err` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_dynamic_register(
    registry: *const MrDynRegistry,
    spec: *const MrModuleSpec,
    callbacks: *const MrModuleCallbacks,
    err: *mut *mut MrError,
) -> MrStatus {
    // SAFETY: guaranteed by the caller. Taken first, so that every failure frees `user_data`.
    let callbacks = unsafe { callbacks.as_ref() }.map(|c| Arc::new(Callbacks(*c)));
    guard(err, move || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        // SAFETY: guaranteed by the caller.
        let spec = unsafe { handle(spec, "spec") }?;
        // SAFETY: guaranteed by the caller.
        let (mut config, shape) = unsafe { config(spec) }?;
        if let Some(callbacks) = callbacks {
            config = with_factory(config, shape, callbacks)?;
        }
        registry.0.register(config)?;
        Ok(())
    })
}

/// Writes to `out` a new list of every module of `registry`, linked ones first, then in
/// registration order. The caller frees it with `mr_module_list_free`.
///
/// # Safety
/// `registry` is NULL or a live `MrDynRegistry`; `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_dynamic_modules(
    registry: *const MrDynRegistry,
    out: *mut *mut MrModuleList,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        check_out(out, "out")?;
        let list = MrModuleList::from_infos(&registry.0.modules());
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { list.write_to(out) };
        Ok(())
    })
}

/// Writes to `out` a new list of the modules whose name matches `name_pattern` (a substring,
/// or a whole-name pattern with `*`; NULL matches all) and whose kind is `kind` (NULL for any),
/// sorted by name. The caller frees it with `mr_module_list_free`.
///
/// # Safety
/// `registry` is NULL or a live `MrDynRegistry`; `name_pattern` and `kind` are NULL or
/// NUL-terminated; `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_dynamic_discover(
    registry: *const MrDynRegistry,
    name_pattern: *const c_char,
    kind_name: *const c_char,
    out: *mut *mut MrModuleList,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        // SAFETY: guaranteed by the caller.
        let pattern = unsafe { optional_text(name_pattern, "name_pattern") }?;
        // SAFETY: guaranteed by the caller.
        let kind_name = unsafe { optional_text(kind_name, "kind") }?;
        check_out(out, "out")?;
        let mut query = DiscoveryQuery::new();
        if let Some(pattern) = pattern {
            query = query.with_name_pattern(pattern);
        }
        if kind_name.is_some() {
            query = query.with_type_filter(kind(kind_name));
        }
        let list = MrModuleList::from_infos(&registry.0.discover(query)?);
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { list.write_to(out) };
        Ok(())
    })
}

/// Writes to `out` a new list of the modules that provide every one of the `required_len`
/// capabilities at `required`, ranked by how many of the `optional_len` capabilities at
/// `optional` they provide (most first), then by name. The caller frees it with
/// `mr_module_list_free`.
///
/// # Safety
/// `registry` is NULL or a live `MrDynRegistry`; `required` and `optional` are NULL (with a
/// length of 0) or arrays of that many NUL-terminated strings; `out` and `err` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mr_dynamic_discover_capabilities(
    registry: *const MrDynRegistry,
    required: *const *const c_char,
    required_len: usize,
    optional: *const *const c_char,
    optional_len: usize,
    out: *mut *mut MrModuleList,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        // SAFETY: guaranteed by the caller.
        let required = unsafe { text_list(required, required_len, "required") }?;
        // SAFETY: guaranteed by the caller.
        let optional = unsafe { text_list(optional, optional_len, "optional") }?;
        check_out(out, "out")?;
        let query = CapabilityQuery::new()
            .with_required_capabilities(required)
            .with_optional_capabilities(optional);
        let list = MrModuleList::from_infos(&registry.0.discover_capabilities(query)?);
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { list.write_to(out) };
        Ok(())
    })
}

/// Runs every whole-graph check over the registry's modules; fails like
/// `mr_registry_validate`.
///
/// # Safety
/// `registry` is NULL or a live `MrDynRegistry`; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_dynamic_validate(
    registry: *const MrDynRegistry,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        registry.0.validate()?;
        Ok(())
    })
}

/// Builds module `name` and its dependencies, dependencies first, and writes the new instance
/// to `out`; the caller ends it with `mr_instance_shutdown`. `MR_NOT_FOUND` if no such module;
/// `MR_BOOT_FAILED` if one failed to build (what was built has been cleaned up).
///
/// # Safety
/// `registry` is NULL or a live `MrDynRegistry`; `name` is NULL or NUL-terminated; `out` and
/// `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_dynamic_create(
    registry: *const MrDynRegistry,
    name: *const c_char,
    out: *mut *mut MrInstance,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        // SAFETY: guaranteed by the caller.
        let name = unsafe { text(name, "name") }?;
        check_out(out, "out")?;
        let instance = registry.0.create(name)?;
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { out.write(Box::into_raw(Box::new(MrInstance(instance)))) };
        Ok(())
    })
}

/// Runs the instance's `process` on the `len` bytes at `data` and writes the result to `out`;
/// the caller frees it with `mr_bytes_free`. `MR_MODULE_FAILED` with the module's message if
/// it failed. Safe to call from several threads at once on one instance.
///
/// # Safety
/// `instance` is NULL or an instance not yet shut down; `data` is NULL or `len` readable bytes;
/// `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_instance_process(
    instance: *const MrInstance,
    data: *const u8,
    len: usize,
    out: *mut MrBytes,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let instance = unsafe { handle(instance, "instance") }?;
        // SAFETY: guaranteed by the caller.
        let data = unsafe { input(data, len) }?;
        check_out(out, "out")?;
        let result = instance.0.process(data)?;
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { out.write(MrBytes::from_vec(result)) };
        Ok(())
    })
}

/// Cleans up and frees every module of the instance in reverse creation order, and the
/// instance itself, whatever happens: `instance` must not be used again.
/// `MR_SHUTDOWN_FAILED` lists the cleanups that failed. NULL is `MR_NULL_ARGUMENT`.
///
/// # Safety
/// `instance` is NULL or from `mr_dynamic_create`, not yet shut down, and no other thread uses
/// it; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_instance_shutdown(
    instance: *mut MrInstance,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        if instance.is_null() {
            return Err(Failure::null("instance"));
        }
        // SAFETY: `instance` came from `Box::into_raw` in `mr_dynamic_create`, freed once.
        let instance = unsafe { Box::from_raw(instance) };
        instance.0.shutdown()?;
        Ok(())
    })
}
