//! Stage 1: XML text → [`crate::ast::Document`] with spans (quick-xml).
use crate::ast::{Attribute, Document, Element, Node, Text};
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deeper nesting is rejected: later stages recurse per level, and must fit in
/// the 2 MiB stacks of test, proc-macro and build-script threads (debug builds).
pub const MAX_DEPTH: usize = 256;

#[derive(Clone, Copy, Debug, Default)]
pub struct ParseOptions {
    /// Take a bare `&` that starts no entity literally, with a warning (as
    /// charts copied from vendor documentation need), instead of an error.
    pub lenient_ampersand: bool,
}

pub fn parse(text: &str, options: ParseOptions, diags: &mut Diagnostics) -> Option<Document> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    let base = text.as_ptr() as usize;
    let mut stack: Vec<Element> = Vec::new();
    let mut scopes: Vec<Vec<(String, String)>> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = reader.error_position() as usize;
                diags.push(Diagnostic::error("E0001", Span::new(at, at + 1), format!("malformed XML: {e}")));
                return None;
            }
        };
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                diags.error("E0001", Span::new(before, after), "malformed XML: content after the root element");
                return None;
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    diags.push(
                        Diagnostic::error(
                            "E0002",
                            Span::new(before, after),
                            format!("elements nested deeper than {MAX_DEPTH}"),
                        )
                        .with_help("flatten the chart; no statechart needs this depth"),
                    );
                    return None;
                }
                let el = element(&start, base, Span::new(before, after), &mut scopes, options, diags)?;
                stack.push(el);
            }
            Event::Empty(start) => {
                let el = element(&start, base, Span::new(before, after), &mut scopes, options, diags)?;
                scopes.pop();
                attach(&mut stack, &mut root, Node::Element(el));
            }
            Event::End(_) => {
                scopes.pop();
                if let Some(el) = stack.pop() {
                    attach(&mut stack, &mut root, Node::Element(el));
                }
            }
            Event::Text(t) => {
                let raw: &str = &t;
                let start = raw.as_ptr() as usize - base;
                let (decoded, escapes) = decode(raw, start, options, diags)?;
                push_text(&mut stack, decoded, Span::new(start, start + raw.len()), escapes);
            }
            Event::GeneralRef(r) => {
                let name: &str = &r;
                let raw = format!("&{name};");
                let (decoded, escapes) = decode(&raw, before, options, diags)?;
                push_text(&mut stack, decoded, Span::new(before, after), escapes);
            }
            Event::CData(c) => {
                let raw: &str = &c;
                let start = raw.as_ptr() as usize - base;
                let raw = raw.to_string();
                push_text(&mut stack, raw, Span::new(start, after.saturating_sub(3)), Vec::new());
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        diags.error("E0001", open.span, format!("malformed XML: <{}> is never closed", open.name));
        return None;
    }
    match root {
        Some(root) => Some(Document { root }),
        None => {
            diags.error("E0001", Span::new(0, 0), "malformed XML: the document has no root element");
            None
        }
    }
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => {
            if let Node::Element(el) = node {
                *root = Some(el);
            }
        }
    }
}

fn push_text(stack: &mut [Element], text: String, span: Span, escapes: Vec<(usize, usize)>) {
    let Some(parent) = stack.last_mut() else {
        return;
    };
    if let Some(Node::Text(prev)) = parent.children.last_mut() {
        if prev.span.end == span.start {
            let offset = prev.text.len();
            prev.escapes.extend(escapes.into_iter().map(|(d, r)| (d + offset, r)));
            if prev.escapes.is_empty() || prev.escapes.last().is_some_and(|(d, _)| *d < offset) {
                prev.escapes.push((offset, span.start));
            }
            prev.text.push_str(&text);
            prev.span.end = span.end;
            return;
        }
    }
    parent.children.push(Node::Text(Text { text, span, escapes }));
}

fn element(
    start: &BytesStart<'_>,
    base: usize,
    span: Span,
    scopes: &mut Vec<Vec<(String, String)>>,
    options: ParseOptions,
    diags: &mut Diagnostics,
) -> Option<Element> {
    let name = AsRef::<str>::as_ref(&start.name()).to_string();
    let mut attributes = Vec::new();
    let mut declared = Vec::new();
    for attr in start.attributes().with_checks(true) {
        let attr = match attr {
            Ok(a) => a,
            Err(e) => {
                diags.error("E0001", span, format!("malformed XML in <{name}>: {e}"));
                return None;
            }
        };
        let key = AsRef::<str>::as_ref(&attr.key).to_string();
        let raw: &str = &attr.value;
        // Attribute values borrow the input, so their position is a pointer difference.
        let raw_start = (attr.value.as_ptr() as usize).checked_sub(base).unwrap_or(span.start);
        let (value, escapes) = decode(raw, raw_start, options, diags)?;
        if key == "xmlns" {
            declared.push((String::new(), value.clone()));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            declared.push((prefix.to_string(), value.clone()));
        }
        attributes.push(Attribute { name: key, value, span: Span::new(raw_start, raw_start + raw.len()), escapes });
    }
    scopes.push(declared);
    let (prefix, local) = match name.split_once(':') {
        Some((p, l)) => (p, l.to_string()),
        None => ("", name.clone()),
    };
    let namespace = scopes.iter().rev().flat_map(|s| s.iter()).find(|(p, _)| p == prefix).map(|(_, uri)| uri.clone());
    Some(Element { name, local, namespace, attributes, children: Vec::new(), span })
}

