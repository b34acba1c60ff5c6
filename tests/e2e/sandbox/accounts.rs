//! Coupa accounts: the five operations through the typed client (JSON) and raw XML, with the
//! index conventions (`limit`/`offset`, `order_by`/`dir`, attribute filters, `fields`,
//! `return_object`) and the documented failures.

use futures::TryStreamExt as _;
use reqwest::Method;
use serde_json::json;
use spendapi_client::auth::scopes;
use spendapi_client::coupa_accounts::types as t;
use spendapi_client::coupa_common::types::{
    CoupaReturnObject, CoupaReturnObjectWrite, CoupaSortDirection,
};
use spendapi_client::{Attr, ClientExt as _, CoupaAuth, Fields, Filters, VendorErrorKind};

use super::support::{ALL_COUPA, assert_failure, from_json, start, text};

pub const OPERATIONS: &[&str] = &[
    "list_accounts",
    "create_account",
    "get_account",
    "update_account",
    "update_account_allocation",
];

fn ids(list: &[t::Account]) -> Vec<i64> {
    list.iter().map(|a| a.id.expect("id")).collect()
}

#[tokio::test]
async fn list_accounts_pages_sorts_filters_and_shapes() {
    let sb = start().await;
    let coupa = sb.coupa(&[scopes::ACCOUNTING_READ]);
    let accounts = &coupa.accounts;

    // The two demo accounts, in id order, as seeded.
    let all = accounts
        .list_accounts()
        .send()
        .await
        .expect("index")
        .into_inner()
        .0;
    assert_eq!(ids(&all), [1523, 1524]);
    let first = &all[0];
    assert_eq!(text(&first.name), Some("San Francisco Marketing Travel"));
    assert_eq!(first.code.as_deref(), Some("SF-MKT-6100"));
    assert_eq!(first.active, Some(true));
    assert_eq!(first.account_type_id, Some(1));
    assert_eq!(
        first.account_type.as_ref().and_then(|t| t.name.as_deref()),
        Some("US Chart of Accounts")
    );
    assert_eq!(text(&first.segment_1), Some("SF"));
    assert_eq!(text(&first.segment_3), Some("6100"));
    assert_eq!(first.created_by.as_ref().and_then(|u| u.id), Some(270));

    // limit / offset.
    let page = accounts
        .list_accounts()
        .limit(1u64)
        .offset(1u64)
        .send()
        .await
        .expect("second page")
        .into_inner()
        .0;
    assert_eq!(ids(&page), [1524]);

    // order_by / dir, with an underscore name for a dashed attribute.
    let desc = accounts
        .list_accounts()
        .order_by("id")
        .dir(CoupaSortDirection::Desc)
        .send()
        .await
        .expect("descending")
        .into_inner()
        .0;
    assert_eq!(ids(&desc), [1524, 1523]);
    let by_segment = accounts
        .list_accounts()
        .order_by("segment_2")
        .dir(CoupaSortDirection::Desc)
        .send()
        .await
        .expect("by segment-2")
        .into_inner()
        .0;
    let segment_2: Vec<_> = by_segment.iter().map(|a| text(&a.segment_2)).collect();
    assert_eq!(segment_2, [Some("SLS"), Some("MKT")]);

    // The spec's named filters.
    let sls = accounts
        .list_accounts()
        .segment_1("SF")
        .code_contains("SLS")
        .send()
        .await
        .expect("named filters")
        .into_inner()
        .0;
    assert_eq!(ids(&sls), [1524]);

    // Attribute filters through `Filters`: operators, an association, dash or underscore.
    for (filters, expected) in [
        (Filters::new().starts_with("code", "SF-M"), vec![1523]),
        (Filters::new().eq("segment_2", "SLS"), vec![1524]),
        (Filters::new().eq("segment-2", "SLS"), vec![1524]),
        (
            Filters::new().eq(Attr::assoc("account-type", "name"), "US Chart of Accounts"),
            vec![1523, 1524],
        ),
        (Filters::new().gt("id", 1523), vec![1524]),
        (
            Filters::new().is_in("segment-3", ["6100", "9999"]),
            vec![1523],
        ),
        (Filters::new().not_eq("segment-2", "MKT"), vec![1524]),
        (Filters::new().blank("segment-4", true), vec![1523, 1524]),
        (
            Filters::new().gt("updated_at", "2024-04-01T00:00:00Z"),
            vec![1524],
        ),
        (Filters::new().ends_with("name", "Meals"), vec![1524]),
        (Filters::new().contains("name", "nowhere"), vec![]),
    ] {
        let query = filters.to_query_string();
        let found = accounts
            .with_filters(filters)
            .list_accounts()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .into_inner()
            .0;
        assert_eq!(ids(&found), expected, "{query}");
    }

    // `fields` and `return_object`.
    let trimmed = accounts
        .list_accounts()
        .fields(Fields::of(["id", "code"]).to_json())
        .send()
        .await
        .expect("fields")
        .into_inner()
        .0;
    assert_eq!(ids(&trimmed), [1523, 1524]);
    assert_eq!(trimmed[1].code.as_deref(), Some("SF-SLS-6200"));
    assert!(
        trimmed
            .iter()
            .all(|a| a.name.is_none() && a.segment_1.is_none())
    );
    let nested = accounts
        .list_accounts()
        .fields(
            Fields::new()
                .field("id")
                .nested("account-type", Fields::of(["name"]))
                .to_json(),
        )
        .limit(1u64)
        .send()
        .await
        .expect("nested fields")
        .into_inner()
        .0;
    let account_type = nested[0].account_type.as_ref().expect("account-type");
    assert_eq!(account_type.name.as_deref(), Some("US Chart of Accounts"));
    assert_eq!(account_type.id, None);
    let limited = accounts
        .list_accounts()
        .return_object(CoupaReturnObject::Limited)
        .send()
        .await
        .expect("limited")
        .into_inner()
        .0;
    assert_eq!(ids(&limited), [1523, 1524]);
    assert!(
        limited
            .iter()
            .all(|a| a.code.is_none() && a.active.is_none())
    );
    let shallow = accounts
        .list_accounts()
        .return_object(CoupaReturnObject::Shallow)
        .send()
        .await
        .expect("shallow")
        .into_inner()
        .0;
    let account_type = shallow[0].account_type.as_ref().expect("account-type");
    assert_eq!(
        (account_type.id, account_type.name.as_deref()),
        (Some(1), None)
    );
    assert_eq!(shallow[0].code.as_deref(), Some("SF-MKT-6100"));
}

