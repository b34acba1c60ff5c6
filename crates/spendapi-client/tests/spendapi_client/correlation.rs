//! `concur-correlationid`: generated (UUID v4) or configured, sent on every Concur request and
//! readable from responses and errors.

use spendapi_client::{ClientExt, ConcurAuth, CorrelationIdExt, VendorError};

use crate::support::{ALLOCATION, REPORT, Recorded, Reply, Server, USER, allocation_json};

/// Echoes the correlation id; answers 404 for allocation ids starting with `0000`.
fn echo(r: &Recorded) -> Reply {
    let reply = if r.path.ends_with("/00000000000000000000000000000000") {
        Reply::json(
            404,
            serde_json::json!({
                "errorMessage": "allocationId not found",
                "httpStatus": "404 - Not Found",
                "path": r.path,
                "timestamp": "2024-05-14T09:31:12.123Z",
            }),
        )
    } else {
        Reply::json(200, allocation_json())
    };
    match r.header("concur-correlationid") {
        Some(id) => reply.header("concur-correlationid", id),
        None => reply,
    }
}

async fn concur_server() -> Server {
    Server::start(echo).await
}

fn get<'a>(
    client: &'a spendapi_client::concur_expense_allocations::Client,
    allocation: &'static str,
) -> spendapi_client::concur_expense_allocations::builder::GetReportAllocation<'a> {
    client
        .get_report_allocation()
        .user_id(USER)
        .context_type("TRAVELER")
        .report_id(REPORT)
        .allocation_id(allocation)
}

#[tokio::test]
async fn a_new_uuid_is_sent_per_request_and_read_back() {
    let server = concur_server().await;
    let concur = server
        .config()
        .concur(ConcurAuth::bearer("t"))
        .expect("client");
    let first = get(&concur, ALLOCATION).send().await.expect("get");
    let second = get(&concur, ALLOCATION).send().await.expect("get");

    let sent: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            r.header("concur-correlationid")
                .expect("header sent")
                .to_owned()
        })
        .collect();
    for id in &sent {
        let uuid = uuid::Uuid::parse_str(id).expect("a UUID");
        assert_eq!(uuid.get_version_num(), 4, "{id}");
    }
    assert_ne!(sent[0], sent[1], "one id per request");
    assert_eq!(first.correlation_id(), Some(sent[0].as_str()));
    assert_eq!(second.correlation_id(), Some(sent[1].as_str()));
}

#[tokio::test]
async fn a_configured_id_is_sent_verbatim() {
    let server = concur_server().await;
    let concur = server
        .config()
        .correlation_id("batch-2024-05-14")
        .concur(ConcurAuth::bearer("t"))
        .expect("client");
    let answer = get(&concur, ALLOCATION).send().await.expect("get");
    assert_eq!(answer.correlation_id(), Some("batch-2024-05-14"));

    // Per handle, overriding the client's.
    let scoped = concur.with_correlation_id("scoped-id");
    let answer = get(&scoped, ALLOCATION).send().await.expect("get");
    assert_eq!(answer.correlation_id(), Some("scoped-id"));

    // Per call, through the operation's own parameter.
    let answer = get(&scoped, ALLOCATION)
        .concur_correlationid("call-id")
        .send()
        .await
        .expect("get");
    assert_eq!(answer.correlation_id(), Some("call-id"));

    let sent: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.headers.get_all("concur-correlationid").iter().count())
        .collect();
    assert_eq!(sent, [1, 1, 1], "exactly one correlation id per request");
}

#[tokio::test]
async fn errors_carry_the_echoed_id() {
    let server = concur_server().await;
    let concur = server
        .config()
        .concur(ConcurAuth::bearer("t"))
        .expect("client");
    let err = get(&concur, "00000000000000000000000000000000")
        .send()
        .await
        .expect_err("404");
    let sent = server.requests()[0]
        .header("concur-correlationid")
        .expect("header sent")
        .to_owned();
    assert_eq!(err.correlation_id(), Some(sent.as_str()));
    let err = VendorError::from(err);
    assert_eq!(err.correlation_id(), Some(sent.as_str()));
    assert_eq!(err.messages(), ["allocationId not found"]);
}
