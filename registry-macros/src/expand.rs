//! Turns a validated [`Input`] into the descriptor static and the trait impls.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};

use module_registry_core::version::ModuleType;
use module_registry_syntax::symbol::{CREATE, DEPENDS_ON, OPTIONAL};
use module_registry_syntax::{check, Errors, Input, Resolved};

use crate::asynchronous;
use crate::fallback;

pub(crate) fn derive(node: &syn::DeriveInput) -> TokenStream {
    let mut cx = Errors::default();
    let input = Input::from_syn(&mut cx, node);
    if let Some(input) = &input {
        check(&mut cx, input);
    }
    match (cx.propagate(), input) {
        (Ok(()), Some(input)) => expand(&input, &input.resolve(crate_version)),
        (Err(errors), input) => fallback::expand(input.as_ref(), errors),
        // `from_syn` returns `None` only after pushing an error, handled above.
        (Ok(()), None) => TokenStream::new(),
    }
}

/// The defining crate's `CARGO_PKG_VERSION`: cargo sets it for the crate being compiled, and the
/// derive runs inside that compilation.
fn crate_version() -> semver::Version {
    std::env::var("CARGO_PKG_VERSION")
        .ok()
        .and_then(|v| semver::Version::parse(&v).ok())
        .unwrap_or_else(|| semver::Version::new(0, 0, 0))
}

fn expand(input: &Input<'_>, module: &Resolved<'_>) -> TokenStream {
    let descriptor = descriptor(input, module);
    let impls = impls(input);
    let casters = casters(input);
    let requirements = requirements(module);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all, clippy::pedantic)]
        const _: () = {
            #[::module_registry::__private::distributed_slice(::module_registry::__private::MODULES)]
            #[linkme(crate = ::module_registry::__private::linkme)]
            static __MODULE_DESCRIPTOR: ::module_registry::__private::ModuleDescriptor = #descriptor;
            #impls
            #casters
            #requirements
        };
    }
}

