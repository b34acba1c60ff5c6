//! The one YAML writer for everything spendapi publishes: the partner bundle, the frozen
//! versions `cargo xtask publish` writes and the specs the sandbox serves.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use serde_json::{Map, Value};

use crate::load::parse;

/// Writes a JSON value as block-style YAML that YAML 1.1 and YAML 1.2 readers load alike.
///
/// serde_yaml-style writers (serde_yaml 0.9, serde_norway) write strings such as `2024-05-14`, `2024-05-14T09:31:12Z`, `1_000`, `on`,
/// `yes` or `1:20` unquoted (plain strings in YAML 1.2), which YAML 1.1 readers (PyYAML,
/// SnakeYAML, and so most OpenAPI tooling) load as timestamps, integers (`1_000` is 1000,
/// `1:20` is 80 in base 60) or booleans. (It does quote `0o17` and `017`, which YAML 1.2 reads
/// as integers.) Here a string is plain only when it
/// cannot be read as anything else under either version (it starts with a letter, `_`, `/` or
/// `$`, is not a 1.1 boolean or null word, and holds no `: `, ` #` or control character);
/// multi-line strings are literal blocks; everything else is double-quoted.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => yaml_mapping(&mut out, map, 0, false),
        Value::Array(items) if !items.is_empty() => yaml_sequence(&mut out, items, 0, false),
        other => {
            yaml_scalar_inline(&mut out, other, 0);
            out.push('\n');
        }
    }
    out
}

/// [`to_yaml`], read back before it is returned: the writer is ours, so make sure a YAML 1.2
/// reader gets `value` again.
pub fn to_yaml_checked(value: &Value) -> Result<String> {
    let yaml = to_yaml(value);
    if parse(&yaml)? != *value {
        bail!("the YAML written does not read back as the document");
    }
    Ok(yaml)
}

fn yaml_mapping(out: &mut String, map: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            out.push_str(&" ".repeat(indent));
        }
        yaml_key(out, key);
        out.push(':');
        yaml_value_after(out, value, indent);
    }
}

fn yaml_sequence(out: &mut String, items: &[Value], indent: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => yaml_mapping(out, map, indent + 2, true),
            Value::Array(items) if !items.is_empty() => yaml_sequence(out, items, indent + 2, true),
            other => {
                yaml_scalar_inline(out, other, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// The value of a mapping entry, after `key:`.
fn yaml_value_after(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            yaml_mapping(out, map, indent + 2, false);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            yaml_sequence(out, items, indent + 2, false);
        }
        other => {
            out.push(' ');
            yaml_scalar_inline(out, other, indent + 2);
            out.push('\n');
        }
    }
}

/// A scalar (or empty collection) where the current line goes on; a literal block's lines are
/// indented by `indent`. Writes no final newline.
fn yaml_scalar_inline(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&yaml_number(n)),
        Value::String(s) if s.contains('\n') && literal_ok(s) => yaml_literal(out, s, indent),
        Value::String(s) => yaml_string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// A number as both YAML versions read it: YAML 1.1 floats need a `.` and a signed exponent.
fn yaml_number(n: &serde_json::Number) -> String {
    let text = n.to_string();
    if n.is_f64() {
        let (mantissa, exponent) = match text.split_once(['e', 'E']) {
            Some((m, e)) => (m.to_owned(), Some(e.to_owned())),
            None => (text.clone(), None),
        };
        let mantissa = if mantissa.contains('.') {
            mantissa
        } else {
            format!("{mantissa}.0")
        };
        return match exponent {
            Some(e) if e.starts_with(['+', '-']) => format!("{mantissa}e{e}"),
            Some(e) => format!("{mantissa}e+{e}"),
            None => mantissa,
        };
    }
    text
}

fn yaml_key(out: &mut String, key: &str) {
    yaml_string(out, key);
}

/// A one-line string: plain when that is unambiguous, double-quoted otherwise.
fn yaml_string(out: &mut String, s: &str) {
    if plain_ok(s) {
        out.push_str(s);
    } else {
        yaml_double_quoted(out, s);
    }
}

/// Characters that YAML 1.1 treats as line breaks or that must not appear raw.
fn yaml_special(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_alphabetic() || matches!(first, '_' | '/' | '$')) {
        return false;
    }
    const WORDS: [&str; 9] = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    if WORDS.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    !(s.ends_with([' ', ':'])
        || s.contains(": ")
        || s.contains(" #")
        || s.contains('\t')
        || s.contains('\n')
        || s.chars().any(yaml_special))
}

fn yaml_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if yaml_special(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether a multi-line string can be a literal block (it has nothing a block cannot hold).
fn literal_ok(s: &str) -> bool {
    !s.chars().any(|c| yaml_special(c) || c == '\r')
}

/// A literal block scalar: `|` with a chomping indicator that keeps the trailing newlines
/// exactly, and an indentation indicator when the text starts with a space or a blank line.
fn yaml_literal(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    if body.starts_with([' ', '\n']) {
        out.push('2');
    }
    out.push_str(match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    });
    let pad = " ".repeat(indent.max(2));
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_reads_back_the_same_under_yaml_1_1_and_1_2() {
        let doc = serde_json::json!({
            "timestamp": "2024-05-14T09:31:12.123Z",
            "date": "2024-01-01",
            "words": ["1_000", "on", "Off", "yes", "N", "null", "~", "true", "1:20", "0x1F", ".inf", "1.0.0", "=", "<<"],
            "plain": ["/api/events", "$ref", "application/json", "Pending Client", "a: b", "a #b", "x:", "#x", "- x", "'q'", "\"q\""],
            "200": {"description": ""},
            "numbers": [1, -2, 2.5, 1e20, 250.0, 0.000001],
            "blocks": ["line\n", "line\nnext", "  indented\nnext\n", "\nleading", "kept\n\n", "tab\there\nx", "cr\r\nx", "sep\u{2028}x\ny"],
            "nested": [[1, [2]], [], {}, [{"a": [{"b": "c\nd"}]}]],
            "unicode": "残高 ÷ ü",
        });
        let yaml = to_yaml(&doc);
        assert_eq!(parse(&yaml).expect("parse"), doc, "{yaml}");
        for quoted in [
            "\"2024-05-14T09:31:12.123Z\"",
            "\"2024-01-01\"",
            "\"1_000\"",
            "\"on\"",
            "\"Off\"",
            "\"1:20\"",
            "\"200\":",
            "\"1.0.0\"",
        ] {
            assert!(yaml.contains(quoted), "{quoted} is not quoted in:\n{yaml}");
        }
        assert!(
            yaml.contains("- /api/events\n") && yaml.contains("- $ref\n"),
            "{yaml}"
        );
        assert!(
            yaml.contains("1.0e+20"),
            "YAML 1.1 floats need a dot and a signed exponent:\n{yaml}"
        );
    }
}
