//! What an operation may ask for, checked before it runs, and what it costs the caller.
//!
//! async-graphql's own depth and complexity limits stay on, but they miss what attack sets
//! use: `__typename` aliases and duplicates are free to them, introspection runs on a schema
//! without limits, and nothing bounds tokens or list arguments. So every request is also
//! measured here from its parsed document:
//! - tokens (before parsing), aliases, the longest list in the arguments, and how many list
//!   fields of introspection are nested (the standard query needs 3: `types`/`fields`/`args`;
//!   the "circular introspection" attack needs more);
//! - the cost, in the spirit of Shopify's: every selected field costs 1 (`__typename`
//!   included), a field with `first`/`last` multiplies what is below it by that page size
//!   (capped at the page limit, which the resolver enforces with its own error), `nodes(ids:)`
//!   by the number of ids, and a mutation's root field adds 10.
//!
//! Over a limit the request stops with `LIMIT_EXCEEDED` or `MAX_COST_EXCEEDED` and nothing
//! runs. An operation within the limits is then charged against its caller's budget (a GCRA
//! bucket per principal, from `governor`), before async-graphql validates it; when the budget
//! is spent the answer is `THROTTLED` (HTTP 429, with the seconds to wait). Every response
//! carries `extensions.cost` in Shopify's shape:
//! `{requestedQueryCost, actualQueryCost, throttleStatus {maximumAvailable,
//! currentlyAvailable, restoreRate}}`, where the actual cost counts the fields returned.
//! Budgets live in the process: with several replicas each holds its own.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use async_graphql::{
    ErrorExtensionValues, Name, Request, Response, ServerError, ServerResult, Value, Variables,
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
    },
};
use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
};

use crate::{auth::Principal, config::Limits};

/// What a mutation's root field costs on top of its selection.
const MUTATION_COST: u64 = 10;
/// Introspection fields that return lists.
const INTROSPECTION_LISTS: [&str; 8] = [
    "types",
    "fields",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "args",
    "directives",
];
/// Nested introspection lists allowed: the standard introspection query needs 3.
const MAX_INTROSPECTION_LISTS: usize = 3;
/// Fragment spreads followed before giving up (cycles are a validation error later).
const MAX_FRAGMENT_NESTING: usize = 32;

/// The measured shape of one operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    pub cost: u64,
    pub aliases: usize,
    /// Deepest nesting of introspection list fields.
    pub introspection_lists: usize,
    /// The longest list in any argument, variables resolved.
    pub longest_list: usize,
    /// Part of `cost` added for mutation root fields (also added to the actual cost).
    pub surcharge: u64,
}

/// Deepest bracket nesting (`{`, `[`, `(`) accepted in a GraphQL document or a JSON request
/// body, checked on the text before anything parses it.
///
/// Every later pass over a document or its variables recurses once per level: async-graphql's
/// parser, the walk below, value coercion and validation, and dropping the parsed tree. A
/// list literal 1,750 levels deep overflowed a worker's stack and aborted the process, so the
/// text is refused long before that. Legitimate operations stay far below: async-graphql's own
/// recursive-depth limit (32) counts selections and values, and the bracket count adds at most
/// one `(` per field on top of it.
pub const MAX_NESTING: usize = 64;

/// What the lexer sees of a text before it is parsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextShape {
    /// Lexical tokens: names, numbers, strings and punctuators.
    pub tokens: usize,
    /// Deepest nesting of `{`, `[` and `(` outside strings and comments.
    pub nesting: usize,
}

/// Measures a GraphQL document (or a JSON text: its strings and brackets read the same way)
/// without parsing it: whitespace, commas and comments are ignored, and brackets inside
/// strings do not nest. Malformed text is measured as far as it goes: the parser reports the
/// error.
pub fn measure_text(text: &str) -> TextShape {
    measure_bytes(text.as_bytes())
}

