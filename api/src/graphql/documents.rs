//! Parsed GraphQL documents by their text.
//!
//! Portals, apps and scripts send the same few operations over and over, with only the
//! variables changing; parsing one (async-graphql's parser is built on pest) was about 6% of
//! the server's CPU for a directory search (`tests/bench/RESULTS.md`). A document parses the
//! same way whatever the request, so the parsed form of a recent text is reused: the request
//! gets a copy and everything after parsing (validation, limits, execution) runs as before.
//! Only documents that parse are kept; a syntax error is left to the executor to report.

use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use async_graphql::{Request, parser::types::ExecutableDocument};
use lru::LruCache;

/// Documents longer than this are parsed every time: the operations worth keeping are an
/// app's own, a few KB at most.
const MAX_CACHED_LEN: usize = 16 * 1024;

/// A bounded, least-recently-used map from a document's text to its parsed form.
pub struct DocumentCache {
    entries: Mutex<LruCache<String, Arc<ExecutableDocument>>>,
}

impl DocumentCache {
    pub fn new(capacity: NonZeroUsize) -> Self {
        Self {
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// Gives the request its parsed document: a copy of the one kept for the same text, or
    /// parsed now (and kept when it parses). Does nothing for a request already parsed.
    pub fn prepare(&self, request: &mut Request) {
        if request.query.len() > MAX_CACHED_LEN {
            return;
        }
        let kept = self.lock().get(request.query.as_str()).cloned();
        match kept {
            Some(doc) => request.set_parsed_query(ExecutableDocument::clone(&doc)),
            None => {
                if let Ok(doc) = request.parsed_query() {
                    let doc = Arc::new(doc.clone());
                    self.lock().put(request.query.clone(), doc);
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, Arc<ExecutableDocument>>> {
        // The map holds no invariant a panic could break half-way.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(capacity: usize) -> DocumentCache {
        DocumentCache::new(NonZeroUsize::new(capacity).expect("capacity"))
    }

    /// The request is parsed either way, and a second request with the same text gets the
    /// same document without parsing.
    #[test]
    fn a_document_is_parsed_once_and_copied_after() {
        let documents = cache(4);
        let text =
            "query($s: String!) { directory(search: $s, first: 2) { nodes { displayName } } }";
        let mut first = Request::new(text);
        documents.prepare(&mut first);
        assert_eq!(documents.lock().len(), 1);
        let mut second = Request::new(text);
        documents.prepare(&mut second);
        assert_eq!(documents.lock().len(), 1);
        let parsed = |r: &mut Request| format!("{:?}", r.parsed_query().expect("parsed"));
        assert_eq!(parsed(&mut first), parsed(&mut second));
        assert_eq!(
            parsed(&mut second),
            format!(
                "{:?}",
                async_graphql::parser::parse_query(text).expect("parses")
            )
        );
    }

    #[test]
    fn syntax_errors_and_long_documents_are_not_kept() {
        let documents = cache(4);
        let mut broken = Request::new("{ directory(search: ");
        documents.prepare(&mut broken);
        assert!(documents.lock().is_empty());
        assert!(broken.parsed_query().is_err());
        let long = format!("{{ {} }}", "__typename ".repeat(MAX_CACHED_LEN / 10));
        let mut request = Request::new(long);
        documents.prepare(&mut request);
        assert!(documents.lock().is_empty());
        assert!(request.parsed_query().is_ok());
    }

    #[test]
    fn the_least_recently_used_document_makes_room() {
        let documents = cache(2);
        for text in ["{ a }", "{ b }", "{ a }", "{ c }"] {
            documents.prepare(&mut Request::new(text));
        }
        assert_eq!(documents.lock().len(), 2);
        let held: Vec<String> = documents
            .lock()
            .iter()
            .map(|(text, _)| text.clone())
            .collect();
        assert_eq!(held, ["{ c }", "{ a }"]);
    }
}
