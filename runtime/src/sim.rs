//! The simulated platform: a scripted switch that plays a scenario file
//! (`SCENARIOS.md`) against one session on a virtual clock. It injects
//! events, answers platform requests as the scenario says, records what
//! happened and checks the scenario's expectations.
use crate::platform::PlatformRequest;
use crate::trace::{line, quote};
use crate::{
    format_duration, parse_duration, parse_json, Chart, Counted, Event, Observer, Session, Shared, Status, Str, Value,
};
use std::time::Duration;

/// How the platform answers one request.
#[derive(Clone, Debug)]
pub enum Response {
    /// `interaction.<action>.done` after a delay, with extra answer data
    /// (`queue.submit.done` carries the selected target, for instance).
    Done { after: Duration, data: Value },
    /// `error.interaction.<action>` after a delay.
    Error { after: Duration, error: String, description: Option<String> },
    /// No answer, ever.
    Never,
}

#[derive(Clone, Debug)]
pub struct Inject {
    pub at: Duration,
    /// Made once, shared by every run's event.
    pub event: crate::Name,
    pub data: Value,
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub description: String,
    /// `_genesys.ixn.interactions` before the session starts.
    pub interactions: Value,
    pub inject: Vec<Inject>,
    /// Answers per action (`ixn:detach`), used in order; the last repeats.
    pub responses: Vec<(String, Vec<Response>)>,
    pub until: Option<Duration>,
    pub expect: Option<Value>,
}

fn field(v: &Value, key: &str) -> Value {
    crate::ops::get_str(v, key).unwrap_or_default()
}

fn duration_field(v: &Value, key: &str, context: &str) -> Result<Option<Duration>, String> {
    match field(v, key) {
        Value::Undefined => Ok(None),
        Value::String(s) => {
            parse_duration(&s).map(Some).ok_or_else(|| format!("{context}: '{key}' is not a duration: {s:?}"))
        }
        other => Err(format!("{context}: '{key}' must be a duration string, not {}", other.type_of())),
    }
}

impl Scenario {
    pub fn parse(text: &str) -> Result<Scenario, String> {
        let root = parse_json(text).ok_or("the scenario is not valid JSON")?;
        if !matches!(root, Value::Object(_)) {
            return Err("a scenario is a JSON object".into());
        }
        let mut inject = Vec::new();
        if let Value::Array(items) = field(&root, "inject") {
            for (i, item) in items.borrow().iter().enumerate() {
                let context = format!("inject[{i}]");
                let at = duration_field(item, "at", &context)?.unwrap_or_default();
                let Value::String(event) = field(item, "event") else {
                    return Err(format!("{context}: 'event' must be a string"));
                };
                inject.push(Inject { at, event: crate::Name::from(event), data: field(item, "data") });
            }
        }
        let mut responses = Vec::new();
        if let Value::Object(map) = field(&root, "responses") {
            for (action, list) in map.borrow().iter() {
                let Value::Array(list) = list else {
                    return Err(format!("responses.{action}: a list of responses"));
                };
                let mut parsed = Vec::new();
                for (i, r) in list.borrow().iter().enumerate() {
                    let context = format!("responses.{action}[{i}]");
                    if field(r, "never").truthy() {
                        parsed.push(Response::Never);
                        continue;
                    }
                    let after = duration_field(r, "after", &context)?.unwrap_or_default();
                    parsed.push(match field(r, "error") {
                        Value::Undefined => Response::Done { after, data: field(r, "data") },
                        error => Response::Error {
                            after,
                            error: error.to_js_string(),
                            description: match field(r, "description") {
                                Value::Undefined => None,
                                d => Some(d.to_js_string()),
                            },
                        },
                    });
                }
                responses.push((action.to_string(), parsed));
            }
        }
        Ok(Scenario {
            description: field(&root, "description").to_js_string(),
            interactions: match field(&root, "interactions") {
                Value::Undefined => Value::object(),
                v => v,
            },
            inject,
            responses,
            until: duration_field(&root, "until", "scenario")?,
            expect: match field(&root, "expect") {
                Value::Undefined => None,
                v => Some(v),
            },
        })
    }
}

