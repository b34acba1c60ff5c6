//! `cargo xtask bundle`: the self-contained partner bundle (specs as YAML and JSON, offline
//! HTML reference pages, an index with versions and changelog).
//!
//! For every `openapi/<api>.yaml` the bundle holds:
//!
//! - `<api>.yaml` and `<api>.json`: the partner spec ([`partner_spec`]): every `$ref` across
//!   files resolved by [`spec::bundle`], every `x-` extension removed. The information of an
//!   `x-unconfirmed: <why>` note is kept for readers: it is appended to the `description` of
//!   the element it sits on as a paragraph `**Unconfirmed:** <why>` (see [`fold_unconfirmed`]).
//! - `<api>.html`: a reference page rendered here from the partner spec. It loads nothing:
//!   the CSS is inlined, there is no script, no image, no font, and a `Content-Security-Policy`
//!   of `default-src 'none'` stops the browser from fetching anything should a resource slip
//!   in. Links are only in-page anchors and relative links between the bundle's own files;
//!   URLs of the documents (servers, token endpoints, links in descriptions) are shown as text.
//!
//! plus `index.html` (every API with its version, operation count and files, and the rendered
//! `openapi/CHANGELOG.md`), a copy of `CHANGELOG.md`, and `.bundle-manifest`, the list of the
//! files this run wrote.
//!
//! The output is deterministic: every order comes from the documents (the bundler sorts the
//! components it imports by name) or from sorted file names, and nothing depends on the time
//! or the machine. Writing never touches a file the previous run did not list in its manifest:
//! files it listed and this run does not write are deleted, any other file already in the
//! way is an error.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value};

use crate::spec;
use crate::spec::strip_extensions;

/// The file (inside the out directory) that lists what the last bundle wrote.
pub const MANIFEST: &str = ".bundle-manifest";

/// The changelog rendered into `index.html`, relative to the workspace root.
pub const CHANGELOG: &str = "openapi/CHANGELOG.md";

const CSS: &str = include_str!("../assets/bundle/style.css");

/// The HTTP methods of an OpenAPI 3.0 path item.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Writes the bundle for every spec into `out` and prints one line per API.
pub fn run(root: &Path, out: &Path) -> Result<()> {
    let bundle = render(root)?;
    write(root, out, &bundle)?;
    for api in &bundle.apis {
        println!(
            "{name}: {title} {version}: {ops} operation(s), {schemas} schema(s), {notes} unconfirmed note(s) -> {out}/{name}.{{yaml,json,html}}",
            name = api.name,
            title = api.title,
            version = api.version,
            ops = api.operations.len(),
            schemas = api.schemas,
            notes = api.unconfirmed,
            out = spec::display(root, out),
        );
    }
    Ok(())
}

/// What one API contributes to the bundle, for the summary line and the index.
#[derive(Debug, Clone)]
pub struct ApiSummary {
    pub name: String,
    pub title: String,
    pub version: String,
    /// `(operationId, METHOD, path, summary)` in document order.
    pub operations: Vec<(String, String, String, String)>,
    pub schemas: usize,
    /// How many `x-unconfirmed` notes were folded into descriptions.
    pub unconfirmed: usize,
}

/// The rendered bundle: file name (inside the out directory) → content.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub files: BTreeMap<String, Vec<u8>>,
    pub apis: Vec<ApiSummary>,
}

/// Renders the whole bundle in memory.
pub fn render(root: &Path) -> Result<Bundle> {
    let mut files = BTreeMap::new();
    let mut apis = Vec::new();
    for path in spec::spec_files(root)? {
        let name = spec::api_name(&path);
        let source = spec::display(root, &path);
        let (doc, unconfirmed) =
            partner_spec_counted(&path).with_context(|| format!("failed to bundle {source}"))?;
        let summary = summarize(&name, &doc, unconfirmed);

        let mut json = serde_json::to_string_pretty(&doc)
            .with_context(|| format!("failed to serialize {source} as JSON"))?;
        json.push('\n');
        let body = to_yaml(&doc);
        // The emitter is ours (see `to_yaml`); make sure a YAML 1.2 reader gets the document back.
        let reread = spec::parse(&body)
            .with_context(|| format!("failed to re-read the YAML of {source}"))?;
        if reread != doc {
            bail!("the YAML written for {source} does not read back as the bundled document");
        }
        let yaml = format!(
            "# {title} {version}: self-contained OpenAPI document (from {source} by `cargo xtask bundle`); do not edit.\n{body}",
            title = one_line(&summary.title),
            version = one_line(&summary.version),
        );
        let html = api_page(&name, &doc);

        files.insert(format!("{name}.json"), json.into_bytes());
        files.insert(format!("{name}.yaml"), yaml.into_bytes());
        files.insert(format!("{name}.html"), html.into_bytes());
        apis.push(summary);
    }
    if apis.is_empty() {
        bail!("no spec under {}", root.join("openapi").display());
    }
    let changelog_path = root.join(CHANGELOG);
    let changelog = fs::read_to_string(&changelog_path)
        .with_context(|| format!("failed to read {}", changelog_path.display()))?;
    files.insert(
        "index.html".into(),
        index_page(&apis, &changelog).into_bytes(),
    );
    files.insert("CHANGELOG.md".into(), changelog.into_bytes());
    Ok(Bundle { files, apis })
}

/// The partner form of one spec: self-contained, without `x-` extensions, with every
/// `x-unconfirmed` note folded into its element's description.
pub fn partner_spec(path: &Path) -> Result<Value> {
    Ok(partner_spec_counted(path)?.0)
}

fn partner_spec_counted(path: &Path) -> Result<(Value, usize)> {
    let mut doc = spec::bundle(path)?;
    let notes = fold_unconfirmed(&mut doc);
    strip_extensions(&mut doc);
    Ok((doc, notes))
}

/// Appends every `x-unconfirmed` note (outside example values) to the `description` beside it
/// as a paragraph `**Unconfirmed:** <note>`, leaving the extension itself for
/// [`strip_extensions`]. Returns how many notes were folded.
pub fn fold_unconfirmed(value: &mut Value) -> usize {
    let mut count = 0;
    match value {
        Value::Object(map) => {
            if let Some(note) = map.get("x-unconfirmed") {
                let note = match note {
                    Value::String(s) => s.trim().to_owned(),
                    Value::Bool(true) | Value::Null => String::new(),
                    other => other.to_string(),
                };
                let line = if note.is_empty() {
                    "**Unconfirmed.**".to_owned()
                } else {
                    format!("**Unconfirmed:** {note}")
                };
                let description = match map.get("description").and_then(Value::as_str) {
                    Some(d) if !d.trim().is_empty() => format!("{}\n\n{line}", d.trim_end()),
                    _ => line,
                };
                map.insert("description".into(), Value::String(description));
                count += 1;
            }
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    count += fold_unconfirmed(child);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                count += fold_unconfirmed(item);
            }
        }
        _ => {}
    }
    count
}

