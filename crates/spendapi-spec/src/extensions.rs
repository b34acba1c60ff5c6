//! `x-` extensions: ours are internal notes and must neither reach partners nor change what
//! progenitor generates.

use serde_json::Value;

/// Removes every `x-` key outside examples (example values are the API's data, whose keys are
/// never extensions); returns how many were removed.
pub fn strip_extensions(value: &mut Value) -> usize {
    let mut count = 0;
    match value {
        Value::Object(map) => {
            let before = map.len();
            map.retain(|key, _| !key.starts_with("x-"));
            count += before - map.len();
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    count += strip_extensions(child);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                count += strip_extensions(item);
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
    fn strips_extensions_but_not_example_keys() {
        let mut doc = serde_json::json!({
            "x-a": 1,
            "info": {"x-spendapi-vendor": "concur", "title": "t"},
            "example": {"x-kept": true}
        });
        assert_eq!(strip_extensions(&mut doc), 2);
        assert_eq!(
            doc,
            serde_json::json!({"info": {"title": "t"}, "example": {"x-kept": true}})
        );
    }
}
