//! Relay cursor connections with keyset pagination.
//!
//! A resolver turns `first/after/last/before` into a [`Page`] (validated: 1–100, not both
//! `first` and `last`), fetches `limit + 1` rows past the cursor in the page's direction, and
//! hands them to [`Page::connection`]. Cursors are opaque: URL-safe base64 of the JSON of the
//! sort key, so a page deep in a table costs what the first page costs.

use async_graphql::SimpleObject;
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use super::errors::ApiError;
use crate::domain::text::Quoted;

/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: i32 = 100;

/// Where a page sits in its list (Relay `PageInfo`).
#[derive(SimpleObject, Clone, Debug, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// True when items exist after this page (reliable when paging forwards).
    pub has_next_page: bool,
    /// True when items exist before this page (reliable when paging backwards).
    pub has_previous_page: bool,
    /// Cursor of the first item of the page; null for an empty page.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of the page; null for an empty page.
    pub end_cursor: Option<String>,
}

/// One fetched page before it becomes a GraphQL connection type.
#[derive(Debug)]
pub struct Paged<N> {
    pub items: Vec<(String, N)>,
    pub page_info: PageInfo,
    pub total_count: Option<i64>,
}

/// Declares a Relay connection and edge type for a node type, with descriptions.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, " (Relay connection).")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// The items of this page, without cursors.
            pub nodes: Vec<$node>,
            /// Where this page sits in the whole list.
            pub page_info: $crate::graphql::pagination::PageInfo,
            /// Number of items in the whole list, ignoring paging. Computed only when selected,
            /// so leave it out of queries that do not need it.
            pub total_count: Option<i64>,
        }

        #[doc = concat!("One of ", $what, " with its cursor.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Opaque cursor of this item, for `after`/`before`.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl From<$crate::graphql::pagination::Paged<$node>> for $connection {
            fn from(page: $crate::graphql::pagination::Paged<$node>) -> Self {
                let nodes = page.items.iter().map(|(_, n)| n.clone()).collect();
                let edges = page
                    .items
                    .into_iter()
                    .map(|(cursor, node)| $edge { cursor, node })
                    .collect();
                Self {
                    edges,
                    nodes,
                    page_info: page.page_info,
                    total_count: page.total_count,
                }
            }
        }
    };
}
pub(crate) use connection;

/// A validated page request over sort keys `K`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<K> {
    /// Items wanted (1–100).
    pub limit: u64,
    /// Fetch items after this key (forward) …
    pub after: Option<K>,
    /// … or before this key (backward).
    pub before: Option<K>,
    /// True for `last`: fetch in reverse order, then flip.
    pub backward: bool,
}

impl<K: Serialize + DeserializeOwned> Page<K> {
    /// Validates the Relay arguments.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Self, ApiError> {
        let size = |name: &str, n: i32| {
            if (1..=MAX_PAGE_SIZE).contains(&n) {
                Ok(n as u64)
            } else {
                Err(ApiError::BadUserInput(format!(
                    "{name} must be between 1 and {MAX_PAGE_SIZE}, got {n}"
                )))
            }
        };
        let (limit, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(ApiError::BadUserInput(
                    "give first or last, not both".into(),
                ));
            }
            (Some(n), None) => (size("first", n)?, false),
            (None, Some(n)) => (size("last", n)?, true),
            (None, None) => (DEFAULT_PAGE_SIZE, false),
        };
        Ok(Self {
            limit,
            after: after.as_deref().map(decode_cursor).transpose()?,
            before: before.as_deref().map(decode_cursor).transpose()?,
            backward,
        })
    }

    /// How many rows to fetch: one more than the page, to learn whether more exist.
    pub fn fetch_limit(&self) -> u64 {
        self.limit + 1
    }

    /// Builds the page from rows fetched in the page's direction (`limit + 1` at most).
    pub fn finish<N, R>(
        &self,
        mut rows: Vec<R>,
        key: impl Fn(&R) -> K,
        node: impl Fn(R) -> N,
        total_count: Option<i64>,
    ) -> Paged<N> {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        if self.backward {
            rows.reverse();
        }
        let (has_previous_page, has_next_page) = if self.backward {
            (more, self.before.is_some())
        } else {
            (self.after.is_some(), more)
        };
        let items: Vec<(String, N)> = rows
            .into_iter()
            .map(|r| (encode_cursor(&key(&r)), node(r)))
            .collect();
        let page_info = PageInfo {
            has_next_page,
            has_previous_page,
            start_cursor: items.first().map(|(c, _)| c.clone()),
            end_cursor: items.last().map(|(c, _)| c.clone()),
        };
        Paged {
            items,
            page_info,
            total_count,
        }
    }
}

