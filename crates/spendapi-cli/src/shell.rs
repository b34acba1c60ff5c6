//! The hand-written shell around the generated subcommands: the command tree, credentials
//! (flags, environment, profiles), the client, and printing.
//!
//! The generated `CliConfig` impls (one per API, at the end of each `generated/<api>.rs`) call
//! [`Output`]; the generated dispatch (`generated::execute`) asks [`Shell::connect`] for a
//! client of the operation's API, whatever its vendor.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, anyhow, bail};
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde::Deserialize;
use serde_json::Value;
use spendapi_client::auth::scopes;
use spendapi_client::vendor::{Concur, CoupaCore, CoupaSourcing, VendorKind};
use spendapi_client::{ConcurAuth, Config, Connect, CoupaAuth, ErrorBody, ResponseValue};

/// An API in the command tree (`coupa accounts`), from the generated index.
pub struct ApiCommand {
    /// The vendor's word (`coupa`, `cso`, `concur`).
    pub vendor: &'static str,
    /// The API's word under it (`accounts`).
    pub name: &'static str,
    /// The generated module (`coupa_accounts`).
    pub module: &'static str,
    pub about: &'static str,
    pub operations: Vec<OperationCommand>,
}

/// One operation's subcommand.
pub struct OperationCommand {
    /// Its name under the API (`list`).
    pub name: &'static str,
    pub operation_id: &'static str,
    /// An index (`limit`/`offset`): gets `--all`.
    pub paged: bool,
    /// progenitor's command: arguments and help from the spec.
    pub command: Command,
}

/// The global options: where and as whom to connect, and how to print.
const GLOBAL: &[(&str, &str, &str, bool)] = &[
    // (id, environment variable, help, secret)
    (
        "base-url",
        "SPENDAPI_BASE_URL",
        "The API's base URL (https://acme.coupahost.com, http://127.0.0.1:8080 for the sandbox)",
        false,
    ),
    (
        "client-id",
        "SPENDAPI_CLIENT_ID",
        "OAuth client id (Coupa client credentials, Concur refresh-token grant)",
        false,
    ),
    (
        "client-secret",
        "SPENDAPI_CLIENT_SECRET",
        "OAuth client secret (Coupa, Concur)",
        true,
    ),
    (
        "token",
        "SPENDAPI_TOKEN",
        "A bearer token to send as is (Coupa, Concur), instead of a token flow",
        true,
    ),
    (
        "refresh-token",
        "SPENDAPI_REFRESH_TOKEN",
        "Concur refresh token (with --client-id and --client-secret)",
        true,
    ),
    (
        "api-key",
        "SPENDAPI_API_KEY",
        "Coupa Sourcing API key",
        true,
    ),
    (
        "token-url",
        "SPENDAPI_TOKEN_URL",
        "The token endpoint, when not the base URL's /oauth2/token (Coupa) or /oauth2/v0/token (Concur)",
        false,
    ),
    (
        "profile",
        "SPENDAPI_PROFILE",
        "A named profile of the config file ([profiles.NAME], keys as the long options)",
        false,
    ),
    (
        "config",
        "SPENDAPI_CONFIG",
        "The config file (default: $XDG_CONFIG_HOME/spendapi/config.toml or ~/.config/spendapi/config.toml)",
        false,
    ),
];

