//! The chart exactly as written: an XML element tree where every node keeps
//! its byte span, so later stages can point at the chart's own text.
use crate::diagnostic::Span;

#[derive(Clone, Debug)]
pub struct Document {
    pub root: Element,
}

#[derive(Clone, Debug)]
pub struct Element {
    /// The name as written, prefix included (`ixn:detach`).
    pub name: String,
    /// The local part of the name (`detach`).
    pub local: String,
    /// The namespace URI the prefix (or the default namespace) resolves to.
    pub namespace: Option<String>,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
    /// The start tag.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    /// The value with entities decoded.
    pub value: String,
    /// The raw value between the quotes.
    pub span: Span,
    /// Byte offsets in `value` where a decoded entity starts, with the
    /// matching raw offset: maps a position in `value` back to the source.
    pub(crate) escapes: Vec<(usize, usize)>,
}

#[derive(Clone, Debug)]
pub enum Node {
    Element(Element),
    /// Character data (text and CDATA sections run together).
    Text(Text),
}

#[derive(Clone, Debug)]
pub struct Text {
    pub text: String,
    pub span: Span,
    pub(crate) escapes: Vec<(usize, usize)>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn attr_value(&self, name: &str) -> Option<&str> {
        self.attr(name).map(|a| a.value.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The element as XML text, in a canonical form (attributes in their
    /// order, `"` quotes, entities escaped): how an inline document is held
    /// as a value, and the key a `<content expr>` finds its compiled chart by.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write_xml(&mut out);
        out
    }

    fn write_xml(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for a in &self.attributes {
            out.push(' ');
            out.push_str(&a.name);
            out.push_str("=\"");
            escape_xml(&a.value, true, out);
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for c in &self.children {
            match c {
                Node::Element(e) => e.write_xml(out),
                Node::Text(t) => escape_xml(&t.text, false, out),
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }

    /// All character data directly inside this element, run together.
    pub fn text(&self) -> Option<Text> {
        let mut out: Option<Text> = None;
        for n in &self.children {
            if let Node::Text(t) = n {
                match &mut out {
                    None => out = Some(t.clone()),
                    Some(acc) => {
                        acc.text.push_str(&t.text);
                        acc.span.end = t.span.end;
                    }
                }
            }
        }
        out
    }
}

fn escape_xml(text: &str, attribute: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// Maps an offset within decoded text back to the source, given where the
/// decoded text starts in the source and where its escapes were.
pub(crate) fn source_offset(start: usize, escapes: &[(usize, usize)], decoded: usize) -> usize {
    match escapes.iter().rev().find(|(d, _)| *d <= decoded) {
        Some((d, raw)) => raw + (decoded - d),
        None => start + decoded,
    }
}
