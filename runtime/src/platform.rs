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

#[derive(Clone, Debug)]
pub struct PlatformRequest {
    /// `ixn:detach`, `queue:submit`...
    pub action: &'static str,
    /// The answer events' prefix: `interaction`, `voice`, `queue`...
    pub answer_prefix: &'static str,
    /// Fresh and unique; written to the action's `requestid` location.
    pub requestid: Str,
    /// The evaluated attributes, in document order.
    pub attributes: Vec<(&'static str, Value)>,
    done: &'static str,
    error: &'static str,
}

impl PlatformRequest {
    pub fn new(action: &'static Action, requestid: Str, attributes: Vec<(&'static str, Value)>) -> Self {
        PlatformRequest {
            action: action.name,
            answer_prefix: action.answer_prefix,
            requestid,
            attributes,
            done: action.done,
            error: action.error,
        }
    }

    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The event that reports the action done: `interaction.detach.done`.
    pub fn done_event(&self) -> crate::Name {
        crate::Name::from_static(self.done)
    }

    /// The event that reports the action failed: `error.interaction.detach`.
    pub fn error_event(&self) -> crate::Name {
        crate::Name::from_static(self.error)
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
