//! The W3C SCXML conformance suite, compiled by `build.rs`, and a runner
//! that judges each chart the way the suite does: a test passes when the
//! session reaches the top-level final state `pass`.
use scxmlc_runtime::{Chart, Session, SessionOptions, Status};
use std::time::Duration;

pub struct Case {
    pub id: &'static str,
    pub conformance: &'static str,
    pub needs: &'static str,
    pub outcome: Outcome,
}

pub enum Outcome {
    Compiled(fn() -> RunRecord),
    /// The compiler rejected the chart: the first diagnostic.
    Rejected(&'static str),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail(String),
    Timeout(String),
}

/// Virtual time a test may take: the suite's timeouts are a few seconds.
const VIRTUAL_LIMIT: Duration = Duration::from_secs(120);
/// External events a test may process without its queue draining: a chart
/// that keeps sending to itself must end.
const EVENT_BUDGET: usize = 100_000;

/// How a run ended: the final state reached, and the log lines.
pub struct RunRecord {
    pub verdict: Verdict,
    pub final_state: Option<&'static str>,
    pub logs: Vec<String>,
}

/// The tests the W3C marks "manual", judged automatically (the suite's
/// README allows it): `None` for a test with no automatic judge.
pub fn judge_manual(id: &str, run: &RunRecord) -> Option<Verdict> {
    let logged = |text: &str| run.logs.iter().any(|l| l.to_lowercase().contains(text));
    match id {
        // Two params of the same name both reach the receiver: `_event.raw`
        // (printed as "_event : ...") keeps both pairs.
        "178" => {
            let raw = run.logs.iter().find(|l| l.starts_with("_event"));
            let both = raw.is_some_and(|l| l.contains("Var1=2") && l.contains("Var1=3"));
            Some(if run.final_state == Some("final") && both {
                Verdict::Pass
            } else {
                Verdict::Fail(format!("_event.raw did not keep both Var1 pairs: {raw:?}"))
            })
        }
        // The machine halts in its initial final state without processing event1.
        "415" => Some(if run.final_state == Some("final") && !logged("event1") {
            Verdict::Pass
        } else {
            Verdict::Fail("did not halt in 'final'".into())
        }),
        // With late binding, reading a not-yet-bound variable and a missing
        // substructure must behave alike: both errors, or neither.
        "307" => {
            let same = (logged("no error in s0") && logged("no error in s1"))
                || (logged("error in state s0") && logged("error in state s1"));
            Some(if run.final_state == Some("final") && same {
                Verdict::Pass
            } else {
                Verdict::Fail(format!("the two reads behaved differently: {:?}", run.logs))
            })
        }
        // Cancelling an invoke runs the child's <onexit> handlers.
        "250" => Some(
            if run.final_state == Some("final")
                && logged("exiting sub01")
                && logged("exiting sub0")
                && !logged("invocation was not cancelled")
            {
                Verdict::Pass
            } else {
                Verdict::Fail(format!("the child's exit handlers did not run: {:?}", run.logs))
            },
        ),
        // An autoforwarded event has the same fields as the original: the
        // parent and the child print the same seven lines.
        "230" => {
            let fields = ["name is", "type is", "sendid is", "origin is", "origintype is", "invokeid is", "data is"];
            let values = |child: bool| -> Vec<String> {
                fields
                    .iter()
                    .filter_map(|f| {
                        run.logs
                            .iter()
                            .find(|l| l.starts_with('[') == child && l.contains(f))
                            .map(|l| l.split_once(": ").map_or(String::new(), |(_, v)| v.to_string()))
                    })
                    .collect()
            };
            let (parent, child) = (values(false), values(true));
            Some(if parent.len() == fields.len() && parent == child {
                Verdict::Pass
            } else {
                Verdict::Fail(format!("parent saw {parent:?}, child saw {child:?}"))
            })
        }
        _ => None,
    }
}

/// Manual tests whose chart a conforming processor must reject: rejecting
/// it at compile time, with a diagnostic, is the pass.
pub const MUST_REJECT: &[&str] = &["301"];

/// A test in several charts passes when every part does; the first part
/// that does not pass gives the verdict.
pub fn all_parts(parts: Vec<RunRecord>) -> RunRecord {
    let mut logs = Vec::new();
    let mut result = None;
    for (i, part) in parts.into_iter().enumerate() {
        logs.extend(part.logs);
        if part.verdict != Verdict::Pass && result.is_none() {
            let why = match part.verdict {
                Verdict::Fail(w) | Verdict::Timeout(w) => w,
                Verdict::Pass => String::new(),
            };
            result = Some((Verdict::Fail(format!("part {}: {why}", (b'a' + i as u8) as char)), part.final_state));
        }
    }
    let (verdict, final_state) = result.unwrap_or((Verdict::Pass, Some("pass")));
    RunRecord { verdict, final_state, logs }
}

/// Runs one chart to completion on a virtual clock, keeping its log.
pub fn record_chart<C: Chart>(chart: C) -> RunRecord {
    let options = SessionOptions { max_microsteps: 10_000, max_events_per_run: EVENT_BUDGET, ..Default::default() };
    let mut session = Session::with_options(chart, options);
    let recorder = Recorder::default();
    session.set_observer(Box::new(recorder.clone()));
    session.run_virtual(VIRTUAL_LIMIT);
    let verdict = match session.status() {
        Status::Done(_) => match session.final_state() {
            Some("pass") => Verdict::Pass,
            Some(other) => Verdict::Fail(format!("reached final state '{other}'")),
            None => Verdict::Fail("stopped without a final state".into()),
        },
        Status::Halted(why) => Verdict::Fail(why),
        _ => Verdict::Timeout(format!(
            "no final state after {:?} of virtual time; active: {}",
            session.core.now(),
            session.active_states().join(" ")
        )),
    };
    let logs = recorder.lines().into_iter().filter_map(|l| l.split_once(" log ").map(|(_, t)| t.to_string())).collect();
    RunRecord { verdict, final_state: session.final_state(), logs }
}

include!(concat!(env!("OUT_DIR"), "/w3c_suite.rs"));

/// The charts in `fixtures/`, compiled.
pub mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
}

/// The Genesys strategies in `fixtures/genesys/`, compiled.
pub mod genesys {
    include!(concat!(env!("OUT_DIR"), "/genesys.rs"));
}

/// An observer that keeps every observation as a line, for assertions.
#[derive(Clone, Default)]
pub struct Recorder {
    lines: std::sync::Arc<scxmlc_runtime::Shared<Vec<String>>>,
}

impl Recorder {
    pub fn lines(&self) -> Vec<String> {
        self.lines.borrow().clone()
    }
}

impl scxmlc_runtime::Observer for Recorder {
    fn log(&mut self, now: Duration, label: &str, text: &str) {
        self.lines.borrow_mut().push(format!("{now:?} log {label}: {text}"));
    }
    fn enter(&mut self, now: Duration, state: &str) {
        self.lines.borrow_mut().push(format!("{now:?} enter {state}"));
    }
    fn exit(&mut self, now: Duration, state: &str) {
        self.lines.borrow_mut().push(format!("{now:?} exit {state}"));
    }
    fn event(&mut self, now: Duration, event: &scxmlc_runtime::Event) {
        self.lines.borrow_mut().push(format!("{now:?} event {}", event.name));
    }
}
