//! Streams over every record of a Coupa or CSO index, walking `offset`/`limit`.
//!
//! Every generated index builder (an operation with `limit` and `offset` query parameters) also
//! has a `stream()` method, generated from its spec, that walks the pages with the builder's
//! other arguments: `accounts.list_accounts().stream()`.
//!
//! Both functions take a closure that fetches one page (`offset`, `limit` in a [`PageRequest`])
//! and return a `futures::Stream` of records; the stream ends after the last page or after the
//! first error (which it yields).
//!
//! - [`coupa_index`]: Coupa Core answers a bare JSON array. The walk ends on a short page (fewer
//!   records than `limit`), an empty page, or a 404 (Coupa's XML answer to a query that matches
//!   nothing; JSON answers `200 []`).
//! - [`cso_index`]: CSO answers `{"total": N, "events": [...]}`; the walk ends when `total`
//!   records have been seen or on an empty page.
//!
//! The page size is clamped to the vendor's maximum (50 for Coupa, 250 for CSO): the specs
//! document a larger `limit` as invalid (400), and a server that clamped it silently would
//! return "short" pages that could be mistaken for the last one. The next
//! offset is the previous one plus the number of records actually received.
//!
//! ```no_run
//! # async fn demo(accounts: spendapi_client::coupa_accounts::Client) -> Result<(), spendapi_client::VendorError> {
//! use futures::TryStreamExt;
//! use spendapi_client::pagination::coupa_index;
//!
//! let all = coupa_index(50, |page| {
//!     let accounts = &accounts;
//!     async move {
//!         let list = accounts
//!             .list_accounts()
//!             .offset(page.offset)
//!             .limit(page.limit)
//!             .send()
//!             .await?;
//!         Ok::<_, spendapi_client::VendorError>(list.into_inner().0)
//!     }
//! });
//! let accounts: Vec<_> = all.try_collect().await?;
//! # let _ = accounts;
//! # Ok(())
//! # }
//! ```

use std::future::Future;

use futures::{Stream, StreamExt, stream};

use crate::errors::VendorError;
use spendapi_types::cso_events;

/// Coupa Core's largest page (`limit`).
pub const COUPA_MAX_LIMIT: u64 = 50;
/// Coupa Sourcing's largest page (`limit`).
pub const CSO_MAX_LIMIT: u64 = 250;

/// The page to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Number of records to skip (`offset`).
    pub offset: u64,
    /// Page size (`limit`), at least 1.
    pub limit: u64,
}

/// One page of a CSO index.
#[derive(Debug, Clone, PartialEq)]
pub struct CsoPage<T> {
    /// The `total` number of records matching the query.
    pub total: u64,
    /// The records of this page.
    pub items: Vec<T>,
}

impl From<cso_events::EventList> for CsoPage<cso_events::Event> {
    fn from(list: cso_events::EventList) -> Self {
        Self {
            total: u64::try_from(list.total).unwrap_or(0),
            items: list.events,
        }
    }
}

/// Errors that can say "404 Not Found", which ends a Coupa index walk.
pub trait IndexError {
    /// Whether the server answered 404.
    fn is_not_found(&self) -> bool;
}

impl<E> IndexError for progenitor_client::Error<E> {
    fn is_not_found(&self) -> bool {
        self.status() == Some(reqwest::StatusCode::NOT_FOUND)
    }
}

impl IndexError for VendorError {
    fn is_not_found(&self) -> bool {
        VendorError::is_not_found(self)
    }
}

#[derive(Clone, Copy)]
enum Rule {
    Coupa,
    Cso,
}

/// What a page says about the rest of the walk.
struct Fetched<T> {
    items: Vec<T>,
    total: Option<u64>,
}

struct Walk<F> {
    fetch: F,
    offset: u64,
    limit: u64,
    done: bool,
}

