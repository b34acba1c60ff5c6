//! The partner form of a spec: self-contained, without `x-` extensions, with every
//! `x-unconfirmed` note kept for readers in its element's description.

use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use crate::spec;
use crate::spec::{Api, Vendor, strip_extensions};

/// The partner form of one spec: self-contained, without `x-` extensions, with every
/// `x-unconfirmed` note folded into its element's description.
pub fn partner_spec(path: &Path) -> Result<Value> {
    Ok(partner_spec_counted(path)?.0)
}

pub(super) fn partner_spec_counted(path: &Path) -> Result<(Value, usize)> {
    let (doc, _, notes) = partner_parts(path)?;
    Ok((doc, notes))
}

/// The typed model of the partner form of one spec (its vendor read before the extensions
/// go), and how many `x-unconfirmed` notes were folded.
pub(super) fn partner_api(path: &Path) -> Result<(Api, usize)> {
    let (doc, vendor, notes) = partner_parts(path)?;
    Ok((Api::with_vendor(&spec::api_name(path), vendor, doc)?, notes))
}

fn partner_parts(path: &Path) -> Result<(Value, Vendor, usize)> {
    let mut doc = spec::bundle(path)?;
    let vendor = Vendor::of(&doc)?;
    let notes = fold_unconfirmed(&mut doc);
    strip_extensions(&mut doc);
    Ok((doc, vendor, notes))
}

/// Appends every `x-unconfirmed` note (outside example values) to the `description` beside it
/// as a paragraph `**Unconfirmed:** <note>`, leaving the extension itself for
/// [`strip_extensions`]. Returns how many notes were folded.
pub fn fold_unconfirmed(value: &mut Value) -> usize {
    let mut count = 0;
    match value {
        Value::Object(map) => {
            if let Some(note) = map.get("x-unconfirmed") {
                let note = match note {
                    Value::String(s) => s.trim().to_owned(),
                    Value::Bool(true) | Value::Null => String::new(),
                    other => other.to_string(),
                };
                let line = if note.is_empty() {
                    "**Unconfirmed.**".to_owned()
                } else {
                    format!("**Unconfirmed:** {note}")
                };
                let description = match map.get("description").and_then(Value::as_str) {
                    Some(d) if !d.trim().is_empty() => format!("{}\n\n{line}", d.trim_end()),
                    _ => line,
                };
                map.insert("description".into(), Value::String(description));
                count += 1;
            }
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    count += fold_unconfirmed(child);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                count += fold_unconfirmed(item);
            }
        }
        _ => {}
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_unconfirmed_notes_outside_examples() {
        let mut doc = serde_json::json!({
            "info": {"description": "Text.\n", "x-unconfirmed": "Why."},
            "schema": {"x-unconfirmed": "No description."},
            "example": {"x-unconfirmed": "data"},
        });
        assert_eq!(fold_unconfirmed(&mut doc), 2);
        assert_eq!(doc["info"]["description"], "Text.\n\n**Unconfirmed:** Why.");
        assert_eq!(
            doc["schema"]["description"],
            "**Unconfirmed:** No description."
        );
        assert!(doc["example"].get("description").is_none());
    }
}
