//! On error: the errors, plus just enough of the expansion (never a registry entry) that the
//! rest of the crate does not drown them in follow-up errors.

use proc_macro2::TokenStream;
use quote::quote;

use module_registry_syntax::Input;

pub(crate) fn expand(input: Option<&Input<'_>>, errors: syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let Some(input) = input.filter(|i| !i.is_generic()) else {
        return errors;
    };
    let ident = input.ident;
    let name = input.name();
    let impls = crate::expand::impls(input);
    quote! {
        #errors
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            // A stub: `check_requirement` skips it, as this module's errors are already shown.
            static __MODULE_DESCRIPTOR: ::module_registry::__private::ModuleDescriptor =
                ::module_registry::__private::stub::<#ident>(
                    #name,
                    ::module_registry::__private::location(::core::file!(), ::core::line!(), ::core::column!()),
                );
            #impls
        };
    }
}
