//! Text helpers: folding for directory search, and quoting input back in error messages.
//!
//! `person.search_name` holds the display name folded by [`fold_search_name`], and a search
//! query is folded the same way before it is compared, so "zoe" finds "Zoë" and "said" finds
//! "Saïd".
//!
//! An error that names the input it refused quotes it with [`Quoted`]: a short excerpt, never
//! the whole value, so a megabyte of rubbish costs the server (and the client) a few dozen
//! bytes of message, not megabytes.

use std::fmt;

/// How many characters of refused input an error message quotes at most.
pub const EXCERPT_CHARS: usize = 32;

/// Input as an error message quotes it: Rust string syntax (quotes and escapes, so control
/// characters and line breaks cannot forge log lines), cut to [`EXCERPT_CHARS`] characters
/// and marked `…` with the full length when longer: `"+44 1865 2…" (1048576 bytes)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Quoted(String);

impl Quoted {
    pub fn new(input: &str) -> Self {
        match input.char_indices().nth(EXCERPT_CHARS) {
            None => Self(format!("{input:?}")),
            Some((cut, _)) => {
                let quoted = format!("{:?}", &input[..cut]);
                // Debug output ends with its closing quote: the mark goes inside it.
                let open = quoted.strip_suffix('"').unwrap_or(&quoted);
                Self(format!("{open}…\" ({} bytes)", input.len()))
            }
        }
    }
}

impl fmt::Display for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Most characters of a message made by a library from the input (a query-string or GraphQL
/// parse error) that reach a client.
pub const MESSAGE_CHARS: usize = 300;

/// A library's error message, cut to [`MESSAGE_CHARS`] characters (marked `…`): such
/// messages may quote the input at any length.
pub fn clip_message(message: &str) -> String {
    match message.char_indices().nth(MESSAGE_CHARS) {
        None => message.to_owned(),
        Some((cut, _)) => format!("{}…", &message[..cut]),
    }
}

/// Shown as in a message, so `#[error("{0:?} …")]` and `{0}` read the same.
impl fmt::Debug for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Folds a name for search: lowercase, accents and ligatures folded to ASCII (ï→i, é→e, ø→o,
/// ß→ss, æ→ae, þ→th, ł→l, …), combining marks dropped, typographic apostrophes and hyphens
/// made ASCII, whitespace trimmed and collapsed to single spaces. Characters with no ASCII
/// folding (e.g. CJK) are kept, lowercased. Folding is idempotent.
pub fn fold_search_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_combining_mark(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match fold_char(c) {
            Some(folded) => out.push_str(folded),
            None => out.push(c),
        }
    }
    out
}

/// Combining diacritical marks, as left by a decomposed (NFD) input.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}')
}

/// The ASCII folding of one lowercase character, or `None` to keep it as it is.
fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ǻ' => "a",
        'æ' | 'ǽ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' | 'ơ' | 'ǿ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' | 'ư' | 'ǖ' | 'ǘ' | 'ǚ'
        | 'ǜ' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '`' | '´' => "'",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' => "-",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_input_is_short_and_escaped() {
        assert_eq!(Quoted::new("01865 270000").to_string(), "\"01865 270000\"");
        assert_eq!(Quoted::new("a\nb\"").to_string(), r#""a\nb\"""#);
        let exact = "x".repeat(EXCERPT_CHARS);
        assert_eq!(Quoted::new(&exact).to_string(), format!("{exact:?}"));
        let long = "9".repeat(1 << 20);
        let quoted = Quoted::new(&long).to_string();
        assert_eq!(
            quoted,
            format!("\"{}…\" (1048576 bytes)", "9".repeat(EXCERPT_CHARS))
        );
        // Cut on a character boundary, counted in characters.
        let accents = "é".repeat(100);
        let quoted = Quoted::new(&accents).to_string();
        assert!(quoted.starts_with(&format!("\"{}…", "é".repeat(EXCERPT_CHARS))));
        assert!(quoted.len() < 100);
        assert_eq!(format!("{:?}", Quoted::new("a")), "\"a\"");
    }

    #[test]
    fn library_messages_are_clipped() {
        assert_eq!(clip_message("short"), "short");
        let clipped = clip_message(&"ü".repeat(1 << 20));
        assert_eq!(clipped.chars().count(), MESSAGE_CHARS + 1);
        assert!(clipped.ends_with('…'));
    }

    #[test]
    fn folds_accents_ligatures_and_case() {
        let cases = [
            ("Zoë Ólafsdóttir", "zoe olafsdottir"),
            ("Saïd Business School", "said business school"),
            ("Renée Weiß", "renee weiss"),
            ("Søren Ødegaard", "soren odegaard"),
            ("Łukasz Dąbrowski", "lukasz dabrowski"),
            ("Þórunn Guðmundsdóttir", "thorunn gudmundsdottir"),
            ("Ștefan Popescu", "stefan popescu"),
            ("Çağla Öztürk", "cagla ozturk"),
            ("Æthelflæd Œuvre", "aethelflaed oeuvre"),
            ("François Lefèvre", "francois lefevre"),
            ("Antonín Dvořák", "antonin dvorak"),
            ("İpek Yılmaz", "ipek yilmaz"),
        ];
        for (input, expected) in cases {
            assert_eq!(fold_search_name(input), expected, "{input}");
        }
    }

    #[test]
    fn strips_combining_marks_of_decomposed_input() {
        assert_eq!(fold_search_name("Rene\u{301}e Zoe\u{308}"), "renee zoe");
    }

    #[test]
    fn normalises_whitespace_apostrophes_and_hyphens() {
        assert_eq!(
            fold_search_name("  Anne\u{2011}Marie \t O\u{2019}Brien  "),
            "anne-marie o'brien"
        );
        assert_eq!(fold_search_name("Bowes-Lyon"), "bowes-lyon");
        assert_eq!(fold_search_name(""), "");
        assert_eq!(fold_search_name("   "), "");
    }

    #[test]
    fn keeps_what_has_no_ascii_folding() {
        assert_eq!(fold_search_name("王伟 Wang"), "王伟 wang");
        assert_eq!(fold_search_name("Δημήτριος"), "δημήτριος");
    }

    #[test]
    fn is_idempotent() {
        for input in [
            "Zoë Ólafsdóttir",
            "Saïd",
            "  A  B ",
            "Weiß",
            "O’Neill-Ní Bhriain",
        ] {
            let once = fold_search_name(input);
            assert_eq!(fold_search_name(&once), once, "{input}");
        }
    }
}
