//! `cargo xtask lint`: the rules every spec must pass before anything is generated from it.
//!
//! Each finding is one line, `error[rule-id] file: json-pointer: message`, pointing at the
//! offending node of the file as written. The rules (the registry in `rule.rs`, one file per
//! group beside it) are of three kinds: the documents are sound (references resolve, examples
//! validate against their schemas), they are documented (operation ids, summaries, tags,
//! security, property descriptions), and they avoid the shapes that make progenitor refuse or
//! panic (see `shared/docs/codegen-notes.md`), so that a spec that lints clean always generates.
//!
//! This file is the driver: it loads the specs and every file they reference, then runs each
//! rule of [`Rule::ALL`] over each file, handing it the whole document, each operation or each
//! schema as the rule's [`Check`] asks.

mod document;
mod documentation;
mod enums;
mod examples;
mod parameters;
mod references;
mod responses;
mod rule;
mod schemas;
mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;

use crate::spec::{self, Files, METHODS, join};

pub use rule::Rule;

/// One problem, located in a file as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub file: String,
    pub pointer: String,
    pub message: String,
    pub rule: Rule,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error[{}] {}: {}: {}",
            self.rule, self.file, self.pointer, self.message
        )
    }
}

/// Lints the given spec files and every file they reference. `root` only shortens file names in
/// the findings. Findings come back sorted and without duplicates.
pub fn lint(root: &Path, specs: &[PathBuf]) -> Vec<Finding> {
    let mut linter = Linter::default();
    let all = linter.reachable(root, specs);
    for file in &all {
        let Ok(doc) = linter.files.get(file).cloned() else {
            continue;
        };
        let name = spec::display(root, file);
        let operations = operations(&doc);
        let mut schemas = Vec::new();
        walk::collect_schemas(&doc, "", &mut schemas);
        for &rule in Rule::ALL {
            let mut cx = Cx {
                rule,
                file,
                name: &name,
                doc: &doc,
                linter: &mut linter,
            };
            match rule.check() {
                Check::Load => {}
                Check::Document(check) => check(&mut cx),
                Check::Operation(check) => {
                    for op in &operations {
                        check(&mut cx, op);
                    }
                }
                Check::Schema(check) => {
                    for (pointer, schema) in &schemas {
                        check(&mut cx, pointer, schema);
                    }
                }
            }
        }
    }
    linter.findings.into_iter().collect()
}

/// How a rule is run over a document.
enum Check {
    /// Reported by the driver while it loads the files.
    Load,
    /// Once per document.
    Document(fn(&mut Cx)),
    /// Once per operation (path items that are `$ref`s hold none).
    Operation(fn(&mut Cx, &LintedOperation)),
    /// Once per schema object, nested ones included, with its pointer.
    Schema(fn(&mut Cx, &str, &Value)),
}

/// An operation: `ptr` points at it, `item` is the path item holding it.
struct LintedOperation<'a> {
    ptr: String,
    op: &'a Value,
    item: &'a Value,
}

/// Every operation of `doc`, in path order and then [`METHODS`] order.
fn operations(doc: &Value) -> Vec<LintedOperation<'_>> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if item.get("$ref").is_some() {
            continue;
        }
        let item_ptr = join("/paths", path);
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push(LintedOperation {
                    ptr: join(&item_ptr, method),
                    op,
                    item,
                });
            }
        }
    }
    out
}

/// What outlives one document: the loaded files, the findings so far, and what rules gather
/// across documents.
#[derive(Default)]
struct Linter {
    files: Files,
    findings: BTreeSet<Finding>,
    /// Each `operationId` seen, with the file and pointer of its first operation.
    operation_ids: BTreeMap<String, (String, String)>,
    /// Each document bundled (for its examples), or why it cannot be.
    bundles: BTreeMap<PathBuf, Rc<Result<Value, String>>>,
}

impl Linter {
    fn report(&mut self, rule: Rule, file: &str, pointer: &str, message: impl Into<String>) {
        self.findings.insert(Finding {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
            rule,
        });
    }

    /// The specs plus every file reachable from them through `$ref`s that resolve, reporting
    /// each spec that does not load.
    fn reachable(&mut self, root: &Path, specs: &[PathBuf]) -> Vec<PathBuf> {
        let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
        let mut todo: Vec<PathBuf> = specs.to_vec();
        let mut order = Vec::new();
        while let Some(file) = todo.pop() {
            if !seen.insert(file.clone()) {
                continue;
            }
            let doc = match self.files.get(&file) {
                Ok(doc) => doc.clone(),
                Err(err) => {
                    let name = spec::display(root, &file);
                    self.report(Rule::UnreadableFile, &name, "", format!("{err:#}"));
                    continue;
                }
            };
            order.push(file.clone());
            let mut refs = Vec::new();
            walk::collect_refs(&doc, "", &mut refs);
            for (_, reference) in refs {
                if let Ok((target, _)) = self.files.resolve(&file, &reference)
                    && target != file
                {
                    todo.push(target);
                }
            }
        }
        order.sort();
        order
    }
}

/// What a check sees: the rule it runs for, the document (as `file`, displayed as `name`) and
/// the linter's state.
struct Cx<'a> {
    rule: Rule,
    file: &'a Path,
    name: &'a str,
    doc: &'a Value,
    linter: &'a mut Linter,
}

impl Cx<'_> {
    /// Reports a finding of the running rule at `pointer` in this document.
    fn report(&mut self, pointer: &str, message: impl Into<String>) {
        self.linter
            .report(self.rule, self.name, pointer, message.into());
    }

    /// Whether this document has a finding already (of a rule run before this one).
    fn has_findings(&self) -> bool {
        self.linter.findings.iter().any(|f| f.file == self.name)
    }

    /// This document bundled with every file it references, bundling it on first use.
    fn bundled(&mut self) -> Rc<Result<Value, String>> {
        if let Some(bundle) = self.linter.bundles.get(self.file) {
            return Rc::clone(bundle);
        }
        let bundle = Rc::new(
            spec::bundle_with(&mut self.linter.files, self.file).map_err(|err| format!("{err:#}")),
        );
        self.linter
            .bundles
            .insert(self.file.to_owned(), Rc::clone(&bundle));
        bundle
    }
}
