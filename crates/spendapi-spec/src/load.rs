//! Reading YAML specs into `serde_json::Value`, keeping key order.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

/// Reads a YAML (or JSON) file into a `serde_json::Value`, keeping key order.
///
/// YAML allows non-string mapping keys (`200:` for a status code); JSON does not, so scalar keys
/// are turned into their string form on the way.
pub fn load(path: &Path) -> Result<Value> {
    let text =
        fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
    parse(&text).with_context(|| format!("failed to parse {}", path.display()))
}

/// Parses YAML (a superset of JSON) text into a `serde_json::Value`, with `serde_norway`, the
/// maintained continuation of the deprecated `serde_yaml` (same YAML 1.2 reading, same API).
pub fn parse(text: &str) -> Result<Value> {
    let yaml: serde_norway::Value = serde_norway::from_str(text)?;
    yaml_to_json(yaml)
}

fn yaml_to_json(value: serde_norway::Value) -> Result<Value> {
    use serde_norway::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n)?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_>>()?)
        }
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = match key {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => bail!("unsupported mapping key {other:?}"),
                };
                out.insert(key, yaml_to_json(value)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}
