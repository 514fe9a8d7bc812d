//! Turns a validated [`Input`] into the descriptor static and the trait impls.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};

use crate::ast::Input;
use crate::attr::Kind;
use crate::check;
use crate::errors::Errors;
use crate::fallback;

pub(crate) fn derive(node: &syn::DeriveInput) -> TokenStream {
    let mut cx = Errors::default();
    let input = Input::from_syn(&mut cx, node);
    if let Some(input) = &input {
        check::check(&mut cx, input);
    }
    match (cx.propagate(), input) {
        (Ok(()), Some(input)) => expand(&input),
        (Err(errors), input) => fallback::expand(input.as_ref(), errors),
        // `from_syn` returns `None` only after pushing an error, handled above.
        (Ok(()), None) => TokenStream::new(),
    }
}

fn expand(input: &Input<'_>) -> TokenStream {
    let descriptor = descriptor(input);
    let impls = impls(input);
    let casters = casters(input);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all, clippy::pedantic)]
        const _: () = {
            #[::module_registry::__private::distributed_slice(::module_registry::__private::MODULES)]
            #[linkme(crate = ::module_registry::__private::linkme)]
            static __MODULE_DESCRIPTOR: ::module_registry::__private::ModuleDescriptor = #descriptor;
            #impls
            #casters
        };
    }
}

/// `__private::descriptor::<T>(name, version, kind, ...)`: one const call.
fn descriptor(input: &Input<'_>) -> TokenStream {
    let ident = input.ident;
    let attrs = &input.attrs;
    let name = input.name();
    let version = version(input);
    let kind = match &attrs.kind.value {
        None => quote!(::module_registry::__private::ModuleType::Service),
        Some(Kind::Variant(v)) => quote!(::module_registry::__private::ModuleType::#v),
        Some(Kind::Custom(text)) => quote!(::module_registry::__private::custom_kind(#text)),
    };
    let capabilities = attrs.capabilities.value.iter().flatten();
    let requires = attrs.requires.value.iter().flatten();
    let dependencies = attrs.dependencies().map(|dep| {
        let path = &dep.path;
        let req = match &dep.req {
            Some(lit) => quote!(::core::option::Option::Some(#lit)),
            None => quote!(::core::option::Option::None),
        };
        let optional = dep.optional;
        let location = location(path_span(path));
        quote_spanned! {path_span(path)=>
            ::module_registry::__private::dependency(
                <#path as ::module_registry::__private::Module>::descriptor, #req, #optional, #location)
        }
    });
    let provides = attrs.provides.value.iter().flatten().enumerate().map(|(i, t)| {
        let cast = format_ident!("__cast_{}", i);
        let text = t.to_token_stream().to_string();
        quote! {
            ::module_registry::__private::provided(#text, &::module_registry::__private::Caster::<#t>(#cast))
        }
    });
    let description = match &attrs.description.value {
        Some(lit) => lit.value(),
        None => input.doc.clone(),
    };
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

/// The `version` key, or the defining crate's `CARGO_PKG_VERSION` (cargo sets it for the crate
/// being compiled, and the derive runs inside that compilation).
fn version(input: &Input<'_>) -> TokenStream {
    let v = match &input.attrs.version.value {
        Some(lit) => lit.version.clone(),
        None => std::env::var("CARGO_PKG_VERSION")
            .ok()
            .and_then(|v| semver::Version::parse(&v).ok())
            .unwrap_or_else(|| semver::Version::new(0, 0, 0)),
    };
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

fn path_span(path: &syn::Path) -> Span {
    path.segments
        .last()
        .map_or_else(Span::call_site, |s| s.ident.span())
}

/// `impl Module`, the default `impl Lifecycle`, and one `DependsOn`/`OptionallyDependsOn` impl
/// per dependency, which is what lets `ctx.dep::<T>()` compile.
pub(crate) fn impls(input: &Input<'_>) -> TokenStream {
    let ident = input.ident;
    let attrs = &input.attrs;
    let create = match &attrs.create.value {
        Some(path) => quote_spanned!(path_span(path)=> #path(ctx)),
        None => quote_spanned! {ident.span()=>
            ::core::result::Result::Ok(<Self as ::core::default::Default>::default())
        },
    };
    // With `lifecycle`, a missing `impl Lifecycle` is reported at the flag.
    let module_trait = match &attrs.lifecycle.key {
        Some(key) => quote_spanned!(key.span()=> ::module_registry::__private::Module),
        None => quote!(::module_registry::__private::Module),
    };
    let lifecycle = if attrs.has_lifecycle() {
        None
    } else {
        Some(quote! {
            #[automatically_derived]
            impl ::module_registry::__private::Lifecycle for #ident {}
        })
    };
    let access = attrs.dependencies().map(|dep| {
        let path = &dep.path;
        let proof = if dep.optional {
            quote!(OptionallyDependsOn)
        } else {
            quote!(DependsOn)
        };
        quote! {
            #[automatically_derived]
            impl ::module_registry::__private::#proof<#path> for #ident {}
        }
    });
    quote! {
        #[automatically_derived]
        impl #module_trait for #ident {
            const DESCRIPTOR: &'static ::module_registry::__private::ModuleDescriptor = &__MODULE_DESCRIPTOR;
            #[inline]
            fn __create(
                ctx: &::module_registry::__private::Context<'_, Self>,
            ) -> ::core::result::Result<Self, ::module_registry::__private::ModuleError> {
                #create
            }
        }
        #lifecycle
        #(#access)*
    }
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
            let span = syn::spanned::Spanned::span(t);
            quote_spanned! {span=>
                fn #cast(instance: *const ()) -> *const (#t) {
                    instance as *const #ident as *const (#t)
                }
            }
        });
    quote!(#(#casts)*)
}
