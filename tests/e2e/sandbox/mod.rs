//! The generated client against the sandbox (`spendapi-sandbox`), started in-process on
//! 127.0.0.1:0 with a fresh in-memory database and the demo seed: every operation of the five
//! specs, its success and documented failures, and for Coupa the XML the typed client does not
//! speak (sent with `reqwest`).

mod accounts;
mod concur;
mod coverage;
mod cso;
mod delegations;
mod records;
mod support;
