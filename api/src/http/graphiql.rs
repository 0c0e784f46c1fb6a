//! GraphiQL for a browser's `GET /graphql`, served from the binary: async-graphql's page loads
//! React and GraphiQL from a CDN, which a closed network cannot reach. The vendored files and
//! their versions are described in `api/assets/graphiql/README.md`.
//!
//! The page and its assets need no token (they are public code). The token is pasted into
//! GraphiQL's Headers tab and sent as a bearer header; it is not persisted and no cookie is
//! involved, so the page weakens nothing.

use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// Scripts, styles and connections from this origin only (inline styles are GraphiQL's own;
/// fonts and the favicon are `data:` URLs).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// `(name, content type, bytes)` of what `/graphql/assets/{name}` serves.
const ASSETS: [(&str, &str, &[u8]); 5] = [
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "chorus-graphiql.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/chorus-graphiql.js"),
    ),
];

/// The GraphiQL page.
pub fn page() -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /graphql/assets/{name}`: a file of the page.
pub async fn asset(Path(name): Path<String>) -> Response {
    let Some((_, content_type, bytes)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, *content_type),
            // Unversioned names: cached for an hour, so an upgrade shows up soon.
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        *bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_served_assets() {
        for src in PAGE.split("/graphql/assets/").skip(1) {
            let name = src.split('"').next().unwrap_or_default();
            assert!(
                ASSETS.iter().any(|(n, _, _)| *n == name),
                "{name} is not served"
            );
        }
        assert!(!PAGE.contains("https://"), "no CDN");
    }
}
