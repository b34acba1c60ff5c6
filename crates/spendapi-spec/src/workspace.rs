//! Where the specs live in the workspace.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The workspace root (this crate lives in `crates/spendapi-spec`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the spec crate lives two levels inside the workspace")
        .to_path_buf()
}

/// The spec files: every `openapi/*.yaml` (not the shared pieces under `openapi/common/`, which
/// are reached through references, nor the published copies under `openapi/published/`), sorted.
pub fn spec_files(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join("openapi");
    let mut out = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("failed to list {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// A short name for a spec file: `openapi/coupa-accounts.yaml` → `coupa-accounts`.
pub fn api_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `path` relative to `root` when it is inside it, for messages.
pub fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
