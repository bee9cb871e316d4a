//! Requests a chart makes of the contact-center platform (Genesys module
//! actions). A session queues them; the host hands them to its platform and
//! feeds the answers back as events, `<prefix>.<action>.done` or
//! `error.<prefix>.<action>`, carrying the request id.
use crate::Str;
use crate::Value;

/// A module action as the compiler saw it: its name and the names of
/// its answer events, all known at build time.
#[derive(Clone, Copy, Debug)]
pub struct Action {
    /// `ixn:detach`, `queue:submit`...
    pub name: &'static str,
    /// The answer events' prefix: `interaction`, `voice`, `queue`...
    pub answer_prefix: &'static str,
    /// `interaction.detach.done`.
    pub done: &'static str,
    /// `error.interaction.detach`.
    pub error: &'static str,
}

/// A request's evaluated attributes, in document order. Most actions have
/// a few, kept inline: no allocation per request.
pub type Attributes = smallvec::SmallVec<[(&'static str, Value); 3]>;

#[derive(Clone, Debug)]
pub struct PlatformRequest {
    spec: &'static Action,
    /// Fresh and unique; written to the action's `requestid` location.
    pub requestid: Str,
    /// The evaluated attributes, in document order.
    pub attributes: Attributes,
}

impl PlatformRequest {
    pub fn new(action: &'static Action, requestid: Str, attributes: impl Into<Attributes>) -> Self {
        PlatformRequest { spec: action, requestid, attributes: attributes.into() }
    }

    /// `ixn:detach`, `queue:submit`...
    pub fn action(&self) -> &'static str {
        self.spec.name
    }

    /// The answer events' prefix: `interaction`, `voice`, `queue`...
    pub fn answer_prefix(&self) -> &'static str {
        self.spec.answer_prefix
    }

    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The event that reports the action done: `interaction.detach.done`.
    pub fn done_event(&self) -> crate::Name {
        crate::Name::from_static(self.spec.done)
    }

    /// The event that reports the action failed: `error.interaction.detach`.
    pub fn error_event(&self) -> crate::Name {
        crate::Name::from_static(self.spec.error)
    }
}

/// What a deployment implements against its switch or contact-center API.
///
/// A platform that knows when it will answer (the simulator) returns the
/// answer with its delay; one that answers asynchronously returns `None`
/// and later hands the answer to [`crate::host::Host::answer`], which routes
/// it to the session that made the request by its request id.
pub trait Platform {
    fn request(
        &mut self,
        now: std::time::Duration,
        request: &PlatformRequest,
    ) -> Option<(std::time::Duration, crate::Event)>;
}
