//! Coupa delegations: the index through the typed client (filters, paging, shapes, the
//! stream) and raw XML, with the documented failures.

use futures::TryStreamExt as _;
use reqwest::Method;
use spendapi_client::auth::scopes;
use spendapi_client::coupa_common::types::{CoupaReturnObject, CoupaSortDirection};
use spendapi_client::coupa_delegations::types as t;
use spendapi_client::{Attr, ClientExt as _, Fields, Filters};

use super::support::{assert_failure, start, text};

pub const OPERATIONS: &[&str] = &["list_delegations"];

#[tokio::test]
async fn list_delegations_json() {
    let sb = start().await;
    let coupa = sb.coupa(&[scopes::USER_READ]);
    let delegations = &coupa.delegations;

    // The vendor page's delegation, as seeded.
    let all = delegations
        .list_delegations()
        .send()
        .await
        .expect("index")
        .into_inner()
        .0;
    assert_eq!(all.len(), 1);
    let d = &all[0];
    assert_eq!(d.id, Some(1));
    assert_eq!((d.delegator_id, d.delegate_id), (Some(272), Some(273)));
    assert_eq!(text(&d.reason), Some("Testing"));
    assert_eq!(d.approval_delegate, Some(true));
    assert_eq!(d.receiving_delegate, Some(false));
    assert_eq!(
        d.start_date.map(|s| s.to_rfc3339()),
        Some("2021-03-17T07:00:00+00:00".to_owned())
    );
    let delegator = d.delegator.as_ref().expect("delegator");
    assert_eq!(delegator.login.as_deref(), Some("pradeep_1616091337"));
    let delegate = d.delegate.as_ref().expect("delegate");
    assert_eq!(delegate.login.as_deref(), Some("dhana_1616091337"));

    // Named filters of the spec, matching and not (JSON: 200 with an empty array).
    let cases: Vec<(t::DelegationList, usize)> = vec![
        (
            delegations
                .list_delegations()
                .delegator_id(272)
                .send()
                .await
                .expect("delegator-id")
                .into_inner(),
            1,
        ),
        (
            delegations
                .list_delegations()
                .delegate_login("dhana_1616091337")
                .send()
                .await
                .expect("delegate[login]")
                .into_inner(),
            1,
        ),
        (
            delegations
                .list_delegations()
                .delegator_login("nobody")
                .send()
                .await
                .expect("delegator[login]")
                .into_inner(),
            0,
        ),
        (
            delegations
                .list_delegations()
                .start_date_gt(
                    "2021-03-16T00:00:00Z"
                        .parse::<chrono::DateTime<chrono::Utc>>()
                        .expect("date"),
                )
                .send()
                .await
                .expect("start-date[gt]")
                .into_inner(),
            1,
        ),
    ];
    for (i, (list, expected)) in cases.iter().enumerate() {
        assert_eq!(list.0.len(), *expected, "case {i}");
    }

    // Attribute filters through associations and with underscores.
    for (filters, expected) in [
        (
            Filters::new().eq(Attr::assoc("delegator", "login"), "pradeep_1616091337"),
            1,
        ),
        (Filters::new().eq("delegate_id", 273), 1),
        (Filters::new().eq("approval_delegate", true), 1),
        (Filters::new().eq("review-delegate", true), 0),
        (Filters::new().lt("end-date", "2021-03-20T00:00:00Z"), 0),
        (
            Filters::new().gt_or_eq("end-date", "2021-03-21T07:00:00Z"),
            1,
        ),
        (Filters::new().starts_with("reason", "Test"), 1),
    ] {
        let query = filters.to_query_string();
        let found = delegations
            .with_filters(filters)
            .list_delegations()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .into_inner()
            .0;
        assert_eq!(found.len(), expected, "{query}");
    }

    // Paging, order, shapes, the stream.
    let past = delegations
        .list_delegations()
        .offset(1u64)
        .limit(1u64)
        .order_by("id")
        .dir(CoupaSortDirection::Asc)
        .send()
        .await
        .expect("second page")
        .into_inner()
        .0;
    assert!(past.is_empty());
    let shallow = delegations
        .list_delegations()
        .return_object(CoupaReturnObject::Shallow)
        .send()
        .await
        .expect("shallow")
        .into_inner()
        .0;
    let delegator = shallow[0].delegator.as_ref().expect("delegator");
    assert_eq!(
        (delegator.id, delegator.login.as_deref()),
        (Some(272), None)
    );
    assert_eq!(text(&shallow[0].reason), Some("Testing"));
    let limited = delegations
        .list_delegations()
        .return_object(CoupaReturnObject::Limited)
        .send()
        .await
        .expect("limited")
        .into_inner()
        .0;
    assert_eq!(
        limited,
        [t::Delegation {
            id: Some(1),
            ..Default::default()
        }]
    );
    let fields = delegations
        .list_delegations()
        .fields(
            Fields::new()
                .field("id")
                .nested("delegate", Fields::of(["login"]))
                .to_json(),
        )
        .send()
        .await
        .expect("fields")
        .into_inner()
        .0;
    let delegate = fields[0].delegate.as_ref().expect("delegate");
    assert_eq!(
        (delegate.id, delegate.login.as_deref()),
        (None, Some("dhana_1616091337"))
    );
    assert_eq!(fields[0].reason, None);
    let streamed: Vec<t::Delegation> = delegations
        .list_delegations()
        .stream()
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(streamed, all);
}

