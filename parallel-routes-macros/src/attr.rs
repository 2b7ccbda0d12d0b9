//! Helpers shared by the attribute parsers of `layout/attr.rs` and `slot/attr.rs`.

use syn::meta::ParseNestedMeta;
use syn::{Expr, Token};

/// Consumes the value of an option that is reported as an error, so that parsing goes on and
/// the options after it are checked too: `key = expr`, `key(...)` or a bare `key`.
pub(crate) fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// The error for an option given twice.
pub(crate) fn duplicate(meta: &ParseNestedMeta, key: &str) -> syn::Error {
    syn::Error::new_spanned(&meta.path, format!("`{key}` specified more than once"))
}

/// The name of an option, for messages.
pub(crate) fn key(meta: &ParseNestedMeta) -> String {
    meta.path
        .get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string)
}

/// The value of `timeout_ms = N`: a whole number of milliseconds greater than 0. `None` when it
/// is not one (the error is recorded).
pub(crate) fn timeout_millis(
    meta: &ParseNestedMeta,
    errors: &mut crate::errors::Errors,
) -> syn::Result<Option<u64>> {
    let literal: syn::LitInt = meta.value()?.parse().map_err(|err| {
        syn::Error::new(
            err.span(),
            "expected a number of milliseconds, e.g. `timeout_ms = 800`",
        )
    })?;
    match literal.base10_parse::<u64>() {
        Ok(0) | Err(_) => {
            errors.push(syn::Error::new(
                literal.span(),
                "`timeout_ms` must be a whole number of milliseconds greater than 0",
            ));
            Ok(None)
        }
        Ok(millis) => Ok(Some(millis)),
    }
}
