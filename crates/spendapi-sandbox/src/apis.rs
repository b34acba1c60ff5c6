//! The APIs the sandbox serves, found in the specs: `build.rs` bundles every `openapi/*.yaml`
//! into [`SPECS`] (name, vendor from `info.x-spendapi-vendor`, path templates, served YAML and
//! JSON). Each spec is answered by the generated router of its implementation in
//! [`IMPLEMENTATIONS`]; a spec without one is still served in the docs and answers every
//! request under its paths with 501 in its vendor's error format.
//!
//! Requests go to the API whose path templates match the path. The generated routers each
//! answer unknown paths and methods in their vendor's format (a fallback of their own), which
//! is why they are dispatched to rather than merged into one axum router (axum refuses to
//! merge two routers that both have a fallback).

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use spendapi_server::negotiate::{self, Format};
use spendapi_server::vendor::{self, ErrorContext, Problem, ProblemKind, Vendor};
use spendapi_server::{
    Options, concur_expense_allocations, coupa_accounts, coupa_delegations,
    coupa_integration_history_records, cso_events,
};

use crate::Sandbox;

/// One bundled spec, as `build.rs` writes it.
#[derive(Debug)]
pub struct ServedSpec {
    /// The API's name (the spec's file stem, `coupa-accounts`).
    pub name: &'static str,
    /// Where its YAML is served (`/openapi/coupa-accounts.yaml`).
    pub url: &'static str,
    pub vendor: Vendor,
    /// The path templates of its operations (`/api/accounts/{id}`).
    pub paths: &'static [&'static str],
    pub yaml: &'static str,
    pub json: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/specs.rs"));

/// Builds the generated router of an API over the sandbox.
type Implementation = fn(Sandbox, Options) -> Router;

/// The sandbox's implementation of each API, by spec name: the one hand-kept list here, since
/// an implementation is code (a trait impl), not something a spec can declare.
pub const IMPLEMENTATIONS: &[(&str, Implementation)] = &[
    ("coupa-accounts", |s, o| coupa_accounts::router_with(s, o)),
    ("coupa-delegations", |s, o| {
        coupa_delegations::router_with(s, o)
    }),
    ("coupa-integration-history-records", |s, o| {
        coupa_integration_history_records::router_with(s, o)
    }),
    ("cso-events", |s, o| cso_events::router_with(s, o)),
    ("concur-expense-allocations", |s, o| {
        concur_expense_allocations::router_with(s, o)
    }),
];

/// Every served API with the router answering it, in spec order.
#[derive(Clone)]
pub struct Apis {
    routers: Vec<(&'static ServedSpec, Router)>,
}

impl Apis {
    pub fn new(sandbox: &Sandbox) -> Apis {
        let routers = SPECS
            .iter()
            .map(|spec| {
                let router = match IMPLEMENTATIONS.iter().find(|(name, _)| *name == spec.name) {
                    Some((_, implement)) => implement(sandbox.clone(), Options::default()),
                    None => not_implemented(spec),
                };
                (spec, router)
            })
            .collect();
        Apis { routers }
    }

    /// The router of the API `path` belongs to, if any.
    pub fn router(&self, path: &str) -> Option<&Router> {
        let index = OWNERS.owner(path)?;
        self.routers.get(index).map(|(_, router)| router)
    }
}

/// The vendor of the API `path` belongs to, if any.
pub fn vendor_of(path: &str) -> Option<Vendor> {
    OWNERS.owner(path).map(|index| SPECS[index].vendor)
}

/// Which served spec each path belongs to, looked up on every request (three times: the fault
/// and outage layers and the dispatch).
static OWNERS: std::sync::LazyLock<Owners> = std::sync::LazyLock::new(|| Owners::new(SPECS));

/// The specs' path templates in a prefix tree (`matchit`, axum's own router), so a look-up
/// walks the path once instead of splitting it against every template of every spec (3 % of
/// show-by-id's samples).
struct Owners {
    specs: &'static [ServedSpec],
    templates: matchit::Router<usize>,
}

impl Owners {
    fn new(specs: &'static [ServedSpec]) -> Owners {
        let mut templates = matchit::Router::new();
        for (index, spec) in specs.iter().enumerate() {
            for template in spec.paths {
                // A template an earlier spec already routes (the same shape, perhaps with
                // other parameter names) stays the earlier spec's.
                let _ = templates.insert(*template, index);
            }
        }
        Owners { specs, templates }
    }