/// The whole command tree: global options, `<vendor> <api> <operation>`, `completions`.
pub fn command(apis: &[ApiCommand]) -> Command {
    let mut root = Command::new("spendapi")
        .about("Every operation of the Coupa Core, Coupa Sourcing and SAP Concur specs")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg_required_else_help(true);
    for (id, env, help, secret) in GLOBAL {
        root = root.arg(
            Arg::new(*id)
                .long(*id)
                .env(*env)
                // Never echo a credential, not even in `--help`.
                .hide_env_values(*secret)
                .global(true)
                .help_heading("Connection")
                .help(*help),
        );
    }
    root = root
        .arg(
            Arg::new("scope")
                .long("scope")
                .env("SPENDAPI_SCOPES")
                .value_delimiter(' ')
                .action(ArgAction::Append)
                .global(true)
                .help_heading("Connection")
                .help("Coupa scopes to request (default: every scope the specs use)"),
        )
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .value_parser(["json", "yaml", "table"])
                .default_value("json")
                .global(true)
                .help("How to print a response (--all always prints one JSON object per line)"),
        );
    // The APIs come in spec-file order, so one vendor's APIs need not be adjacent.
    let mut vendors: Vec<&str> = apis.iter().map(|a| a.vendor).collect();
    vendors.sort_unstable();
    vendors.dedup();
    for vendor in vendors {
        let mut vendor_command = Command::new(vendor)
            .about(vendor_about(vendor))
            .subcommand_required(true);
        for api in apis.iter().filter(|a| a.vendor == vendor) {
            let mut api_command = Command::new(api.name)
                .about(api.about)
                .subcommand_required(true);
            for op in &api.operations {
                let mut sub = op.command.clone().name(op.name);
                if op.paged {
                    sub = sub.arg(
                        Arg::new("all")
                            .long("all")
                            .action(ArgAction::SetTrue)
                            .help("Walk every page: one JSON object per line (NDJSON)"),
                    );
                }
                api_command = api_command.subcommand(sub);
            }
            vendor_command = vendor_command.subcommand(api_command);
        }
        root = root.subcommand(vendor_command);
    }
    root.subcommand(
        Command::new("completions")
            .about("Prints the completion script of a shell")
            .arg(
                Arg::new("shell")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
    )
}

fn vendor_about(vendor: &str) -> &'static str {
    match vendor {
        "coupa" => "Coupa Core (OAuth2 client credentials)",
        "cso" => "Coupa Sourcing (API key)",
        "concur" => "SAP Concur (OAuth2 bearer or refresh token)",
        _ => "",
    }
}

/// A profile of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Profile {
    base_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    token: Option<String>,
    refresh_token: Option<String>,
    api_key: Option<String>,
    token_url: Option<String>,
    scopes: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, Profile>,
}