/// [`measure_text`] of bytes that may not be UTF-8 (a request body before it is decoded).
pub fn measure_bytes(bytes: &[u8]) -> TextShape {
    let mut i = 0;
    let mut shape = TextShape::default();
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                shape.tokens += 1;
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
            }
            b'"' => {
                shape.tokens += 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                shape.tokens += 1;
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                shape.tokens += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'-' | b'.' | b'+'))
                {
                    i += 1;
                }
            }
            // Punctuators, and any other byte (UTF-8 BOM, stray characters) one each.
            c => {
                match c {
                    b'{' | b'[' | b'(' => {
                        depth += 1;
                        shape.nesting = shape.nesting.max(depth);
                    }
                    b'}' | b']' | b')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                shape.tokens += 1;
                i += 1;
            }
        }
    }
    shape
}

/// Counts the lexical tokens of a GraphQL document (see [`measure_text`]).
pub fn count_tokens(query: &str) -> usize {
    measure_text(query).tokens
}

/// Refuses a JSON request text (a body, a `variables` parameter, a WebSocket message) nested
/// deeper than [`MAX_NESTING`], before serde reads it. serde_json stops at 128 levels by itself,
/// but with a syntax error that names no limit; this says what was exceeded, with a code.
pub fn screen_json(text: &[u8]) -> ServerResult<()> {
    let nesting = measure_bytes(text).nesting;
    if nesting > MAX_NESTING {
        return Err(nesting_refusal("the request", nesting));
    }
    Ok(())
}

fn nesting_refusal(what: &str, nesting: usize) -> ServerError {
    refusal(
        "LIMIT_EXCEEDED",
        format!("{what} nests {nesting} levels of brackets; at most {MAX_NESTING} are accepted"),
        |_| {},
    )
}

/// Measures the operation a request would run; None when the operation cannot be chosen
/// (the executor reports that).
///
/// The walk follows fragment spreads, so a document of a few lines can stand for billions of
/// fields (each fragment spreading the next twice: 2^n). It stops after `visit_budget(max_cost)`
/// selections (fields, spreads and inline fragments) and the operation is then costed above
/// `max_cost`, which is all the caller needs to know; the walk's own work stays bounded.
pub fn analyze(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    max_page: u64,
    max_cost: u64,
) -> Option<Analysis> {
    let max_visits = visit_budget(max_cost);
    let operation = match &doc.operations {
        DocumentOperations::Single(op) => op,
        DocumentOperations::Multiple(ops) => match operation_name {
            Some(name) => ops.get(name)?,
            None if ops.len() == 1 => ops.values().next()?,
            None => return None,
        },
    };
    let mut walker = Walker {
        doc,
        variables,
        max_page,
        visits_left: max_visits,
        analysis: Analysis::default(),
    };
    let root = &operation.node.selection_set.node;
    let cost = walker.selection_cost(root, false, 0, 0);
    if operation.node.ty == OperationType::Mutation {
        walker.analysis.surcharge = MUTATION_COST.saturating_mul(walker.root_fields(root, 0));
    }
    walker.analysis.cost = if walker.visits_left == 0 {
        // Stopped: more fields than `max_cost`, each costing at least 1.
        max_cost.saturating_add(1).max(cost)
    } else {
        cost
    }
    .saturating_add(walker.analysis.surcharge);
    Some(walker.analysis)
}

/// Selections the walk may visit for an operation of at most `max_cost` points. Every field
/// costs at least 1, and every spread or inline fragment holds a non-empty selection set, so
/// it leads to a field within [`MAX_FRAGMENT_NESTING`] + 1 more selections: a walk that visits
/// more than this has met more than `max_cost` fields.
fn visit_budget(max_cost: u64) -> u64 {
    max_cost.saturating_mul(MAX_FRAGMENT_NESTING as u64 + 2)
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    max_page: u64,
    /// Fields the walk may still visit (see [`analyze`]); at 0 it stops.
    visits_left: u64,
    analysis: Analysis,
}

