//! The state of one comparison: both documents and the changes found so far. The walk over the
//! documents (`walk`) and the comparison of schemas (`schema`) each add methods to [`Differ`];
//! this leaf holds what both need, so that neither imports the other's definitions back.

use serde_json::Value;

use crate::{Change, Rule};

/// Both documents and the changes found so far.
pub(crate) struct Differ<'a> {
    pub(crate) old: &'a Value,
    pub(crate) new: &'a Value,
    pub(crate) changes: Vec<Change>,
}

impl<'a> Differ<'a> {
    pub(crate) fn push(
        &mut self,
        rule: Rule,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.changes.push(Change {
            rule,
            class: rule.class(),
            location: location.into(),
            message: message.into(),
        });
    }
}
