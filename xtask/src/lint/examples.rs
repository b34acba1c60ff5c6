//! Rules on examples: they validate against their schemas (in the dialect the server stubs
//! validate with), XML ones are well-formed, and XML media types show one where JSON does.

use serde_json::Value;

use super::{Cx, walk};
use crate::spec::resolve::follow;
use crate::spec::{self, join, json_schema};

/// `unbundlable`: the examples are validated in the bundled document, so a document with
/// examples must bundle.
pub(super) fn unbundlable(cx: &mut Cx) {
    if !has_examples(cx.doc) {
        return;
    }
    if let Err(err) = &*cx.bundled()
        // An unresolvable reference is already reported where it is written.
        && !cx.has_findings()
    {
        cx.report("", format!("cannot be bundled: {err}"));
    }
}

/// `invalid-json-example`: every example of a media type other than XML validates against the
/// media type's schema, resolved in the bundled form of the document.
pub(super) fn invalid_json_example(cx: &mut Cx) {
    if !has_examples(cx.doc) {
        return;
    }
    let bundled = cx.bundled();
    let Ok(bundled) = &*bundled else { return };
    for example in examples(cx.doc, bundled) {
        if example.xml {
            continue;
        }
        if let Err(errors) = validate(bundled, example.schema, example.value) {
            cx.report(
                &example.pointer,
                format!("example does not validate against its schema: {errors}"),
            );
        }
    }
}

/// `invalid-xml-example`: every example of an XML media type is a string of well-formed XML.
pub(super) fn invalid_xml_example(cx: &mut Cx) {
    if !has_examples(cx.doc) {
        return;
    }
    let bundled = cx.bundled();
    let Ok(bundled) = &*bundled else { return };
    for example in examples(cx.doc, bundled) {
        if !example.xml {
            continue;
        }
        match example.value.as_str() {
            Some(text) => {
                if let Err(err) = check_xml(text) {
                    cx.report(
                        &example.pointer,
                        format!("example is not well-formed XML: {err}"),
                    );
                }
            }
            None => cx.report(&example.pointer, "XML example must be a string"),
        }
    }
}

/// `xml-without-example`: an XML media type whose JSON sibling has an example must have one
/// too: partners read the examples to learn the element names.
pub(super) fn xml_without_example(cx: &mut Cx) {
    let mut media = Vec::new();
    walk::collect_media_types(cx.doc, "", &mut media);
    let has_example = |mt: &Value| {
        mt.get("example").is_some()
            || mt
                .get("examples")
                .is_some_and(|e| e.as_object().is_some_and(|m| !m.is_empty()))
    };
    for (ptr, mt) in &media {
        let Some((content, media_type)) = ptr.rsplit_once('/') else {
            continue;
        };
        if !is_xml(&spec::unescape(media_type)) || has_example(mt) {
            continue;
        }
        let json_has_example = media.iter().any(|(other, omt)| {
            other.rsplit_once('/').is_some_and(|(c, m)| {
                c == content && {
                    let m = spec::unescape(m);
                    m == "application/json" || m.ends_with("+json")
                }
            }) && has_example(omt)
        });
        if json_has_example {
            cx.report(
                ptr,
                "XML media type without an example although its JSON sibling has one",
            );
        }
    }
}

/// One example value of a media type, with the media type's schema in the bundled document.
struct Example<'a> {
    pointer: String,
    xml: bool,
    schema: &'a Value,
    value: &'a Value,
}

/// Whether any media type of `doc` has an example (else it need not be bundled).
fn has_examples(doc: &Value) -> bool {
    let mut media = Vec::new();
    walk::collect_media_types(doc, "", &mut media);
    media
        .iter()
        .any(|(_, mt)| mt.get("example").is_some() || mt.get("examples").is_some())
}