/// Decodes XML entities. Returns the text and, for each decoded entity, the
/// (decoded offset, raw offset) just after it, so positions map back.
fn decode(
    raw: &str,
    raw_start: usize,
    options: ParseOptions,
    diags: &mut Diagnostics,
) -> Option<(String, Vec<(usize, usize)>)> {
    if !raw.contains('&') {
        return Some((raw.to_string(), Vec::new()));
    }
    let mut out = String::with_capacity(raw.len());
    let mut escapes = Vec::new();
    let mut rest = raw;
    let mut pos = 0;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        pos += i;
        let after = &rest[i + 1..];
        let entity = after.find(';').filter(|&e| e <= 10).map(|e| &after[..e]);
        let decoded = entity.and_then(|name| match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16).ok().and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse::<u32>().ok().and_then(char::from_u32),
            _ => None,
        });
        let at = raw_start + pos;
        match (decoded, entity) {
            (Some(c), Some(name)) => {
                out.push(c);
                let consumed = name.len() + 2;
                pos += consumed;
                rest = &rest[i + consumed..];
            }
            _ if options.lenient_ampersand => {
                // One warning for a run such as `&&`.
                let run = rest[i..].bytes().take_while(|&b| b == b'&').count();
                let text = "&".repeat(run);
                diags.push(
                    Diagnostic::warning("W0001", Span::new(at, at + run), format!("bare '{text}' taken literally"))
                        .with_help(format!("write '{}': XML requires it", "&amp;".repeat(run))),
                );
                out.push_str(&text);
                pos += run;
                rest = &rest[i + run..];
            }
            _ => {
                diags.push(
                    Diagnostic::error("E0001", Span::new(at, at + 1), "malformed XML: '&' starts no known entity")
                        .with_help("write '&amp;' for a literal ampersand, e.g. '&amp;&amp;' for '&&'"),
                );
                return None;
            }
        }
        escapes.push((out.len(), raw_start + pos));
    }
    out.push_str(rest);
    Some((out, escapes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Document {
        let mut d = Diagnostics::default();
        let doc = parse(text, ParseOptions::default(), &mut d);
        assert!(!d.has_errors(), "{d:?}");
        doc.unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn keeps_attribute_spans_and_decodes_entities() {
        let text = r#"<scxml a="x &lt; y"><state id="s"/></scxml>"#;
        let doc = parse_ok(text);
        let a = doc.root.attr("a").unwrap_or_else(|| unreachable!());
        assert_eq!(a.value, "x < y");
        assert_eq!(&text[a.span.start..a.span.end], "x &lt; y");
        assert_eq!(crate::ast::source_offset(a.span.start, &a.escapes, 4), a.span.start + 7);
    }

    #[test]
    fn bare_ampersand_is_an_error_unless_lenient() {
        let text = r#"<scxml><transition cond="a && b"/></scxml>"#;
        let mut d = Diagnostics::default();
        assert!(parse(text, ParseOptions::default(), &mut d).is_none());
        let mut d = Diagnostics::default();
        let doc = parse(text, ParseOptions { lenient_ampersand: true }, &mut d);
        assert!(doc.is_some());
        assert_eq!(d.warnings().count(), 1);
        let span = d.items[0].span;
        assert_eq!(&text[span.start..span.end], "&&");
    }

    #[test]
    fn reports_mismatched_tags_with_position() {
        let mut d = Diagnostics::default();
        assert!(parse("<scxml><state></scxml>", ParseOptions::default(), &mut d).is_none());
        assert!(d.has_errors());
    }

    #[test]
    fn rejects_absurd_nesting() {
        let text = "<a>".repeat(5000) + &"</a>".repeat(5000);
        let mut d = Diagnostics::default();
        assert!(parse(&text, ParseOptions::default(), &mut d).is_none());
        assert_eq!(d.items[0].code, "E0002");
    }

    #[test]
    fn resolves_namespaces() {
        let doc = parse_ok(r#"<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:ixn="urn:x"><ixn:detach/></scxml>"#);
        let child = doc.root.elements().next().unwrap_or_else(|| unreachable!());
        assert_eq!(child.local, "detach");
        assert_eq!(child.namespace.as_deref(), Some("urn:x"));
    }
}