fn config_path(matches: &ArgMatches) -> Option<PathBuf> {
    if let Some(path) = matches.get_one::<String>("config") {
        return Some(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("spendapi").join("config.toml"))
}

/// The options as resolved: a flag or its environment variable, else the profile.
pub struct Shell {
    base_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    token: Option<String>,
    refresh_token: Option<String>,
    api_key: Option<String>,
    token_url: Option<String>,
    scopes: Vec<String>,
    output: Output,
}

impl Shell {
    /// Reads the global options (and the profile they name) from the parsed command line.
    pub fn new(matches: &ArgMatches, all: bool) -> anyhow::Result<Self> {
        let profile = match matches.get_one::<String>("profile") {
            None => Profile::default(),
            Some(name) => {
                let path = config_path(matches).context("no config file: set --config")?;
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the config file {}", path.display()))?;
                let mut file: ConfigFile = toml::from_str(&text)
                    .with_context(|| format!("invalid config file {}", path.display()))?;
                file.profiles
                    .remove(name)
                    .ok_or_else(|| anyhow!("no profile [profiles.{name}] in {}", path.display()))?
            }
        };
        let flag = |id: &str| matches.get_one::<String>(id).cloned();
        let scopes = matches
            .get_many::<String>("scope")
            .map(|s| s.cloned().collect())
            .or(profile.scopes)
            .unwrap_or_else(|| {
                [
                    scopes::COMMON_READ,
                    scopes::ACCOUNTING_READ,
                    scopes::ACCOUNTING_WRITE,
                    scopes::INTEGRATION_READ,
                    scopes::INTEGRATION_WRITE,
                    scopes::USER_READ,
                ]
                .map(str::to_owned)
                .to_vec()
            });
        let format = match matches.get_one::<String>("output").map(String::as_str) {
            Some("yaml") => Format::Yaml,
            Some("table") => Format::Table,
            _ => Format::Json,
        };
        Ok(Self {
            base_url: flag("base-url").or(profile.base_url),
            client_id: flag("client-id").or(profile.client_id),
            client_secret: flag("client-secret").or(profile.client_secret),
            token: flag("token").or(profile.token),
            refresh_token: flag("refresh-token").or(profile.refresh_token),
            api_key: flag("api-key").or(profile.api_key),
            token_url: flag("token-url").or(profile.token_url),
            scopes,
            output: Output {
                format,
                all,
                reported: Arc::new(AtomicBool::new(false)),
            },
        })
    }

    /// The printer the generated subcommands use.
    pub fn output(&self) -> Output {
        self.output.clone()
    }

    /// A client of any generated API, with its vendor's credentials from the options.
    pub fn connect<C>(&self) -> anyhow::Result<C>
    where
        C: Connect,
        C::Vendor: Credentials,
    {
        let base = self.base_url.as_deref().ok_or_else(|| {
            anyhow!("no base URL: pass --base-url, set SPENDAPI_BASE_URL or use a --profile")
        })?;
        let credentials = <C::Vendor as Credentials>::from_shell(self)?;
        Config::new(base)
            .connect::<C>(credentials)
            .context("cannot build the client")
    }

    /// Whether an error was already printed by a subcommand (a vendor error).
    pub fn reported(&self) -> bool {
        self.output.reported.load(Ordering::SeqCst)
    }
}

/// How a vendor's credentials are read from the options.
pub trait Credentials: VendorKind {
    fn from_shell(shell: &Shell) -> anyhow::Result<Self::Credentials>;
}

impl Credentials for CoupaCore {
    fn from_shell(shell: &Shell) -> anyhow::Result<CoupaAuth> {
        if let Some(token) = &shell.token {
            return Ok(CoupaAuth::bearer(token.clone()));
        }
        let (Some(id), Some(secret)) = (&shell.client_id, &shell.client_secret) else {
            bail!(
                "Coupa needs credentials: --client-id and --client-secret (SPENDAPI_CLIENT_ID, \
                 SPENDAPI_CLIENT_SECRET) for the client-credentials grant, or --token \
                 (SPENDAPI_TOKEN), or a --profile with them"
            );
        };
        let auth = CoupaAuth::client_credentials(id.clone(), secret.clone(), shell.scopes.clone());
        Ok(match &shell.token_url {
            Some(url) => auth.token_url(url.clone()),
            None => auth,
        })
    }
}

impl Credentials for CoupaSourcing {
    fn from_shell(shell: &Shell) -> anyhow::Result<String> {
        shell.api_key.clone().ok_or_else(|| {
            anyhow!(
                "Coupa Sourcing needs an API key: --api-key (SPENDAPI_API_KEY) or a --profile \
                 with api-key"
            )
        })
    }
}

impl Credentials for Concur {
    fn from_shell(shell: &Shell) -> anyhow::Result<ConcurAuth> {
        if let Some(token) = &shell.token {
            return Ok(ConcurAuth::bearer(token.clone()));
        }
        let (Some(id), Some(secret), Some(refresh)) =
            (&shell.client_id, &shell.client_secret, &shell.refresh_token)
        else {
            bail!(
                "Concur needs credentials: --token (SPENDAPI_TOKEN), or --client-id, \
                 --client-secret and --refresh-token (SPENDAPI_REFRESH_TOKEN), or a --profile \
                 with them"
            );
        };
        let auth = ConcurAuth::refresh_token(id.clone(), secret.clone(), refresh.clone());
        Ok(match &shell.token_url {
            Some(url) => auth.token_url(url.clone()),
            None => auth,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Yaml,
    Table,
}

/// What `--all` returns once every page is printed: it stops progenitor's single request (the
/// hook it runs in cannot answer in its place) and means success.
#[derive(Debug)]
pub struct AllPagesPrinted;

impl std::fmt::Display for AllPagesPrinted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("every page was printed")
    }
}

impl std::error::Error for AllPagesPrinted {}

/// Prints what the generated subcommands receive.
#[derive(Debug, Clone)]
pub struct Output {
    format: Format,
    all: bool,
    reported: Arc<AtomicBool>,
}

impl Output {
    /// A response body.
    pub fn item<T: serde::Serialize>(&self, value: &T) {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        let text = match self.format {
            Format::Json => serde_json::to_string_pretty(&value).unwrap_or_default(),
            Format::Yaml => serde_norway::to_string(&value).unwrap_or_default(),
            Format::Table => table(&value),
        };
        println!("{}", text.trim_end());
    }

    /// A response without a body (204): nothing on stdout, the status on stderr.
    pub fn no_item(&self, status: impl std::fmt::Display) {
        eprintln!("{status}");
    }

    /// One item of a walk: one line of JSON.
    pub fn list_item<T: serde::Serialize>(&self, value: &T) {
        println!("{}", serde_json::to_string(value).unwrap_or_default());
    }

    /// A failed operation: the status and the vendor's messages, then its body.
    pub fn error<T: serde::Serialize + std::fmt::Debug>(&self, error: &spendapi_client::Error<T>) {
        self.reported.store(true, Ordering::SeqCst);
        eprintln!("error: {}", describe(error));
    }

    /// `--all` on an index: walks every page with the client's `stream()` and prints each
    /// record as a line, then stops the generated single request with [`AllPagesPrinted`].
    ///
    /// progenitor calls this hook synchronously after it has applied the arguments and before
    /// it sends; the walk is asynchronous, so it runs on this runtime's thread through
    /// `block_in_place` (the binary's runtime is multi-threaded).
    pub fn all_pages<S, T, E>(&self, stream: S) -> anyhow::Result<()>
    where
        S: futures::Stream<Item = Result<T, E>>,
        T: serde::Serialize,
        E: std::fmt::Display,
    {
        if !self.all {
            return Ok(());
        }
        let progress = std::io::stderr().is_terminal();
        let walked = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                use futures::StreamExt as _;
                let mut stream = std::pin::pin!(stream);
                let mut count = 0u64;
                let mut out = std::io::stdout().lock();
                while let Some(item) = stream.next().await {
                    let item = item.map_err(|e| anyhow!("{e}"))?;
                    writeln!(out, "{}", serde_json::to_string(&item)?)?;
                    count += 1;
                    if progress && count.is_multiple_of(50) {
                        eprint!("\r{count} records");
                    }
                }
                if progress {
                    eprintln!("\r{count} records");
                }
                Ok::<_, anyhow::Error>(())
            })
        });
        if let Err(error) = walked {
            self.reported.store(true, Ordering::SeqCst);
            eprintln!("error: {error}");
            return Err(error);
        }
        Err(AllPagesPrinted.into())
    }
}