impl Walker<'_> {
    /// Takes one field from the visit budget; false once it is spent.
    fn visit(&mut self) -> bool {
        if self.visits_left == 0 {
            return false;
        }
        self.visits_left -= 1;
        true
    }

    /// Root fields of a selection, through fragments (within the same visit budget).
    fn root_fields(&mut self, set: &SelectionSet, nesting: usize) -> u64 {
        if nesting > MAX_FRAGMENT_NESTING {
            return 0;
        }
        let mut total: u64 = 0;
        for item in &set.items {
            if !self.visit() {
                break;
            }
            total = total.saturating_add(match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(f) => {
                    self.root_fields(&f.node.selection_set.node, nesting + 1)
                }
                Selection::FragmentSpread(spread) => {
                    match self.doc.fragments.get(&spread.node.fragment_name.node) {
                        Some(f) => self.root_fields(&f.node.selection_set.node, nesting + 1),
                        None => 0,
                    }
                }
            });
        }
        total
    }

    /// Cost of a selection set; `lists` counts enclosing introspection lists.
    fn selection_cost(
        &mut self,
        set: &SelectionSet,
        introspecting: bool,
        lists: usize,
        nesting: usize,
    ) -> u64 {
        if nesting > MAX_FRAGMENT_NESTING {
            return 0;
        }
        let mut total: u64 = 0;
        for item in &set.items {
            // Spreads and inline fragments count as visits too: a chain of empty fragments
            // costs nothing but still has to be walked.
            if !self.visit() {
                break;
            }
            let cost = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if field.alias.is_some() {
                        self.analysis.aliases += 1;
                    }
                    let name = field.name.node.as_str();
                    let introspection = introspecting || name.starts_with("__");
                    let lists = if introspection && INTROSPECTION_LISTS.contains(&name) {
                        lists + 1
                    } else {
                        lists
                    };
                    self.analysis.introspection_lists =
                        self.analysis.introspection_lists.max(lists);
                    let mut multiplier = 1;
                    for (arg, value) in &field.arguments {
                        let value = value
                            .node
                            .clone()
                            .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()));
                        let Ok(value) = value else { continue };
                        self.analysis.longest_list =
                            self.analysis.longest_list.max(longest_list(&value));
                        match (arg.node.as_str(), &value) {
                            ("first" | "last", Value::Number(n)) => {
                                let n = n.as_u64().unwrap_or(0).min(self.max_page);
                                multiplier = multiplier.max(n);
                            }
                            ("ids", Value::List(ids)) if name == "nodes" => {
                                multiplier = multiplier.max(ids.len() as u64);
                            }
                            _ => {}
                        }
                    }
                    let below = self.selection_cost(
                        &field.selection_set.node,
                        introspection,
                        lists,
                        nesting,
                    );
                    1u64.saturating_add(multiplier.saturating_mul(below))
                }
                Selection::InlineFragment(fragment) => self.selection_cost(
                    &fragment.node.selection_set.node,
                    introspecting,
                    lists,
                    nesting + 1,
                ),
                Selection::FragmentSpread(spread) => {
                    match self.doc.fragments.get(&spread.node.fragment_name.node) {
                        Some(fragment) => self.selection_cost(
                            &fragment.node.selection_set.node,
                            introspecting,
                            lists,
                            nesting + 1,
                        ),
                        None => 0,
                    }
                }
            };
            total = total.saturating_add(cost);
        }
        total
    }
}

/// The longest list inside a value.
fn longest_list(value: &Value) -> usize {
    match value {
        Value::List(items) => items
            .iter()
            .map(longest_list)
            .max()
            .unwrap_or(0)
            .max(items.len()),
        Value::Object(fields) => fields.values().map(longest_list).max().unwrap_or(0),
        _ => 0,
    }
}

/// The fields a response returned: each key of each object counts 1.
pub fn actual_cost(data: &Value) -> u64 {
    match data {
        Value::Object(fields) => fields
            .values()
            .map(|v| 1u64.saturating_add(actual_cost(v)))
            .fold(0, u64::saturating_add),
        Value::List(items) => items.iter().map(actual_cost).fold(0, u64::saturating_add),
        _ => 0,
    }
}

type Limiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// Every caller's cost budget.
pub struct Budgets {
    limiter: Option<Limiter>,
    maximum: u32,
    restore_rate: u32,
}

