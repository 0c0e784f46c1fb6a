//! Directory search rules: which words make a person findable, how a query is read, and how
//! matches rank.
//!
//! A person is findable by the start of any word of their name (folded, so "said" finds
//! "Saïd"), by their username, their extensions, and their numbers (E.164 digits and the UK
//! national form starting 0). A query of several words must match each word. Ranking, best
//! first: an identifier typed in full (0), a whole name word (1), an identifier prefix (2), a
//! name-word prefix (3); then by name.

use super::text::fold_search_name;

/// Term kind: an identifier (username, extension, number).
pub const KIND_IDENTIFIER: i16 = 0;
/// Term kind: a word of the name.
pub const KIND_NAME: i16 = 1;
/// The longest query a search accepts, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// The most words of a query that are matched.
pub const MAX_QUERY_WORDS: usize = 5;

/// Identity and numbers of a person, the input of [`terms`].
pub struct Searchable<'a> {
    pub display_name: &'a str,
    pub username: &'a str,
    /// `(extension, e164)` of each line the person owns.
    pub lines: Vec<(&'a str, &'a str)>,
}

/// The searchable terms of a person, without duplicates (the lowest kind wins).
pub fn terms(p: &Searchable<'_>) -> Vec<(String, i16)> {
    let mut out: Vec<(String, i16)> = Vec::new();
    let mut add = |term: String, kind: i16| {
        if term.is_empty() {
            return;
        }
        match out.iter_mut().find(|(t, _)| *t == term) {
            Some((_, k)) => *k = (*k).min(kind),
            None => out.push((term, kind)),
        }
    };
    for word in name_words(p.display_name) {
        add(word, KIND_NAME);
    }
    add(fold_search_name(p.username), KIND_IDENTIFIER);
    for (extension, e164) in &p.lines {
        add((*extension).to_owned(), KIND_IDENTIFIER);
        let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
        if let Some(national) = digits.strip_prefix("44") {
            add(format!("0{national}"), KIND_IDENTIFIER);
        }
        add(digits, KIND_IDENTIFIER);
    }
    out
}

/// Words of a folded name: split on spaces, hyphens and apostrophes; the joined form of a
/// hyphenated or apostrophised name is a word too ("o'brien" → "o", "brien", "obrien").
fn name_words(name: &str) -> Vec<String> {
    let folded = fold_search_name(name);
    let mut words = Vec::new();
    for chunk in folded.split_whitespace() {
        let parts: Vec<&str> = chunk
            .split(['-', '\'', '.'])
            .filter(|s| !s.is_empty())
            .collect();
        if parts.len() > 1 {
            words.push(parts.concat());
        }
        words.extend(parts.into_iter().map(str::to_owned));
    }
    words
}

/// One word of a query, ready for an index range scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryWord {
    /// The folded prefix; matches terms `>= prefix` and `< upper`.
    pub prefix: String,
    /// The smallest string greater than every string starting with `prefix`.
    pub upper: String,
}

/// Reads a search query into words. Number-like input ("+44 1865 270000", "01865-27") is
/// one word of digits; names are folded and split like names. Empty when nothing searchable.
pub fn parse_query(input: &str) -> Result<Vec<QueryWord>, String> {
    if input.chars().count() > MAX_QUERY_CHARS {
        return Err(format!("a search has at most {MAX_QUERY_CHARS} characters"));
    }
    let trimmed = input.trim();
    let numberish = trimmed.chars().any(|c| c.is_ascii_digit())
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let words: Vec<String> = if numberish {
        vec![trimmed.chars().filter(char::is_ascii_digit).collect()]
    } else {
        let mut w: Vec<String> = Vec::new();
        for chunk in fold_search_name(trimmed).split_whitespace() {
            let joined: String = chunk.chars().filter(|c| !"-'.".contains(*c)).collect();
            if !joined.is_empty() && !w.contains(&joined) {
                w.push(joined);
            }
        }
        w
    };
    Ok(words
        .into_iter()
        .filter(|w| !w.is_empty())
        .take(MAX_QUERY_WORDS)
        .map(|prefix| QueryWord {
            upper: upper_bound(&prefix),
            prefix,
        })
        .collect())
}

/// The least string greater than all strings with this prefix: the prefix with its last
/// character incremented (terms are ASCII after folding; other characters still work).
fn upper_bound(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    // Only reachable for a prefix of char::MAX characters: everything sorts below this.
    char::MAX.to_string()
}

/// Relevance of a term match for a query word: lower is better (see the module doc).
pub fn relevance(term_kind: i16, exact: bool) -> i16 {
    match (term_kind == KIND_IDENTIFIER, exact) {
        (true, true) => 0,
        (false, true) => 1,
        (true, false) => 2,
        (false, false) => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms_of(name: &str) -> Vec<String> {
        let p = Searchable {
            display_name: name,
            username: "bcol1234",
            lines: vec![("70123", "+441865270123")],
        };
        terms(&p).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn every_word_identifier_and_number_form_is_a_term() {
        let t = terms_of("Zoë Saïd-Ólafsdóttir");
        for expected in [
            "zoe",
            "said",
            "olafsdottir",
            "saidolafsdottir",
            "bcol1234",
            "70123",
            "441865270123",
            "01865270123",
        ] {
            assert!(
                t.contains(&expected.to_owned()),
                "{expected} missing from {t:?}"
            );
        }
    }

    #[test]
    fn names_with_apostrophes_are_findable_both_ways() {
        let t = terms_of("Siobhán O'Brien");
        assert!(
            t.contains(&"obrien".to_owned()) && t.contains(&"brien".to_owned()),
            "{t:?}"
        );
    }

    #[test]
    fn queries_are_folded_and_numbers_normalised() {
        let words = |q: &str| {
            parse_query(q)
                .expect("ok")
                .into_iter()
                .map(|w| w.prefix)
                .collect::<Vec<_>>()
        };
        assert_eq!(words("  SAÏD "), ["said"]);
        assert_eq!(words("zoe smi"), ["zoe", "smi"]);
        assert_eq!(words("+44 1865 27"), ["44186527"]);
        assert_eq!(words("(01865) 270-123"), ["01865270123"]);
        assert_eq!(words("O'Brien"), ["obrien"]);
        assert!(words("   ").is_empty());
        assert!(parse_query(&"a".repeat(101)).is_err());
    }

    #[test]
    fn the_upper_bound_closes_the_prefix_range() {
        let w = &parse_query("smi").expect("ok")[0];
        assert_eq!(w.upper, "smj");
        assert!("smith" >= w.prefix.as_str() && "smith" < w.upper.as_str());
        assert!("smj" >= w.upper.as_str());
    }

    #[test]
    fn exact_identifiers_rank_first_and_name_prefixes_last() {
        let mut r = [
            relevance(KIND_NAME, false),
            relevance(KIND_IDENTIFIER, true),
            relevance(KIND_NAME, true),
            relevance(KIND_IDENTIFIER, false),
        ];
        r.sort();
        assert_eq!(r, [0, 1, 2, 3]);
    }
}
