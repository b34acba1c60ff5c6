//! CommonMark rendering for the HTML pages (`description` fields, the changelog).

use maud::{Markup, PreEscaped};
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// Renders CommonMark (`description` fields, the changelog) to HTML that loads nothing: raw
/// HTML is shown as text, images become their alt text, and links keep an `href` only when it
/// stays inside the bundle (`#anchor` or a relative file name); other targets are written out
/// as text after the link text. Headings are moved down by `shift` levels.
pub fn markdown(text: &str, shift: usize) -> Markup {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut events = Vec::new();
    // For each open link: the target to print after its text, if it is not kept as an href.
    let mut links: Vec<Option<String>> = Vec::new();
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::Start(Tag::HtmlBlock) => events.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => events.push(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if is_local_link(&dest_url) {
                    links.push(None);
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                } else {
                    let shown = !matches!(link_type, LinkType::Autolink | LinkType::Email);
                    links.push(Some(if shown {
                        dest_url.to_string()
                    } else {
                        String::new()
                    }));
                }
            }
            Event::End(TagEnd::Link) => match links.pop().flatten() {
                None => events.push(Event::End(TagEnd::Link)),
                Some(target) if !target.is_empty() => {
                    events.push(Event::Text(CowStr::from(format!(" ({target})"))));
                }
                Some(_) => {}
            },
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                events.push(Event::Start(Tag::Heading {
                    level: shifted(level, shift),
                    id,
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                events.push(Event::End(TagEnd::Heading(shifted(level, shift))));
            }
            other => events.push(other),
        }
    }
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    // pulldown-cmark escapes every text and attribute it writes, and the raw HTML of the
    // source was turned into text above: the result is markup, not text to escape again.
    PreEscaped(out)
}

/// [`markdown`] for a one-paragraph text (a summary) inside an element: without the `<p>`.
pub fn markdown_inline(text: &str) -> Markup {
    let html = markdown(text, 5);
    let trimmed = html.0.trim_end();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|t| t.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => PreEscaped(inner.to_owned()),
        _ => html,
    }
}

fn is_local_link(target: &str) -> bool {
    if target.starts_with('#') {
        return true;
    }
    if target.starts_with('/') || target.starts_with('\\') || target.is_empty() {
        return false;
    }
    // No scheme: nothing before the first '/' or '?' or '#' contains ':'.
    let head = target.split(['/', '?', '#']).next().unwrap_or("");
    !head.contains(':')
}

fn shifted(level: HeadingLevel, shift: usize) -> HeadingLevel {
    use HeadingLevel::*;
    let levels = [H1, H2, H3, H4, H5, H6];
    let index = levels.iter().position(|l| *l == level).unwrap_or(0);
    levels[(index + shift).min(5)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_loads_nothing() {
        let html = markdown(
            "See [docs](https://example.com/x), <https://example.com/y>, ![logo](https://example.com/l.png) \
             <img src=\"https://example.com/i.png\"> and [below](#op-x) or [file](other.html).\n\n# Title",
            2,
        )
        .into_string();
        assert!(!html.contains("href=\"http"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("docs (https://example.com/x)"), "{html}");
        assert!(html.contains("&lt;img"), "{html}");
        assert!(html.contains("<a href=\"#op-x\">below</a>"), "{html}");
        assert!(html.contains("<a href=\"other.html\">file</a>"), "{html}");
        assert!(html.contains("<h3>Title</h3>"), "{html}");
        assert!(!is_local_link("//example.com/x"));
        assert!(!is_local_link("javascript:alert(1)"));
    }

    #[test]
    fn inline_markdown_drops_the_paragraph() {
        assert_eq!(
            markdown_inline("A *b* <c>").into_string(),
            "A <em>b</em> &lt;c&gt;"
        );
        assert!(
            markdown_inline("one\n\ntwo")
                .into_string()
                .starts_with("<p>one</p>")
        );
    }
}
