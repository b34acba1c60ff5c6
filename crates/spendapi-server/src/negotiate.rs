//! Content negotiation: which of an operation's documented media types to answer in (`Accept`,
//! 406 when none fits) and whether a request body's `Content-Type` is one it documents (415).

/// The two wire formats the runtime reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// The format of a media type: `application/xml`, `text/xml` and `+xml` types are XML,
    /// everything else is read and written as JSON.
    pub fn of(media_type: &str) -> Format {
        let essence = essence(media_type);
        if essence.ends_with("/xml") || essence.ends_with("+xml") {
            Format::Xml
        } else {
            Format::Json
        }
    }
}

/// `Type/Subtype; charset=utf-8` → `type/subtype`.
pub fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// One entry of an `Accept` header.
#[derive(Debug, Clone, PartialEq)]
struct Range {
    essence: String,
    q: f32,
    order: usize,
}

impl Range {
    fn matches(&self, offered: &str) -> bool {
        if self.essence == "*/*" || self.essence == offered {
            return true;
        }
        match self.essence.strip_suffix("/*") {
            Some(kind) => offered.split('/').next() == Some(kind),
            None => false,
        }
    }

    fn specificity(&self) -> u8 {
        if self.essence == "*/*" {
            0
        } else if self.essence.ends_with("/*") {
            1
        } else {
            2
        }
    }
}

fn ranges(accept: &str) -> Vec<Range> {
    let mut out = Vec::new();
    for (order, part) in accept.split(',').enumerate() {
        let mut pieces = part.split(';');
        let essence = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence.is_empty() {
            continue;
        }
        let mut q = 1.0;
        for param in pieces {
            if let Some((name, value)) = param.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                q = value.trim().parse().unwrap_or(0.0);
            }
        }
        out.push(Range { essence, q, order });
    }
    out
}

/// The media type to answer in: the offered type the `Accept` header prefers (by quality, then
/// specificity, then order), the first offered one when `Accept` is absent, empty or `*/*`,
/// and `None` when the header accepts none of them (406).
pub fn choose(accept: Option<&str>, offered: &[&'static str]) -> Option<&'static str> {
    let first = offered.first().copied();
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return first;
    };
    let mut ranges = ranges(accept);
    if ranges.is_empty() {
        return first;
    }
    ranges.sort_by(|a, b| {
        b.q.partial_cmp(&a.q)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.specificity().cmp(&a.specificity()))
            .then(a.order.cmp(&b.order))
    });
    for range in ranges.iter().filter(|r| r.q > 0.0) {
        if let Some(found) = offered.iter().find(|o| range.matches(&essence(o))) {
            return Some(found);
        }
    }
    None
}

/// The documented body media type a `Content-Type` names, if any.
pub fn body_media(content_type: &str, documented: &[&'static str]) -> Option<&'static str> {
    let essence = essence(content_type);
    documented.iter().copied().find(|m| essence == *m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: &[&str] = &["application/json", "application/xml"];

    #[test]
    fn absent_or_wildcard_accept_takes_the_first_documented_type() {
        assert_eq!(choose(None, BOTH), Some("application/json"));
        assert_eq!(choose(Some("*/*"), BOTH), Some("application/json"));
        assert_eq!(choose(Some(""), BOTH), Some("application/json"));
    }

    #[test]
    fn accept_picks_by_quality_and_specificity() {
        assert_eq!(
            choose(Some("application/xml"), BOTH),
            Some("application/xml")
        );
        assert_eq!(
            choose(Some("application/json;q=0.5, application/xml"), BOTH),
            Some("application/xml")
        );
        assert_eq!(
            choose(Some("*/*;q=0.1, application/xml;q=0.9"), BOTH),
            Some("application/xml")
        );
        assert_eq!(
            choose(Some("application/*"), BOTH),
            Some("application/json")
        );
        assert_eq!(choose(Some("text/html"), BOTH), None);
        assert_eq!(choose(Some("application/xml;q=0"), BOTH), None);
    }

    #[test]
    fn content_type_parameters_are_ignored() {
        assert_eq!(
            body_media("Application/JSON; charset=utf-8", BOTH),
            Some("application/json")
        );
        assert_eq!(body_media("text/plain", BOTH), None);
        assert_eq!(Format::of("application/merge-patch+json"), Format::Json);
        assert_eq!(Format::of("text/xml"), Format::Xml);
    }
}
