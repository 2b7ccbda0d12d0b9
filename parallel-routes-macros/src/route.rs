//! Sub-routes: the marker type a route string becomes. `#[layout]` and `#[slot]` both derive it
//! from the string, so that they agree without seeing each other.

use proc_macro2::Span;
use syn::Ident;

/// `"/week"` → `at_week`, `"/day/{id}"` → `at_day_id`. The `at_` prefix keeps keywords out
/// (`"/type"`); the layout refuses two routes that map to the same name.
pub(crate) fn route_ident(route: &str, span: Span) -> Ident {
    let mut name = String::from("at");
    for part in route.split('/').filter(|part| !part.is_empty()) {
        name.push('_');
        for c in part.chars() {
            match c {
                '{' | '}' | '*' => {}
                c if c.is_ascii_alphanumeric() => name.push(c.to_ascii_lowercase()),
                _ => name.push('_'),
            }
        }
    }
    Ident::new(&name, span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_become_readable_identifiers() {
        let name = |route| route_ident(route, Span::call_site()).to_string();
        assert_eq!(name("/week"), "at_week");
        assert_eq!(name("/day/{id}"), "at_day_id");
        assert_eq!(name("/type"), "at_type");
        assert_eq!(name("/a-b.c"), "at_a_b_c");
        assert_eq!(name("/"), "at");
    }
}
