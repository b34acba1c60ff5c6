//! Integration tests of the hand-written layer against a local HTTP server (axum on
//! 127.0.0.1:0), plus compile-only calls of every generated operation.

mod auth;
mod correlation;
mod delete_body;
mod errors;
mod filters;
mod headers;
mod operations;
mod pagination;
mod release;
mod retry;
mod support;
mod traces;
