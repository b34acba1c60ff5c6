//! One thing wrong with a request: what the schema validator reports and what the vendors'
//! error formats render. A leaf module, so that `schema` (which produces details) and `vendor`
//! (which renders them) do not import each other.

/// One thing wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub message: String,
    /// Where: `body`, `query`, `path` or `header` (validation errors only).
    pub location: Option<&'static str>,
    /// What: a parameter name or a JSON pointer into the body (validation errors only).
    pub field: Option<String>,
}

impl Detail {
    pub fn new(message: impl Into<String>) -> Detail {
        Detail {
            message: message.into(),
            location: None,
            field: None,
        }
    }

    pub fn at(
        location: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Detail {
        Detail {
            message: message.into(),
            location: Some(location),
            field: Some(field.into()),
        }
    }

    /// The message with the field it concerns in front.
    pub fn text(&self) -> String {
        match (&self.location, &self.field) {
            (Some("body"), Some(field)) if field.is_empty() => {
                format!("request body: {}", self.message)
            }
            (Some("body"), Some(field)) => format!("{field}: {}", self.message),
            (Some(location), Some(field)) => {
                format!("{location} parameter '{field}': {}", self.message)
            }
            _ => self.message.clone(),
        }
    }
}
