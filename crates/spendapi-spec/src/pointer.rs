//! JSON pointers (RFC 6901) and `$ref` strings.

/// Escapes one JSON-pointer reference token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Undoes [`escape`].
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Appends a token to a JSON pointer.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

/// A `$ref` split into the file it names (if any) and the JSON pointer inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref<'a> {
    pub file: Option<&'a str>,
    pub pointer: &'a str,
}

impl<'a> Ref<'a> {
    pub fn parse(reference: &'a str) -> Ref<'a> {
        match reference.split_once('#') {
            Some(("", pointer)) => Ref {
                file: None,
                pointer,
            },
            Some((file, pointer)) => Ref {
                file: Some(file),
                pointer,
            },
            None => Ref {
                file: Some(reference),
                pointer: "",
            },
        }
    }
}