    /// The index of the spec `path` belongs to: the one whose template matches it (a literal
    /// segment before a parameter, as axum routes), else (an unknown path under an API's
    /// prefix, answered 404 in that API's format) the one sharing the most leading path
    /// segments with it, at least one; ties go to the earlier spec.
    fn owner(&self, path: &str) -> Option<usize> {
        match self.templates.at(path) {
            Ok(found) => Some(*found.value),
            Err(_) => closest(self.specs, path),
        }
    }
}

/// The spec sharing the most leading literal segments with `path` (see [`Owners::owner`]).
fn closest(specs: &[ServedSpec], path: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (index, spec) in specs.iter().enumerate() {
        let shared = spec
            .paths
            .iter()
            .map(|t| shared_segments(t, path))
            .max()
            .unwrap_or(0);
        if shared > 0 && best.is_none_or(|(_, most)| shared > most) {
            best = Some((index, shared));
        }
    }
    best.map(|(index, _)| index)
}

/// How many leading non-empty segments the path shares with the template's literal ones.
fn shared_segments(template: &str, path: &str) -> usize {
    template
        .split('/')
        .zip(path.split('/'))
        .skip(1)
        .take_while(|(t, p)| t == p && !t.is_empty())
        .count()
}

/// The router of an API the sandbox has no implementation for: every request under its paths
/// is answered 501 in the vendor's error format.
fn not_implemented(spec: &'static ServedSpec) -> Router {
    Router::new().fallback(move |request: Request| async move {
        let accept = request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok());
        let format = negotiate::choose(accept, spec.vendor.error_formats())
            .map(Format::of)
            .unwrap_or(Format::Json);
        let problem = Problem::one(
            ProblemKind::NotImplemented,
            format!(
                "the sandbox serves the {} spec but does not implement it yet",
                spec.name
            ),
        );
        let mut response = vendor::render(
            &problem,
            ErrorContext {
                vendor: spec.vendor,
                format,
                path: request.uri().path(),
                resource: "request",
            },
        );
        if let Some(name) = spec.vendor.correlation_header() {
            let id = request.headers().get(name).cloned().unwrap_or_else(|| {
                HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                    .unwrap_or(HeaderValue::from_static("0"))
            });
            response.headers_mut().insert(name, id);
        }
        response
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn spec(name: &'static str, paths: &'static [&'static str]) -> ServedSpec {
        ServedSpec {
            name,
            url: "",
            vendor: Vendor::CoupaCore,
            paths,
            yaml: "",
            json: "",
        }
    }

    #[test]
    fn a_path_belongs_to_the_api_whose_templates_match_it() {
        static SPECS: [ServedSpec; 3] = [
            spec("accounts", &["/api/accounts", "/api/accounts/{id}"]),
            spec("events", &["/api/events", "/api/events/{id}"]),
            spec("allocations", &["/expensereports/v4/allocations/{id}"]),
        ];
        let owners = Owners::new(&SPECS);
        let owner = |path| owners.owner(path);
        assert_eq!(owner("/api/events/7"), Some(1));
        assert_eq!(owner("/api/accounts"), Some(0));
        assert_eq!(owner("/expensereports/v4/allocations/x"), Some(2));
        // Unknown paths: the API sharing the most leading segments, the earlier on a tie.
        assert_eq!(owner("/api/events/7/lots"), Some(1));
        assert_eq!(owner("/api/suppliers"), Some(0));
        assert_eq!(owner("/expensereports/v4/reports"), Some(2));
        assert_eq!(owner("/elsewhere"), None);
        assert_eq!(owner("/"), None);
        // A template parameter matches one non-empty segment: these fall back to the closest.
        let templates = &owners.templates;
        assert!(templates.at("/api/events/7").is_ok());
        assert!(templates.at("/api/events/").is_err());
        assert!(templates.at("/api/events/7/x").is_err());
        assert!(templates.at("/api/events/7/").is_err());
    }

    #[test]
    fn every_served_template_routes_to_its_spec() {
        for (index, spec) in SPECS.iter().enumerate() {
            for template in spec.paths {
                // A parameter filled in as a client would.
                let path: String = template
                    .split('/')
                    .map(|segment| {
                        if segment.starts_with('{') {
                            "x1"
                        } else {
                            segment
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                assert_eq!(OWNERS.owner(&path), Some(index), "{path} ({})", spec.name);
            }
        }
    }

    #[test]
    fn every_implementation_names_a_served_spec() {
        for (name, _) in IMPLEMENTATIONS {
            assert!(
                SPECS.iter().any(|spec| spec.name == *name),
                "{name} is implemented but no openapi/{name}.yaml is served"
            );
        }
    }
}
