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

/// The name of a route's `Route` variant: its static segments in UpperCamelCase (`"/week"` →
/// `Week`, `"/shop/{category}/sale"` → `ShopSale`), or, with none, its parameters'
/// (`"/{id}"` → `Id`); `At` goes before a name that would start with a digit or be `Self`
/// (`"/self"` → `AtSelf`). `None` for a
/// route with neither.
pub(crate) fn variant_name(route: &str) -> Option<String> {
    let camel = |parts: &mut dyn Iterator<Item = &str>| -> String {
        parts
            .flat_map(|part| part.split(|c: char| !c.is_ascii_alphanumeric()))
            .filter(|word| !word.is_empty())
            .map(|word| {
                let mut chars = word.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                first.into_iter().chain(chars).collect::<String>()
            })
            .collect()
    };
    let segments = || route.split('/').filter(|segment| !segment.is_empty());
    let mut name = camel(&mut segments().filter(|segment| !segment.contains('{')));
    if name.is_empty() {
        name = camel(&mut params(route).into_iter());
    }
    // `Self` is a keyword where a variant's name goes.
    if name.starts_with(|c: char| c.is_ascii_digit()) || name == "Self" {
        name.insert_str(0, "At");
    }
    (!name.is_empty()).then_some(name)
}

/// A route's name with its parameters' too, as a name to suggest when its own is taken
/// (`"/week/{n}"` → `WeekN`).
pub(crate) fn variant_name_with_params(route: &str) -> Option<String> {
    let unbraced: String = route
        .chars()
        .filter(|c| !matches!(c, '{' | '}' | '*'))
        .collect();
    variant_name(&unbraced)
}

/// The names of a path's parameters, in order: `"/users/{id}/day/{n}"` → `id`, `n`.
pub(crate) fn params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_their_variants() {
        assert_eq!(variant_name("/week").as_deref(), Some("Week"));
        assert_eq!(variant_name("/day/{n}").as_deref(), Some("Day"));
        assert_eq!(
            variant_name("/shop/{category}/sale").as_deref(),
            Some("ShopSale")
        );
        assert_eq!(variant_name("/a-b.c").as_deref(), Some("ABC"));
        assert_eq!(variant_name("/{id}").as_deref(), Some("Id"));
        assert_eq!(variant_name("/2024").as_deref(), Some("At2024"));
        assert_eq!(variant_name("/self").as_deref(), Some("AtSelf"));
        assert_eq!(variant_name("/"), None);
        assert_eq!(params("/users/{id}/day/{n}"), ["id", "n"]);
        assert_eq!(
            variant_name_with_params("/shop/{category}/{product}").as_deref(),
            Some("ShopCategoryProduct")
        );
    }

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
