//! utoipa schemas for the client crate's model types, derived from the types themselves.
//!
//! The generated utoipa annotations name bodies as `doc::Account`, an alias of
//! `Mirror<spendapi_types::...::Account>`. [`Mirror`] implements utoipa's
//! [`ToSchema`](utoipa::ToSchema) from the type's `schemars::JsonSchema` derive (which every
//! client type has and which reads the same serde attributes utoipa would). A direct
//! `utoipa::ToSchema` derive on the client types does not compile: typify turns `minimum: 1`
//! integers into `NonZeroU64`, which utoipa 5 does not implement `ToSchema` for.
//!
//! So the OpenAPI document derived from the server code describes the Rust types that are
//! actually (de)serialised, and the mirror test compares it with the hand-written spec.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

/// utoipa's view of the client type `T`. Never constructed; only its trait impls are used.
pub struct Mirror<T>(PhantomData<T>);

fn generate<T: schemars::JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    generator.into_root_schema_for::<T>().to_value()
}

/// Rewrites `#/$defs/X` references to `#/components/schemas/X`.
fn relocate(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(name) = reference.strip_prefix("#/$defs/")
            {
                *reference = format!("#/components/schemas/{name}");
            }
            for child in map.values_mut() {
                relocate(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(relocate),
        _ => {}
    }
}

/// JSON Schema that utoipa's model cannot read as is: boolean schemas (`true` is `{}`, `false`
/// is `{"not": {}}`) and schemas without a `type`.
fn objectify(value: &mut Value) {
    match value {
        Value::Bool(true) => *value = serde_json::json!({"type": null}),
        Value::Bool(false) => *value = serde_json::json!({"not": {"type": null}}),
        Value::Object(map) => {
            // A typeless schema: utoipa reads its `AnyValue` type from `null` only.
            if !["type", "$ref", "allOf", "anyOf", "oneOf"]
                .iter()
                .any(|k| map.contains_key(*k))
            {
                map.insert("type".into(), Value::Null);
            }
            for (key, child) in map.iter_mut() {
                match key.as_str() {
                    // Keywords whose values are schemas or maps/lists of schemas.
                    "items" | "additionalProperties" | "not" | "contains" | "propertyNames" => {
                        objectify(child)
                    }
                    "properties" | "patternProperties" => {
                        if let Value::Object(properties) = child {
                            properties.values_mut().for_each(objectify);
                        }
                    }
                    "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                        if let Value::Array(parts) = child {
                            parts.iter_mut().for_each(objectify);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

fn to_schema(mut value: Value) -> RefOr<Schema> {
    relocate(&mut value);
    objectify(&mut value);
    if let Value::Object(map) = &mut value {
        map.remove("$schema");
        map.remove("$defs");
    }
    serde_json::from_value(value).unwrap_or_else(|err| {
        // Keep the document whole; the mirror test reports the description.
        let mut schema = utoipa::openapi::schema::Object::new();
        schema.description = Some(format!("not representable in utoipa's model: {err}"));
        RefOr::T(Schema::Object(schema))
    })
}

impl<T: schemars::JsonSchema> utoipa::PartialSchema for Mirror<T> {
    fn schema() -> RefOr<Schema> {
        to_schema(generate::<T>())
    }
}

impl<T: schemars::JsonSchema> utoipa::ToSchema for Mirror<T> {
    fn name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        let root = generate::<T>();
        if let Some(Value::Object(defs)) = root.get("$defs") {
            for (name, def) in defs {
                schemas.push((name.clone(), to_schema(def.clone())));
            }
        }
    }
}
