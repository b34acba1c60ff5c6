//! The rules: one variant per kind of change, each with a stable id and a fixed class.

use std::fmt;

/// Whether a change can break an existing client of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// An existing client may fail to build, send a request the server now rejects, or fail to
    /// read a response.
    Breaking,
    /// Existing clients keep working.
    NonBreaking,
}

impl Class {
    /// `breaking` or `non-breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::NonBreaking => "non-breaking",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! rules {
    ($( $(#[$meta:meta])* $variant:ident = $id:literal, $class:ident; )*) => {
        /// The kind of a [`Change`](crate::Change). Every rule has a stable kebab-case id
        /// ([`Rule::id`]) and a fixed class ([`Rule::class`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $( $(#[$meta])* $variant, )*
        }

        impl Rule {
            /// Every rule, breaking ones first.
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];

            /// The stable kebab-case id, e.g. `request-property-added-required`.
            pub fn id(self) -> &'static str {
                match self { $( Rule::$variant => $id, )* }
            }

            /// Whether a change of this kind breaks clients.
            pub fn class(self) -> Class {
                match self { $( Rule::$variant => Class::$class, )* }
            }
        }
    };
}

rules! {
    /// A path was removed.
    PathRemoved = "path-removed", Breaking;
    /// An operation (method on a path) was removed.
    OperationRemoved = "operation-removed", Breaking;
    /// A 2xx response status was removed.
    ResponseSuccessStatusRemoved = "response-success-status-removed", Breaking;
    /// A media type of a response was removed.
    ResponseMediaTypeRemoved = "response-media-type-removed", Breaking;
    /// A media type of the request body was removed.
    RequestMediaTypeRemoved = "request-media-type-removed", Breaking;
    /// A required query, path, header or cookie parameter was added.
    RequestParameterAddedRequired = "request-parameter-added-required", Breaking;
    /// A required request-body property was added.
    RequestPropertyAddedRequired = "request-property-added-required", Breaking;
    /// A request parameter went from optional to required.
    RequestParameterBecameRequired = "request-parameter-became-required", Breaking;
    /// A request-body property went from optional to required.
    RequestPropertyBecameRequired = "request-property-became-required", Breaking;
    /// The request body went from optional (or absent) to required.
    RequestBodyBecameRequired = "request-body-became-required", Breaking;
    /// A request schema no longer accepts `null`.
    RequestPropertyBecameNonNullable = "request-property-became-non-nullable", Breaking;
    /// A response property went from required to optional.
    ResponsePropertyBecameOptional = "response-property-became-optional", Breaking;
    /// A response schema may now be `null`.
    ResponsePropertyBecameNullable = "response-property-became-nullable", Breaking;
    /// A response property was removed (required or not: clients may read it).
    ResponsePropertyRemoved = "response-property-removed", Breaking;
    /// A schema's `type` or `format` changed, in a request or a response.
    TypeChanged = "type-changed", Breaking;
    /// An enum value was removed from a request schema or parameter.
    RequestEnumValueRemoved = "request-enum-value-removed", Breaking;
    /// An enum value was added to a response schema.
    ResponseEnumValueAdded = "response-enum-value-added", Breaking;
    /// A request accepts fewer values: a bound added or tightened (`maxLength`, `maximum`,
    /// `maxItems`, `maxProperties`, their `min` counterparts, `exclusive*`, `multipleOf`,
    /// `uniqueItems`), a `pattern` added or changed, an `enum` introduced,
    /// `additionalProperties: false`, a `oneOf`/`anyOf` branch removed.
    RequestConstraintTightened = "request-constraint-tightened", Breaking;
    /// A response may carry values old clients never had to handle: the mirror image of
    /// [`Rule::RequestConstraintTightened`] (a bound removed or loosened, a `pattern` removed or
    /// changed, an `enum` dropped, a `oneOf`/`anyOf` branch added).
    ResponseConstraintLoosened = "response-constraint-loosened", Breaking;
    /// A `default` changed or was removed (parameter or schema).
    DefaultChanged = "default-changed", Breaking;
    /// An alternative of a security requirement was removed (or authentication was required
    /// where none was).
    SecurityAlternativeRemoved = "security-alternative-removed", Breaking;
    /// A scope was added to a security requirement.
    SecurityScopeAdded = "security-scope-added", Breaking;

    /// A path was added.
    PathAdded = "path-added", NonBreaking;
    /// An operation was added.
    OperationAdded = "operation-added", NonBreaking;
    /// A response status was added.
    ResponseStatusAdded = "response-status-added", NonBreaking;
    /// A non-2xx response status was removed.
    ResponseNonSuccessStatusRemoved = "response-non-success-status-removed", NonBreaking;
    /// A response media type was added.
    ResponseMediaTypeAdded = "response-media-type-added", NonBreaking;
    /// A request-body media type was added.
    RequestMediaTypeAdded = "request-media-type-added", NonBreaking;
    /// An optional request parameter was added.
    RequestParameterAddedOptional = "request-parameter-added-optional", NonBreaking;
    /// An optional request-body property was added.
    RequestPropertyAddedOptional = "request-property-added-optional", NonBreaking;
    /// A request parameter was removed (clients that still send it are ignored).
    RequestParameterRemoved = "request-parameter-removed", NonBreaking;
    /// A request-body property was removed.
    RequestPropertyRemoved = "request-property-removed", NonBreaking;
    /// A request parameter went from required to optional.
    RequestParameterBecameOptional = "request-parameter-became-optional", NonBreaking;
    /// A request-body property went from required to optional.
    RequestPropertyBecameOptional = "request-property-became-optional", NonBreaking;
    /// An optional request body was added.
    RequestBodyAdded = "request-body-added", NonBreaking;
    /// The request body was removed.
    RequestBodyRemoved = "request-body-removed", NonBreaking;
    /// The request body went from required to optional.
    RequestBodyBecameOptional = "request-body-became-optional", NonBreaking;
    /// A request schema now accepts `null`.
    RequestPropertyBecameNullable = "request-property-became-nullable", NonBreaking;
    /// A response property was added.
    ResponsePropertyAdded = "response-property-added", NonBreaking;
    /// A response property went from optional to required.
    ResponsePropertyBecameRequired = "response-property-became-required", NonBreaking;
    /// A response schema is no longer `null`.
    ResponsePropertyBecameNonNullable = "response-property-became-non-nullable", NonBreaking;
    /// An enum value was added to a request schema or parameter.
    RequestEnumValueAdded = "request-enum-value-added", NonBreaking;
    /// An enum value was removed from a response schema.
    ResponseEnumValueRemoved = "response-enum-value-removed", NonBreaking;
    /// A request accepts more values (the reverse of [`Rule::RequestConstraintTightened`]).
    RequestConstraintLoosened = "request-constraint-loosened", NonBreaking;
    /// A response carries fewer values (the reverse of [`Rule::ResponseConstraintLoosened`]).
    ResponseConstraintTightened = "response-constraint-tightened", NonBreaking;
    /// A `default` was added where there was none.
    DefaultAdded = "default-added", NonBreaking;
    /// An alternative was added to a security requirement.
    SecurityAlternativeAdded = "security-alternative-added", NonBreaking;
    /// A scope was removed from a security requirement.
    SecurityScopeRemoved = "security-scope-removed", NonBreaking;
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
