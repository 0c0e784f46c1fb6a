//! `schema.graphql` must be exactly what `chorus schema` prints.

#[test]
fn schema_file_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = chorus::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is stale: regenerate it with `cargo run -q -- schema > schema.graphql`"
    );
}

/// Every type, field, argument and enum value in the SDL has a description: each
/// declaration line must follow a `"""` block (or a one-line `"""…"""`).
#[test]
fn every_type_and_field_has_a_description() {
    let sdl = chorus::graphql::sdl();
    let mut in_block = false;
    let mut described = false;
    let mut in_schema_block = false;
    for line in sdl.lines() {
        let t = line.trim();
        if t.starts_with("\"\"\"") {
            let one_line = t.len() > 6 && t.ends_with("\"\"\"");
            if one_line {
                described = true;
            } else {
                in_block = !in_block;
                if !in_block {
                    described = true;
                }
            }
            continue;
        }
        if in_block || t.is_empty() || t == "}" || t.starts_with(')') || t.starts_with("directive ")
        {
            continue;
        }
        if t.starts_with("schema") {
            in_schema_block = true;
            continue;
        }
        if in_schema_block {
            in_schema_block = !t.ends_with('}');
            continue;
        }
        assert!(described, "no description for: {t}");
        described = false;
    }
}
