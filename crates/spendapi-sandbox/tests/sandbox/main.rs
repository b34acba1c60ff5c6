//! The sandbox over HTTP: the in-process app on 127.0.0.1, and the binary (durability,
//! start-up checks).

mod auth;
mod binary;
mod concur;
mod coupa;
mod cso;
mod pg;
mod replicas;
mod service;
mod support;
