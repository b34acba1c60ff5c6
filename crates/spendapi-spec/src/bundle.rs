//! Cross-file `$ref`s: loading the files of one spec once each, and bundling a spec into one
//! self-contained document.
//!
//! The specs are YAML split over several files (`openapi/common/*.yaml` hold what the Coupa
//! documents share). Everything downstream (progenitor, the server generator, the partner
//! bundle, the diff gate) wants one self-contained document, so [`bundle`] copies every
//! component reached through an external `$ref` into the referencing document under the same
//! section and name, and rewrites the reference to the local form. No OpenAPI crate for Rust
//! does this bundling (openapiv3 only models documents), hence this module.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value};

use crate::load::load;
use crate::pointer::{Ref, escape, unescape};

/// Resolves `file` relative to the directory of `base`, lexically (no symlink resolution), so
/// that the same file reached by two routes gets one key.
pub fn relative_to(base: &Path, file: &str) -> PathBuf {
    let mut out = base.parent().map(Path::to_path_buf).unwrap_or_default();
    for part in Path::new(file).components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The documents of one spec and every file it references, loaded once each.
#[derive(Default)]
pub struct Files {
    docs: BTreeMap<PathBuf, Value>,
}

impl Files {
    /// Loads `path` (if not loaded yet) and returns it.
    pub fn get(&mut self, path: &Path) -> Result<&Value> {
        if !self.docs.contains_key(path) {
            let doc = load(path)?;
            self.docs.insert(path.to_path_buf(), doc);
        }
        Ok(&self.docs[path])
    }

    /// Follows `reference` written in `from`; returns the file it lands in and the target value.
    pub fn resolve(&mut self, from: &Path, reference: &str) -> Result<(PathBuf, Value)> {
        let r = Ref::parse(reference);
        let file = match r.file {
            Some(file) => relative_to(from, file),
            None => from.to_path_buf(),
        };
        let doc = self.get(&file)?;
        let target = doc
            .pointer(r.pointer)
            .ok_or_else(|| anyhow!("'{}' is not in {}", r.pointer, file.display()))?;
        Ok((file, target.clone()))
    }
}

/// Returns `path` as a self-contained document: every external `$ref` becomes a local one, with
/// the component it names (and, transitively, everything that component references) copied
/// into this document's `components`.
///
/// Fails if a reference cannot be resolved, points outside `#/components/<section>/<name>`, or
/// if two different components would land under one name.
pub fn bundle(path: &Path) -> Result<Value> {
    let mut files = Files::default();
    bundle_with(&mut files, path)
}

pub fn bundle_with(files: &mut Files, path: &Path) -> Result<Value> {
    let mut doc = files.get(path)?.clone();
    // Components copied in from other files, keyed by (section, name), with their origin.
    let mut imported: BTreeMap<(String, String), (PathBuf, Value)> = BTreeMap::new();
    localize(files, path, path, &mut doc, &mut imported)?;

    let components = doc
        .as_object_mut()
        .ok_or_else(|| anyhow!("{}: the document is not a mapping", path.display()))?
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    for ((section, name), (origin, value)) in imported {
        let section_map = components
            .as_object_mut()
            .ok_or_else(|| anyhow!("{}: /components is not a mapping", path.display()))?
            .entry(section.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| anyhow!("{}: /components/{section} is not a mapping", path.display()))?;
        match section_map.get(&name) {
            // The document refers to the component through a `$ref` of its own
            // (`securitySchemes: {x: {$ref: common#/...}}`): the copy replaces the indirection.
            Some(existing) if is_ref_to(existing, &section, &name) => {
                section_map.insert(name, value);
            }
            Some(existing) if existing != &value => bail!(
                "{}: /components/{section}/{name} is defined here and differently in {}",
                path.display(),
                origin.display()
            ),
            Some(_) => {}
            None => {
                section_map.insert(name, value);
            }
        }
    }
    sort_components(components);
    Ok(doc)
}

fn is_ref_to(value: &Value, section: &str, name: &str) -> bool {
    value.get("$ref").and_then(Value::as_str) == Some(&format!("#/components/{section}/{name}"))
}

/// Components are sorted by name inside each section so that a bundle does not depend on the
/// order in which references were met.
fn sort_components(components: &mut Value) {
    if let Some(sections) = components.as_object_mut() {
        for section in sections.values_mut() {
            if let Some(map) = section.as_object_mut() {
                map.sort_keys();
            }
        }
    }
}

/// Rewrites every `$ref` inside `value` (which lives in `origin`) into a local reference of the
/// bundle rooted at `root`, importing each newly met external component (depth first; a
/// component is registered before its own references are followed, so cycles terminate).
fn localize(
    files: &mut Files,
    root: &Path,
    origin: &Path,
    value: &mut Value,
    imported: &mut BTreeMap<(String, String), (PathBuf, Value)>,
) -> Result<()> {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let reference = reference.clone();
                let r = Ref::parse(&reference);
                let target_file = match r.file {
                    Some(file) => relative_to(origin, file),
                    None => origin.to_path_buf(),
                };
                if target_file == root {
                    return Ok(());
                }
                let (section, name) = component_of(r.pointer).ok_or_else(|| {
                    anyhow!(
                        "{}: '{reference}' must point at #/components/<section>/<name> to be bundled",
                        origin.display()
                    )
                })?;
                let key = (section.clone(), name.clone());
                match imported.get(&key) {
                    Some((from, _)) if from != &target_file => bail!(
                        "component {section}/{name} is defined in both {} and {}",
                        from.display(),
                        target_file.display()
                    ),
                    Some(_) => {}
                    None => {
                        let (_, mut target) =
                            files.resolve(origin, &reference).with_context(|| {
                                format!(
                                    "{}: unresolvable reference '{reference}'",
                                    origin.display()
                                )
                            })?;
                        imported.insert(key.clone(), (target_file.clone(), Value::Null));
                        localize(files, root, &target_file, &mut target, imported)?;
                        imported.insert(key, (target_file, target));
                    }
                }
                map.insert(
                    "$ref".into(),
                    Value::String(format!("#/components/{section}/{}", escape(&name))),
                );
                return Ok(());
            }
            for child in map.values_mut() {
                localize(files, root, origin, child, imported)?;
            }
        }
        Value::Array(items) => {
            for child in items {
                localize(files, root, origin, child, imported)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `/components/schemas/User` → `("schemas", "User")`.
pub fn component_of(pointer: &str) -> Option<(String, String)> {
    let mut parts = pointer.strip_prefix("/components/")?.split('/');
    let section = parts.next()?;
    let name = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    Some((unescape(section), unescape(name)))
}
