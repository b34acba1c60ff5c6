//! `cargo xtask bundle`: the self-contained partner bundle (specs as YAML and JSON, offline
//! HTML reference pages, an index with versions and changelog).
//!
//! For every `openapi/<api>.yaml` the bundle holds:
//!
//! - `<api>.yaml` and `<api>.json`: the partner spec ([`partner::partner_spec`]): every `$ref` across
//!   files resolved by [`spec::bundle`], every `x-` extension removed. The information of an
//!   `x-unconfirmed: <why>` note is kept for readers: it is appended to the `description` of
//!   the element it sits on as a paragraph `**Unconfirmed:** <why>` (see [`partner::fold_unconfirmed`]).
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
//!
//! YAML is written by `spendapi_spec::yaml`, the one writer of everything published. Modules,
//! each using only those listed before it: [`markdown`]
//! (CommonMark to HTML that loads nothing), [`model`] (an API's summary, from the typed model), [`partner`]
//! (the partner form of a spec), [`html`] (the pages); this module renders and writes.

pub mod html;
pub mod markdown;
pub mod model;
pub mod partner;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

pub use html::{api_page, index_page};
pub use model::ApiSummary;
pub use partner::{fold_unconfirmed, partner_spec};
pub use spec::{to_yaml, to_yaml_checked};

use crate::spec;

/// The file (inside the out directory) that lists what the last bundle wrote.
pub const MANIFEST: &str = ".bundle-manifest";

/// The changelog rendered into `index.html`, relative to the workspace root.
pub const CHANGELOG: &str = "openapi/CHANGELOG.md";

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
        let (api, unconfirmed) =
            partner::partner_api(&path).with_context(|| format!("failed to bundle {source}"))?;
        let summary = model::summarize(&api, unconfirmed);
        let doc = &api.doc;

        let mut json = serde_json::to_string_pretty(doc)
            .with_context(|| format!("failed to serialize {source} as JSON"))?;
        json.push('\n');
        let body = spec::to_yaml_checked(doc)
            .with_context(|| format!("failed to write {source} as YAML"))?;
        let yaml = format!(
            "# {title} {version}: self-contained OpenAPI document (from {source} by `cargo xtask bundle`); do not edit.\n{body}",
            title = model::one_line(&summary.title),
            version = model::one_line(&summary.version),
        );
        let html = api_page(&api);

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

#[cfg(test)]
mod tests {
    use super::*;

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