/// `__private::descriptor::<T>(name, version, kind, ...)`: one const call.
fn descriptor(input: &Input<'_>, module: &Resolved<'_>) -> TokenStream {
    let ident = input.ident;
    let name = &module.name;
    let version = version(&module.version);
    let kind = match &module.kind {
        ModuleType::Custom(text) => {
            let text = &**text;
            quote!(::module_registry::__private::custom_kind(#text))
        }
        variant => {
            let variant = format_ident!("{}", variant.as_str());
            quote!(::module_registry::__private::ModuleType::#variant)
        }
    };
    let capabilities = &module.capabilities;
    let requires = &module.requires;
    let dependencies = module.dependencies.iter().enumerate().map(|(i, dep)| {
        let path = &dep.path;
        let req = match &dep.req {
            Some(_) => {
                let req = req_ident(i);
                quote!(::core::option::Option::Some(#req))
            }
            None => quote!(::core::option::Option::None),
        };
        let optional = dep.optional;
        let location = location(path_span(path));
        quote_spanned! {path_span(path)=>
            ::module_registry::__private::dependency(
                <#path as ::module_registry::__private::Module>::descriptor, #req, #optional, #location)
        }
    });
    let provides = module.provides.iter().enumerate().map(|(i, text)| {
        let cast = format_ident!("__cast_{}", i);
        quote! {
            ::module_registry::__private::provided(#text, &__caster(#cast))
        }
    });
    let description = &module.description;
    let type_name = ident.to_string();
    let location = location(Span::call_site());
    quote! {
        ::module_registry::__private::descriptor::<#ident>(
            #name,
            #version,
            #kind,
            &[#(#capabilities),*],
            &[#(#requires),*],
            &[#(#dependencies),*],
            &[#(#provides),*],
            #description,
            ::core::concat!(::core::module_path!(), "::", #type_name),
            #location,
        )
    }
}

/// The name of the constant holding dependency `i`'s requirement.
fn req_ident(i: usize) -> syn::Ident {
    format_ident!("__REQUIREMENT_{}", i)
}

/// A version as `__private::version(major, minor, patch, pre, build)`.
fn version(v: &semver::Version) -> TokenStream {
    let (major, minor, patch) = (
        Literal::u64_unsuffixed(v.major),
        Literal::u64_unsuffixed(v.minor),
        Literal::u64_unsuffixed(v.patch),
    );
    let (pre, build) = (v.pre.as_str(), v.build.as_str());
    quote!(::module_registry::__private::version(#major, #minor, #patch, #pre, #build))
}

fn location(span: Span) -> TokenStream {
    quote_spanned! {span=>
        ::module_registry::__private::location(::core::file!(), ::core::line!(), ::core::column!())
    }
}

pub(crate) fn path_span(path: &syn::Path) -> Span {
    path.segments
        .last()
        .map_or_else(Span::call_site, |s| s.ident.span())
}

/// `impl Module`, the default `impl Lifecycle`, and the dependency proofs of [`access`].
pub(crate) fn impls(input: &Input<'_>) -> TokenStream {
    let ident = input.ident;
    let attrs = &input.attrs;
    // Coercing the path to the expected fn pointer type gives one "expected fn pointer" error
    // at the path for any wrong signature, where a call would give one error per mismatch.
    let create = match &attrs.create.value {
        Some(_) if attrs.create_async.is_some() => asynchronous::sync_create(),
        Some(path) => {
            let ty = quote_spanned! {path_span(path)=>
                fn(&::module_registry::__private::Context<'_, Self>)
                    -> ::core::result::Result<Self, ::module_registry::__private::ModuleError>
            };
            quote! {
                let __create: #ty = #path;
                __create(ctx)
            }
        }
        // Fallback only: `create` was written but did not parse; `Default` may not exist.
        None if attrs.is_unparsed(CREATE) => quote! {
            ::core::unreachable!()
        },
        None => quote_spanned! {ident.span()=>
            ::core::result::Result::Ok(<Self as ::core::default::Default>::default())
        },
    };
    // With `lifecycle`, a missing `impl Lifecycle` is reported at the flag: rustc reports an
    // unsatisfied supertrait at the impl's self type. (A where clause there instead would
    // make the impl conditional, and every use of the module a second error.)
    let self_ty = match &attrs.lifecycle.key {
        Some(key) if attrs.lifecycle_async.is_none() => respan(ident, key.span()),
        _ => ident.clone(),
    };
    let lifecycle = if attrs.has_lifecycle() {
        None
    } else {
        Some(quote! {
            #[automatically_derived]
            impl ::module_registry::__private::Lifecycle for #ident {}
        })
    };
    let access = access(input);
    let hooks = asynchronous::hooks(input);
    let asynchronous = asynchronous::items(input);
    quote! {
        #[automatically_derived]
        unsafe impl ::module_registry::__private::Module for #self_ty {
            const DESCRIPTOR: &'static ::module_registry::__private::ModuleDescriptor = &__MODULE_DESCRIPTOR;
            #hooks
            #[inline]
            fn __create(
                ctx: &::module_registry::__private::Context<'_, Self>,
            ) -> ::core::result::Result<Self, ::module_registry::__private::ModuleError> {
                #create
            }
        }
        #lifecycle
        #access
        #asynchronous
    }
}

/// `impl DependsOn<Dep> for T {}` per `depends_on` entry, `impl OptionallyDependsOn<Dep>` per
/// `optional` entry: what lets `ctx.dep::<Dep>()` and `ctx.optional::<Dep>()` compile.
fn access(input: &Input<'_>) -> TokenStream {
    let ident = input.ident;
    let attrs = &input.attrs;
    let mut out = TokenStream::new();
    for (key, optional, proof) in [
        (DEPENDS_ON, false, quote!(DependsOn)),
        (OPTIONAL, true, quote!(OptionallyDependsOn)),
    ] {
        // Fallback only: the list did not parse, so allow every dependency rather than report
        // each use as undeclared.
        if attrs.is_unparsed(key) {
            out.extend(quote! {
                unsafe impl<__T: ::module_registry::__private::Module>
                    ::module_registry::__private::#proof<__T> for #ident {}
            });
            continue;
        }
        // A duplicate is reported by `check`; one impl each keeps rustc from adding a
        // conflicting-impl error to it in the fallback.
        let mut seen = std::collections::BTreeSet::new();
        for dep in attrs.dependencies().filter(|d| d.optional == optional) {
            let path = &dep.path;
            if seen.insert(path.to_token_stream().to_string()) {
                out.extend(quote! {
                    #[automatically_derived]
                    unsafe impl ::module_registry::__private::#proof<#path> for #ident {}
                });
            }
        }
    }
    out
}

/// One `fn(*const ()) -> *const dyn Trait` per `provides` entry. The unsizing cast is what
/// requires `T: Trait`, so rustc's error lands on the entry.
fn casters(input: &Input<'_>) -> TokenStream {
    let ident = input.ident;
    let casts = input
        .attrs
        .provides
        .value
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| {
            let cast = format_ident!("__cast_{}", i);
            let first = t.dyn_token.map_or_else(Span::call_site, |d| d.span);
            let last = t
                .to_token_stream()
                .into_iter()
                .last()
                .map_or(first, |tt| tt.span());
            // rustc reports the cast of `instance as *const T`, spanned from `instance` to `T`:
            // these spans make that the whole entry.
            let ident = respan(ident, last);
            quote_spanned! {first=>
                #[allow(unused_parens)]
                fn #cast(instance: *const ()) -> *const (#t) {
                    instance as *const #ident as *const (#t)
                }
            }
        });
    if input
        .attrs
        .provides
        .value
        .as_ref()
        .is_none_or(Vec::is_empty)
    {
        return TokenStream::new();
    }
    quote! {
        // SAFETY: each cast turns a pointer to this module's instance into a pointer to the
        // same value as the trait object of its `provides` entry.
        const fn __caster<I: ?::core::marker::Sized>(
            cast: fn(*const ()) -> *const I,
        ) -> ::module_registry::__private::Caster<I> {
            unsafe { ::module_registry::__private::Caster::new(cast) }
        }
        #(#casts)*
    }
}

/// Per dependency with a version requirement, the requirement as `semver` parsed it (written
/// out as comparators, read by the descriptor and by `validate()`), and a const item spanned on
/// the requirement literal, so that an unsatisfied one fails compilation there:
///
/// ```text
/// const __REQUIREMENT_0: VersionReq<'static> = VersionReq::new("^2", &[Comparator { .. }]);
/// const _: () = ::module_registry::__private::check_requirement(
///     "cache", &__REQUIREMENT_0, <Storage as ::module_registry::__private::Module>::DESCRIPTOR);
/// ```
fn requirements(module: &Resolved<'_>) -> TokenStream {
    let name = &module.name;
    let checks = module
        .dependencies
        .iter()
        .enumerate()
        .filter_map(|(i, dep)| {
            let req = dep.req.as_ref()?;
            let ident = req_ident(i);
            let path = &dep.path;
            let text = &req.text;
            let comparators = req.req.comparators.iter().map(comparator);
            Some(quote_spanned! {req.lit.span()=>
                const #ident: ::module_registry::__private::VersionReq<'static> =
                    ::module_registry::__private::VersionReq::new(#text, &[#(#comparators),*]);
                const _: () = ::module_registry::__private::check_requirement(
                    #name,
                    &#ident,
                    <#path as ::module_registry::__private::Module>::DESCRIPTOR,
                );
            })
        });
    quote!(#(#checks)*)
}

/// A `semver::Comparator` as a `__private::Comparator` literal.
fn comparator(c: &semver::Comparator) -> TokenStream {
    let op = format_ident!(
        "{}",
        match c.op {
            semver::Op::Exact => "Exact",
            semver::Op::Greater => "Greater",
            semver::Op::GreaterEq => "GreaterEq",
            semver::Op::Less => "Less",
            semver::Op::LessEq => "LessEq",
            semver::Op::Tilde => "Tilde",
            semver::Op::Wildcard => "Wildcard",
            // `Caret`, and any operator a later `semver` adds, which the parse in the grammar
            // would have had to accept first.
            _ => "Caret",
        }
    );
    let major = Literal::u64_unsuffixed(c.major);
    let part = |p: Option<u64>| match p {
        Some(n) => {
            let n = Literal::u64_unsuffixed(n);
            quote!(::core::option::Option::Some(#n))
        }
        None => quote!(::core::option::Option::None),
    };
    let (minor, patch) = (part(c.minor), part(c.patch));
    let pre = c.pre.as_str();
    quote! {
        ::module_registry::__private::Comparator {
            op: ::module_registry::__private::Op::#op,
            major: #major,
            minor: #minor,
            patch: #patch,
            pre: #pre,
        }
    }
}

/// `ident` as written, resolved the same way, but reported at `span`.
fn respan(ident: &syn::Ident, span: Span) -> syn::Ident {
    let mut ident = ident.clone();
    ident.set_span(span);
    ident
}