fn summarize(name: &str, doc: &Value, unconfirmed: usize) -> ApiSummary {
    let info = doc.get("info");
    let text = |key: &str| {
        info.and_then(|i| i.get(key))
            .map(scalar_text)
            .unwrap_or_default()
    };
    let mut operations = Vec::new();
    for (path, method, op) in operations_of(doc) {
        operations.push((
            str_of(op, "operationId").to_owned(),
            method.to_uppercase(),
            path.to_owned(),
            str_of(op, "summary").to_owned(),
        ));
    }
    ApiSummary {
        name: name.to_owned(),
        title: text("title"),
        version: text("version"),
        operations,
        schemas: doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map_or(0, Map::len),
        unconfirmed,
    }
}

/// Every operation as `(path, method, operation)`, in document order.
fn operations_of(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for (method, op) in item {
                    if METHODS.contains(&method.as_str()) {
                        out.push((path.as_str(), method.as_str(), op));
                    }
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Writes `bundle` into `out`: refuses unsafe targets, deletes what the previous run wrote and
/// this one does not, refuses to overwrite files that are not the previous run's, then writes
/// every file and the manifest.
pub fn write(root: &Path, out: &Path, bundle: &Bundle) -> Result<()> {
    check_target(root, out)?;
    fs::create_dir_all(out).with_context(|| format!("failed to create {}", out.display()))?;

    let manifest_path = out.join(MANIFEST);
    let previous = read_manifest(&manifest_path)?;
    for name in bundle.files.keys() {
        let path = out.join(name);
        if path.symlink_metadata().is_ok() && !previous.contains(name) {
            bail!(
                "{} exists and was not written by a previous bundle (it is not in {}); remove it or choose another --out",
                path.display(),
                manifest_path.display()
            );
        }
    }
    for name in previous.iter().filter(|n| !bundle.files.contains_key(*n)) {
        let path = out.join(name);
        if path.symlink_metadata().is_ok_and(|m| m.is_file()) {
            fs::remove_file(&path)
                .with_context(|| format!("failed to remove stale {}", path.display()))?;
        }
    }
    for (name, content) in &bundle.files {
        let path = out.join(name);
        fs::write(&path, content).with_context(|| format!("failed to write {}", path.display()))?;
    }
    let mut manifest = String::from(
        "# Files written by `cargo xtask bundle`; the next run deletes those it no longer writes.\n",
    );
    for name in bundle.files.keys() {
        manifest.push_str(name);
        manifest.push('\n');
    }
    fs::write(&manifest_path, manifest)
        .with_context(|| format!("failed to write {}", manifest_path.display()))?;
    Ok(())
}

/// Refuses an out directory whose cleaning could hit something else: the workspace root or
/// one of its ancestors, the spec directory, any directory holding a `Cargo.toml`, a file.
fn check_target(root: &Path, out: &Path) -> Result<()> {
    if out.symlink_metadata().is_ok() && !out.is_dir() {
        bail!("--out {} exists and is not a directory", out.display());
    }
    let canonical = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let out_c = canonical(out);
    let root_c = canonical(root);
    if root_c.starts_with(&out_c) {
        bail!(
            "refusing to bundle into {}: it is the workspace root or contains it",
            out.display()
        );
    }
    if out_c == canonical(&root.join("openapi")) {
        bail!(
            "refusing to bundle into {}: it holds the source specs",
            out.display()
        );
    }
    if out.join("Cargo.toml").exists() {
        bail!(
            "refusing to bundle into {}: it contains a Cargo.toml",
            out.display()
        );
    }
    Ok(())
}

/// The file names listed in a manifest; only plain names directly inside the out directory
/// count, so a damaged manifest cannot make a run delete anything elsewhere.
fn read_manifest(path: &Path) -> Result<BTreeSet<String>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(e).with_context(|| format!("failed to read {}", path.display())),
    };
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter(|line| {
            let mut parts = Path::new(line).components();
            matches!(parts.next(), Some(Component::Normal(_))) && parts.next().is_none()
        })
        .filter(|line| *line != MANIFEST)
        .map(str::to_owned)
        .collect())
}

/// Every file of `dir` (recursively) as relative path → content, for comparisons.
pub fn read_tree(dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
        for entry in
            fs::read_dir(dir).with_context(|| format!("failed to list {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                walk(base, &path, out)?;
            } else {
                let content = fs::read(&path)
                    .with_context(|| format!("failed to read {}", path.display()))?;
                out.insert(path.strip_prefix(base)?.to_path_buf(), content);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// YAML

/// Writes a JSON value as block-style YAML that YAML 1.1 and YAML 1.2 readers load alike.
///
/// serde_yaml writes strings such as `2024-05-14T09:31:12Z`, `on` or `1:20` unquoted (plain
/// strings in YAML 1.2), which YAML 1.1 readers (PyYAML, SnakeYAML, and so most OpenAPI
/// tooling) load as timestamps, booleans or numbers. Here a string is plain only when it
/// cannot be read as anything else under either version (it starts with a letter, `_`, `/` or
/// `$`, is not a 1.1 boolean or null word, and holds no `: `, ` #` or control character);
/// multi-line strings are literal blocks; everything else is double-quoted.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => yaml_mapping(&mut out, map, 0, false),
        Value::Array(items) if !items.is_empty() => yaml_sequence(&mut out, items, 0, false),
        other => {
            yaml_scalar_inline(&mut out, other, 0);
            out.push('\n');
        }
    }
    out
}

fn yaml_mapping(out: &mut String, map: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline_first {
            out.push_str(&" ".repeat(indent));
        }
        yaml_key(out, key);
        out.push(':');
        yaml_value_after(out, value, indent);
    }
}

