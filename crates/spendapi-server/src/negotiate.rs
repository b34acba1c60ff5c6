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

/// One media range of an `Accept` header: its type and subtype (`*` for a wildcard), how many
/// parameters besides `q` it names, and its weight in thousandths (RFC 9110 §12.4.2).
#[derive(Debug, Clone, PartialEq)]
struct Range {
    kind: String,
    subtype: String,
    parameters: usize,
    weight: u16,
}

impl Range {
    /// Parses one list member with the `mediatype` crate (quoted parameters, case, OWS); a
    /// member that is not a media range, or whose `q` is not a valid qvalue, is ignored.
    fn parse(member: mediatype::MediaType<'_>) -> Option<Range> {
        let mut weight = 1000;
        let mut parameters = 0;
        for (name, value) in member.params.iter() {
            if name.as_str().eq_ignore_ascii_case("q") {
                weight = qvalue(value.as_str())?;
            } else {
                parameters += 1;
            }
        }
        let kind = member.ty.as_str().to_ascii_lowercase();
        let subtype = match member.suffix {
            Some(suffix) => format!("{}+{}", member.subty.as_str(), suffix.as_str()),
            None => member.subty.as_str().to_owned(),
        }
        .to_ascii_lowercase();
        // `*/json` is not a media range.
        (kind != "*" || subtype == "*").then_some(Range {
            kind,
            subtype,
            parameters,
            weight,
        })
    }

    fn matches(&self, offered: &str) -> bool {
        let (kind, subtype) = offered.split_once('/').unwrap_or((offered, ""));
        (self.kind == "*" || self.kind == kind) && (self.subtype == "*" || self.subtype == subtype)
    }

    /// `*/*` < `type/*` < `type/subtype` < `type/subtype;param=…` (RFC 9110 §12.5.1). The
    /// offered types carry no parameters, so a range's parameters are not compared (a client
    /// asking for `application/json; charset=utf-8` means JSON); they only rank it higher.
    fn specificity(&self) -> usize {
        match (self.kind.as_str(), self.subtype.as_str()) {
            ("*", _) => 0,
            (_, "*") => 1,
            _ => 2 + self.parameters,
        }
    }
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

fn ranges(accept: &str) -> Vec<Range> {
    mediatype::MediaTypeList::new(accept)
        .filter_map(Result::ok)
        .filter_map(Range::parse)
        .collect()
}

/// The media type to answer in, after RFC 9110 §12.5.1: each offered type gets the weight of
/// the most specific range that matches it (none matching, or `q=0`, makes it unacceptable),
/// the heaviest offered type wins and ties keep the server's order (the spec's). An absent or
/// empty header, or one with no well-formed member, accepts anything: the first offered type.
/// `None` when the header accepts none of them (406).
pub fn choose(accept: Option<&str>, offered: &[&'static str]) -> Option<&'static str> {
    let first = offered.first().copied();
    let ranges = accept.map(ranges).unwrap_or_default();
    if ranges.is_empty() {
        return first;
    }
    let weight = |media: &str| {
        let media = essence(media);
        ranges
            .iter()
            .filter(|range| range.matches(&media))
            // The first of equally specific ranges, as the header lists them.
            .min_by_key(|range| std::cmp::Reverse(range.specificity()))
            .map_or(0, |range| range.weight)
    };
    let mut best: Option<(&'static str, u16)> = None;
    for media in offered {
        let w = weight(media);
        if w > 0 && best.is_none_or(|(_, b)| w > b) {
            best = Some((media, w));
        }
    }
    best.map(|(media, _)| media)
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

    /// RFC 9110 §12.5.1 cases, against the Coupa order (JSON first) and the reverse.
    #[test]
    fn negotiation_follows_rfc_9110() {
        const XML_FIRST: &[&str] = &["application/xml", "application/json"];
        let json = Some("application/json");
        let xml = Some("application/xml");
        let cases: &[(&str, &[&'static str], Option<&str>)] = &[
            // q=0 excludes, even when a wildcard would accept it.
            ("application/json;q=0, */*", BOTH, xml),
            ("*/*, application/json;q=0", BOTH, xml),
            ("application/json;q=0, application/xml;q=0", BOTH, None),
            ("application/*;q=0, */*", BOTH, None),
            // The most specific matching range sets the weight, wherever it stands.
            ("*/*;q=1, application/xml;q=0.2", BOTH, json),
            (
                "application/*;q=0.3, application/json;q=0.9",
                XML_FIRST,
                json,
            ),
            (
                "application/xml;charset=utf-8;q=0.1, application/xml;q=0.9, */*;q=0.5",
                BOTH,
                json,
            ),
            ("application/json;charset=utf-8", BOTH, json),
            // Ties keep the server's order, not the header's.
            ("application/xml, application/json", BOTH, json),
            ("application/json, application/xml", XML_FIRST, xml),
            (
                "application/json;q=0.5, application/xml;q=0.5",
                XML_FIRST,
                xml,
            ),
            // Three decimals count; a finer weight decides.
            (
                "application/json;q=0.501, application/xml;q=0.5",
                XML_FIRST,
                json,
            ),
            // Case-insensitive names and parameter names, OWS around members.
            ("  Application/XML ; Q=1 ,application/json;q=0.1", BOTH, xml),
            // Malformed members are ignored; so is a member with an invalid qvalue.
            ("application/xml;q=2, application/json;q=0.1", BOTH, json),
            (
                "application/xml;q=0.5000, application/json;q=0.1",
                BOTH,
                json,
            ),
            ("application/xml;q=abc", BOTH, json),
            ("not a media type, application/xml", BOTH, xml),
            ("*/xml, application/xml;q=0.5", BOTH, xml),
            (",,", BOTH, json),
            // Quoted parameters may hold commas.
            (
                "application/xml;v=\"a,b\";q=0.9, application/json;q=0.1",
                BOTH,
                xml,
            ),
            // `+xml` suffixes compare whole.
            ("application/problem+xml", BOTH, None),
        ];
        for (accept, offered, expected) in cases {
            assert_eq!(
                choose(Some(accept), offered),
                *expected,
                "Accept: {accept} offered {offered:?}"
            );
        }
    }

    #[test]
    fn qvalues_follow_the_grammar() {
        assert_eq!(qvalue("0"), Some(0));
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.125"), Some(125));
        assert_eq!(qvalue("1"), Some(1000));
        assert_eq!(qvalue("1.000"), Some(1000));
        for bad in ["1.5", "2", "0.1234", "-0", ".5", "0.x", ""] {
            assert_eq!(qvalue(bad), None, "{bad}");
        }
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
