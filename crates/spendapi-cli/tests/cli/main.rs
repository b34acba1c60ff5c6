//! The `spendapi` binary against the sandbox, started in-process by each test (fresh in-memory
//! database, demo seed, real token flows): every operation of the five specs through its
//! subcommand, JSON parsed and checked; `--all` over several pages; a vendor error; a missing
//! credential; YAML and table output; completions. The last test checks that the operations
//! run here are exactly the specs' operationIds.

use std::collections::BTreeSet;
use std::process::Output;

use serde_json::{Value, json};
use spendapi_sandbox::{Config, Seed, Settings};

/// The development credentials of the sandbox's default configuration.
const CLIENT_ID: &str = "sandbox";
const CLIENT_SECRET: &str = "sandbox";
const CSO_KEY: &str = "sandbox";

/// Seeded Concur records (the vendor page's examples).
const USER: &str = "32c2fcc3-b2e8-4907-9672-5b3f49b1c643";
const REPORT: &str = "764428DD6A664AF0BFCB";
const EXPENSE: &str = "29EE3C62F5D844458828A5C1086072D1";
const ALLOCATION: &str = "3BBB494511E1C74DA04469C45B039871";

struct Sandbox {
    base: String,
    /// Files holding request bodies.
    dir: tempfile::TempDir,
    /// The operationIds run so far through [`Sandbox::op`].
    ran: std::sync::Mutex<BTreeSet<String>>,
}

async fn start() -> Sandbox {
    let (app, _state) = spendapi_sandbox::web::build(Settings {
        db: ":memory:".to_owned(),
        seed: Seed::Demo,
        config: Config::default(),
    })
    .await
    .expect("sandbox app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Sandbox {
        base: format!("http://{address}"),
        dir: tempfile::tempdir().expect("tempdir"),
        ran: std::sync::Mutex::new(BTreeSet::new()),
    }
}

