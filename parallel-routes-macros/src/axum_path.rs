//! Validation of a layout's path, so that a path axum would refuse (by panicking when the
//! router is built) is a compile error instead.

/// Checks `path` and the slot endpoints below it (`<path>/@<slot>`) the way `axum::Router::route`
/// will, with the message to show if they are refused.
#[cfg(test)]
pub(crate) fn validate(path: &str, slots: &[String]) -> Result<(), String> {
    Paths::default().add(path, slots)
}

/// All the paths one layout serves, in one router, as axum will hold them: so that two of them
/// that conflict (`/{a}` and `/{b}`) are refused here rather than by `router()` at startup.
#[derive(Default)]
pub(crate) struct Paths(matchit::Router<()>);

impl Paths {
    /// Adds `path` and its slot endpoints, or says why axum would refuse them.
    pub(crate) fn add(&mut self, path: &str, slots: &[String]) -> Result<(), String> {
        if !path.starts_with('/') {
            return Err(format!("a layout path must start with `/`; found {path:?}"));
        }
        if let Some(segment) = path
            .split('/')
            .find(|segment| segment.starts_with(':') || segment.starts_with('*'))
        {
            return Err(format!(
                "axum 0.8 writes path parameters as `{{{name}}}`, not `{segment}`",
                name = segment.trim_start_matches([':', '*'])
            ));
        }
        if path.contains("{*") {
            return Err(format!(
                "a layout path cannot end in a catch-all `{{*..}}`: its slots are served below it, at `{path}/@<slot>`"
            ));
        }
        let params = crate::route::params(path);
        if let Some(twice) = params
            .iter()
            .enumerate()
            .find(|(i, param)| params[..*i].contains(param))
            .map(|(_, param)| param)
        {
            return Err(format!(
                "the path {path:?} has the parameter `{{{twice}}}` twice: axum's `Path` and the `Route` enum could not tell them apart; rename one"
            ));
        }
        let endpoints = slots.iter().map(|slot| slot_endpoint(path, slot));
        for path in std::iter::once(path.to_owned()).chain(endpoints) {
            self.0
                .insert(path.as_str(), ())
                .map_err(|err| format!("invalid axum path {path:?}: {err}"))?;
        }
        Ok(())
    }
}

/// Where one slot of the layout at `path` is served on its own.
pub(crate) fn slot_endpoint(path: &str, slot: &str) -> String {
    format!("{}/@{slot}", path.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> Vec<String> {
        vec!["latest".into(), "children".into()]
    }

    #[test]
    fn accepts_static_and_parameterised_paths() {
        assert_eq!(validate("/dashboard", &slots()), Ok(()));
        assert_eq!(validate("/users/{id}", &slots()), Ok(()));
        assert_eq!(validate("/", &slots()), Ok(()));
        assert_eq!(slot_endpoint("/", "latest"), "/@latest");
        assert_eq!(
            slot_endpoint("/users/{id}", "latest"),
            "/users/{id}/@latest"
        );
    }

    #[test]
    fn refuses_what_axum_would_refuse() {
        assert!(
            validate("dashboard", &slots())
                .unwrap_err()
                .contains("must start with `/`")
        );
        assert!(
            validate("/users/:id", &slots())
                .unwrap_err()
                .contains("`{id}`, not `:id`")
        );
        assert!(
            validate("/files/{*rest}", &slots())
                .unwrap_err()
                .contains("catch-all")
        );
        assert!(
            validate("/users/{id", &slots())
                .unwrap_err()
                .contains("invalid axum path")
        );
        assert!(
            validate("/users/{}", &slots())
                .unwrap_err()
                .contains("invalid axum path")
        );
    }
}