fn yaml_sequence(out: &mut String, items: &[Value], indent: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => yaml_mapping(out, map, indent + 2, true),
            Value::Array(items) if !items.is_empty() => yaml_sequence(out, items, indent + 2, true),
            other => {
                yaml_scalar_inline(out, other, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// The value of a mapping entry, after `key:`.
fn yaml_value_after(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            yaml_mapping(out, map, indent + 2, false);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            yaml_sequence(out, items, indent + 2, false);
        }
        other => {
            out.push(' ');
            yaml_scalar_inline(out, other, indent + 2);
            out.push('\n');
        }
    }
}

/// A scalar (or empty collection) where the current line goes on; a literal block's lines are
/// indented by `indent`. Writes no final newline.
fn yaml_scalar_inline(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&yaml_number(n)),
        Value::String(s) if s.contains('\n') && literal_ok(s) => yaml_literal(out, s, indent),
        Value::String(s) => yaml_string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// A number as both YAML versions read it: YAML 1.1 floats need a `.` and a signed exponent.
fn yaml_number(n: &serde_json::Number) -> String {
    let text = n.to_string();
    if n.is_f64() {
        let (mantissa, exponent) = match text.split_once(['e', 'E']) {
            Some((m, e)) => (m.to_owned(), Some(e.to_owned())),
            None => (text.clone(), None),
        };
        let mantissa = if mantissa.contains('.') {
            mantissa
        } else {
            format!("{mantissa}.0")
        };
        return match exponent {
            Some(e) if e.starts_with(['+', '-']) => format!("{mantissa}e{e}"),
            Some(e) => format!("{mantissa}e+{e}"),
            None => mantissa,
        };
    }
    text
}

fn yaml_key(out: &mut String, key: &str) {
    yaml_string(out, key);
}

/// A one-line string: plain when that is unambiguous, double-quoted otherwise.
fn yaml_string(out: &mut String, s: &str) {
    if plain_ok(s) {
        out.push_str(s);
    } else {
        yaml_double_quoted(out, s);
    }
}

/// Characters that YAML 1.1 treats as line breaks or that must not appear raw.
fn yaml_special(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_alphabetic() || matches!(first, '_' | '/' | '$')) {
        return false;
    }
    const WORDS: [&str; 9] = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    if WORDS.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    !(s.ends_with([' ', ':'])
        || s.contains(": ")
        || s.contains(" #")
        || s.contains('\t')
        || s.contains('\n')
        || s.chars().any(yaml_special))
}

fn yaml_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if yaml_special(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether a multi-line string can be a literal block (it has nothing a block cannot hold).
fn literal_ok(s: &str) -> bool {
    !s.chars().any(|c| yaml_special(c) || c == '\r')
}

/// A literal block scalar: `|` with a chomping indicator that keeps the trailing newlines
/// exactly, and an indentation indicator when the text starts with a space or a blank line.
fn yaml_literal(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    if body.starts_with([' ', '\n']) {
        out.push('2');
    }
    out.push_str(match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    });
    let pad = " ".repeat(indent.max(2));
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

// ---------------------------------------------------------------------------------------------
// HTML helpers

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An element id: `prefix-name`, with every character outside `[A-Za-z0-9_.-]` (and `~`)
/// written as `~<hex>~`, so distinct names give distinct ids.
fn anchor(prefix: &str, name: &str) -> String {
    let mut out = format!("{prefix}-");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
            out.push(c);
        } else {
            let _ = write!(out, "~{:x}~", u32::from(c));
        }
    }
    out
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A scalar as text (strings without quotes), anything else as compact JSON.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A JSON value as inline code.
fn code_value(value: &Value) -> String {
    format!("<code>{}</code>", esc(&value.to_string()))
}

/// An example value for a `<pre>`: strings (XML bodies, plain text) as they are, anything
/// else as pretty JSON.
fn pretty(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

/// Renders CommonMark (`description` fields, the changelog) to HTML that loads nothing: raw
/// HTML is shown as text, images become their alt text, and links keep an `href` only when it
/// stays inside the bundle (`#anchor` or a relative file name); other targets are written out
/// as text after the link text. Headings are moved down by `shift` levels.
pub fn markdown(text: &str, shift: usize) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut events = Vec::new();
    // For each open link: the target to print after its text, if it is not kept as an href.
    let mut links: Vec<Option<String>> = Vec::new();
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::Start(Tag::HtmlBlock) => events.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => events.push(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if is_local_link(&dest_url) {
                    links.push(None);
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                } else {
                    let shown = !matches!(link_type, LinkType::Autolink | LinkType::Email);
                    links.push(Some(if shown {
                        dest_url.to_string()
                    } else {
                        String::new()
                    }));
                }
            }
            Event::End(TagEnd::Link) => match links.pop().flatten() {
                None => events.push(Event::End(TagEnd::Link)),
                Some(target) if !target.is_empty() => {
                    events.push(Event::Text(CowStr::from(format!(" ({target})"))));
                }
                Some(_) => {}
            },
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                events.push(Event::Start(Tag::Heading {
                    level: shifted(level, shift),
                    id,
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                events.push(Event::End(TagEnd::Heading(shifted(level, shift))));
            }
            other => events.push(other),
        }
    }
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

/// [`markdown`] for a one-paragraph text (a summary) inside an element: without the `<p>`.
fn markdown_inline(text: &str) -> String {
    let html = markdown(text, 5);
    let trimmed = html.trim_end();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|t| t.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => html,
    }
}

fn is_local_link(target: &str) -> bool {
    if target.starts_with('#') {
        return true;
    }
    if target.starts_with('/') || target.starts_with('\\') || target.is_empty() {
        return false;
    }
    // No scheme: nothing before the first '/' or '?' or '#' contains ':'.
    let head = target.split(['/', '?', '#']).next().unwrap_or("");
    !head.contains(':')
}

fn shifted(level: HeadingLevel, shift: usize) -> HeadingLevel {
    use HeadingLevel::*;
    let levels = [H1, H2, H3, H4, H5, H6];
    let index = levels.iter().position(|l| *l == level).unwrap_or(0);
    levels[(index + shift).min(5)]
}

fn page_head(out: &mut String, title: &str) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    let _ = writeln!(out, "<title>{}</title>", esc(title));
    let _ = writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>");
}

const FOOTER: &str = "<footer>Generated by <code>cargo xtask bundle</code> from the spendapi OpenAPI specs. This page loads nothing from the network.</footer>\n";

// ---------------------------------------------------------------------------------------------
// Schemas

/// Follows local `$ref`s (a few hops at most); returns the target and the component name of
/// the first hop, if any.
fn deref<'a>(doc: &'a Value, value: &'a Value) -> (&'a Value, Option<String>) {
    let mut current = value;
    let mut name = None;
    for _ in 0..8 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(target) = reference.strip_prefix('#').and_then(|p| doc.pointer(p)) else {
            break;
        };
        if name.is_none() {
            name = spec::component_of(reference.trim_start_matches('#')).map(|(_, n)| n);
        }
        current = target;
    }
    (current, name)
}

fn ref_html(reference: &str) -> String {
    match reference.strip_prefix("#/components/schemas/") {
        Some(name) => {
            let name = spec::unescape(name);
            format!(
                "<a href=\"#{}\">{}</a>",
                anchor("schema", &name),
                esc(&name)
            )
        }
        None => format!("<code>{}</code>", esc(reference)),
    }
}