/// A request as the platform saw it.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub at: Duration,
    pub request: PlatformRequest,
}

/// What one scenario run did.
#[derive(Clone, Debug)]
pub struct Run {
    pub final_state: Option<&'static str>,
    pub ended_at: Option<Duration>,
    pub stopped_at: Duration,
    pub active: Vec<&'static str>,
    pub requests: Vec<RequestRecord>,
    pub logs: Vec<String>,
    pub halted: Option<String>,
}

/// Records log lines and, when asked, prints the JSON trace.
struct SimObserver {
    print: bool,
    logs: Counted<Shared<Vec<String>>>,
}

impl Observer for SimObserver {
    fn log(&mut self, now: Duration, label: &str, text: &str) {
        self.logs.borrow_mut().push(text.to_string());
        if self.print {
            crate::trace::JsonTrace.log(now, label, text);
        }
    }
    fn enter(&mut self, now: Duration, state: &str) {
        if self.print {
            crate::trace::JsonTrace.enter(now, state);
        }
    }
    fn exit(&mut self, now: Duration, state: &str) {
        if self.print {
            crate::trace::JsonTrace.exit(now, state);
        }
    }
    fn event(&mut self, now: Duration, event: &Event) {
        if self.print {
            crate::trace::JsonTrace.event(now, event);
        }
    }
    fn wants_states(&self) -> bool {
        self.print
    }
}

/// The scripted switch: answers each action from the scenario's list.
/// It reads the scenario in place and keeps only where each action's
/// list has got to.
pub struct SimulatedPlatform<'s> {
    scenario: &'s Scenario,
    /// How many times each of the scenario's actions has been answered
    /// (a scenario lists a few actions: no allocation for them).
    answered: smallvec::SmallVec<[usize; 8]>,
}

impl<'s> SimulatedPlatform<'s> {
    pub fn new(scenario: &'s Scenario) -> Self {
        SimulatedPlatform { scenario, answered: smallvec::smallvec![0; scenario.responses.len()] }
    }

    /// The answer to a request and when it arrives; `None` for no answer.
    /// An action the scenario does not list succeeds at once.
    pub fn answer(&mut self, request: &PlatformRequest) -> Option<(Duration, Event)> {
        let interactionid = request.attribute("interactionid").cloned();
        self.answer_with(request, request.requestid.clone(), interactionid)
    }

    /// [`Self::answer`] to a request nobody keeps: its request id and
    /// interaction id move into the answer, where copies would each be
    /// two atomic count updates, one now and one when the request drops.
    pub fn answer_owned(&mut self, mut request: PlatformRequest) -> Option<(Duration, Event)> {
        let interactionid =
            request.attributes.iter_mut().find(|(k, _)| *k == "interactionid").map(|(_, v)| std::mem::take(v));
        let requestid = std::mem::take(&mut request.requestid);
        self.answer_with(&request, requestid, interactionid)
    }

    fn answer_with(
        &mut self,
        request: &PlatformRequest,
        requestid: Str,
        interactionid: Option<Value>,
    ) -> Option<(Duration, Event)> {
        const DONE_NOW: Response = Response::Done { after: Duration::ZERO, data: Value::Undefined };
        let listed = self.scenario.responses.iter().position(|(action, _)| action == request.action());
        let response = match listed {
            Some(i) => {
                let list = &self.scenario.responses[i].1;
                let next = &mut self.answered[i];
                // The last answer repeats.
                let response = list.get((*next).min(list.len().saturating_sub(1))).unwrap_or(&DONE_NOW);
                *next += 1;
                response
            }
            None => &DONE_NOW,
        };
        let extra = match response {
            Response::Done { data: Value::Object(extra), .. } => extra.borrow().len(),
            Response::Error { .. } => 2,
            _ => 0,
        };
        // The common answer, `{requestid, interactionid}` and nothing else,
        // built in one go as an object literal is.
        let interactionid = match (response, interactionid) {
            (Response::Done { after, data: Value::Undefined }, Some(id)) => {
                let data = Value::object_literal([
                    (crate::static_str!("requestid"), Value::String(requestid)),
                    (crate::static_str!("interactionid"), id),
                ]);
                return Some((*after, Event::external(request.done_event()).with_data(data)));
            }
            (_, id) => id,
        };
        let mut data = crate::Object::with_capacity(2 + extra);
        data.insert_new(crate::static_str!("requestid"), Value::String(requestid));
        if let Some(id) = interactionid {
            data.insert_new(crate::static_str!("interactionid"), id);
        }
        match response {
            Response::Never => None,
            Response::Done { after, data: extra } => {
                if let Value::Object(extra) = extra {
                    // Each answer gets its own copy: a chart may change it.
                    for (k, v) in extra.borrow().iter() {
                        data.set(k, v.deep_clone());
                    }
                }
                Some((*after, Event::external(request.done_event()).with_data(Value::from(data))))
            }
            Response::Error { after, error, description } => {
                data.insert_new(crate::static_str!("error"), Value::from(error.as_str()));
                data.insert_new(
                    crate::static_str!("description"),
                    Value::from(description.as_deref().unwrap_or_default()),
                );
                Some((*after, Event::external(request.error_event()).with_data(Value::from(data))))
            }
        }
    }
}

