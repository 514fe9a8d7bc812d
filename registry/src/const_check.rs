//! `depends_on = [Storage = "^2"]` checked by const evaluation, so an unsatisfied requirement is
//! a compile error in the dependent crate even without the build check.
//!
//! The derive emits, spanned on the requirement literal:
//!
//! ```text
//! const _: () = ::module_registry::__private::check_requirement(
//!     "cache", &REQUIREMENT, <Storage as ::module_registry::__private::Module>::DESCRIPTOR);
//! ```
//!
//! where `REQUIREMENT` is the requirement the derive parsed with `semver`, written out as
//! comparators. A `const` may read `&'static` data in statics (Rust 1.83), and `DESCRIPTOR` is a
//! reference to the dependency's static: no const refers to another const, so modules that
//! depend on each other do not make a const cycle (rustc's E0391). The matcher is the one
//! `validate()` and the dynamic registry use.

use module_registry_core::req::VersionReq;

use crate::__private::descriptor;
use crate::descriptor::{Location, ModuleDescriptor, ModuleType, Version};
use crate::module::Module;

/// Fails const evaluation when `dep`'s version does not satisfy `req`, with a message such as
/// ``module `cache` requires `storage` ^2, but `storage` is 1.2.0``.
#[track_caller]
pub const fn check_requirement(module: &str, req: &VersionReq<'static>, dep: &ModuleDescriptor) {
    // The stub of a module whose own derive failed: that error is already reported.
    if is_stub(dep) || req.matches_const(&dep.version.parts()) {
        return;
    }
    let mut msg = Message::new();
    msg.push("module `");
    msg.push(module);
    msg.push("` requires `");
    msg.push(dep.name);
    msg.push("` ");
    msg.push(req.text());
    msg.push(", but `");
    msg.push(dep.name);
    msg.push("` is ");
    msg.version(&dep.version);
    panic!("{}", msg.as_str());
}

/// The descriptor the derive's fallback gives a module with errors, so that the rest of the
/// crate still type-checks; it is never placed in the registry.
pub const fn stub<T: Module>(name: &'static str, at: Location) -> ModuleDescriptor {
    descriptor::<T>(
        name,
        Version::new(0, 0, 0),
        ModuleType::Service,
        &[],
        &[],
        &[],
        &[],
        "",
        STUB_TYPE_NAME,
        at,
    )
}

/// No real descriptor has this type name: the derive writes `module_path!()::Type`.
const STUB_TYPE_NAME: &str = "";

const fn is_stub(d: &ModuleDescriptor) -> bool {
    d.type_name.len() == STUB_TYPE_NAME.len()
}

/// A message assembled during const evaluation; text past the capacity is cut at a character
/// boundary and marked with `...`.
struct Message {
    buf: [u8; Message::CAPACITY],
    len: usize,
}

impl Message {
    const CAPACITY: usize = 512;

    const fn new() -> Self {
        Message {
            buf: [0; Message::CAPACITY],
            len: 0,
        }
    }

    const fn push(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if self.len == Self::CAPACITY {
                self.truncate();
                return;
            }
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
    }

    /// Replaces the tail with `...`, keeping whole UTF-8 characters.
    const fn truncate(&mut self) {
        self.len = Self::CAPACITY - 3;
        while self.len > 0 && (self.buf[self.len] & 0xC0) == 0x80 {
            self.len -= 1;
        }
        let mut k = 0;
        while k < 3 {
            self.buf[self.len] = b'.';
            self.len += 1;
            k += 1;
        }
    }

    const fn number(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut k = digits.len();
        loop {
            k -= 1;
            digits[k] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        match core::str::from_utf8(digits.split_at(k).1) {
            Ok(s) => self.push(s),
            Err(_) => self.push("?"),
        }
    }

    const fn version(&mut self, v: &Version) {
        let parts = v.parts();
        self.number(parts.major);
        self.push(".");
        self.number(parts.minor);
        self.push(".");
        self.number(parts.patch);
        if !parts.pre.is_empty() {
            self.push("-");
            self.push(parts.pre);
        }
        let build = v.build();
        if !build.is_empty() {
            self.push("+");
            self.push(build);
        }
    }

    const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "a module's version requirement is not satisfied",
        }
    }
}
