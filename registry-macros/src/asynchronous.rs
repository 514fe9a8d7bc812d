//! What `create = async path` and `lifecycle = async` add to the expansion. A module without
//! them expands exactly as without this file.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use module_registry_syntax::Input;

/// The synchronous `__create` of a module with `create = async path`: only the async boot
/// creates it, and the synchronous boot refuses it before calling this.
pub(crate) fn sync_create() -> TokenStream {
    quote! {
        ::core::result::Result::Err(
            ::module_registry::__private::sync_create_of_async(
                <Self as ::module_registry::__private::Module>::DESCRIPTOR))
    }
}

/// `const __HOOKS`, in `impl Module`:
///
/// ```text
/// const __HOOKS: &'static AsyncHooks = &async_hooks(async_create::<Self>(), sync_lifecycle());
/// ```
pub(crate) fn hooks(input: &Input<'_>) -> Option<TokenStream> {
    let attrs = &input.attrs;
    if !attrs.is_async() {
        return None;
    }
    let create = match attrs.create_async {
        Some(token) => {
            quote_spanned!(token.span=> ::module_registry::__private::async_create::<Self>())
        }
        None => quote!(::module_registry::__private::sync_create::<Self>()),
    };
    // An unsatisfied `Self: AsyncLifecycle` is reported at `async` of `lifecycle = async`.
    let lifecycle = match attrs.lifecycle_async {
        Some(token) => {
            quote_spanned!(token.span=> ::module_registry::__private::async_lifecycle::<Self>())
        }
        None => quote!(::module_registry::__private::sync_lifecycle()),
    };
    Some(quote! {
        const __HOOKS: &'static ::module_registry::__private::AsyncHooks =
            &::module_registry::__private::async_hooks(#create, #lifecycle);
    })
}

/// `impl AsyncCreate` for `create = async path`; for `lifecycle = async`, the synchronous
/// hooks (errors: only the async boot and shutdown run this module) and the proof that the
/// key was written; a const item that fails without the `async` feature.
pub(crate) fn items(input: &Input<'_>) -> TokenStream {
    let ident = input.ident;
    let attrs = &input.attrs;
    let mut out = TokenStream::new();
    if let (Some(token), Some(path)) = (attrs.create_async, &attrs.create.value) {
        // The call is spanned on the path: a function that is not async, or returns another
        // type, is reported there.
        let span = crate::expand::path_span(path);
        let call = quote_spanned! {span=>
            ::module_registry::__private::boxed_create(#path(ctx))
        };
        out.extend(quote_spanned! {token.span=>
            #[automatically_derived]
            impl ::module_registry::__private::AsyncCreate for #ident {
                fn __create_async<'__c>(
                    ctx: &'__c ::module_registry::__private::Context<'_, Self>,
                ) -> ::module_registry::__private::CreateFuture<'__c, Self> {
                    #call
                }
            }
        });
    }
    if attrs.lifecycle_async.is_some() {
        out.extend(quote! {
            #[automatically_derived]
            impl ::module_registry::__private::Lifecycle for #ident {
                fn initialize(&mut self) -> ::core::result::Result<(), ::module_registry::__private::ModuleError> {
                    ::core::result::Result::Err(::module_registry::__private::sync_hook_of_async(
                        <Self as ::module_registry::__private::Module>::DESCRIPTOR, "initialize"))
                }
                fn cleanup(&mut self) -> ::core::result::Result<(), ::module_registry::__private::ModuleError> {
                    ::core::result::Result::Err(::module_registry::__private::sync_hook_of_async(
                        <Self as ::module_registry::__private::Module>::DESCRIPTOR, "cleanup"))
                }
            }
            #[automatically_derived]
            impl ::module_registry::__private::DeclaresAsyncLifecycle for #ident {}
        });
    }
    if let Some(span) = attrs
        .create_async
        .map(|t| t.span)
        .or(attrs.lifecycle_async.map(|t| t.span))
    {
        out.extend(quote_spanned! {span=>
            const _: () = ::module_registry::__private::async_feature();
        });
    }
    out
}
