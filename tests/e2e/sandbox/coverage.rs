//! Every operation of the specs has an end-to-end test against the sandbox: the lists the API
//! modules keep must equal the `operationId`s of `openapi/*.yaml`.

use std::collections::BTreeSet;

use super::{accounts, concur, cso, delegations, records};

/// The operations driven by this suite, per API module.
fn covered() -> Vec<&'static str> {
    [
        accounts::OPERATIONS,
        delegations::OPERATIONS,
        records::OPERATIONS,
        cso::OPERATIONS,
        concur::OPERATIONS,
    ]
    .concat()
}

#[test]
fn every_operation_of_the_specs_is_covered_once() {
    let root = spendapi_spec::workspace_root();
    let mut in_specs = BTreeSet::new();
    for file in spendapi_spec::spec_files(&root).expect("spec files") {
        let doc = spendapi_spec::bundle(&file).expect("bundled spec");
        for operation in spendapi_spec::operations(&doc) {
            let id = operation
                .id()
                .unwrap_or_else(|| panic!("{} has no operationId", operation.location()));
            assert!(in_specs.insert(id.to_owned()), "duplicate operationId {id}");
        }
    }
    let covered = covered();
    let unique: BTreeSet<String> = covered.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(unique.len(), covered.len(), "an operation is listed twice");
    let missing: Vec<&String> = in_specs.difference(&unique).collect();
    let unknown: Vec<&String> = unique.difference(&in_specs).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "operations without an end-to-end test against the sandbox: {missing:?}; \
         listed but not in the specs: {unknown:?}"
    );
}