/// The outcome of charging a budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charge {
    /// Charged; this many points are left.
    Charged { available: u32 },
    /// Not charged: only `available` points are left; try again after `retry_after`.
    Throttled {
        available: u32,
        retry_after: Duration,
    },
    /// Budgets are off.
    Unlimited,
}

impl Budgets {
    /// Budgets of `maximum` points refilled at `restore_rate` per second (0: no budgets).
    pub fn new(maximum: u32, restore_rate: u32) -> Self {
        let limiter = NonZeroU32::new(restore_rate)
            .zip(NonZeroU32::new(maximum))
            .map(|(rate, burst)| {
                RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
                    .with_middleware::<StateInformationMiddleware>()
            });
        Self {
            limiter,
            maximum,
            restore_rate,
        }
    }

    /// Charges `cost` points to `caller`.
    pub fn charge(&self, caller: &str, cost: u64) -> Charge {
        let Some(limiter) = &self.limiter else {
            return Charge::Unlimited;
        };
        // Forget callers whose buckets are full again, now and then.
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
        let cost = u32::try_from(cost).unwrap_or(u32::MAX).max(1);
        let Some(n) = NonZeroU32::new(cost) else {
            return Charge::Unlimited;
        };
        match limiter.check_key_n(&caller.to_owned(), n) {
            Ok(Ok(snapshot)) => Charge::Charged {
                available: snapshot.remaining_burst_capacity(),
            },
            Ok(Err(not_until)) => {
                let retry_after = not_until.wait_time_from(DefaultClock::default().now());
                // GCRA: the wait is the time the missing points take to come back.
                let missing = (retry_after.as_secs_f64() * f64::from(self.restore_rate)).ceil();
                let available = (f64::from(cost) - missing).max(0.0) as u32;
                Charge::Throttled {
                    available,
                    retry_after,
                }
            }
            // More than the whole budget: MAX_COST_EXCEEDED catches this first.
            Err(_) => Charge::Throttled {
                available: 0,
                retry_after: Duration::from_secs(1),
            },
        }
    }

    /// The `throttleStatus` object of `extensions.cost`.
    fn status(&self, available: Option<u32>) -> Value {
        let mut status = async_graphql::indexmap::IndexMap::new();
        status.insert(Name::new("maximumAvailable"), Value::from(self.maximum));
        status.insert(
            Name::new("currentlyAvailable"),
            available.map_or(Value::Null, Value::from),
        );
        status.insert(Name::new("restoreRate"), Value::from(self.restore_rate));
        Value::Object(status)
    }
}

/// The request limits and budgets, shared by every request.
///
/// Applied by the transports (`POST`/`GET /graphql`, the WebSocket) around execution rather
/// than as an async-graphql extension: with any extension installed, async-graphql runs every
/// field of every response through the extension chain, which was about 12% of the server's
/// CPU for a directory search page (`tests/bench/RESULTS.md`), and these limits need nothing
/// per field.
pub struct CostLimits {
    pub max_cost: u64,
    pub max_aliases: usize,
    pub max_tokens: usize,
    pub max_list_input: usize,
    pub max_page: u64,
    pub budgets: Arc<Budgets>,
}

impl CostLimits {
    pub fn new(limits: &Limits, budgets: Arc<Budgets>) -> Self {
        Self {
            max_cost: u64::from(limits.max_cost),
            max_aliases: limits.max_aliases,
            max_tokens: limits.max_tokens,
            max_list_input: limits.max_list_input,
            max_page: u64::from(limits.max_page_size),
            budgets,
        }
    }

    /// A meter for one request.
    pub fn meter(&self) -> Meter<'_> {
        Meter {
            limits: self,
            screened: false,
            analysis: None,
            available: None,
        }
    }
}

/// One request's measure: what it asks for and what its caller has left.
pub struct Meter<'a> {
    limits: &'a CostLimits,
    /// The text passed [`Meter::screen`].
    screened: bool,
    analysis: Option<Analysis>,
    available: Option<u32>,
}