#[tokio::test]
async fn list_accounts_streams_every_page() {
    let sb = start().await;
    let coupa = sb.coupa(&ALL_COUPA);
    // 55 new accounts: two pages of the documented 50.
    for i in 0..55 {
        let body: t::AccountCreate = from_json(json!({
            "name": format!("Stream {i}"),
            "account-type": {"id": 2},
            "segment-1": "STREAM",
            "segment-2": format!("{i:03}")
        }));
        coupa
            .accounts
            .create_account()
            .return_object(CoupaReturnObjectWrite::Limited)
            .body(body)
            .send()
            .await
            .expect("create");
    }
    let streamed: Vec<t::Account> = coupa
        .accounts
        .with_filters(Filters::new().eq("segment-1", "STREAM"))
        .list_accounts()
        .order_by("segment-2")
        .stream()
        .try_collect()
        .await
        .expect("stream");
    // A page of a filtered, sorted index: descending by name, ends_with on the name.
    let page = coupa
        .accounts
        .with_filters(Filters::new().ends_with("name", "7"))
        .list_accounts()
        .order_by("name")
        .dir(CoupaSortDirection::Desc)
        .offset(1u64)
        .limit(2u64)
        .send()
        .await
        .expect("filtered page")
        .into_inner()
        .0;
    let names: Vec<_> = page.iter().map(|a| text(&a.name)).collect();
    assert_eq!(names, [Some("Stream 47"), Some("Stream 37")]);
    let codes: Vec<String> = streamed
        .iter()
        .map(|a| a.code.clone().expect("code"))
        .collect();
    let expected: Vec<String> = (0..55).map(|i| format!("STREAM-{i:03}")).collect();
    assert_eq!(codes, expected);
    // Without the filter the seeded accounts come too, each once.
    let everything: Vec<t::Account> = coupa
        .accounts
        .list_accounts()
        .stream()
        .try_collect()
        .await
        .expect("stream");
    let mut all = ids(&everything);
    all.dedup();
    assert_eq!(all.len(), 57);
}

