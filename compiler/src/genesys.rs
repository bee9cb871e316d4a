//! The Genesys Orchestration Server dialect: its module namespaces, the
//! action elements we know, and how their answers are named. Matching is on
//! the namespace URI, never on the prefix an author chose.

/// Every Genesys module namespace starts with this.
pub const NAMESPACE_BASE: &str = "http://www.genesyslab.com/modules/";

pub struct Module {
    /// The URI's last segment (`interaction` in `.../modules/interaction`).
    pub name: &'static str,
    /// The usual prefix, used to name actions in requests and traces (`ixn:detach`).
    pub prefix: &'static str,
}

pub const MODULES: &[Module] = &[
    Module { name: "interaction", prefix: "ixn" },
    Module { name: "queue", prefix: "queue" },
    Module { name: "dialog", prefix: "dialog" },
    Module { name: "session", prefix: "session" },
    Module { name: "statistic", prefix: "statistic" },
    Module { name: "classification", prefix: "classification" },
    Module { name: "resource", prefix: "resource" },
    Module { name: "ws", prefix: "ws" },
];

/// An action element we model: its required attributes, the ones written as
/// literal text rather than expressions, and the prefix of its answer events.
pub struct ActionSpec {
    pub module: &'static str,
    pub name: &'static str,
    pub required: &'static [&'static str],
    pub literal: &'static [&'static str],
    pub answer_prefix: &'static str,
}

const fn action(
    module: &'static str,
    name: &'static str,
    required: &'static [&'static str],
    answer_prefix: &'static str,
) -> ActionSpec {
    ActionSpec { module, name, required, literal: &[], answer_prefix }
}

pub const ACTIONS: &[ActionSpec] = &[
    action("interaction", "detach", &["interactionid"], "interaction"),
    action("interaction", "attach", &["interactionid"], "interaction"),
    action("interaction", "redirect", &["interactionid", "to"], "interaction"),
    action("interaction", "terminate", &["interactionid"], "interaction"),
    action("interaction", "answer", &["interactionid"], "interaction"),
    action("interaction", "associate", &["interactionid"], "interaction"),
    action("interaction", "deliver", &["interactionid"], "interaction"),
    action("interaction", "route", &["interactionid"], "interaction"),
    action("interaction", "updatedata", &["interactionid"], "interaction"),
    action("interaction", "deletedata", &["interactionid"], "interaction"),
    ActionSpec {
        module: "interaction",
        name: "createcall",
        required: &["from", "to"],
        literal: &["type"],
        answer_prefix: "voice",
    },
    action("interaction", "hold", &["interactionid"], "voice"),
    action("interaction", "retrieve", &["interactionid"], "voice"),
    action("queue", "submit", &[], "queue"),
    action("queue", "update", &[], "queue"),
    action("queue", "cancel", &[], "queue"),
    action("dialog", "runtreatments", &[], "dialog"),
    action("dialog", "start", &[], "dialog"),
    action("dialog", "stop", &[], "dialog"),
    action("dialog", "collect", &[], "dialog"),
    action("dialog", "play", &[], "dialog"),
    action("dialog", "playandcollect", &[], "dialog"),
    action("dialog", "playandverify", &[], "dialog"),
    action("dialog", "playsound", &[], "dialog"),
    action("dialog", "pause", &[], "dialog"),
    action("dialog", "remote", &[], "dialog"),
    action("session", "fetch", &[], "session"),
    action("session", "start", &[], "session"),
    action("session", "terminate", &[], "session"),
    action("session", "updatestart", &[], "session"),
    action("statistic", "subscribe", &[], "statistic"),
    action("statistic", "unsubscribe", &[], "statistic"),
];

/// Attributes of child elements (`<dialog:prompts type="ann">`) written as literals.
pub const LITERAL_CHILD_ATTRIBUTES: &[(&str, &str)] = &[("prompts", "type"), ("prompt", "interrupt")];

pub fn module(namespace: &str) -> Option<&'static Module> {
    let name = namespace.strip_prefix(NAMESPACE_BASE)?.trim_end_matches('/');
    MODULES.iter().find(|m| m.name == name)
}

pub fn action_spec(module: &str, name: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|a| a.module == module && a.name == name)
}

/// Whether a chart's text declares a Genesys module namespace. Read from the
/// raw text so that the parser can already be lenient about bare `&`.
pub fn detect(text: &str) -> bool {
    text.contains(NAMESPACE_BASE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_match_on_uri() {
        assert_eq!(module("http://www.genesyslab.com/modules/interaction").map(|m| m.prefix), Some("ixn"));
        assert!(module("http://example.com/modules/interaction").is_none());
        assert!(action_spec("interaction", "detach").is_some());
        assert!(action_spec("interaction", "createcall").is_some_and(|a| a.answer_prefix == "voice"));
    }
}
