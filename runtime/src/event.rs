use crate::Str;
use crate::Value;

/// The `type` field of `_event` (W3C SCXML 5.10.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Platform,
    Internal,
    External,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Platform => "platform",
            EventKind::Internal => "internal",
            EventKind::External => "external",
        }
    }
}

/// An event name. Names the program spells out (a chart's `<raise>` and
/// `<send event>` literals, a host's `Event::external("tick")`) are
/// borrowed `&'static str`s, so making, cloning and dropping such an event
/// touches no reference count; names built at run time are shared.
#[derive(Clone)]
pub struct Name(NameRepr);

#[derive(Clone)]
enum NameRepr {
    Static(&'static str),
    Shared(Str),
}

impl Name {
    pub const fn from_static(name: &'static str) -> Self {
        Name(NameRepr::Static(name))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            NameRepr::Static(s) => s,
            NameRepr::Shared(s) => s,
        }
    }

    /// The name, when the program spells it out.
    pub(crate) fn as_static(&self) -> Option<&'static str> {
        match self.0 {
            NameRepr::Static(s) => Some(s),
            NameRepr::Shared(_) => None,
        }
    }

    /// The name as a datamodel string.
    pub fn to_value(&self) -> Value {
        match &self.0 {
            NameRepr::Static(s) => Value::from(*s),
            NameRepr::Shared(s) => Value::String(s.clone()),
        }
    }
}