#[tokio::test]
async fn list_accounts_documented_failures_and_xml() {
    let sb = start().await;
    let coupa = sb.coupa(&[scopes::ACCOUNTING_READ]);

    // 400: a limit above 50, an unknown attribute, an admin API filter the sandbox lacks, a
    // text operator on a datetime.
    assert_failure(
        coupa.accounts.list_accounts().limit(51u64).send().await,
        400,
        "limit",
    );
    assert_failure(
        coupa
            .accounts
            .with_filters(Filters::new().eq("colour", "red"))
            .list_accounts()
            .send()
            .await,
        400,
        "unknown attribute 'colour'",
    );
    assert_failure(
        coupa
            .accounts
            .list_accounts()
            .filter("my_filter")
            .send()
            .await,
        400,
        "API filter 'my_filter' does not exist",
    );
    assert_failure(
        coupa
            .accounts
            .with_filters(Filters::new().contains("created-at", "2024"))
            .list_accounts()
            .send()
            .await,
        400,
        "text operators do not apply to datetimes",
    );
    // 403: a token without core.accounting.read.
    let narrow = sb.coupa(&[scopes::USER_READ]);
    let err = assert_failure(narrow.accounts.list_accounts().send().await, 403, "");
    assert!(
        err.body_text().starts_with("{\"errors\":"),
        "{}",
        err.body_text()
    );
    // 401: a token the sandbox never issued.
    let stranger =
        spendapi_client::coupa(sb.base.as_str(), CoupaAuth::bearer("not-a-token")).expect("client");
    assert_failure(stranger.accounts.list_accounts().send().await, 401, "");
    // A client whose credentials the token endpoint refuses never sends the request.
    let refused = spendapi_client::coupa(
        sb.base.as_str(),
        CoupaAuth::client_credentials("sandbox", "wrong", [scopes::ACCOUNTING_READ]),
    )
    .expect("client");
    let err = spendapi_client::VendorError::from(
        refused
            .accounts
            .list_accounts()
            .send()
            .await
            .expect_err("refused"),
    );
    assert_eq!(err.kind(), VendorErrorKind::Hook);

    // JSON: an empty match is 200 with an empty array.
    let none = coupa
        .accounts
        .list_accounts()
        .segment_1("NOPE")
        .send()
        .await
        .expect("empty index");
    assert_eq!(none.status().as_u16(), 200);
    assert!(none.into_inner().0.is_empty());

    // XML.
    let token = sb.coupa_token(&[scopes::ACCOUNTING_READ]).await;
    let xml = sb
        .coupa_xml(
            Method::GET,
            "/api/accounts?segment-1=SF",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(xml.status, 200, "{}", xml.text);
    assert!(xml.content_type.starts_with("application/xml"));
    assert_eq!(xml.root(), "accounts");
    assert_eq!(xml.texts("code"), ["SF-MKT-6100", "SF-SLS-6200"]);
    let limited = sb
        .coupa_xml(
            Method::GET,
            "/api/accounts?return_object=limited&order_by=id&dir=desc",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(limited.status, 200);
    assert_eq!(limited.texts("id"), ["1524", "1523"]);
    assert!(limited.texts("code").is_empty());
    // The XML empty index is a 404 with an <errors> body.
    sb.coupa_xml(
        Method::GET,
        "/api/accounts?segment-1=NOPE",
        Some(&token),
        None,
    )
    .await
    .assert_error(404, "No records matched the query.");
    sb.coupa_xml(Method::GET, "/api/accounts?limit=51", Some(&token), None)
        .await
        .assert_error(400, "limit");
    sb.coupa_xml(Method::GET, "/api/accounts", None, None)
        .await
        .assert_error(401, "");
    let narrow_token = sb.coupa_token(&[scopes::USER_READ]).await;
    sb.coupa_xml(Method::GET, "/api/accounts", Some(&narrow_token), None)
        .await
        .assert_error(403, "");
}

#[tokio::test]
async fn create_account_json_and_xml() {
    let sb = start().await;
    let coupa = sb.coupa(&ALL_COUPA);

    // The spec's example body: the chart of accounts by name.
    let body: t::AccountCreate = from_json(json!({
        "name": "New York Marketing Travel",
        "active": true,
        "account-type": {"name": "US Chart of Accounts"},
        "segment-1": "NY",
        "segment-2": "MKT",
        "segment-3": "6100"
    }));
    let created = coupa
        .accounts
        .create_account()
        .body(body)
        .send()
        .await
        .expect("create");
    assert_eq!(created.status().as_u16(), 201);
    let created = created.into_inner();
    let id = created.id.expect("id");
    assert!(id > 1524, "{id}");
    assert_eq!(text(&created.name), Some("New York Marketing Travel"));
    assert_eq!(created.code.as_deref(), Some("NY-MKT-6100"), "derived code");
    assert_eq!(created.account_type_id, Some(1));
    assert_eq!(created.active, Some(true));
    assert_eq!(
        created.created_by.as_ref().and_then(|u| u.login.as_deref()),
        Some("sandbox")
    );
    assert!(created.created_at.is_some() && created.updated_at.is_some());
    // Read back.
    let read = coupa
        .accounts
        .get_account()
        .id(id as u64)
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(read, created);

    // `return_object` on a write: limited is the id only, none an empty object.
    let limited = coupa
        .accounts
        .create_account()
        .return_object(CoupaReturnObjectWrite::Limited)
        .body(from_json::<t::AccountCreate>(json!({
            "account-type": {"id": 2}, "segment-1": "LIM"
        })))
        .send()
        .await
        .expect("limited")
        .into_inner();
    assert_eq!(limited.id, Some(id + 1));
    assert_eq!(limited.code, None);
    let none = coupa
        .accounts
        .create_account()
        .return_object(CoupaReturnObjectWrite::None)
        .body(from_json::<t::AccountCreate>(json!({
            "account-type": {"id": 2}, "segment-1": "NONE"
        })))
        .send()
        .await
        .expect("none")
        .into_inner();
    assert_eq!(none, t::Account::default());

    // 400: an unknown chart of accounts, no segment; 403 without the write scope; 401.
    let unknown_chart: t::AccountCreate =
        from_json(json!({"account-type": {"id": 99}, "segment-1": "X"}));
    let err = assert_failure(
        coupa
            .accounts
            .create_account()
            .body(unknown_chart.clone())
            .send()
            .await,
        400,
        "Account type 99 does not exist",
    );
    assert!(matches!(
        err.error_body(),
        spendapi_client::ErrorBody::CoupaJson(groups) if groups[0].0 == "account"
    ));
    assert_failure(
        coupa
            .accounts
            .create_account()
            .body(from_json::<t::AccountCreate>(
                json!({"account-type": {"id": 1}}),
            ))
            .send()
            .await,
        400,
        "Segment 1 can't be blank",
    );
    let read_only = sb.coupa(&[scopes::ACCOUNTING_READ]);
    assert_failure(
        read_only
            .accounts
            .create_account()
            .body(unknown_chart)
            .send()
            .await,
        403,
        "",
    );

    // XML: the spec's XML example body, and an XML validation error.
    let token = sb.coupa_token(&[scopes::ACCOUNTING_WRITE]).await;
    let xml = sb
        .coupa_xml(
            Method::POST,
            "/api/accounts",
            Some(&token),
            Some(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<account>
  <name>London Travel</name>
  <active>true</active>
  <account-type><name>EMEA Chart of Accounts</name></account-type>
  <segment-1>LDN</segment-1>
  <segment-2>TRV</segment-2>
</account>"#,
            ),
        )
        .await;
    assert_eq!(xml.status, 201, "{}", xml.text);
    assert_eq!(xml.root(), "account");
    assert_eq!(xml.texts("code"), ["LDN-TRV"]);
    assert_eq!(xml.texts("account-type-id"), ["2"]);
    let xml_id: u64 = xml.texts("id")[0].parse().expect("id");
    let read = coupa
        .accounts
        .get_account()
        .id(xml_id)
        .send()
        .await
        .expect("XML-created account over JSON")
        .into_inner();
    assert_eq!(text(&read.name), Some("London Travel"));
    assert_eq!(read.active, Some(true));
    sb.coupa_xml(
        Method::POST,
        "/api/accounts",
        Some(&token),
        Some("<account><account-type><id>99</id></account-type><segment-1>X</segment-1></account>"),
    )
    .await
    .assert_error(400, "Account type 99 does not exist");
    sb.coupa_xml(
        Method::POST,
        "/api/accounts",
        Some(&token),
        Some("<account><account-type><id>one</id></account-type></account>"),
    )
    .await
    .assert_error(400, "");
}

#[tokio::test]
async fn get_account_json_and_xml() {
    let sb = start().await;
    let coupa = sb.coupa(&[scopes::ACCOUNTING_READ]);
    let account = coupa
        .accounts
        .get_account()
        .id(1524u64)
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(account.id, Some(1524));
    assert_eq!(text(&account.name), Some("San Francisco Sales Meals"));
    assert_eq!(account.code.as_deref(), Some("SF-SLS-6200"));
    assert_eq!(
        account.updated_at.map(|d| d.to_rfc3339()),
        Some("2024-04-11T23:40:27+00:00".to_owned())
    );
    let trimmed = coupa
        .accounts
        .get_account()
        .id(1524u64)
        .fields(Fields::of(["id", "name"]).to_json())
        .send()
        .await
        .expect("fields")
        .into_inner();
    assert_eq!(
        (trimmed.id, text(&trimmed.name), trimmed.code),
        (Some(1524), Some("San Francisco Sales Meals"), None)
    );
    let limited = coupa
        .accounts
        .get_account()
        .id(1524u64)
        .return_object(CoupaReturnObject::Limited)
        .send()
        .await
        .expect("limited")
        .into_inner();
    assert_eq!(
        limited,
        t::Account {
            id: Some(1524),
            ..Default::default()
        }
    );

    let err = assert_failure(
        coupa.accounts.get_account().id(999_999u64).send().await,
        404,
        "Account 999999 not found",
    );
    assert!(err.is_not_found());
    assert_failure(
        coupa
            .accounts
            .get_account()
            .id(1524u64)
            .fields("[\"id\"")
            .send()
            .await,
        400,
        "",
    );
    let narrow = sb.coupa(&[scopes::INTEGRATION_READ]);
    assert_failure(
        narrow.accounts.get_account().id(1524u64).send().await,
        403,
        "",
    );

    let token = sb.coupa_token(&[scopes::ACCOUNTING_READ]).await;
    let xml = sb
        .coupa_xml(Method::GET, "/api/accounts/1523", Some(&token), None)
        .await;
    assert_eq!(xml.status, 200, "{}", xml.text);
    assert_eq!(xml.root(), "account");
    assert_eq!(xml.texts("code"), ["SF-MKT-6100"]);
    assert_eq!(xml.texts("segment-2"), ["MKT"]);
    sb.coupa_xml(Method::GET, "/api/accounts/999999", Some(&token), None)
        .await
        .assert_error(404, "Account 999999 not found");
    sb.coupa_xml(Method::GET, "/api/accounts/0", Some(&token), None)
        .await
        .assert_error(400, "");
}

#[tokio::test]
async fn update_account_json_and_xml() {
    let sb = start().await;
    let coupa = sb.coupa(&ALL_COUPA);
    let updated = coupa
        .accounts
        .update_account()
        .id(1523u64)
        .body(from_json::<t::AccountUpdate>(json!({
            "name": "San Francisco Marketing Travel and Events"
        })))
        .send()
        .await
        .expect("rename");
    assert_eq!(updated.status().as_u16(), 200);
    let updated = updated.into_inner();
    assert_eq!(
        text(&updated.name),
        Some("San Francisco Marketing Travel and Events")
    );
    assert_eq!(updated.code.as_deref(), Some("SF-MKT-6100"), "unchanged");
    assert_eq!(text(&updated.segment_2), Some("MKT"));
    assert!(updated.updated_at > updated.created_at);
    // A segment change recomputes the code; the chart of accounts can move.
    let moved = coupa
        .accounts
        .update_account()
        .id(1523u64)
        .body(from_json::<t::AccountUpdate>(json!({
            "segment-2": "EVT",
            "account-type": {"id": 2}
        })))
        .send()
        .await
        .expect("move")
        .into_inner();
    assert_eq!(moved.code.as_deref(), Some("SF-EVT-6100"));
    assert_eq!(moved.account_type_id, Some(2));
    let read = coupa
        .accounts
        .get_account()
        .id(1523u64)
        .send()
        .await
        .expect("show")
        .into_inner();
    assert_eq!(read, moved);

    assert_failure(
        coupa
            .accounts
            .update_account()
            .id(4242u64)
            .body(t::AccountUpdate::default())
            .send()
            .await,
        404,
        "Account 4242 not found",
    );
    assert_failure(
        coupa
            .accounts
            .update_account()
            .id(1523u64)
            .body(from_json::<t::AccountUpdate>(json!({
                "account-type": {"name": "Nowhere Chart"}
            })))
            .send()
            .await,
        400,
        "Account type Nowhere Chart does not exist",
    );
    assert_failure(
        coupa
            .accounts
            .update_account()
            .id(1523u64)
            .body(from_json::<t::AccountUpdate>(json!({
                "account-type": {"id": 1, "name": "EMEA Chart of Accounts"}
            })))
            .send()
            .await,
        400,
        "Account type EMEA Chart of Accounts does not match id 1",
    );
    let read_only = sb.coupa(&[scopes::ACCOUNTING_READ]);
    assert_failure(
        read_only
            .accounts
            .update_account()
            .id(1523u64)
            .body(t::AccountUpdate::default())
            .send()
            .await,
        403,
        "",
    );

    let token = sb.coupa_token(&[scopes::ACCOUNTING_WRITE]).await;
    let xml = sb
        .coupa_xml(
            Method::PUT,
            "/api/accounts/1524",
            Some(&token),
            Some("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account><name>Sales Meals (XML)</name></account>"),
        )
        .await;
    assert_eq!(xml.status, 200, "{}", xml.text);
    assert_eq!(xml.root(), "account");
    // The account's name, then its chart of accounts' name.
    assert_eq!(
        xml.texts("name"),
        ["Sales Meals (XML)", "US Chart of Accounts"]
    );
    assert_eq!(xml.texts("code"), ["SF-SLS-6200"]);
    sb.coupa_xml(
        Method::PUT,
        "/api/accounts/4242",
        Some(&token),
        Some("<account><name>x</name></account>"),
    )
    .await
    .assert_error(404, "Account 4242 not found");
}

#[tokio::test]
async fn update_account_allocation_json_and_xml() {
    let sb = start().await;
    let coupa = sb.coupa(&ALL_COUPA);
    // Found by segment first, as the vendor page describes.
    let found = coupa
        .accounts
        .list_accounts()
        .segment_1("SF")
        .segment_3("6100")
        .send()
        .await
        .expect("find")
        .into_inner()
        .0;
    assert_eq!(ids(&found), [1523]);
    let deactivated = coupa
        .accounts
        .update_account_allocation()
        .body(from_json::<t::AccountAllocationUpdate>(json!({
            "id": 1523, "active": false
        })))
        .send()
        .await
        .expect("deactivate")
        .into_inner();
    assert_eq!(deactivated.id, Some(1523));
    assert_eq!(deactivated.active, Some(false));
    assert_eq!(deactivated.code.as_deref(), Some("SF-MKT-6100"));
    let inactive = coupa
        .accounts
        .list_accounts()
        .active(false)
        .send()
        .await
        .expect("inactive")
        .into_inner()
        .0;
    assert_eq!(ids(&inactive), [1523]);

    assert_failure(
        coupa
            .accounts
            .update_account_allocation()
            .body(from_json::<t::AccountAllocationUpdate>(
                json!({"id": 777, "active": true}),
            ))
            .send()
            .await,
        404,
        "Account 777 not found",
    );
    let read_only = sb.coupa(&[scopes::ACCOUNTING_READ]);
    assert_failure(
        read_only
            .accounts
            .update_account_allocation()
            .body(from_json::<t::AccountAllocationUpdate>(json!({"id": 1523})))
            .send()
            .await,
        403,
        "",
    );

    let token = sb.coupa_token(&[scopes::ACCOUNTING_WRITE]).await;
    let xml = sb
        .coupa_xml(
            Method::PUT,
            "/api/accountAllocations",
            Some(&token),
            Some("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account><id>1523</id><active>true</active></account>"),
        )
        .await;
    assert_eq!(xml.status, 200, "{}", xml.text);
    assert_eq!(xml.root(), "account");
    assert_eq!(xml.texts("active"), ["true"]);
    sb.coupa_xml(
        Method::PUT,
        "/api/accountAllocations",
        Some(&token),
        Some("<account><id>777</id></account>"),
    )
    .await
    .assert_error(404, "Account 777 not found");
    // The id is required in the body.
    sb.coupa_xml(
        Method::PUT,
        "/api/accountAllocations",
        Some(&token),
        Some("<account><active>true</active></account>"),
    )
    .await
    .assert_error(400, "id");
}