impl crate::Platform for SimulatedPlatform<'_> {
    fn request(&mut self, _now: Duration, request: &PlatformRequest) -> Option<(Duration, Event)> {
        self.answer(request)
    }
}

/// The platform's events not yet delivered, by due time, then by the
/// order they were scheduled. A call has a handful: a vector kept with
/// the next one last beats a tree, and four fit without allocating.
#[derive(Default)]
struct Pending(smallvec::SmallVec<[(Duration, Event); 4]>);

impl Pending {
    #[inline]
    fn insert(&mut self, due: Duration, event: Event) {
        // Before those due at the same time: they were scheduled earlier,
        // and go first from the end.
        let at = self.0.partition_point(|(d, _)| *d > due);
        self.0.insert(at, (due, event));
    }
    fn next_due(&self) -> Option<Duration> {
        self.0.last().map(|(due, _)| *due)
    }
    fn pop(&mut self) -> Option<Event> {
        self.0.pop().map(|(_, event)| event)
    }
}

const DEFAULT_UNTIL: Duration = Duration::from_secs(600);
/// External events one run may process: a chart that feeds itself must stop.
const EVENT_BUDGET: usize = 1_000_000;

/// What a run keeps of the session's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The log lines, in [`Run::logs`], for expectations.
    Logs,
    /// The log lines, and the JSON trace printed to stdout.
    Trace,
    /// Nothing, as in production with logging off: nobody reads the log
    /// lines, so the chart does not build them, and [`Run::logs`] is empty.
    Silent,
}

/// `_genesys` as the scenario describes it: `{ixn: {interactions}}`.
fn object_model(scenario: &Scenario) -> Value {
    let ixn = Value::object_literal([(crate::static_str!("interactions"), scenario.interactions.deep_clone())]);
    Value::object_literal([(crate::static_str!("ixn"), ixn)])
}

/// Starts `session` and runs it against the scenario on the virtual clock
/// until it ends, nothing is left to happen, or `until`: injects the
/// scenario's events, has the simulated platform answer each request, and
/// fires timers. Each request goes to `on_request`, if any, once answered.
fn drive<C: Chart>(
    session: &mut Session<C>,
    scenario: &Scenario,
    until: Duration,
    mut on_request: Option<impl FnMut(Duration, PlatformRequest)>,
) {
    let mut platform = SimulatedPlatform::new(scenario);
    let mut pending = Pending::default();
    for inject in &scenario.inject {
        pending.insert(inject.at, Event::external(inject.event.clone()).with_data(inject.data.deep_clone()));
    }
    let mut budget = EVENT_BUDGET;
    session.start();
    loop {
        while let Some(request) = session.core.next_request() {
            let now = session.core.now();
            let answer = match on_request.as_mut() {
                Some(keep) => {
                    let answer = platform.answer(&request);
                    keep(now, request);
                    answer
                }
                None => platform.answer_owned(request),
            };
            if let Some((after, answer)) = answer {
                pending.insert(now + after, answer);
            }
        }
        if !session.is_running() || budget == 0 {
            break;
        }
        budget -= 1;
        let next_event = pending.next_due();
        let next_timer = session.next_timer();
        match (next_event, next_timer) {
            // At the same instant the platform's event goes first: it was scheduled earlier.
            (Some(e), t) if e <= until && t.is_none_or(|t| e <= t) => {
                if let Some(event) = pending.pop() {
                    session.core.set_now(e);
                    // Each run drains the queue, so the event is next:
                    // processed at once, it never takes a queue buffer.
                    if session.core.external_is_empty() {
                        session.process_external(event);
                    } else {
                        session.send(event);
                    }
                    session.run_until_idle();
                }
            }
            (_, Some(t)) if t <= until => {
                session.run_next_timer();
            }
            _ => break,
        }
    }
}

