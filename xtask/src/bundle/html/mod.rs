//! The HTML pages of the bundle, built with maud, which escapes every interpolated value.
//! Markdown comes in already rendered by [`crate::bundle::markdown`].
//!
//! Layering (each module uses only those before it): `layout` (page shell, ids), `schema`,
//! `operation`, then the pages `api` and `index`.

mod api;
mod index;
mod layout;
mod operation;
mod schema;

pub use api::api_page;
pub use index::index_page;
