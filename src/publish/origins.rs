//! `allowed_origins` in site.toml: the other sites that may carry the waitlist form (in a
//! frame, `/waitlists/{list}/embed`) and send JSON signups from their pages (CORS).

/// Checks each origin is `https://host` or `http://host:port` and nothing more, as a
/// browser sends it in `Origin`; returns them in that form (lower case, no slash).
pub fn parse_allowed_origins(given: &[String]) -> anyhow::Result<Vec<String>> {
    given.iter().map(|origin| parse_origin(origin)).collect()
}

fn parse_origin(given: &str) -> anyhow::Result<String> {
    let problem = || {
        anyhow::anyhow!(
            "site.toml: allowed_origins entry {given:?} must be an origin such as \"https://example.com\" (a scheme and a host, maybe a port; no path)"
        )
    };
    let url = url::Url::parse(given.trim()).map_err(|_| problem())?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    let plain = url.username().is_empty() && url.password().is_none();
    if !matches!(url.scheme(), "http" | "https") || !bare || !plain || url.host().is_none() {
        return Err(problem());
    }
    // `ascii_serialization` is what a browser sends: default ports left out.
    Ok(url.origin().ascii_serialization())
}

/// Whether a request's `Origin` is one of `allowed` (already in their parsed form).
pub fn is_allowed(allowed: &[String], origin: &str) -> bool {
    allowed.iter().any(|o| o == origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_a_scheme_a_host_and_maybe_a_port() {
        let parsed = parse_allowed_origins(&[
            "https://Example.com/".into(),
            "http://127.0.0.1:8081".into(),
            "https://example.com:443".into(),
        ])
        .unwrap();
        assert_eq!(
            parsed,
            [
                "https://example.com",
                "http://127.0.0.1:8081",
                "https://example.com"
            ]
        );
        for bad in [
            "example.com",
            "https://example.com/form",
            "ftp://example.com",
            "https://user@example.com",
            "*",
            "https://example.com?x=1",
        ] {
            let e = parse_allowed_origins(&[bad.into()])
                .unwrap_err()
                .to_string();
            assert!(e.contains("allowed_origins"), "{bad}: {e}");
        }
    }

    #[test]
    fn only_a_listed_origin_is_allowed() {
        let allowed = ["https://example.com".to_owned()];
        assert!(is_allowed(&allowed, "https://example.com"));
        assert!(!is_allowed(&allowed, "https://example.com.evil.test"));
        assert!(!is_allowed(&allowed, "http://example.com"));
        assert!(!is_allowed(&allowed, "null"));
    }
}
