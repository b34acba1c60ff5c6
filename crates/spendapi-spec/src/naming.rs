//! Rust names for names in a spec, through `heck` (the crate typify itself names fields and
//! types with), so that the server stubs, the client wiring and typify's types agree.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// A field, function or module name: `userID` → `user_id`, `name[contains]` →
/// `name_contains`, `Accept-Language` → `accept_language`, `type` → `type_`, `1x` → `_1x`.
pub fn snake(text: &str) -> String {
    let out = text.to_snake_case();
    let out = if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{out}")
    } else {
        out
    };
    if is_keyword(&out) {
        format!("{out}_")
    } else {
        out
    }
}

/// A type or variant name: `list_accounts` → `ListAccounts`, `cso-events` → `CsoEvents`.
pub fn pascal(text: &str) -> String {
    text.to_upper_camel_case()
}

/// The Rust module of an API: `coupa-accounts` → `coupa_accounts`.
pub fn module_name(api: &str) -> String {
    snake(api)
}

/// The server trait of an API: `coupa-accounts` → `CoupaAccounts`.
pub fn trait_name(api: &str) -> String {
    pascal(api)
}

/// Rust's reserved words (strict and reserved, 2024 edition), and the empty name.
pub fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "" | "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("userID"), "user_id");
        assert_eq!(snake("contextType"), "context_type");
        assert_eq!(snake("name[contains]"), "name_contains");
        assert_eq!(snake("updated-at[gt]"), "updated_at_gt");
        assert_eq!(snake("updated-at[gt_or_eq]"), "updated_at_gt_or_eq");
        assert_eq!(snake("Accept-Language"), "accept_language");
        assert_eq!(snake("concur-correlationid"), "concur_correlationid");
        assert_eq!(snake("segment-1"), "segment_1");
        assert_eq!(snake("type"), "type_");
        assert_eq!(pascal("list_accounts"), "ListAccounts");
        assert_eq!(
            module_name("coupa-integration-history-records"),
            "coupa_integration_history_records"
        );
        assert_eq!(trait_name("cso-events"), "CsoEvents");
    }
}