/// A short HTML description of a schema's type: `string (date-time)`, `array of Account`...
fn type_html(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return ref_html(reference);
    }
    for (key, label) in [
        ("allOf", "all of"),
        ("oneOf", "one of"),
        ("anyOf", "any of"),
    ] {
        if let Some(items) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = items.iter().map(type_html).collect();
            return if key == "allOf" && parts.len() == 1 {
                parts.concat()
            } else {
                format!("{label}: {}", parts.join(", "))
            };
        }
    }
    if let Some(not) = schema.get("not") {
        return format!("not {}", type_html(not));
    }
    let kind = schema.get("type").and_then(Value::as_str);
    let base = match kind {
        Some("array") => match schema.get("items") {
            Some(items) => format!("array of {}", type_html(items)),
            None => "array".to_owned(),
        },
        Some("object") | None if schema.get("properties").is_some() => "object".to_owned(),
        Some("object") => match schema.get("additionalProperties") {
            Some(Value::Bool(false)) | None => "object".to_owned(),
            Some(Value::Bool(true)) => "map of any".to_owned(),
            Some(values) if values.as_object().is_some_and(Map::is_empty) => {
                "map of any".to_owned()
            }
            Some(values) => format!("map of {}", type_html(values)),
        },
        Some(other) => esc(other),
        None => "any".to_owned(),
    };
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{base} <span class=\"muted\">({})</span>", esc(format)),
        None => base,
    }
}

/// The constraints of a schema as short HTML fragments.
fn constraints(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(map) = schema.as_object() else {
        return out;
    };
    if map.get("nullable") == Some(&Value::Bool(true)) {
        out.push("nullable".to_owned());
    }
    if map.get("deprecated") == Some(&Value::Bool(true)) {
        out.push("<strong>deprecated</strong>".to_owned());
    }
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(code_value).collect();
        out.push(format!("one of {}", values.join(", ")));
    }
    if let Some(default) = map.get("default") {
        out.push(format!("default {}", code_value(default)));
    }
    for key in [
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "multipleOf",
    ] {
        if let Some(v) = map.get(key) {
            out.push(format!("{key} {}", esc(&scalar_text(v))));
        }
    }
    for (key, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        if let Some(v) = map.get(key) {
            let strict = map.get(exclusive) == Some(&Value::Bool(true));
            let label = if strict {
                format!("{key} (exclusive)")
            } else {
                key.to_owned()
            };
            out.push(format!("{label} {}", esc(&scalar_text(v))));
        }
    }
    if map.get("uniqueItems") == Some(&Value::Bool(true)) {
        out.push("unique items".to_owned());
    }
    if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
        out.push(format!("pattern <code>{}</code>", esc(pattern)));
    }
    if let Some(items) = map.get("items") {
        for c in constraints(items) {
            out.push(format!("items: {c}"));
        }
    }
    if let Some(xml) = map.get("xml").and_then(Value::as_object) {
        let mut parts = Vec::new();
        if let Some(name) = xml.get("name").and_then(Value::as_str) {
            parts.push(format!("element <code>{}</code>", esc(name)));
        }
        if xml.get("attribute") == Some(&Value::Bool(true)) {
            parts.push("attribute".to_owned());
        }
        if xml.get("wrapped") == Some(&Value::Bool(true)) {
            parts.push("wrapped".to_owned());
        }
        if !parts.is_empty() {
            out.push(format!("XML: {}", parts.join(", ")));
        }
    }
    out
}

fn constraints_html(schema: &Value) -> String {
    let items = constraints(schema);
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul class=\"constraints\">");
    for item in items {
        let _ = write!(out, "<li>{item}</li>");
    }
    out.push_str("</ul>");
    out
}

/// The inline object schemas whose properties belong in a table for `schema`: the schema
/// itself, the inline members of an `allOf`, or (for an array) its inline items.
fn inline_objects(schema: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    if schema.get("$ref").is_some() {
        return out;
    }
    if schema.get("properties").is_some() {
        out.push(schema);
    }
    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        for member in members {
            out.extend(inline_objects(member));
        }
    }
    out
}

fn property_table(out: &mut String, objects: &[&Value]) {
    let mut rows = String::new();
    for object in objects {
        property_rows(&mut rows, object, "", 0);
    }
    if rows.is_empty() {
        return;
    }
    out.push_str(
        "<table class=\"props\">\n<thead><tr><th>Property</th><th>Type</th><th>Required</th><th>Read-only</th><th>Constraints</th><th>Description</th></tr></thead>\n<tbody>\n",
    );
    out.push_str(&rows);
    out.push_str("</tbody>\n</table>\n");
}

fn property_rows(out: &mut String, object: &Value, prefix: &str, depth: usize) {
    let Some(properties) = object.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: BTreeSet<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, schema) in properties {
        let access = match (bool_of(schema, "readOnly"), bool_of(schema, "writeOnly")) {
            (true, _) => "read-only",
            (_, true) => "write-only",
            _ => "",
        };
        let mut description = markdown(str_of(schema, "description"), 4);
        if let Some(example) = schema.get("example") {
            let _ = write!(
                description,
                "<p class=\"muted\">Example: {}</p>",
                code_value(example)
            );
        }
        let _ = writeln!(
            out,
            "<tr><td class=\"name\"><code>{prefix}{name}</code></td><td>{ty}</td><td>{req}</td><td>{access}</td><td>{cons}</td><td>{description}</td></tr>",
            prefix = esc(prefix),
            name = esc(name),
            ty = type_html(schema),
            req = if required.contains(name.as_str()) {
                "yes"
            } else {
                ""
            },
            cons = constraints_html(schema),
        );
        if depth < 6 {
            for nested in inline_objects(schema) {
                property_rows(out, nested, &format!("{prefix}{name}."), depth + 1);
            }
            if let Some(items) = schema.get("items") {
                for nested in inline_objects(items) {
                    property_rows(out, nested, &format!("{prefix}{name}[]."), depth + 1);
                }
            }
        }
    }
}

fn bool_of(value: &Value, key: &str) -> bool {
    value.get(key) == Some(&Value::Bool(true))
}

/// A schema used by a parameter, body or header: its type, constraints and, if inline, the
/// table of its properties.
fn schema_block(out: &mut String, schema: &Value) {
    let _ = write!(out, "<p>Schema: {}</p>", type_html(schema));
    if schema.get("$ref").is_none() {
        out.push_str(&constraints_html(schema));
        let mut objects = inline_objects(schema);
        if let Some(items) = schema.get("items") {
            objects.extend(inline_objects(items));
        }
        property_table(out, &objects);
    }
}

// ---------------------------------------------------------------------------------------------
// Operations

fn security_html(requirements: &Value) -> String {
    let Some(alternatives) = requirements.as_array() else {
        return String::new();
    };
    if alternatives.is_empty() {
        return "none".to_owned();
    }
    let mut parts = Vec::new();
    for requirement in alternatives {
        let Some(schemes) = requirement.as_object() else {
            continue;
        };
        if schemes.is_empty() {
            parts.push("none (anonymous)".to_owned());
            continue;
        }
        let all: Vec<String> = schemes
            .iter()
            .map(|(name, scopes)| {
                let scopes: Vec<String> = scopes
                    .as_array()
                    .map(|s| {
                        s.iter()
                            .map(|x| format!("<code>{}</code>", esc(&scalar_text(x))))
                            .collect()
                    })
                    .unwrap_or_default();
                let link = format!(
                    "<a href=\"#{}\">{}</a>",
                    anchor("security", name),
                    esc(name)
                );
                if scopes.is_empty() {
                    link
                } else {
                    format!("{link} (scopes {})", scopes.join(", "))
                }
            })
            .collect();
        parts.push(all.join(" and "));
    }
    parts.join(" <em>or</em> ")
}

