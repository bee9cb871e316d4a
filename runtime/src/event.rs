use crate::Value;
use std::sync::Arc;

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

#[derive(Clone, Debug)]
pub struct Event {
    pub name: Arc<str>,
    pub kind: EventKind,
    pub sendid: Option<Arc<str>>,
    pub origin: Option<Arc<str>>,
    pub origintype: Option<Arc<str>>,
    pub invokeid: Option<Arc<str>>,
    pub data: Value,
}

impl Event {
    /// An external event with no data, as a host sends it.
    pub fn external(name: &str) -> Self {
        Self::new(name, EventKind::External)
    }

    pub fn new(name: &str, kind: EventKind) -> Self {
        Event {
            name: Arc::from(name),
            kind,
            sendid: None,
            origin: None,
            origintype: None,
            invokeid: None,
            data: Value::Undefined,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }

    /// `_event` as the datamodel sees it: all seven fields present, unset ones undefined.
    pub fn to_value(&self) -> Value {
        let opt = |v: &Option<Arc<str>>| v.as_ref().map_or(Value::Undefined, |s| Value::String(s.clone()));
        Value::object_from([
            ("name", Value::String(self.name.clone())),
            ("type", Value::from(self.kind.as_str())),
            ("sendid", opt(&self.sendid)),
            ("origin", opt(&self.origin)),
            ("origintype", opt(&self.origintype)),
            ("invokeid", opt(&self.invokeid)),
            ("data", self.data.clone()),
        ])
    }
}