fn walk<T, E, F, Fut>(rule: Rule, limit: u64, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Fetched<T>, E>>,
    E: IndexError,
{
    let state = Walk {
        fetch,
        offset: 0,
        limit,
        done: false,
    };
    stream::unfold(state, move |mut state| async move {
        if state.done {
            return None;
        }
        let page = PageRequest {
            offset: state.offset,
            limit: state.limit,
        };
        let batch: Vec<Result<T, E>> = match (state.fetch)(page).await {
            Ok(Fetched { items, total }) => {
                let received = items.len() as u64;
                state.offset += received;
                state.done = received == 0
                    || match rule {
                        Rule::Coupa => received < state.limit,
                        Rule::Cso => total.is_some_and(|total| state.offset >= total),
                    };
                items.into_iter().map(Ok).collect()
            }
            Err(e) if matches!(rule, Rule::Coupa) && e.is_not_found() => {
                state.done = true;
                Vec::new()
            }
            Err(e) => {
                state.done = true;
                vec![Err(e)]
            }
        };
        Some((stream::iter(batch), state))
    })
    .flatten()
}

/// Every record of a Coupa Core index; `fetch` returns one page's records.
pub fn coupa_index<T, E, F, Fut>(page_size: u64, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Vec<T>, E>>,
    E: IndexError,
{
    array_index(page_size.clamp(1, COUPA_MAX_LIMIT), fetch)
}

/// Every record of an index answering bare arrays (Coupa Core's shape), `limit` records a page:
/// the walk ends on a short or empty page, or a 404. The generated `stream()` of such an index
/// calls it with the page size its spec documents.
pub fn array_index<T, E, F, Fut>(limit: u64, mut fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Vec<T>, E>>,
    E: IndexError,
{
    walk(Rule::Coupa, limit.max(1), move |page| {
        let fut = fetch(page);
        async move { fut.await.map(|items| Fetched { items, total: None }) }
    })
}

/// Every record of a Coupa Sourcing index; `fetch` returns one page with the `total`.
pub fn cso_index<T, E, F, Fut>(page_size: u64, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<CsoPage<T>, E>>,
    E: IndexError,
{
    counted_index(page_size.clamp(1, CSO_MAX_LIMIT), fetch)
}

/// Every record of an index answering an envelope with the `total` count (CSO's shape), `limit`
/// records a page: the walk ends when `total` records were seen or on an empty page. The
/// generated `stream()` of such an index calls it with the page size its spec documents.
pub fn counted_index<T, E, F, Fut>(limit: u64, mut fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<CsoPage<T>, E>>,
    E: IndexError,
{
    walk(Rule::Cso, limit.max(1), move |page| {
        let fut = fetch(page);
        async move {
            fut.await.map(|page| Fetched {
                items: page.items,
                total: Some(page.total),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use std::cell::RefCell;

    #[derive(Debug, PartialEq)]
    enum TestError {
        NotFound,
        Boom,
    }

    impl IndexError for TestError {
        fn is_not_found(&self) -> bool {
            *self == TestError::NotFound
        }
    }

    /// Serves `0..n` like Coupa; `not_found_when_empty` answers 404 instead of `[]`.
    fn coupa_walk(
        n: u64,
        page_size: u64,
        not_found_when_empty: bool,
    ) -> (Vec<u64>, Vec<PageRequest>) {
        let requests = RefCell::new(Vec::new());
        let stream = coupa_index(page_size, |page: PageRequest| {
            requests.borrow_mut().push(page);
            let items: Vec<u64> = (page.offset..n.min(page.offset + page.limit)).collect();
            async move {
                if items.is_empty() && not_found_when_empty {
                    Err(TestError::NotFound)
                } else {
                    Ok(items)
                }
            }
        });
        let items = block_on(stream.map(|r| r.expect("no error")).collect::<Vec<_>>());
        (items, requests.into_inner())
    }

    #[test]
    fn coupa_walk_neither_skips_nor_repeats_at_page_boundaries() {
        let size = 5;
        for n in [
            0,
            1,
            size - 1,
            size,
            size + 1,
            2 * size - 1,
            2 * size,
            2 * size + 1,
            7 * size,
        ] {
            for not_found in [false, true] {
                let (items, requests) = coupa_walk(n, size, not_found);
                assert_eq!(items, (0..n).collect::<Vec<_>>(), "n = {n}");
                // A short page ends the walk; an exact multiple needs one more (empty) page.
                let expected_requests = n / size + 1;
                assert_eq!(requests.len() as u64, expected_requests, "n = {n}");
                for (i, r) in requests.iter().enumerate() {
                    assert_eq!(
                        *r,
                        PageRequest {
                            offset: i as u64 * size,
                            limit: size
                        }
                    );
                }
            }
        }
    }

    #[test]
    fn page_size_is_clamped_to_the_vendor_maximum() {
        let (items, requests) = coupa_walk(120, 500, false);
        assert_eq!(items.len(), 120);
        assert!(requests.iter().all(|r| r.limit == COUPA_MAX_LIMIT));
        let (_, requests) = coupa_walk(3, 0, false);
        assert_eq!(requests[0].limit, 1);
    }

    fn cso_walk(n: u64, page_size: u64, server_max: u64) -> (Vec<u64>, Vec<PageRequest>) {
        let requests = RefCell::new(Vec::new());
        let stream = cso_index(page_size, |page: PageRequest| {
            requests.borrow_mut().push(page);
            let end = n.min(page.offset + page.limit.min(server_max));
            let items: Vec<u64> = (page.offset..end).collect();
            async move { Ok::<_, TestError>(CsoPage { total: n, items }) }
        });
        let items = block_on(stream.map(|r| r.expect("no error")).collect::<Vec<_>>());
        (items, requests.into_inner())
    }

    #[test]
    fn cso_walk_stops_at_total_without_an_extra_request() {
        let size = 4;
        for n in [0, 1, size - 1, size, size + 1, 3 * size, 3 * size + 1] {
            let (items, requests) = cso_walk(n, size, CSO_MAX_LIMIT);
            assert_eq!(items, (0..n).collect::<Vec<_>>(), "n = {n}");
            assert_eq!(requests.len() as u64, n.div_ceil(size).max(1), "n = {n}");
        }
        // A server that answers fewer records than asked: offsets follow what was received.
        let (items, requests) = cso_walk(10, 4, 3);
        assert_eq!(items, (0..10).collect::<Vec<_>>());
        let offsets: Vec<u64> = requests.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, [0, 3, 6, 9]);
    }

    #[test]
    fn an_error_is_yielded_and_ends_the_walk() {
        let calls = RefCell::new(0);
        let stream = coupa_index(2, |page: PageRequest| {
            *calls.borrow_mut() += 1;
            async move {
                if page.offset == 0 {
                    Ok(vec![1, 2])
                } else {
                    Err(TestError::Boom)
                }
            }
        });
        let results = block_on(stream.collect::<Vec<_>>());
        assert_eq!(results, [Ok(1), Ok(2), Err(TestError::Boom)]);
        assert_eq!(calls.into_inner(), 2);
    }
}