/// `404 Not Found: Record not found` and the body, or the client's own error.
fn describe<T: serde::Serialize + std::fmt::Debug>(error: &spendapi_client::Error<T>) -> String {
    match error {
        spendapi_client::Error::ErrorResponse(response) => {
            let body = serde_json::to_vec(response.as_ref()).unwrap_or_default();
            status_line(response, &ErrorBody::parse(&body).messages(), &body)
        }
        other => other.to_string(),
    }
}

fn status_line<T>(response: &ResponseValue<T>, messages: &[String], body: &[u8]) -> String {
    let status = response.status();
    format!(
        "{status}: {}\n{}",
        if messages.is_empty() {
            status.canonical_reason().unwrap_or("error").to_owned()
        } else {
            messages.join("; ")
        },
        String::from_utf8_lossy(body)
    )
}

/// A response as a text table: an array of objects as rows under their keys, an object as
/// key/value rows; nested values as compact JSON.
fn table(value: &Value) -> String {
    fn cell(value: Option<&Value>) -> String {
        match value {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    }
    let rows: Vec<&serde_json::Map<String, Value>> = match value {
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        Value::Object(map) => {
            // An envelope (`{"total": 3, "events": [...]}`): the table of its one array.
            let arrays: Vec<&Value> = map.values().filter(|v| v.is_array()).collect();
            if let [array] = arrays.as_slice() {
                return table(array);
            }
            let width = map.keys().map(String::len).max().unwrap_or(0);
            return map
                .iter()
                .map(|(k, v)| format!("{k:width$}  {}", cell(Some(v))))
                .collect::<Vec<_>>()
                .join("\n");
        }
        other => return cell(Some(other)),
    };
    let mut columns: Vec<&str> = Vec::new();
    for row in &rows {
        for key in row.keys() {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| columns.iter().map(|c| cell(row.get(*c))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| -> String {
        values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(columns.clone())];
    out.extend(
        cells
            .iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::table;

    #[test]
    fn tables_align_columns_and_unwrap_envelopes() {
        let list = serde_json::json!([
            {"id": 1, "code": "SF-100", "active": true},
            {"id": 22, "code": "NY", "segment": {"name": "x"}},
        ]);
        assert_eq!(
            table(&list),
            "id  code    active  segment\n\
             1   SF-100  true\n\
             22  NY              {\"name\":\"x\"}"
        );
        let envelope = serde_json::json!({"total": 1, "events": [{"id": "9"}]});
        assert_eq!(table(&envelope), "id\n9");
        assert_eq!(
            table(&serde_json::json!({"id": 7, "name": "N"})),
            "id    7\nname  N"
        );
    }
}
