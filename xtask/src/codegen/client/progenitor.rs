//! The progenitor driver: runs `progenitor::Generator` in-process over a client view.
//!
//! Reads a client view and the type replacements of the vendor's shared components; writes
//! progenitor's file as a `syn::File`. Its errors and panics become one readable error; on
//! failure every operation is generated alone to name the culprit. Panics are caught without
//! touching other threads' panic reporting ([`catch_silently`]).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use anyhow::{Result, anyhow};
use serde_json::Value;

use crate::spec;

/// progenitor's settings for every client module. `shared` maps schema names to the Rust path
/// of the one type that already represents them (the shared Coupa components).
pub(crate) fn settings(shared: &BTreeMap<String, String>) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote_path("crate::runtime::Runtime"))
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    for (name, path) in shared {
        settings.with_replacement(name, path, std::iter::empty());
    }
    settings
}

fn quote_path(path: &str) -> proc_macro2::TokenStream {
    path.parse().expect("a Rust path is a token stream")
}

/// Runs progenitor over a client view, turning its errors *and panics* into a readable error
/// that names the operations responsible.
pub fn generate_code(view: &Value, shared: &BTreeMap<String, String>) -> Result<syn::File> {
    match try_generate(view, shared) {
        Ok(code) => Ok(code),
        Err(whole) => {
            // Find the culprits: generate each operation alone.
            let mut culprits = Vec::new();
            for op in spec::operations(view) {
                let mut single = view.clone();
                single["paths"] = serde_json::json!({ op.path: { op.method: op.op } });
                if let Err(err) = try_generate(&single, shared) {
                    let id = op.id().unwrap_or("<no operationId>");
                    culprits.push(format!("operation {id} ({}): {err}", op.location()));
                }
            }
            if culprits.is_empty() {
                Err(anyhow!("progenitor failed on the document: {whole}"))
            } else {
                Err(anyhow!(
                    "progenitor cannot generate:\n  {}",
                    culprits.join("\n  ")
                ))
            }
        }
    }
}

fn try_generate(view: &Value, shared: &BTreeMap<String, String>) -> Result<syn::File, String> {
    let openapi: openapiv3::OpenAPI = serde_json::from_value(view.clone())
        .map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?;
    let settings = settings(shared);
    // progenitor panics on some shapes (see shared/docs/codegen-notes.md); keep those panics
    // from reaching the user as a backtrace.
    let result = catch_silently(|| {
        let mut generator = progenitor::Generator::new(&settings);
        generator.generate_tokens(&openapi)
    });
    let tokens = match result {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(err)) => return Err(err.to_string()),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "unknown panic".into());
            return Err(format!("progenitor panicked: {message}"));
        }
    };
    syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))
}

thread_local! {
    /// Whether a panic on this thread is caught by [`catch_silently`] and must not be reported.
    static SILENCED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` and catches its panic without the panic hook reporting it.
///
/// Swapping the process-wide hook around the call would race when several threads generate at
/// once (one thread restores another's silent hook, or the original hook is lost). Instead one
/// hook is installed once per process: it delegates to the hook that was in place before,
/// except for a panic on a thread that is inside this function. (A hook set later by other code
/// replaces this one, and then reports these panics too.)
pub(crate) fn catch_silently<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !SILENCED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    /// Puts the flag back as it was when the call is over (a nested call keeps the outer one's).
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SILENCED.with(|silenced| silenced.set(self.0));
        }
    }
    let _restore = Restore(SILENCED.with(|silenced| silenced.replace(true)));
    catch_unwind(AssertUnwindSafe(f))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::catch_silently;

    /// The only test of this binary that silences a panic, so the counting hook below is in
    /// place before [`catch_silently`] installs its own on top of it.
    #[test]
    fn silencing_panics_in_parallel_keeps_the_process_hook() {
        static REPORTED: AtomicUsize = AtomicUsize::new(0);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            REPORTED.fetch_add(1, Ordering::SeqCst);
            if info.payload().downcast_ref::<&str>() != Some(&"reported on purpose") {
                previous(info);
            }
        }));

        let threads: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(|| {
                    for _ in 0..200 {
                        let caught = catch_silently::<()>(|| panic!("silenced"));
                        assert!(caught.is_err());
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("no silenced panic escapes");
        }
        assert_eq!(
            REPORTED.load(Ordering::SeqCst),
            0,
            "a silenced panic was reported"
        );

        // The counting hook is still the process hook: a panic outside the guard reaches it.
        let outside = std::thread::spawn(|| panic!("reported on purpose")).join();
        assert!(outside.is_err());
        assert_eq!(
            REPORTED.load(Ordering::SeqCst),
            1,
            "the original hook was lost"
        );
    }
}
