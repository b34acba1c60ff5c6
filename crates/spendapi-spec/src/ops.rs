//! The operations of a document.

use serde_json::Value;

/// The HTTP methods of an OpenAPI 3.0 path item, in the order the tools visit them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation as it sits in a document.
#[derive(Debug, Clone, Copy)]
pub struct OperationRef<'a> {
    pub path: &'a str,
    /// Lowercase, one of [`METHODS`].
    pub method: &'static str,
    /// The path item (its `parameters` apply to the operation too).
    pub item: &'a Value,
    pub op: &'a Value,
}

impl OperationRef<'_> {
    /// The `operationId`, if any.
    pub fn id(&self) -> Option<&str> {
        self.op.get("operationId").and_then(Value::as_str)
    }

    /// `GET /api/accounts`, for messages.
    pub fn location(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

/// Every operation of `doc`, path by path in document order, methods in [`METHODS`] order.
pub fn operations(doc: &Value) -> impl Iterator<Item = OperationRef<'_>> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS.into_iter().filter_map(move |method| {
                item.get(method).map(|op| OperationRef {
                    path,
                    method,
                    item,
                    op,
                })
            })
        })
}

/// Calls `f` with `"METHOD /path"` and each operation object, mutably.
pub fn for_each_operation_mut(doc: &mut Value, mut f: impl FnMut(&str, &mut Value)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method) {
                f(&format!("{} {path}", method.to_uppercase()), op);
            }
        }
    }
}