/// Encodes a sort key as an opaque cursor.
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    // Serializing plain keys (strings, numbers, uuids, timestamps) cannot fail.
    let json = serde_json::to_vec(key).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor made by [`encode_cursor`]; anything else is BAD_USER_INPUT.
pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, ApiError> {
    let bad = || {
        ApiError::BadUserInput(format!(
            "{} is not a cursor of this list",
            Quoted::new(cursor)
        ))
    };
    if cursor.len() > 1024 {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| bad())?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if !instants_in_range(&value) {
        return Err(bad());
    }
    serde_json::from_value(value).map_err(|_| bad())
}

/// False when a timestamp in a decoded cursor lies outside years 1 to 9999: no row has one,
/// so no cursor we made holds one, and PostgreSQL refuses to compare with most of them.
fn instants_in_range(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => match s.parse::<chrono::DateTime<chrono::Utc>>() {
            Ok(t) => (1..=9999).contains(&chrono::Datelike::year(&t)),
            Err(_) => true,
        },
        serde_json::Value::Array(items) => items.iter().all(instants_in_range),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Key = (String, uuid::Uuid);

    #[test]
    fn page_sizes_are_bounded_and_exclusive() {
        let cases: [(Option<i32>, Option<i32>, bool); 7] = [
            (Some(1), None, true),
            (Some(100), None, true),
            (None, Some(5), true),
            (None, None, true),
            (Some(0), None, false),
            (Some(101), None, false),
            (Some(5), Some(5), false),
        ];
        for (first, last, ok) in cases {
            let page = Page::<Key>::new(first, None, last, None);
            assert_eq!(page.is_ok(), ok, "first={first:?} last={last:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let key: Key = ("Smith".into(), uuid::Uuid::now_v7());
        let cursor = encode_cursor(&key);
        assert_eq!(decode_cursor::<Key>(&cursor).expect("valid"), key);
        assert!(decode_cursor::<Key>("not-a-cursor").is_err());
        assert!(decode_cursor::<Key>(&encode_cursor(&42)).is_err());
    }

    #[test]
    fn cursors_with_instants_no_row_can_have_are_refused() {
        type TimeKey = (chrono::DateTime<chrono::Utc>, uuid::Uuid);
        let id = uuid::Uuid::now_v7();
        for (time, ok) in [
            ("2026-03-29T01:30:00Z", true),
            ("0001-01-01T00:00:00Z", true),
            ("-262143-01-01T00:00:00Z", false),
            ("+262142-12-31T23:59:59Z", false),
        ] {
            let cursor = encode_cursor(&(time, id));
            let decoded = decode_cursor::<TimeKey>(&cursor);
            assert_eq!(decoded.is_ok(), ok, "{time}");
            if let Err(e) = decoded {
                assert_eq!(e.code(), "BAD_USER_INPUT");
            }
        }
    }

    #[test]
    fn an_extra_row_means_another_page() {
        let page = Page::<i32>::new(Some(2), None, None, None).expect("valid");
        let conn = page.finish(vec![1, 2, 3], |r| *r, |r| r, None);
        assert_eq!(conn.items.len(), 2);
        assert!(conn.page_info.has_next_page);
        let page = Page::<i32>::new(None, None, Some(2), None).expect("valid");
        let conn = page.finish(vec![9, 8], |r| *r, |r| r, None);
        let nodes: Vec<i32> = conn.items.iter().map(|(_, n)| *n).collect();
        assert_eq!(
            nodes,
            vec![8, 9],
            "backward pages come back in forward order"
        );
        assert!(!conn.page_info.has_previous_page);
    }
}
