//! Requests a chart makes of the contact-center platform (Genesys module
//! actions). A session queues them; the host hands them to its platform and
//! feeds the answers back as events, `<prefix>.<action>.done` or
//! `error.<prefix>.<action>`, carrying the request id.
use crate::Value;
use arcstr::ArcStr;

#[derive(Clone, Debug)]
pub struct PlatformRequest {
    /// `ixn:detach`, `queue:submit`...
    pub action: &'static str,
    /// The answer events' prefix: `interaction`, `voice`, `queue`...
    pub answer_prefix: &'static str,
    /// Fresh and unique; written to the action's `requestid` location.
    pub requestid: ArcStr,
    /// The evaluated attributes, in document order.
    pub attributes: Vec<(&'static str, Value)>,
}

impl PlatformRequest {
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// `interaction.detach`: with `.done` or after `error.`, the answer's name.
    pub fn answer_name(&self) -> String {
        [self.answer_prefix, ".", self.action_name()].concat()
    }

    /// The action without its module: `detach` of `ixn:detach`.
    fn action_name(&self) -> &'static str {
        self.action.split_once(':').map_or(self.action, |(_, n)| n)
    }

    /// The event that reports the action done: `interaction.detach.done`.
    pub fn done_event(&self) -> crate::Name {
        crate::Name::from(crate::value::join(&[self.answer_prefix, ".", self.action_name(), ".done"]))
    }

    /// The event that reports the action failed: `error.interaction.detach`.
    pub fn error_event(&self) -> crate::Name {
        crate::Name::from(crate::value::join(&["error.", self.answer_prefix, ".", self.action_name()]))
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