/// A request error with a code (and more extensions).
fn refusal(
    code: &str,
    message: String,
    more: impl FnOnce(&mut ErrorExtensionValues),
) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    more(&mut extensions);
    error.extensions = Some(extensions);
    error
}

impl Meter<'_> {
    /// Measures the request against the limits, then charges its caller: nothing may run
    /// unless this is Ok. The request's document is parsed here (and kept in it) unless it
    /// already is; a document that does not parse is neither measured nor charged (the
    /// executor reports the syntax error). An operation within the limits is charged before
    /// async-graphql validates it: one that then fails validation has cost its points too.
    pub fn admit(&mut self, request: &mut Request, caller: Option<&Principal>) -> ServerResult<()> {
        self.screen(&request.query)?;
        self.check(request)?;
        self.charge(caller)
    }

    /// Checks the document's text (tokens, bracket nesting) before anything parses it. The
    /// transports call this first, before the document cache or their own look at the
    /// operation; [`Meter::admit`] calls it too when they have not.
    pub fn screen(&mut self, query: &str) -> ServerResult<()> {
        if self.screened {
            return Ok(());
        }
        let limits = self.limits;
        let text = measure_text(query);
        if text.tokens > limits.max_tokens {
            return Err(refusal(
                "LIMIT_EXCEEDED",
                format!(
                    "the document has {} tokens; at most {} are accepted",
                    text.tokens, limits.max_tokens
                ),
                |_| {},
            ));
        }
        if text.nesting > MAX_NESTING {
            return Err(nesting_refusal("the document", text.nesting));
        }
        self.screened = true;
        Ok(())
    }

    fn check(&mut self, request: &mut Request) -> ServerResult<()> {
        let limits = self.limits;
        // Variables are moved aside rather than copied (a PBX batch is MBs).
        let operation_name = request.operation_name.clone();
        let variables = std::mem::take(&mut request.variables);
        let analysis = request.parsed_query().ok().and_then(|doc| {
            analyze(
                doc,
                operation_name.as_deref(),
                &variables,
                limits.max_page,
                limits.max_cost,
            )
        });
        request.variables = variables;
        let Some(analysis) = analysis else {
            return Ok(());
        };
        if analysis.aliases > limits.max_aliases {
            return Err(refusal(
                "LIMIT_EXCEEDED",
                format!(
                    "the operation has {} aliases; at most {} are accepted",
                    analysis.aliases, limits.max_aliases
                ),
                |_| {},
            ));
        }
        if analysis.introspection_lists > MAX_INTROSPECTION_LISTS {
            return Err(refusal(
                "LIMIT_EXCEEDED",
                format!(
                    "introspection nests {} list fields; at most {MAX_INTROSPECTION_LISTS} are accepted",
                    analysis.introspection_lists
                ),
                |_| {},
            ));
        }
        if analysis.longest_list > limits.max_list_input {
            return Err(refusal(
                "LIMIT_EXCEEDED",
                format!(
                    "an argument holds a list of {} items; at most {} are accepted",
                    analysis.longest_list, limits.max_list_input
                ),
                |_| {},
            ));
        }
        let cost = analysis.cost;
        self.analysis = Some(analysis);
        if cost > limits.max_cost {
            return Err(refusal(
                "MAX_COST_EXCEEDED",
                format!(
                    "the operation costs {cost} points; at most {} are accepted (ask for smaller pages)",
                    limits.max_cost
                ),
                |_| {},
            ));
        }
        Ok(())
    }

    fn charge(&mut self, caller: Option<&Principal>) -> ServerResult<()> {
        let Some(cost) = self.analysis.as_ref().map(|a| a.cost) else {
            return Ok(());
        };
        // Without a principal nothing runs (UNAUTHENTICATED); charge a shared anonymous key.
        let key = caller.map_or_else(
            || "anonymous".to_owned(),
            |p| format!("{:?}:{}", p.kind, p.username),
        );
        match self.limits.budgets.charge(&key, cost) {
            Charge::Charged { available } => {
                self.available = Some(available);
                Ok(())
            }
            Charge::Unlimited => Ok(()),
            Charge::Throttled {
                available,
                retry_after,
            } => {
                self.available = Some(available);
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                Err(refusal(
                    "THROTTLED",
                    format!(
                        "the cost budget is spent: this operation costs {cost} points, {available} are left; retry in {seconds} s"
                    ),
                    |e| e.set("retryAfterSeconds", seconds),
                ))
            }
        }
    }

    /// Adds `extensions.cost` to the response of a measured request.
    pub fn report(&self, response: &mut Response) {
        let Some(analysis) = &self.analysis else {
            return;
        };
        let actual = if response.data == Value::Null {
            0
        } else {
            actual_cost(&response.data).saturating_add(analysis.surcharge)
        };
        let mut cost = async_graphql::indexmap::IndexMap::new();
        cost.insert(Name::new("requestedQueryCost"), Value::from(analysis.cost));
        cost.insert(Name::new("actualQueryCost"), Value::from(actual));
        if self.limits.budgets.limiter.is_some() {
            cost.insert(
                Name::new("throttleStatus"),
                self.limits.budgets.status(self.available),
            );
        }
        response
            .extensions
            .insert("cost".to_owned(), Value::Object(cost));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn measure(query: &str, variables: serde_json::Value) -> Analysis {
        let doc = parse_query(query).expect("test queries parse");
        analyze(&doc, None, &Variables::from_json(variables), 100, 100_000).expect("one operation")
    }

    #[test]
    fn tokens_are_counted_like_the_lexer() {
        let cases = [
            ("", 0),
            ("{ a }", 3),
            ("{ a, b }", 4),
            ("# comment only\n{ a }", 3),
            ("query Q($n: Int = 10) { a(first: $n) { ...F } }", 23),
            (r#"{ a(s: "x, y \" z") }"#, 8),
            ("{ a(s: \"\"\"block \\\"\"\" still\"\"\") }", 8),
            ("{ a(f: -1.5e3) }", 8),
        ];
        for (query, expected) in cases {
            assert_eq!(count_tokens(query), expected, "{query}");
        }
    }

    #[test]
    fn nesting_is_measured_outside_strings_and_comments() {
        let cases = [
            ("{ a }", 1),
            ("{ a(x: [[1], [2]]) { b { c } } }", 4),
            (r#"{ a(s: "[[[[{{{{") }"#, 2),
            ("{ a(s: \"\"\"[[[[ \\\"\"\" {{{{\"\"\") }", 2),
            ("# [[[[[[\n{ a }", 1),
            // Unbalanced closers do not go below zero.
            ("}}}]]] { a }", 1),
            (r#"{"query": "{ a }", "variables": {"v": [[["x"]]]}}"#, 5),
        ];
        for (text, expected) in cases {
            assert_eq!(measure_text(text).nesting, expected, "{text}");
        }
        let deep = format!(
            "{{ nodes(ids: {}\"x\"{}) {{ id }} }}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert_eq!(measure_text(&deep).nesting, 10_002);
        assert!(screen_json(format!("{}{}", "[".repeat(65), "]".repeat(65)).as_bytes()).is_err());
        assert!(screen_json(format!("{}{}", "[".repeat(64), "]".repeat(64)).as_bytes()).is_ok());
    }

    #[test]
    fn cost_counts_every_field_and_multiplies_pages() {
        let cases: [(&str, serde_json::Value, u64); 8] = [
            ("{ me { id } }", serde_json::json!({}), 2),
            ("{ __typename }", serde_json::json!({}), 1),
            (
                "{ a: __typename b: __typename c: __typename }",
                serde_json::json!({}),
                3,
            ),
            (
                "{ directory(first: 20) { edges { node { id } } } }",
                serde_json::json!({}),
                61,
            ),
            (
                "query($n: Int) { directory(first: $n) { edges { node { id } } } }",
                serde_json::json!({ "n": 5 }),
                16,
            ),
            // Over the page limit: costed at the limit, the resolver refuses the size.
            (
                "{ directory(first: 100000) { nodes { id } } }",
                serde_json::json!({}),
                201,
            ),
            (
                "{ nodes(ids: [\"a\", \"b\", \"c\"]) { id } }",
                serde_json::json!({}),
                4,
            ),
            (
                "mutation { a { b } c }",
                serde_json::json!({}),
                3 + 2 * MUTATION_COST,
            ),
        ];
        for (query, variables, expected) in cases {
            assert_eq!(measure(query, variables).cost, expected, "{query}");
        }
    }

    #[test]
    fn fragments_aliases_and_lists_are_measured() {
        let a = measure(
            "query { me { ...F ... on Person { x: id } } } fragment F on Person { y: id z: __typename }",
            serde_json::json!({}),
        );
        assert_eq!(a.aliases, 3);
        assert_eq!(a.cost, 4);
        let b = measure(
            "mutation($ids: [ID!]!) { assign(input: { personIds: $ids, nested: [[1, 2], [3]] }) { ok } }",
            serde_json::json!({ "ids": ["a", "b", "c", "d"] }),
        );
        assert_eq!(b.longest_list, 4);
        // A cycle of fragments ends (validation refuses it afterwards).
        let c = measure(
            "{ me { ...A } } fragment A on Person { ...B } fragment B on Person { ...A }",
            serde_json::json!({}),
        );
        assert_eq!(c.cost, 1);
    }

    #[test]
    fn fragments_that_double_stop_the_walk_at_the_budget() {
        // F0 spreads F1 twice, F1 spreads F2 twice, …: 2^30 fields from 31 lines.
        let mut query = String::from("{ ...F0 }");
        for i in 0..30 {
            query.push_str(&format!(
                " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        query.push_str(" fragment F30 on Query { __typename }");
        let doc = parse_query(&query).expect("parses");
        let started = std::time::Instant::now();
        let a = analyze(&doc, None, &Variables::default(), 100, 5_000).expect("one operation");
        assert!(a.cost > 5_000, "{a:?}");
        // Bounded work, whatever the machine: far from the 2^30 visits of a full walk.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // The same for a mutation's root fields.
        let doc = parse_query(query.replacen('{', "mutation {", 1)).expect("parses");
        let a = analyze(&doc, None, &Variables::default(), 100, 5_000).expect("one operation");
        assert!(a.cost > 5_000, "{a:?}");
        // Within the budget nothing changes.
        let small = measure(
            "{ ...A } fragment A on Query { ...B ...B } fragment B on Query { __typename }",
            serde_json::json!({}),
        );
        assert_eq!(small.cost, 2);
    }

    #[test]
    fn introspection_nesting_is_measured() {
        let standard = measure(
            "{ __schema { types { name fields { name args { name type { name ofType { name } } } } } directives { args { name } } } }",
            serde_json::json!({}),
        );
        assert_eq!(standard.introspection_lists, 3);
        let circular = measure(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
            serde_json::json!({}),
        );
        assert_eq!(circular.introspection_lists, 4);
        let ordinary = measure("{ me { lines { id } } }", serde_json::json!({}));
        assert_eq!(ordinary.introspection_lists, 0);
    }

    #[test]
    fn budgets_throttle_and_refill() {
        let budgets = Budgets::new(100, 10);
        assert_eq!(budgets.charge("a", 60), Charge::Charged { available: 40 });
        match budgets.charge("a", 60) {
            Charge::Throttled {
                available,
                retry_after,
            } => {
                assert!(available <= 40, "{available}");
                assert!(
                    retry_after >= Duration::from_millis(1900),
                    "{retry_after:?}"
                );
            }
            other => panic!("expected a throttle, got {other:?}"),
        }
        // Another caller has its own budget.
        assert_eq!(budgets.charge("b", 100), Charge::Charged { available: 0 });
        assert_eq!(Budgets::new(100, 0).charge("a", 1_000), Charge::Unlimited);
    }

    #[test]
    fn actual_cost_counts_returned_fields() {
        let data = Value::from_json(serde_json::json!({
            "directory": { "nodes": [ { "id": "1" }, { "id": "2" } ] }
        }))
        .expect("json");
        assert_eq!(actual_cost(&data), 4);
    }
}
