use std::sync::atomic::Ordering;

use spendapi_client::{CoupaAuth, VendorError};
use spendapi_e2e::{Delegations, delegations_app, serve};

#[tokio::test]
async fn client_credentials_token_is_fetched_once_and_its_scopes_are_enforced() {
    let delegations = Delegations::default();
    let base = serve(delegations_app(delegations.clone())).await;

    // The documented scope for the delegations index.
    let coupa = spendapi_client::coupa(
        base.as_str(),
        CoupaAuth::client_credentials("id", "secret", ["core.user.read"]),
    )
    .expect("client");
    for _ in 0..3 {
        let list = coupa
            .delegations
            .list_delegations()
            .limit(50u64)
            .send()
            .await
            .expect("list");
        assert!(list.into_inner().0.is_empty());
    }
    assert_eq!(
        delegations.tokens_issued.load(Ordering::SeqCst),
        1,
        "the token is cached"
    );

    // A token without the operation's scope: 403 in Coupa's JSON error format.
    let narrow = spendapi_client::coupa(
        base.as_str(),
        CoupaAuth::client_credentials("id", "secret", ["core.accounting.read"]),
    )
    .expect("client");
    let err = VendorError::from(
        narrow
            .delegations
            .list_delegations()
            .send()
            .await
            .expect_err("403"),
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(!err.messages().is_empty());
    assert!(
        err.body_text().starts_with("{\"errors\":"),
        "{}",
        err.body_text()
    );

    // A limit above the documented maximum never reaches the implementation.
    let err = VendorError::from(
        coupa
            .delegations
            .list_delegations()
            .limit(51u64)
            .send()
            .await
            .expect_err("400"),
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(
        err.messages().iter().any(|m| m.contains("limit")),
        "{:?}",
        err.messages()
    );
}
