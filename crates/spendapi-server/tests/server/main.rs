//! Integration tests of the generated server stubs, one binary: every operation is served,
//! bad input and auth failures answer in each vendor's error format, content negotiation, the
//! Concur correlation id, and the utoipa mirror of the specs.

mod support;

mod mirror;
mod negotiation;
mod served;
mod validation;
