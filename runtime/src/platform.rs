//! Requests a chart makes of the contact-center platform (Genesys module
//! actions). A session queues them; the host hands them to its platform and
//! feeds the answers back as events, `<prefix>.<action>.done` or
//! `error.<prefix>.<action>`, carrying the request id.
use crate::Value;
use std::rc::Rc;

#[derive(Clone, Debug)]
pub struct PlatformRequest {
    /// `ixn:detach`, `queue:submit`...
    pub action: &'static str,
    /// The answer events' prefix: `interaction`, `voice`, `queue`...
    pub answer_prefix: &'static str,
    /// Fresh and unique; written to the action's `requestid` location.
    pub requestid: Rc<str>,
    /// The evaluated attributes, in document order.
    pub attributes: Vec<(&'static str, Value)>,
}

impl PlatformRequest {
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// `interaction.detach`: with `.done` or after `error.`, the answer's name.
    pub fn answer_name(&self) -> String {
        let name = self.action.split_once(':').map_or(self.action, |(_, n)| n);
        format!("{}.{name}", self.answer_prefix)
    }
}

/// What a deployment implements against its switch or contact-center API.
/// The simulated platform in [`crate::sim`] is the reference implementation.
pub trait Platform {
    /// Takes a request; answers later through the host as an event.
    fn request(&mut self, now: std::time::Duration, request: PlatformRequest);
}