#[tokio::test]
async fn list_delegations_failures_and_xml() {
    let sb = start().await;
    let coupa = sb.coupa(&[scopes::USER_READ]);
    assert_failure(
        coupa
            .delegations
            .list_delegations()
            .limit(60u64)
            .send()
            .await,
        400,
        "limit",
    );
    assert_failure(
        coupa
            .delegations
            .with_filters(Filters::new().contains("start-date", "2021"))
            .list_delegations()
            .send()
            .await,
        400,
        "text operators do not apply to datetimes",
    );
    assert_failure(
        coupa
            .delegations
            .list_delegations()
            .order_by("colour")
            .send()
            .await,
        400,
        "colour",
    );
    let narrow = sb.coupa(&[scopes::ACCOUNTING_READ]);
    let err = assert_failure(narrow.delegations.list_delegations().send().await, 403, "");
    assert!(matches!(
        err.error_body(),
        spendapi_client::ErrorBody::CoupaJson(_)
    ));

    let token = sb.coupa_token(&[scopes::USER_READ]).await;
    let xml = sb
        .coupa_xml(Method::GET, "/api/delegations", Some(&token), None)
        .await;
    assert_eq!(xml.status, 200, "{}", xml.text);
    assert_eq!(xml.root(), "delegations");
    assert_eq!(xml.texts("reason"), ["Testing"]);
    assert_eq!(xml.texts("delegator-id"), ["272"]);
    assert!(xml.text.contains("<delegation>"), "{}", xml.text);
    assert!(
        xml.texts("login")
            .contains(&"pradeep_1616091337".to_owned())
    );
    sb.coupa_xml(
        Method::GET,
        "/api/delegations?delegator-id=1",
        Some(&token),
        None,
    )
    .await
    .assert_error(404, "No records matched the query.");
    sb.coupa_xml(
        Method::GET,
        "/api/delegations?limit=abc",
        Some(&token),
        None,
    )
    .await
    .assert_error(400, "limit");
    sb.coupa_xml(Method::GET, "/api/delegations", Some("expired"), None)
        .await
        .assert_error(401, "");
    let narrow_token = sb.coupa_token(&[scopes::ACCOUNTING_READ]).await;
    sb.coupa_xml(Method::GET, "/api/delegations", Some(&narrow_token), None)
        .await
        .assert_error(403, "");
}
