//! End-to-end: the generated client (with its hand-written layer) against the generated server
//! stubs (with small in-memory implementations from this package's library), over a real
//! socket on 127.0.0.1. Each side was generated from the same spec; these tests show they agree
//! on the wire. `sandbox` drives every operation against the sandbox, the reference
//! implementation on SQLite.

mod concur;
mod coupa;
mod cso;
mod sandbox;