fn examples_html(out: &mut String, doc: &Value, holder: &Value) {
    if let Some(example) = holder.get("example") {
        let _ = writeln!(
            out,
            "<details><summary>Example</summary><pre>{}</pre></details>",
            esc(&pretty(example))
        );
    }
    let Some(examples) = holder.get("examples").and_then(Value::as_object) else {
        return;
    };
    for (name, example) in examples {
        let (example, _) = deref(doc, example);
        let summary = str_of(example, "summary");
        let label = if summary.is_empty() {
            format!("Example <code>{}</code>", esc(name))
        } else {
            format!(
                "Example <code>{}</code>: {}",
                esc(name),
                markdown_inline(summary)
            )
        };
        let _ = write!(out, "<details><summary>{label}</summary>");
        out.push_str(&markdown(str_of(example, "description"), 5));
        if let Some(value) = example.get("value") {
            let _ = write!(out, "<pre>{}</pre>", esc(&pretty(value)));
        }
        if let Some(external) = example.get("externalValue").and_then(Value::as_str) {
            let _ = write!(out, "<p>External value: <code>{}</code></p>", esc(external));
        }
        out.push_str("</details>\n");
    }
}

fn content_html(out: &mut String, doc: &Value, content: &Value) {
    let Some(media_types) = content.as_object() else {
        return;
    };
    for (media_type, media) in media_types {
        let _ = write!(
            out,
            "<div class=\"media\"><h5><code>{}</code></h5>",
            esc(media_type)
        );
        if let Some(schema) = media.get("schema") {
            schema_block(out, schema);
        }
        examples_html(out, doc, media);
        out.push_str("</div>\n");
    }
}