/// A simulated switch taking call after call of one scenario, as a
/// platform routes interaction after interaction: its object model is
/// built once and shared by every session, as a platform's `_genesys` is,
/// and nothing is kept of a call but how it ended. For throughput; to
/// check what one run did, [`play`] it.
pub struct Switch<'s> {
    scenario: &'s Scenario,
    genesys: Value,
    until: Duration,
}

impl<'s> Switch<'s> {
    pub fn new(scenario: &'s Scenario) -> Self {
        Switch { scenario, genesys: object_model(scenario), until: scenario.until.unwrap_or(DEFAULT_UNTIL) }
    }

    /// Plays one call of `chart`, its log lines unread: the top-level
    /// final state it reached, if it ended.
    pub fn call<C: Chart>(&self, chart: C) -> Option<&'static str> {
        let mut session = Session::new(chart);
        session.core.set_genesys(self.genesys.clone());
        drive(&mut session, self.scenario, self.until, None::<fn(Duration, PlatformRequest)>);
        session.final_state()
    }
}

/// Plays a scenario against a chart.
pub fn play<C: Chart>(chart: C, scenario: &Scenario, until: Option<Duration>, output: Output) -> Run {
    let until = until.or(scenario.until).unwrap_or(DEFAULT_UNTIL);
    let logs = Counted::new(Shared::new(Vec::new()));
    let mut session = Session::new(chart);
    if output != Output::Silent {
        session.set_observer(Box::new(SimObserver { print: output == Output::Trace, logs: logs.clone() }));
    }
    let print = output == Output::Trace;
    // A run of its own: whatever the chart does to the model stays here.
    session.core.set_genesys(object_model(scenario));
    let mut requests = Vec::new();
    drive(
        &mut session,
        scenario,
        until,
        Some(|now, request: PlatformRequest| {
            if print {
                let mut fields = vec![("action", quote(request.action())), ("requestid", quote(&request.requestid))];
                for (k, v) in &request.attributes {
                    fields.push((k, v.to_json().unwrap_or_else(|| "null".into())));
                }
                line(now, "request", &fields);
            }
            requests.push(RequestRecord { at: now, request });
        }),
    );
    let ended = matches!(session.status(), Status::Done(_));
    let halted = match session.status() {
        Status::Halted(why) => Some(why),
        _ => None,
    };
    if !ended {
        session.core.set_now(until);
    }
    let logs = std::mem::take(&mut *logs.borrow_mut());
    Run {
        final_state: session.final_state(),
        ended_at: ended.then(|| session.core.now()),
        stopped_at: session.core.now(),
        active: session.active_states(),
        requests,
        logs,
        halted,
    }
}

