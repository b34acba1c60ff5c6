//! The sandbox over HTTP: the in-process app on 127.0.0.1, and the binary for durability.

mod auth;
mod concur;
mod coupa;
mod cso;
mod durability;
mod service;
mod support;