impl Default for Name {
    fn default() -> Self {
        Name::from_static("")
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Name {
    fn from(name: &'static str) -> Self {
        Name::from_static(name)
    }
}

impl From<String> for Name {
    fn from(name: String) -> Self {
        Name(NameRepr::Shared(Str::from(name)))
    }
}

impl From<&String> for Name {
    fn from(name: &String) -> Self {
        Name(NameRepr::Shared(Str::from(name.as_str())))
    }
}

impl From<Str> for Name {
    fn from(name: Str) -> Self {
        Name(NameRepr::Shared(name))
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Event {
    pub name: Name,
    pub kind: EventKind,
    pub data: Value,
    /// Where the event came from, for events that went through an I/O
    /// processor or a child session; kept out of line so that an event,
    /// moved through queues many times, stays six words (48 bytes).
    pub meta: Option<Box<EventMeta>>,
    /// Sent by the session processing it to itself through the SCXML I/O
    /// processor: its `origin` is that session's address and its
    /// `origintype` the processor's, filled in when `_event` is read instead
    /// of carried in `meta`. Set only while the event stays in its session.
    pub(crate) from_self: bool,
}

/// The `_event` fields an I/O processor fills in (W3C 5.10.1).
#[derive(Clone, Debug, Default)]
pub struct EventMeta {
    pub sendid: Option<Str>,
    pub origin: Option<Name>,
    pub origintype: Option<Name>,
    pub invokeid: Option<Str>,
    /// The message as the I/O processor carried it, when it kept one
    /// (`_event.raw`): for `<send>` params, `name=value` pairs in order,
    /// duplicates included, which `data` cannot show.
    pub raw: Option<Str>,
}

impl Event {
    /// An external event with no data, as a host sends it. The name is a
    /// `&'static str` (no allocation) or an owned `String`/`Str`.
    pub fn external(name: impl Into<Name>) -> Self {
        Self::new(name, EventKind::External)
    }

    pub fn new(name: impl Into<Name>, kind: EventKind) -> Self {
        Event { name: name.into(), kind, data: Value::Undefined, meta: None, from_self: false }
    }

    #[inline]
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }

    /// Whether the event owns nothing: a borrowed name, no data, no
    /// I/O-processor fields, as most a host sends. Such an event can be let
    /// go without its drop glue (a call for each field).
    #[inline(always)]
    pub fn owns_nothing(&self) -> bool {
        matches!(self.name.0, NameRepr::Static(_)) && matches!(self.data, Value::Undefined) && self.meta.is_none()
    }

    pub fn sendid(&self) -> Option<&Str> {
        self.meta.as_ref().and_then(|m| m.sendid.as_ref())
    }

    pub fn invokeid(&self) -> Option<&Str> {
        self.meta.as_ref().and_then(|m| m.invokeid.as_ref())
    }

    /// The I/O processor's fields, created empty on first use.
    pub fn meta_mut(&mut self) -> &mut EventMeta {
        self.meta.get_or_insert_with(Box::default)
    }

    /// `_event` as the datamodel sees it: all seven fields present, unset
    /// ones undefined, and `raw` when the event has a raw form.
    pub fn to_value(&self) -> Value {
        let none = EventMeta::default();
        let meta = self.meta.as_deref().unwrap_or(&none);
        let opt = |v: &Option<Str>| v.as_ref().map_or(Value::Undefined, |s| Value::String(s.clone()));
        let value = Value::object_from([
            ("name", self.name.to_value()),
            ("type", Value::from(self.kind.as_str())),
            ("sendid", opt(&meta.sendid)),
            ("origin", meta.origin.as_ref().map_or(Value::Undefined, Name::to_value)),
            ("origintype", meta.origintype.as_ref().map_or(Value::Undefined, Name::to_value)),
            ("invokeid", opt(&meta.invokeid)),
            ("data", self.data.clone()),
        ]);
        if let (Some(raw), Value::Object(object)) = (&meta.raw, &value) {
            object.borrow_mut().set("raw", Value::String(raw.clone()));
        }
        value
    }
}

/// The data of a `<send>`, `<donedata>` or `<invoke>` built from a namelist
/// and `<param>`s: an object (a later duplicate name wins, as in
/// ECMAScript), and the raw form that keeps every pair in order,
/// `application/x-www-form-urlencoded` style.
#[derive(Debug)]
pub struct Params {
    data: Value,
    raw: String,
}

impl Default for Params {
    fn default() -> Self {
        Self::new()
    }
}

impl Params {
    pub fn new() -> Self {
        Params { data: Value::object(), raw: String::new() }
    }

    pub fn add(&mut self, name: &str, value: Value) {
        if !self.raw.is_empty() {
            self.raw.push('&');
        }
        form_encode(name, &mut self.raw);
        self.raw.push('=');
        let text = raw_content(&value);
        form_encode(text.as_deref().unwrap_or("undefined"), &mut self.raw);
        if let Value::Object(object) = &self.data {
            object.borrow_mut().set(name, value);
        }
    }

    pub fn data(self) -> Value {
        self.data
    }

    /// `(data, raw)`.
    pub fn finish(self) -> (Value, Option<Str>) {
        (self.data, Some(Str::from(self.raw)))
    }
}

/// The raw form of a `<content>` payload: its text, or its JSON.
pub fn raw_content(value: &Value) -> Option<Str> {
    match value {
        Value::Undefined => None,
        Value::Object(_) | Value::Array(_) => value.to_json().map(Str::from),
        other => Some(Str::from(other.to_js_string())),
    }
}

fn form_encode(text: &str, out: &mut String) {
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_six_words() {
        assert_eq!(std::mem::size_of::<Event>(), 48);
    }

    #[test]
    fn params_keep_duplicates_in_raw_and_the_last_in_data() {
        let mut params = Params::new();
        params.add("Var1", Value::number(2.0));
        params.add("Var1", Value::number(3.0));
        params.add("a b", Value::from("x&y"));
        let (data, raw) = params.finish();
        assert_eq!(raw.as_deref(), Some("Var1=2&Var1=3&a+b=x%26y"));
        assert_eq!(data.to_json().as_deref(), Some(r#"{"Var1":3,"a b":"x&y"}"#));
    }

    #[test]
    fn borrowed_and_shared_names_are_the_same_name() {
        let borrowed = Event::external("done.state.s").name;
        let shared = Event::external(String::from("done.state.s")).name;
        assert_eq!(borrowed, shared);
        assert_eq!(borrowed, "done.state.s");
        assert_eq!(format!("{borrowed} {shared:?}"), "done.state.s \"done.state.s\"");
        assert_eq!(shared.to_value().to_js_string(), "done.state.s");
        assert_eq!(crate::Name::default(), "");
    }

    #[test]
    fn raw_is_a_field_of_event_only_when_present() {
        let plain = Event::external("e").to_value();
        assert!(plain.to_json().is_some_and(|j| !j.contains("raw")));
        let mut event = Event::external("e");
        event.meta_mut().raw = Some(Str::from("a=1"));
        assert!(event.to_value().to_json().is_some_and(|j| j.contains(r#""raw":"a=1""#)));
    }
}