impl Sandbox {
    /// Runs `spendapi ARGS` with the base URL and the Coupa, CSO and Concur credentials in the
    /// environment (plus `extra`), and nothing else of the caller's `SPENDAPI_*`.
    async fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_spendapi"));
        for (key, _) in std::env::vars() {
            if key.starts_with("SPENDAPI_") {
                command.env_remove(key);
            }
        }
        command
            .env("SPENDAPI_BASE_URL", &self.base)
            // No config file of the machine's user is read.
            .env("XDG_CONFIG_HOME", self.dir.path())
            .args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        tokio::task::spawn_blocking(move || command.output().expect("run spendapi"))
            .await
            .expect("join")
    }

    async fn coupa_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SPENDAPI_CLIENT_ID", CLIENT_ID.to_owned()),
            ("SPENDAPI_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ]
    }

    /// Runs an operation (`vendor api op-name`, operationId) and parses its JSON output.
    async fn json(&self, operation_id: &str, args: &[&str], env: &[(&str, String)]) -> Value {
        let out = self.op(operation_id, args, env).await;
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs an operation's subcommand, recording its operationId for the coverage check.
    async fn op(&self, operation_id: &str, args: &[&str], env: &[(&str, String)]) -> Output {
        self.ran
            .lock()
            .expect("lock")
            .insert(operation_id.to_owned());
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.run_with(args, &env).await
    }

    /// A file holding `body`, for `--json-body`.
    fn body(&self, name: &str, body: Value) -> String {
        let path = self.dir.path().join(format!("{name}.json"));
        std::fs::write(&path, body.to_string()).expect("write body");
        path.to_string_lossy().into_owned()
    }

    /// A Concur refresh token (through the sandbox's password grant, as an integration gets
    /// one once).
    async fn concur_refresh_token(&self) -> String {
        let response = reqwest::Client::new()
            .post(format!("{}/oauth2/v0/token", self.base))
            .form(&[
                ("grant_type", "password"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("username", "user@example.com"),
                ("password", "company-request-token"),
                ("credtype", "authtoken"),
                (
                    "scope",
                    "expense.report.read expense.report.readwrite user.read",
                ),
            ])
            .send()
            .await
            .expect("token request");
        let body: Value = response.json().await.expect("token JSON");
        body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .to_owned()
    }
}

fn id_of(value: &Value) -> String {
    match &value["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every operation of every spec, one subcommand each, with its output checked; returns the
/// operationIds run.
async fn every_operation(sb: &Sandbox) -> BTreeSet<String> {
    let coupa = sb.coupa_env().await;

    // coupa-accounts
    let listed = sb
        .json(
            "list_accounts",
            &["coupa", "accounts", "list", "--segment-1", "SF"],
            &coupa,
        )
        .await;
    let listed = listed.as_array().expect("an array");
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|a| a["segment-1"] == "SF"), "{listed:?}");
    let body = sb.body(
        "account",
        json!({"name": "CLI account", "account-type": {"name": "US Chart of Accounts"},
               "segment-1": "CLI"}),
    );
    let created = sb
        .json(
            "create_account",
            &["coupa", "accounts", "create", "--json-body", &body],
            &coupa,
        )
        .await;
    assert_eq!(created["name"], "CLI account");
    let account = id_of(&created);
    let got = sb
        .json(
            "get_account",
            &["coupa", "accounts", "get", "--id", &account],
            &coupa,
        )
        .await;
    assert_eq!(got["segment-1"], "CLI");
    let body = sb.body("rename", json!({"name": "CLI renamed"}));
    let updated = sb
        .json(
            "update_account",
            &[
                "coupa",
                "accounts",
                "update",
                "--id",
                &account,
                "--json-body",
                &body,
            ],
            &coupa,
        )
        .await;
    assert_eq!(updated["name"], "CLI renamed");
    let body = sb.body(
        "allocation",
        json!({"id": created["id"], "name": "CLI via alias"}),
    );
    let updated = sb
        .json(
            "update_account_allocation",
            &[
                "coupa",
                "accounts",
                "update-allocation",
                "--json-body",
                &body,
            ],
            &coupa,
        )
        .await;
    assert_eq!(updated["name"], "CLI via alias");

    // coupa-delegations
    let delegations = sb
        .json(
            "list_delegations",
            &["coupa", "delegations", "list", "--limit", "5"],
            &coupa,
        )
        .await;
    let delegations = delegations.as_array().expect("an array");
    assert!(!delegations.is_empty() && delegations.len() <= 5);

    // coupa-integration-history-records
    let record_body = sb.body(
        "record",
        json!({
            "contact-alert-type": "Functional",
            "document-id": 4812,
            "document-type": "InvoiceHeader",
            "status": "Error",
            "responses": [{"response-code": "E-1001", "response-message": "Supplier not found"}]
        }),
    );
    let ihr = |op: &'static str| ["coupa", "integration-history-records", op];
    let created = sb
        .json(
            "create_integration_history_record",
            &[&ihr("create")[..], &["--json-body", &record_body]].concat(),
            &coupa,
        )
        .await;
    assert_eq!(created["document-id"], 4812);
    let record = id_of(&created);
    let list = sb
        .json("list_integration_history_records", &ihr("list"), &coupa)
        .await;
    assert!(
        list.as_array()
            .expect("an array")
            .iter()
            .any(|r| r["id"] == created["id"])
    );
    let got = sb
        .json(
            "get_integration_history_record",
            &[&ihr("get")[..], &["--id", &record]].concat(),
            &coupa,
        )
        .await;
    assert_eq!(got["status"], "Error");
    let update_body = sb.body(
        "record-update",
        json!({"responses": [{"response-code": "E-2002", "response-message": "Plant missing"}]}),
    );
    for (operation_id, op) in [
        ("update_integration_history_record", "update"),
        ("patch_integration_history_record", "patch"),
    ] {
        let updated = sb
            .json(
                operation_id,
                &[
                    &ihr(op)[..],
                    &["--id", &record, "--json-body", &update_body],
                ]
                .concat(),
                &coupa,
            )
            .await;
        assert_eq!(updated["id"], created["id"], "{op}");
    }
    for (operation_id, op) in [
        ("acknowledge_integration_history_record", "acknowledge"),
        ("create_alert_integration_history_record", "create-alert"),
        (
            "create_alert_and_mark_exported_integration_history_record",
            "create-alert-and-mark-exported",
        ),
        ("mark_exported_integration_history_record", "mark-exported"),
    ] {
        let made = sb
            .json(
                operation_id,
                &[&ihr(op)[..], &["--json-body", &record_body]].concat(),
                &coupa,
            )
            .await;
        assert_eq!(made["document-id"], 4812, "{op}");
    }
    let resolved = sb
        .json(
            "resolve_integration_history_record",
            &[&ihr("resolve")[..], &["--id", &record]].concat(),
            &coupa,
        )
        .await;
    assert_eq!(resolved["resolved"], true);
    let unresolved = sb
        .json(
            "unresolve_integration_history_record",
            &[&ihr("unresolve")[..], &["--id", &record]].concat(),
            &coupa,
        )
        .await;
    assert_eq!(unresolved["resolved"], false);

    // cso-events
    let cso = vec![("SPENDAPI_API_KEY", CSO_KEY.to_owned())];
    let events = |op: &'static str| ["cso", "events", op];
    let list = sb
        .json(
            "list_events",
            &[&events("list")[..], &["--limit", "2"]].concat(),
            &cso,
        )
        .await;
    assert_eq!(list["events"].as_array().expect("events").len(), 2);
    assert!(list["total"].as_i64().expect("total") >= 2);
    let body = sb.body(
        "events",
        json!({"events": [
            {"market-id": "9220538753220565329", "name": "CLI one"},
            {"market-id": "9220538753220565329", "name": "CLI two"}
        ]}),
    );
    let created = sb
        .json(
            "create_events",
            &[&events("create")[..], &["--json-body", &body]].concat(),
            &cso,
        )
        .await;
    assert_eq!(created["added"], 2);
    let ids: Vec<String> = created["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(id_of)
        .collect();
    let got = sb
        .json(
            "get_event",
            &[&events("get")[..], &["--id", &ids[0]]].concat(),
            &cso,
        )
        .await;
    assert_eq!(got["name"], "CLI one");
    let body = sb.body(
        "events-update",
        json!({"events": [{"id": ids[0], "name": "CLI one, renamed"}]}),
    );
    let updated = sb
        .json(
            "update_events",
            &[&events("update-events")[..], &["--json-body", &body]].concat(),
            &cso,
        )
        .await;
    assert_eq!(updated["updated"], 1);
    let body = sb.body("event-update", json!({"name": "CLI two, renamed"}));
    let updated = sb
        .json(
            "update_event",
            &[
                &events("update-event")[..],
                &["--id", &ids[1], "--json-body", &body],
            ]
            .concat(),
            &cso,
        )
        .await;
    assert_eq!(updated["updated"], 1);
    let deleted = sb
        .json(
            "delete_event",
            &[&events("delete-event")[..], &["--id", &ids[1]]].concat(),
            &cso,
        )
        .await;
    assert_eq!(deleted["deleted"], 1);
    let body = sb.body("events-delete", json!({"events": [{"id": ids[0]}]}));
    let deleted = sb
        .json(
            "delete_events",
            &[&events("delete-events")[..], &["--json-body", &body]].concat(),
            &cso,
        )
        .await;
    assert_eq!(deleted["deleted"], 1);

    // concur-expense-allocations
    // Concur rotates a refresh token on use and the CLI keeps none: a fresh one per run.
    let concur_env = || async {
        vec![
            ("SPENDAPI_CLIENT_ID", CLIENT_ID.to_owned()),
            ("SPENDAPI_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
            ("SPENDAPI_REFRESH_TOKEN", sb.concur_refresh_token().await),
        ]
    };
    let path = [
        "--user-id",
        USER,
        "--context-type",
        "TRAVELER",
        "--report-id",
        REPORT,
    ];
    let list = sb
        .json(
            "list_expense_allocations",
            &[
                &["concur", "expense-allocations", "list"][..],
                &path,
                &["--expense-id", EXPENSE],
            ]
            .concat(),
            &concur_env().await,
        )
        .await;
    assert!(
        list.as_array()
            .expect("an array")
            .iter()
            .any(|a| a["allocationId"] == ALLOCATION)
    );
    let body = sb.body(
        "concur-patch",
        json!({"allocation": {"customData": [{"id": "custom9", "value": "CLI", "isValid": true}]},
               "expenseIds": [EXPENSE]}),
    );
    let patched = sb
        .op(
            "update_report_allocation",
            &[
                &["concur", "expense-allocations", "update-report"][..],
                &path,
                &["--allocation-id", ALLOCATION, "--json-body", &body],
            ]
            .concat(),
            &concur_env().await,
        )
        .await;
    assert!(
        patched.status.success(),
        "{}",
        String::from_utf8_lossy(&patched.stderr)
    );
    assert!(patched.stdout.is_empty(), "204: no body");
    let got = sb
        .json(
            "get_report_allocation",
            &[
                &["concur", "expense-allocations", "get-report"][..],
                &path,
                &["--allocation-id", ALLOCATION],
            ]
            .concat(),
            &concur_env().await,
        )
        .await;
    assert!(
        got["customData"]
            .as_array()
            .expect("customData")
            .iter()
            .any(|c| c["id"] == "custom9" && c["value"] == "CLI"),
        "{got}"
    );
    sb.ran.lock().expect("lock").clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_of_the_specs_runs_through_its_subcommand() {
    let sb = start().await;
    let ran = every_operation(&sb).await;

    let root = spendapi_spec::workspace_root();
    let mut in_specs = BTreeSet::new();
    for file in spendapi_spec::spec_files(&root).expect("spec files") {
        let doc = spendapi_spec::bundle(&file).expect("bundled spec");
        for operation in spendapi_spec::operations(&doc) {
            in_specs.insert(operation.id().expect("operationId").to_owned());
        }
    }
    assert_eq!(in_specs.len(), 27);
    assert_eq!(ran, in_specs, "operations run here and in the specs differ");
}

#[tokio::test(flavor = "multi_thread")]
async fn all_walks_every_page_as_ndjson() {
    let sb = start().await;
    let coupa = sb.coupa_env().await;
    // More than one page of 50: the seed's SF accounts plus 60 more.
    let client = spendapi_client::coupa(
        sb.base.as_str(),
        spendapi_client::CoupaAuth::client_credentials(
            CLIENT_ID,
            CLIENT_SECRET,
            [
                spendapi_client::auth::scopes::ACCOUNTING_READ,
                spendapi_client::auth::scopes::ACCOUNTING_WRITE,
            ],
        ),
    )
    .expect("client");
    for n in 0..60 {
        let body: spendapi_client::coupa_accounts::types::AccountCreate =
            serde_json::from_value(json!({
                "name": format!("Paged {n}"),
                "account-type": {"name": "US Chart of Accounts"},
                "segment-1": "SF",
                "segment-2": format!("P{n:03}"),
            }))
            .expect("AccountCreate");
        client
            .accounts
            .create_account()
            .body(body)
            .send()
            .await
            .expect("create");
    }
    let first_page = sb
        .json(
            "list_accounts",
            &["coupa", "accounts", "list", "--segment-1", "SF"],
            &coupa,
        )
        .await;
    let first_page = first_page.as_array().expect("an array").len();
    assert_eq!(first_page, 50, "one page without --all");

    let out = sb
        .op(
            "list_accounts",
            &["coupa", "accounts", "list", "--segment-1", "SF", "--all"],
            &coupa,
        )
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert!(lines.len() > 60, "{} records", lines.len());
    assert!(lines.iter().all(|a| a["segment-1"] == "SF"));
    let ids: BTreeSet<String> = lines.iter().map(id_of).collect();
    assert_eq!(ids.len(), lines.len(), "no record twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vendor_error_exits_non_zero_with_the_vendors_message() {
    let sb = start().await;
    let coupa = sb.coupa_env().await;
    let out = sb
        .op(
            "get_account",
            &["coupa", "accounts", "get", "--id", "999999"],
            &coupa,
        )
        .await;
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("404"), "{stderr}");
    assert!(stderr.contains("Account 999999 not found"), "{stderr}");

    // A CSO error envelope.
    let cso = vec![("SPENDAPI_API_KEY", "wrong-key".to_owned())];
    let out = sb.op("list_events", &["cso", "events", "list"], &cso).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("401"), "{stderr}");
    assert!(
        !stderr.contains("wrong-key"),
        "the key is never printed: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_credential_is_a_clear_error() {
    let sb = start().await;
    for (args, expected) in [
        (
            &["coupa", "accounts", "list"][..],
            "Coupa needs credentials: --client-id and --client-secret",
        ),
        (
            &["cso", "events", "list"][..],
            "Coupa Sourcing needs an API key",
        ),
        (
            &[
                "concur",
                "expense-allocations",
                "get-report",
                "--user-id",
                USER,
                "--context-type",
                "TRAVELER",
                "--report-id",
                REPORT,
                "--allocation-id",
                ALLOCATION,
            ][..],
            "Concur needs credentials",
        ),
    ] {
        let out = sb.run_with(args, &[]).await;
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    // Without a base URL either.
    let out = sb
        .run_with(
            &["cso", "events", "list"],
            &[("SPENDAPI_BASE_URL", ""), ("SPENDAPI_API_KEY", CSO_KEY)],
        )
        .await;
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn profiles_yaml_and_table_output_and_completions() {
    let sb = start().await;
    // A profile holds the credentials; the environment has none.
    let config = sb.dir.path().join("spendapi");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[profiles.sandbox]\nbase-url = \"{}\"\napi-key = \"{CSO_KEY}\"\n\
             client-id = \"{CLIENT_ID}\"\nclient-secret = \"{CLIENT_SECRET}\"\n",
            sb.base
        ),
    )
    .expect("config file");
    let out = sb
        .run_with(
            &[
                "--profile",
                "sandbox",
                "--output",
                "yaml",
                "cso",
                "events",
                "list",
                "--limit",
                "1",
            ],
            &[],
        )
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        yaml.starts_with("events:\n") || yaml.contains("\nevents:\n"),
        "{yaml}"
    );
    assert!(yaml.contains("total:"), "{yaml}");

    let out = sb
        .run_with(
            &[
                "--profile",
                "sandbox",
                "-o",
                "table",
                "coupa",
                "accounts",
                "list",
                "--segment-1",
                "SF",
            ],
            &[],
        )
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).expect("UTF-8");
    let header = table.lines().next().expect("a header line");
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert!(
        columns.contains(&"id") && columns.contains(&"segment-1"),
        "{table}"
    );
    assert!(table.lines().skip(1).all(|l| l.contains("SF")), "{table}");

    let out = sb.run_with(&["completions", "bash"], &[]).await;
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(script.contains("spendapi") && script.contains("expense-allocations"));
}