/// Every example of every media type of `doc` that has a schema in `bundled`.
fn examples<'a>(doc: &'a Value, bundled: &'a Value) -> Vec<Example<'a>> {
    let mut media = Vec::new();
    walk::collect_media_types(doc, "", &mut media);
    let mut out = Vec::new();
    for (ptr, mt) in media {
        let Some(schema) = bundled.pointer(&format!("{ptr}/schema")) else {
            continue;
        };
        let xml = ptr
            .rsplit('/')
            .next()
            .map(spec::unescape)
            .is_some_and(|media_type| is_xml(&media_type));
        let example = |pointer, value| Example {
            pointer,
            xml,
            schema,
            value,
        };
        if let Some(v) = mt.get("example") {
            out.push(example(format!("{ptr}/example"), v));
        }
        if let Some(map) = mt.get("examples").and_then(Value::as_object) {
            for (key, named) in map {
                if let Some(v) = follow(doc, named).1.get("value") {
                    let pointer = join(&join(&format!("{ptr}/examples"), key), "value");
                    out.push(example(pointer, v));
                }
            }
        }
    }
    out
}

fn is_xml(media_type: &str) -> bool {
    media_type.ends_with("/xml") || media_type.ends_with("+xml")
}

fn check_xml(text: &str) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            quick_xml::events::Event::Start(_) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            quick_xml::events::Event::End(_) => depth = depth.saturating_sub(1),
            quick_xml::events::Event::Empty(_) if depth == 0 => roots += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    match (depth, roots) {
        (0, 1) => Ok(()),
        (0, n) => Err(format!("{n} root elements (expected one)")),
        _ => Err("unclosed element".into()),
    }
}

/// Validates `value` against `schema` (an OpenAPI schema inside the bundled document `bundled`)
/// with the workspace's one OpenAPI → JSON Schema conversion, in the 2020-12 dialect the server
/// stubs validate with, formats included. Returns the messages, joined, on failure.
fn validate(bundled: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    let schema = json_schema::standalone(bundled, schema);
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("schema does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| {
            let at = e.instance_path().to_string();
            format!("{}: {e}", if at.is_empty() { "/" } else { &at })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_validate_in_the_server_dialect() {
        // `nullable` beside a reference (null only where the target admits it, as OpenAPI 3.0
        // reads it), OpenAPI's boolean `exclusiveMinimum` and formats, as spendapi-spec's
        // conversion turns them into JSON Schema 2020-12.
        let doc = serde_json::json!({"components": {"schemas": {
            "When": {"type": "string", "format": "date-time", "nullable": true},
            "Strict": {"type": "string", "format": "date-time"},
            "Thing": {"type": "object", "properties": {
                "at": {"type": "string", "nullable": true, "allOf": [{"$ref": "#/components/schemas/When"}]},
                "on": {"$ref": "#/components/schemas/Strict"},
                "by": {"type": "string", "nullable": true, "allOf": [{"$ref": "#/components/schemas/Strict"}]},
                "n": {"type": "integer", "minimum": 0, "exclusiveMinimum": true}
            }}
        }}});
        let thing = serde_json::json!({"$ref": "#/components/schemas/Thing"});
        assert_eq!(
            validate(
                &doc,
                &thing,
                &serde_json::json!({"at": null, "on": "2026-01-02T03:04:05Z", "n": 1})
            ),
            Ok(())
        );
        let err = validate(
            &doc,
            &thing,
            &serde_json::json!({"at": 7, "on": "yesterday", "n": 0}),
        )
        .expect_err("both properties are invalid");
        assert!(err.contains("/at: ") && err.contains("date-time"), "{err}");
        assert!(err.contains("/n: "), "{err}");
        let err = validate(&doc, &thing, &serde_json::json!({"by": null}))
            .expect_err("the allOf target rejects null");
        assert!(err.contains("/by: "), "{err}");
    }

    #[test]
    fn xml_well_formedness() {
        assert!(check_xml("<errors><error>x</error></errors>").is_ok());
        assert!(check_xml("<errors><error>x</errors>").is_err());
        assert!(check_xml("<a/><b/>").is_err());
    }
}