/// Deep equality that ignores the order of object keys (for expectations).
fn same_value(a: &Value, b: &Value) -> bool {
    if crate::ops::strict_eq(a, b) {
        return true;
    }
    // Values already being compared (a cycle) are not equal a second time.
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => match (x.try_borrow(), y.try_borrow()) {
            (Some(x), Some(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
            }
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => match (x.try_borrow(), y.try_borrow()) {
            (Some(x), Some(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(v, w)| same_value(v, w)),
            _ => false,
        },
        _ => false,
    }
}

fn show(v: &Value) -> String {
    v.to_json().unwrap_or_else(|| "undefined".into())
}

/// Checks a run against the scenario's `expect`: `Err` names the first unmet expectation.
pub fn check(expect: &Value, run: &Run) -> Result<(), String> {
    match field(expect, "final") {
        Value::Undefined => {}
        Value::Null if run.final_state.is_some() => {
            return Err(format!(
                "expected no final state, but the session ended in '{}'",
                run.final_state.unwrap_or("")
            ))
        }
        Value::Null => {}
        want => {
            let want = want.to_js_string();
            if run.final_state != Some(want.as_str()) {
                return Err(format!("expected final state '{want}', got {:?}", run.final_state));
            }
        }
    }
    if let Some(want) = duration_field(expect, "ended_at", "expect").map_err(|e| e.to_string())? {
        if run.ended_at != Some(want) {
            let got = run.ended_at.map_or("never".to_string(), format_duration);
            return Err(format!("expected the session to end at {}, it ended {got}", format_duration(want)));
        }
    }
    if let Value::Array(want) = field(expect, "active") {
        let want: Vec<String> = want.borrow().iter().map(Value::to_js_string).collect();
        if want != run.active {
            return Err(format!("expected active states {want:?}, got {:?}", run.active));
        }
    }
    if let Value::Array(want) = field(expect, "requests") {
        let want = want.borrow();
        if want.len() != run.requests.len() {
            let got: Vec<String> =
                run.requests.iter().map(|r| format!("{}@{}", r.request.action(), format_duration(r.at))).collect();
            return Err(format!("expected {} platform requests, got {}: {got:?}", want.len(), run.requests.len()));
        }
        for (i, (w, got)) in want.iter().zip(&run.requests).enumerate() {
            let Value::Object(w) = w else { continue };
            for (key, value) in w.borrow().iter() {
                let ok = match key {
                    "action" => value.to_js_string() == got.request.action(),
                    "at" => parse_duration(&value.to_js_string()) == Some(got.at),
                    k => got.request.attribute(k).is_some_and(|v| same_value(v, value)),
                };
                if !ok {
                    let actual = match key {
                        "action" => quote(got.request.action()),
                        "at" => quote(&format_duration(got.at)),
                        k => got.request.attribute(k).map_or("nothing".into(), show),
                    };
                    return Err(format!(
                        "request {} ({}): expected {key} {}, got {actual}",
                        i + 1,
                        got.request.action(),
                        show(value)
                    ));
                }
            }
        }
    }
    if let Value::Array(want) = field(expect, "log_prefixes") {
        let mut logs = run.logs.iter();
        for prefix in want.borrow().iter() {
            let prefix = prefix.to_js_string();
            if !logs.any(|l| l.starts_with(&prefix)) {
                return Err(format!("expected a log line starting {prefix:?} (in order)"));
            }
        }
    }
    Ok(())
}

/// `scxmlc simulate --scenario`: plays, prints the trace and a `done` line,
/// and returns the exit status SCENARIOS.md specifies.
pub fn simulate_scenario<C: Chart>(chart: C, scenario_text: &str, until: Option<Duration>) -> i32 {
    let scenario = match Scenario::parse(scenario_text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let run = play(chart, &scenario, until, Output::Trace);
    let verdict = scenario.expect.as_ref().map(|e| check(e, &run));
    let active: Vec<String> = run.active.iter().map(|s| quote(s)).collect();
    let mut fields = vec![
        ("final", run.final_state.map_or_else(|| "null".to_string(), quote)),
        ("active", format!("[{}]", active.join(","))),
    ];
    match &verdict {
        Some(Ok(())) => fields.push(("expect", quote("met"))),
        Some(Err(why)) => fields.push(("expect", quote(why))),
        None => {}
    }
    if let Some(why) = &run.halted {
        fields.push(("error", quote(why)));
    }
    line(run.stopped_at, "done", &fields);
    match verdict {
        Some(Ok(())) => 0,
        Some(Err(_)) => 4,
        None if run.final_state.is_some() => 0,
        None => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_events_come_by_due_time_then_in_the_order_scheduled() {
        let mut pending = Pending::default();
        let ms = Duration::from_millis;
        for (due, name) in [(ms(5), "late"), (ms(1), "first"), (ms(5), "later"), (ms(1), "second"), (ms(5), "last")] {
            pending.insert(due, Event::external(name));
        }
        let mut order = Vec::new();
        while let Some(due) = pending.next_due() {
            order.push((due, pending.pop().map(|e| e.name.to_string())));
        }
        let expected = [(ms(1), "first"), (ms(1), "second"), (ms(5), "late"), (ms(5), "later"), (ms(5), "last")];
        assert_eq!(order, expected.map(|(d, n)| (d, Some(n.to_string()))));
    }

    #[test]
    fn an_answer_is_the_same_whether_the_request_is_kept_or_given() {
        let text = r#"{"responses": {"ixn:detach": [{"error": "invalidstate", "description": "busy"},
                                                    {"after": "2s", "data": {"party": "p1"}}, {}]}}"#;
        let parsed = Scenario::parse(text);
        assert!(parsed.is_ok(), "{parsed:?}");
        let Ok(scenario) = parsed else { return };
        const DETACH: crate::Action = crate::Action {
            name: "ixn:detach",
            answer_prefix: "interaction",
            done: "interaction.detach.done",
            error: "error.interaction.detach",
        };
        let (mut kept, mut given) = (SimulatedPlatform::new(&scenario), SimulatedPlatform::new(&scenario));
        let shown = |answer: Option<(Duration, Event)>| {
            answer.map(|(after, e)| format!("{after:?} {} {}", e.name, e.data.to_json().unwrap_or_default()))
        };
        let mut answers = Vec::new();
        for attributes in [vec![("interactionid", Value::from("i1"))], vec![("to", Value::from("7778"))]] {
            for _ in 0..3 {
                let request = PlatformRequest::new(&DETACH, "r1".into(), attributes.clone());
                let by_reference = shown(kept.answer(&request));
                assert_eq!(shown(given.answer_owned(request)), by_reference);
                answers.extend(by_reference);
            }
        }
        assert_eq!(
            answers[..3],
            [
                r#"0ns error.interaction.detach {"requestid":"r1","interactionid":"i1","error":"invalidstate","description":"busy"}"#,
                r#"2s interaction.detach.done {"requestid":"r1","interactionid":"i1","party":"p1"}"#,
                r#"0ns interaction.detach.done {"requestid":"r1","interactionid":"i1"}"#,
            ]
        );
        assert_eq!(answers[3..], [r#"0ns interaction.detach.done {"requestid":"r1"}"#; 3]);
    }

    #[test]
    fn the_last_listed_answer_repeats_and_unlisted_actions_succeed_at_once() {
        let parsed = Scenario::parse(r#"{"responses": {"ixn:detach": [{"error": "invalidstate"}, {"after": "1s"}]}}"#);
        assert!(parsed.is_ok(), "{parsed:?}");
        let Ok(scenario) = parsed else { return };
        let mut platform = SimulatedPlatform::new(&scenario);
        const DETACH: crate::Action = crate::Action {
            name: "ixn:detach",
            answer_prefix: "interaction",
            done: "interaction.detach.done",
            error: "error.interaction.detach",
        };
        const REDIRECT: crate::Action = crate::Action {
            name: "ixn:redirect",
            answer_prefix: "interaction",
            done: "interaction.redirect.done",
            error: "error.interaction.redirect",
        };
        let mut ask = |action: &'static crate::Action| {
            let request = PlatformRequest::new(action, "r1".into(), vec![("interactionid", Value::from("i1"))]);
            platform.answer(&request).map(|(after, e)| (after, e.name.to_string()))
        };
        let s = Duration::from_secs;
        assert_eq!(ask(&DETACH), Some((s(0), "error.interaction.detach".into())));
        assert_eq!(ask(&DETACH), Some((s(1), "interaction.detach.done".into())));
        assert_eq!(ask(&DETACH), Some((s(1), "interaction.detach.done".into())));
        assert_eq!(ask(&REDIRECT), Some((s(0), "interaction.redirect.done".into())));
    }
}