fn parameters_html(out: &mut String, doc: &Value, parameters: &[&Value]) {
    if parameters.is_empty() {
        return;
    }
    out.push_str(
        "<h4>Parameters</h4>\n<table class=\"params\">\n<thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Constraints</th><th>Description</th></tr></thead>\n<tbody>\n",
    );
    for parameter in parameters {
        let (ty, cons) = match parameter.get("schema") {
            Some(schema) => {
                let (resolved, _) = deref(doc, schema);
                (type_html(schema), constraints_html(resolved))
            }
            None => match parameter.get("content").and_then(Value::as_object) {
                Some(content) => (
                    content
                        .iter()
                        .map(|(mt, m)| {
                            format!(
                                "<code>{}</code>: {}",
                                esc(mt),
                                m.get("schema").map(type_html).unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("<br>"),
                    String::new(),
                ),
                None => (String::new(), String::new()),
            },
        };
        let mut description = markdown(str_of(parameter, "description"), 4);
        if bool_of(parameter, "deprecated") {
            description.insert_str(0, "<p><strong>Deprecated.</strong></p>");
        }
        for key in ["style", "explode", "allowReserved", "allowEmptyValue"] {
            if let Some(v) = parameter.get(key) {
                let _ = write!(
                    description,
                    "<p class=\"muted\">{key}: {}</p>",
                    code_value(v)
                );
            }
        }
        examples_html(&mut description, doc, parameter);
        let _ = writeln!(
            out,
            "<tr><td class=\"name\"><code>{name}</code></td><td>{location}</td><td>{ty}</td><td>{req}</td><td>{cons}</td><td>{description}</td></tr>",
            name = esc(str_of(parameter, "name")),
            location = esc(str_of(parameter, "in")),
            req = if bool_of(parameter, "required") {
                "yes"
            } else {
                ""
            },
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The parameters of an operation: the path item's, overridden by the operation's own with
/// the same name and location, then the operation's others; in document order.
fn effective_parameters<'a>(doc: &'a Value, item: &'a Value, op: &'a Value) -> Vec<&'a Value> {
    let resolve = |list: Option<&'a Value>| -> Vec<&'a Value> {
        list.and_then(Value::as_array)
            .map(|l| l.iter().map(|p| deref(doc, p).0).collect())
            .unwrap_or_default()
    };
    let key = |p: &Value| (str_of(p, "name").to_owned(), str_of(p, "in").to_owned());
    let own = resolve(op.get("parameters"));
    let own_keys: BTreeSet<_> = own.iter().map(|p| key(p)).collect();
    let mut out: Vec<&Value> = resolve(item.get("parameters"))
        .into_iter()
        .filter(|p| !own_keys.contains(&key(p)))
        .collect();
    out.extend(own);
    out
}

fn status_class(status: &str) -> &'static str {
    match status.as_bytes().first() {
        Some(b'2') => "s2",
        Some(b'3') => "s3",
        Some(b'4') => "s4",
        Some(b'5') => "s5",
        _ => "sd",
    }
}

fn responses_html(out: &mut String, doc: &Value, responses: &Value) {
    let Some(responses) = responses.as_object() else {
        return;
    };
    out.push_str("<h4>Responses</h4>\n");
    for (status, response) in responses {
        let (response, shared) = deref(doc, response);
        let _ = write!(
            out,
            "<div class=\"response\"><h5><span class=\"status {}\">{}</span>",
            status_class(status),
            esc(status)
        );
        if let Some(name) = shared {
            let _ = write!(
                out,
                " <span class=\"muted\">(shared response <code>{}</code>)</span>",
                esc(&name)
            );
        }
        out.push_str("</h5>\n");
        out.push_str(&markdown(str_of(response, "description"), 5));
        if let Some(headers) = response.get("headers").and_then(Value::as_object) {
            out.push_str(
                "<table class=\"headers\">\n<thead><tr><th>Header</th><th>Type</th><th>Required</th><th>Description</th></tr></thead>\n<tbody>\n",
            );
            for (name, header) in headers {
                let (header, _) = deref(doc, header);
                let _ = writeln!(
                    out,
                    "<tr><td class=\"name\"><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(name),
                    header.get("schema").map(type_html).unwrap_or_default(),
                    if bool_of(header, "required") {
                        "yes"
                    } else {
                        ""
                    },
                    markdown(str_of(header, "description"), 5),
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
        match response.get("content") {
            Some(content) if content.as_object().is_some_and(|c| !c.is_empty()) => {
                content_html(out, doc, content);
            }
            _ => out.push_str("<p class=\"muted\">No body.</p>\n"),
        }
        out.push_str("</div>\n");
    }
}

fn operation_html(
    out: &mut String,
    doc: &Value,
    path: &str,
    method: &str,
    item: &Value,
    op: &Value,
) {
    let op_id = str_of(op, "operationId");
    let id = if op_id.is_empty() {
        anchor("op", &format!("{method} {path}"))
    } else {
        anchor("op", op_id)
    };
    let _ = writeln!(
        out,
        "<section class=\"op\" id=\"{id}\">\n<h3><span class=\"method {m}\">{M}</span> <code>{path}</code></h3>",
        m = esc(method),
        M = esc(&method.to_uppercase()),
        path = esc(path),
    );
    let mut meta = vec![format!("operationId <code>{}</code>", esc(op_id))];
    if let Some(tags) = op.get("tags").and_then(Value::as_array) {
        let tags: Vec<String> = tags.iter().map(|t| esc(&scalar_text(t))).collect();
        meta.push(format!("tags: {}", tags.join(", ")));
    }
    if bool_of(op, "deprecated") {
        meta.push("<strong>deprecated</strong>".to_owned());
    }
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", meta.join(" · "));
    let summary = str_of(op, "summary");
    if !summary.is_empty() {
        let _ = writeln!(out, "<p><strong>{}</strong></p>", esc(summary));
    }
    out.push_str(&markdown(str_of(op, "description"), 4));

    let security = op.get("security").or_else(|| doc.get("security"));
    if let Some(security) = security {
        let inherited = if op.get("security").is_none() {
            " (the API default)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<p><strong>Security:</strong> {}{inherited}</p>",
            security_html(security)
        );
    }
    parameters_html(out, doc, &effective_parameters(doc, item, op));
    if let Some(body) = op.get("requestBody") {
        let (body, shared) = deref(doc, body);
        let required = if bool_of(body, "required") {
            "required"
        } else {
            "optional"
        };
        let _ = write!(
            out,
            "<h4>Request body <span class=\"badge\">{required}</span>"
        );
        if let Some(name) = shared {
            let _ = write!(
                out,
                " <span class=\"muted\">(shared request body <code>{}</code>)</span>",
                esc(&name)
            );
        }
        out.push_str("</h4>\n");
        out.push_str(&markdown(str_of(body, "description"), 5));
        if let Some(content) = body.get("content") {
            content_html(out, doc, content);
        }
    }
    if let Some(responses) = op.get("responses") {
        responses_html(out, doc, responses);
    }
    if let Some(servers) = op.get("servers").or_else(|| item.get("servers")) {
        out.push_str("<h4>Servers for this operation</h4>\n");
        servers_table(out, servers);
    }
    out.push_str("</section>\n");
}

fn servers_table(out: &mut String, servers: &Value) {
    let Some(servers) = servers.as_array() else {
        return;
    };
    out.push_str(
        "<table class=\"servers\">\n<thead><tr><th>URL</th><th>Description</th><th>Variables</th></tr></thead>\n<tbody>\n",
    );
    for server in servers {
        let mut variables = String::new();
        if let Some(vars) = server.get("variables").and_then(Value::as_object) {
            for (name, var) in vars {
                let _ = write!(variables, "<p><code>{{{}}}</code>", esc(name));
                if let Some(default) = var.get("default") {
                    let _ = write!(
                        variables,
                        " default <code>{}</code>",
                        esc(&scalar_text(default))
                    );
                }
                if let Some(values) = var.get("enum").and_then(Value::as_array) {
                    let values: Vec<String> = values
                        .iter()
                        .map(|v| format!("<code>{}</code>", esc(&scalar_text(v))))
                        .collect();
                    let _ = write!(variables, "; one of {}", values.join(", "));
                }
                variables.push_str("</p>");
                variables.push_str(&markdown(str_of(var, "description"), 5));
            }
        }
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(str_of(server, "url")),
            markdown(str_of(server, "description"), 5),
            variables
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn security_scheme_html(out: &mut String, name: &str, scheme: &Value) {
    let _ = writeln!(
        out,
        "<section class=\"scheme\" id=\"{}\">\n<h3><code>{}</code></h3>",
        anchor("security", name),
        esc(name)
    );
    let mut facts = vec![format!("type <code>{}</code>", esc(str_of(scheme, "type")))];
    for key in ["scheme", "bearerFormat", "in", "name", "openIdConnectUrl"] {
        if let Some(v) = scheme.get(key) {
            facts.push(format!("{key} <code>{}</code>", esc(&scalar_text(v))));
        }
    }
    let _ = writeln!(out, "<p>{}</p>", facts.join(" · "));
    out.push_str(&markdown(str_of(scheme, "description"), 4));
    if let Some(flows) = scheme.get("flows").and_then(Value::as_object) {
        for (flow, body) in flows {
            let _ = writeln!(out, "<h4>Flow <code>{}</code></h4>", esc(flow));
            let mut urls = Vec::new();
            for key in ["authorizationUrl", "tokenUrl", "refreshUrl"] {
                if let Some(url) = body.get(key).and_then(Value::as_str) {
                    urls.push(format!("{key} <code>{}</code>", esc(url)));
                }
            }
            if !urls.is_empty() {
                let _ = writeln!(out, "<p>{}</p>", urls.join(" · "));
            }
            if let Some(scopes) = body.get("scopes").and_then(Value::as_object)
                && !scopes.is_empty()
            {
                out.push_str("<table>\n<thead><tr><th>Scope</th><th>Description</th></tr></thead>\n<tbody>\n");
                for (scope, text) in scopes {
                    let _ = writeln!(
                        out,
                        "<tr><td class=\"name\"><code>{}</code></td><td>{}</td></tr>",
                        esc(scope),
                        markdown(&scalar_text(text), 5)
                    );
                }
                out.push_str("</tbody>\n</table>\n");
            }
        }
    }
    out.push_str("</section>\n");
}

fn schema_html(out: &mut String, doc: &Value, name: &str, schema: &Value) {
    let _ = writeln!(
        out,
        "<section class=\"schema\" id=\"{}\">\n<h3>{}</h3>",
        anchor("schema", name),
        esc(name)
    );
    let _ = writeln!(out, "<p>Type: {}</p>", type_html(schema));
    out.push_str(&markdown(str_of(schema, "description"), 4));
    out.push_str(&constraints_html(schema));
    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        let refs: Vec<String> = members
            .iter()
            .filter_map(|m| m.get("$ref").and_then(Value::as_str))
            .map(ref_html)
            .collect();
        if !refs.is_empty() {
            let _ = writeln!(
                out,
                "<p>Includes every property of {}.</p>",
                refs.join(", ")
            );
        }
    }
    let mut objects = inline_objects(schema);
    if let Some(items) = schema.get("items") {
        objects.extend(inline_objects(items));
    }
    property_table(out, &objects);
    if let Some(extra) = schema.get("additionalProperties")
        && schema.get("properties").is_some()
        && extra != &Value::Bool(false)
    {
        let ty = if extra == &Value::Bool(true) {
            "any".to_owned()
        } else {
            type_html(extra)
        };
        let _ = writeln!(out, "<p>Other properties are allowed: {ty}.</p>");
    }
    examples_html(out, doc, schema);
    out.push_str("</section>\n");
}

// ---------------------------------------------------------------------------------------------
// Pages

/// The tags of the document in order: the declared ones first, then the others by name, then
/// `""` for untagged operations if there are any.
fn tag_order(doc: &Value) -> Vec<String> {
    let mut order: Vec<String> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| tags.iter().map(|t| str_of(t, "name").to_owned()).collect())
        .unwrap_or_default();
    let mut others = BTreeSet::new();
    for (_, _, op) in operations_of(doc) {
        match op
            .get("tags")
            .and_then(Value::as_array)
            .and_then(|t| t.first())
        {
            Some(tag) => {
                let tag = scalar_text(tag);
                if !order.contains(&tag) {
                    others.insert(tag);
                }
            }
            None => {
                others.insert(String::new());
            }
        }
    }
    let untagged = others.remove("");
    order.extend(others);
    if untagged {
        order.push(String::new());
    }
    order
}

fn first_tag(op: &Value) -> String {
    op.get("tags")
        .and_then(Value::as_array)
        .and_then(|t| t.first())
        .map(scalar_text)
        .unwrap_or_default()
}

/// The HTML reference page of one partner spec.
pub fn api_page(name: &str, doc: &Value) -> String {
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    let title = str_of(&info, "title");
    let version = info.get("version").map(scalar_text).unwrap_or_default();
    let operations = operations_of(doc);
    let tags = tag_order(doc);
    let tag_description = |tag: &str| -> String {
        doc.get("tags")
            .and_then(Value::as_array)
            .and_then(|ts| ts.iter().find(|t| str_of(t, "name") == tag))
            .map(|t| str_of(t, "description").to_owned())
            .unwrap_or_default()
    };
    let empty = Map::new();
    let schemes = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let op_anchor = |path: &str, method: &str, op: &Value| {
        let id = str_of(op, "operationId");
        if id.is_empty() {
            anchor("op", &format!("{method} {path}"))
        } else {
            anchor("op", id)
        }
    };

    let mut out = String::new();
    page_head(&mut out, &format!("{title} {version}"));

    // Table of contents.
    out.push_str("<nav class=\"toc\">\n<p><a href=\"index.html\">&larr; All APIs</a></p>\n<h2>Contents</h2>\n<ul>\n");
    out.push_str(
        "<li><a href=\"#overview\">Overview</a></li>\n<li><a href=\"#servers\">Servers</a></li>\n",
    );
    out.push_str("<li><a href=\"#security\">Security</a><ul>\n");
    for scheme in schemes.keys() {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\"><code>{}</code></a></li>",
            anchor("security", scheme),
            esc(scheme)
        );
    }
    out.push_str("</ul></li>\n<li><a href=\"#operations\">Operations</a><ul>\n");
    for tag in &tags {
        let label = if tag.is_empty() {
            "Other operations".to_owned()
        } else {
            esc(tag)
        };
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{label}</a><ul>",
            anchor("tag", tag)
        );
        for (path, method, op) in operations.iter().filter(|(_, _, op)| first_tag(op) == *tag) {
            let _ = writeln!(
                out,
                "<li><a href=\"#{id}\"><span class=\"method {m}\">{M}</span> <code>{opid}</code></a></li>",
                id = op_anchor(path, method, op),
                m = esc(method),
                M = esc(&method.to_uppercase()),
                opid = esc(str_of(op, "operationId")),
            );
        }
        out.push_str("</ul></li>\n");
    }
    out.push_str("</ul></li>\n<li><a href=\"#schemas\">Schemas</a><ul>\n");
    for schema in schemas.keys() {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            anchor("schema", schema),
            esc(schema)
        );
    }
    out.push_str("</ul></li>\n</ul>\n</nav>\n<main>\n");

    // Overview.
    let _ = writeln!(out, "<header id=\"overview\">\n<h1>{}</h1>", esc(title));
    let _ = writeln!(
        out,
        "<p class=\"meta\">Version <span class=\"badge\">{version}</span> · OpenAPI {openapi} · {ops} operation(s) · download <a href=\"{name}.yaml\">{name}.yaml</a> · <a href=\"{name}.json\">{name}.json</a></p>",
        version = esc(&version),
        openapi = esc(str_of(doc, "openapi")),
        ops = operations.len(),
        name = esc(name),
    );
    out.push_str("</header>\n");
    out.push_str(&markdown(str_of(&info, "description"), 2));
    let mut facts = Vec::new();
    if let Some(terms) = info.get("termsOfService").and_then(Value::as_str) {
        facts.push(format!("Terms of service: <code>{}</code>", esc(terms)));
    }
    if let Some(contact) = info.get("contact").and_then(Value::as_object) {
        let parts: Vec<String> = ["name", "email", "url"]
            .iter()
            .filter_map(|k| contact.get(*k).map(|v| esc(&scalar_text(v))))
            .collect();
        facts.push(format!("Contact: {}", parts.join(", ")));
    }
    if let Some(license) = info.get("license").and_then(Value::as_object) {
        let parts: Vec<String> = ["name", "url"]
            .iter()
            .filter_map(|k| license.get(*k).map(|v| esc(&scalar_text(v))))
            .collect();
        facts.push(format!("License: {}", parts.join(", ")));
    }
    if let Some(docs) = doc.get("externalDocs") {
        facts.push(format!(
            "External documentation: {} <code>{}</code>",
            esc(str_of(docs, "description")),
            esc(str_of(docs, "url"))
        ));
    }
    for fact in facts {
        let _ = writeln!(out, "<p>{fact}</p>");
    }

    // Servers.
    out.push_str("<section id=\"servers\">\n<h2>Servers</h2>\n");
    match doc.get("servers") {
        Some(servers) => servers_table(&mut out, servers),
        None => out.push_str("<p>No server is given: the base URL is <code>/</code>.</p>\n"),
    }
    out.push_str("</section>\n");

    // Security.
    out.push_str("<section id=\"security\">\n<h2>Security</h2>\n");
    match doc.get("security") {
        Some(security) => {
            let _ = writeln!(
                out,
                "<p>Default for every operation: {}</p>",
                security_html(security)
            );
        }
        None => out.push_str("<p>No default: each operation names its own requirement.</p>\n"),
    }
    for (scheme, body) in schemes {
        let (body, _) = deref(doc, body);
        security_scheme_html(&mut out, scheme, body);
    }
    out.push_str("</section>\n");

    // Operations, grouped by their first tag.
    out.push_str("<section id=\"operations\">\n<h2>Operations</h2>\n");
    let paths = doc.get("paths").cloned().unwrap_or(Value::Null);
    for tag in &tags {
        let label = if tag.is_empty() {
            "Other operations".to_owned()
        } else {
            esc(tag)
        };
        let _ = writeln!(
            out,
            "<section class=\"tag\" id=\"{}\">\n<h3 class=\"tag\">{label}</h3>",
            anchor("tag", tag)
        );
        out.push_str(&markdown(&tag_description(tag), 4));
        for (path, method, op) in operations.iter().filter(|(_, _, op)| first_tag(op) == *tag) {
            let item = paths.get(*path).unwrap_or(&Value::Null);
            operation_html(&mut out, doc, path, method, item, op);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</section>\n");

    // Schemas.
    out.push_str("<section id=\"schemas\">\n<h2>Schemas</h2>\n");
    for (schema_name, schema) in schemas {
        schema_html(&mut out, doc, schema_name, schema);
    }
    out.push_str("</section>\n");
    out.push_str(FOOTER);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// The index page: every API with its version, operation count and files, then the changelog.
pub fn index_page(apis: &[ApiSummary], changelog: &str) -> String {
    let mut out = String::new();
    page_head(&mut out, "API reference");
    out.push_str(
        "<nav class=\"toc\">\n<h2>Contents</h2>\n<ul>\n<li><a href=\"#apis\">APIs</a><ul>\n",
    );
    for api in apis {
        let _ = writeln!(
            out,
            "<li><a href=\"{0}.html\">{1}</a></li>",
            esc(&api.name),
            esc(&api.title)
        );
    }
    out.push_str(
        "</ul></li>\n<li><a href=\"#changelog\">Changelog</a></li>\n</ul>\n</nav>\n<main>\n",
    );
    out.push_str("<h1>API reference</h1>\n");
    out.push_str(
        "<p>One self-contained OpenAPI 3.0 document per API, as YAML and as JSON, and an HTML reference page for each. Elements whose vendor behaviour is not confirmed say so in their description (<strong>Unconfirmed:</strong> ...).</p>\n",
    );
    out.push_str(
        "<section id=\"apis\">\n<h2>APIs</h2>\n<table>\n<thead><tr><th>API</th><th>Version</th><th>Operations</th><th>Files</th></tr></thead>\n<tbody>\n",
    );
    for api in apis {
        let _ = writeln!(
            out,
            "<tr id=\"{id}\"><td><a href=\"{name}.html\">{title}</a><br><code class=\"muted\">{name}</code></td><td>{version}</td><td>{ops}</td><td><a href=\"{name}.html\">HTML</a> · <a href=\"{name}.yaml\">YAML</a> · <a href=\"{name}.json\">JSON</a></td></tr>",
            id = anchor("api", &api.name),
            name = esc(&api.name),
            title = esc(&api.title),
            version = esc(&api.version),
            ops = api.operations.len(),
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
    out.push_str("<section id=\"changelog\">\n");
    out.push_str(&markdown(changelog, 1));
    out.push_str("</section>\n");
    out.push_str(FOOTER);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn anchors_are_injective_and_safe() {
        assert_eq!(anchor("op", "list_accounts"), "op-list_accounts");
        assert_ne!(anchor("s", "a b"), anchor("s", "a_b"));
        assert_eq!(anchor("s", "a\"b"), "s-a~22~b");
    }

    #[test]
    fn markdown_loads_nothing() {
        let html = markdown(
            "See [docs](https://example.com/x), <https://example.com/y>, ![logo](https://example.com/l.png) \
             <img src=\"https://example.com/i.png\"> and [below](#op-x) or [file](other.html).\n\n# Title",
            2,
        );
        assert!(!html.contains("href=\"http"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("docs (https://example.com/x)"), "{html}");
        assert!(html.contains("&lt;img"), "{html}");
        assert!(html.contains("<a href=\"#op-x\">below</a>"), "{html}");
        assert!(html.contains("<a href=\"other.html\">file</a>"), "{html}");
        assert!(html.contains("<h3>Title</h3>"), "{html}");
        assert!(!is_local_link("//example.com/x"));
        assert!(!is_local_link("javascript:alert(1)"));
    }

    #[test]
    fn folds_unconfirmed_notes_outside_examples() {
        let mut doc = serde_json::json!({
            "info": {"description": "Text.\n", "x-unconfirmed": "Why."},
            "schema": {"x-unconfirmed": "No description."},
            "example": {"x-unconfirmed": "data"},
        });
        assert_eq!(fold_unconfirmed(&mut doc), 2);
        assert_eq!(doc["info"]["description"], "Text.\n\n**Unconfirmed:** Why.");
        assert_eq!(
            doc["schema"]["description"],
            "**Unconfirmed:** No description."
        );
        assert!(doc["example"].get("description").is_none());
    }

    #[test]
    fn yaml_reads_back_the_same_under_yaml_1_1_and_1_2() {
        let doc = serde_json::json!({
            "timestamp": "2024-05-14T09:31:12.123Z",
            "date": "2024-01-01",
            "words": ["on", "Off", "yes", "N", "null", "~", "true", "1:20", "0x1F", ".inf", "1.0.0", "=", "<<"],
            "plain": ["/api/events", "$ref", "application/json", "Pending Client", "a: b", "a #b", "x:", "#x", "- x", "'q'", "\"q\""],
            "200": {"description": ""},
            "numbers": [1, -2, 2.5, 1e20, 250.0, 0.000001],
            "blocks": ["line\n", "line\nnext", "  indented\nnext\n", "\nleading", "kept\n\n", "tab\there\nx", "cr\r\nx", "sep\u{2028}x\ny"],
            "nested": [[1, [2]], [], {}, [{"a": [{"b": "c\nd"}]}]],
            "unicode": "残高 ÷ ü",
        });
        let yaml = to_yaml(&doc);
        assert_eq!(spec::parse(&yaml).expect("parse"), doc, "{yaml}");
        for quoted in [
            "\"2024-05-14T09:31:12.123Z\"",
            "\"on\"",
            "\"Off\"",
            "\"1:20\"",
            "\"200\":",
            "\"1.0.0\"",
        ] {
            assert!(yaml.contains(quoted), "{quoted} is not quoted in:\n{yaml}");
        }
        assert!(
            yaml.contains("- /api/events\n") && yaml.contains("- $ref\n"),
            "{yaml}"
        );
        assert!(
            yaml.contains("1.0e+20"),
            "YAML 1.1 floats need a dot and a signed exponent:\n{yaml}"
        );
    }

    #[test]
    fn manifest_entries_are_plain_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(MANIFEST);
        fs::write(
            &path,
            "# c\na.html\n../x\n/etc/passwd\nsub/b\n.bundle-manifest\n\n",
        )
        .expect("write");
        let names: Vec<String> = read_manifest(&path).expect("read").into_iter().collect();
        assert_eq!(names, ["a.html"]);
    }
}
