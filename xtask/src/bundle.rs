//! `cargo xtask bundle`: the self-contained partner bundle (specs as YAML and JSON, offline
//! HTML reference pages, an index with versions and changelog).

use std::path::Path;

use anyhow::Result;

/// Writes the bundle for every spec into `out`.
pub fn run(root: &Path, out: &Path) -> Result<()> {
    let _ = (root, out);
    anyhow::bail!("bundle is not implemented yet")
}
