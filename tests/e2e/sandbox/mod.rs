//! The generated client against the sandbox (`spendapi-sandbox`), started in-process on
//! 127.0.0.1:0 with a fresh in-memory database (or, with `SPENDAPI_TEST_BACKEND=postgres`, a
//! fresh PostgreSQL database) and the demo seed: every operation of the five
//! specs, its success and documented failures, and for Coupa the XML the typed client does not
//! speak (sent with `reqwest`).

mod accounts;
mod concur;
mod coverage;
mod cso;
mod delegations;
/// The sandbox crate's throw-away PostgreSQL cluster (`SPENDAPI_TEST_BACKEND=postgres`).
#[path = "../../../crates/spendapi-sandbox/tests/sandbox/pg.rs"]
mod pg;
mod records;
mod support;
