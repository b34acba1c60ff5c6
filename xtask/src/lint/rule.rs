//! The registry: one variant per rule, each with a stable id, a one-line description and the
//! check that implements it. The README's rule table is this list, in this order.

use std::fmt;

use super::{
    Check, document, documentation, enums, examples, parameters, references, responses, schemas,
};

macro_rules! rules {
    ($( $variant:ident = $id:literal, $check:expr, $description:literal; )*) => {
        /// The rule a [`Finding`](super::Finding) breaks. Every rule has a stable kebab-case id
        /// ([`Rule::id`]) and a one-line description ([`Rule::description`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $( #[doc = $description] $variant, )*
        }

        impl Rule {
            /// Every rule, in the order the driver runs them.
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];

            /// The stable kebab-case id, e.g. `nullable-composition`; also the name of the
            /// rule's fixture in `xtask/tests/fixtures/lint/`.
            pub fn id(self) -> &'static str {
                match self { $( Rule::$variant => $id, )* }
            }

            /// What the rule checks, in one line.
            pub fn description(self) -> &'static str {
                match self { $( Rule::$variant => $description, )* }
            }

            pub(super) fn check(self) -> Check {
                match self { $( Rule::$variant => $check, )* }
            }
        }
    };
}

// The driver runs the rules in this order. It matters once: `unbundlable` stays quiet about a
// file that already has a finding (an unresolvable reference is reported where it is written),
// so the rules before it are the ones whose findings silence it.
rules! {
    UnreadableFile = "unreadable-file", Check::Load,
        "every spec file given can be read and parsed";
    UnresolvableRef = "unresolvable-ref", Check::Document(references::unresolvable_ref),
        "every `$ref` resolves, in its own file or the file it names";
    OpenapiVersion = "openapi-version", Check::Document(document::openapi_version),
        "the document declares OpenAPI 3.0.x (progenitor reads 3.0 only)";
    VendorMissing = "vendor-missing", Check::Document(document::vendor_missing),
        "every document with operations declares `info.x-spendapi-vendor`";
    VendorUnknown = "vendor-unknown", Check::Document(document::vendor_unknown),
        "the declared `info.x-spendapi-vendor` is one the workspace knows";
    PathItemRef = "path-item-ref", Check::Document(references::path_item_ref),
        "no path item is a `$ref` (progenitor refuses them)";
    MissingOperationId = "missing-operation-id",
        Check::Operation(documentation::missing_operation_id),
        "every operation has an `operationId`";
    OperationIdSnakeCase = "operation-id-snake-case",
        Check::Operation(documentation::operation_id_snake_case),
        "every `operationId` is snake_case";
    DuplicateOperationId = "duplicate-operation-id",
        Check::Operation(documentation::duplicate_operation_id),
        "no `operationId` is used twice across the linted files";
    NoSummary = "no-summary", Check::Operation(documentation::no_summary),
        "every operation has a summary";
    NoTags = "no-tags", Check::Operation(documentation::no_tags),
        "every operation has a tag";
    CookieParameter = "cookie-parameter", Check::Operation(parameters::cookie_parameter),
        "no operation takes a cookie parameter (progenitor refuses them)";
    DeepObject = "deep-object", Check::Operation(parameters::deep_object),
        "no operation takes a `deepObject` query parameter (progenitor refuses them)";
    InlineBodySchema = "inline-body-schema", Check::Operation(responses::inline_body_schema),
        "request and response bodies name their schema: a `$ref`, or an array of `$ref`s";
    NoResponses = "no-responses", Check::Operation(responses::no_responses),
        "every operation has `responses`";
    Status200And204 = "status-200-and-204", Check::Operation(responses::status_200_and_204),
        "no operation answers both 200 and 204 (progenitor panics)";
    Status200And201 = "status-200-and-201", Check::Operation(responses::status_200_and_201),
        "an operation answering 200 and 201 gives both one schema (progenitor panics)";
    TypedDefault = "typed-default", Check::Operation(responses::typed_default),
        "no typed 2xx response beside a typed `default` response (progenitor panics)";
    MixedErrorSchemas = "mixed-error-schemas", Check::Operation(responses::mixed_error_schemas),
        "an operation's 4xx, 5xx and `default` responses share one schema (progenitor panics)";
    NoSecurity = "no-security", Check::Operation(documentation::no_security),
        "every operation has a security requirement when the document has security schemes but no global requirement";
    EnumCase = "enum-case", Check::Schema(enums::enum_case),
        "no two enum values differ only in case (progenitor panics)";
    RequiredNotDefined = "required-not-defined", Check::Schema(schemas::required_not_defined),
        "every `required` name is a property, unless `allOf`/`anyOf`/`oneOf` or `additionalProperties` may declare it";
    PropertyWithoutDescription = "property-without-description",
        Check::Schema(schemas::property_without_description),
        "every property has a description, its own or its `$ref` target's";
    RustNameCollision = "rust-name-collision", Check::Schema(schemas::rust_name_collision),
        "no two properties of a schema map to one Rust field name";
    Unbundlable = "unbundlable", Check::Document(examples::unbundlable),
        "a document with examples bundles into one (no component defined differently in two files)";
    InvalidJsonExample = "invalid-json-example", Check::Document(examples::invalid_json_example),
        "every example of a non-XML media type validates against its schema (JSON Schema 2020-12, formats included)";
    InvalidXmlExample = "invalid-xml-example", Check::Document(examples::invalid_xml_example),
        "every example of an XML media type is a string of well-formed XML with one root";
    NullableWithoutType = "nullable-without-type", Check::Schema(schemas::nullable_without_type),
        "`nullable: true` has a sibling `type` (without one it has no effect in OpenAPI 3.0.3)";
    NullableComposition = "nullable-composition", Check::Schema(schemas::nullable_composition),
        "`nullable: true` beside an `allOf` or `$ref` only where the target is nullable too (OpenAPI 3.0 keeps rejecting null there)";
    ClosedResponseEnum = "closed-response-enum", Check::Document(enums::closed_response_enum),
        "no enum on a schema only responses use, unless marked `x-closed-enum: <reason>`";
    ClosedResponseEnumRef = "closed-response-enum-ref",
        Check::Document(enums::closed_response_enum_ref),
        "no reference to an enum schema from a schema only responses use, unless marked `x-closed-enum: <reason>`";
    ParameterRange = "parameter-range", Check::Document(parameters::parameter_range),
        "a parameter's examples and default lie within its `minimum`/`maximum`, and its description promises no clamping beside a `maximum`";
    XmlWithoutExample = "xml-without-example", Check::Document(examples::xml_without_example),
        "an XML media type has an example when its JSON sibling has one";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
