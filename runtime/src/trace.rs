//! The JSON-lines trace `scxmlc simulate` prints: one object per line, in
//! virtual-time order (`t`, `kind`, then the kind's fields).
use crate::{format_duration, Chart, Event, Observer, Session, Value};
use std::io::Write;
use std::time::Duration;

/// Prints each observation as one JSON line on standard output.
pub struct JsonTrace;

pub(crate) fn quote(s: &str) -> String {
    Value::from(s).to_json().unwrap_or_default()
}

pub(crate) fn line(now: Duration, kind: &str, fields: &[(&str, String)]) {
    let mut out = format!("{{\"t\":{},\"kind\":{}", quote(&format_duration(now)), quote(kind));
    for (k, v) in fields {
        out.push_str(&format!(",{}:{}", quote(k), v));
    }
    out.push('}');
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) must not abort the run.
    let _ = writeln!(stdout, "{out}");
}

impl Observer for JsonTrace {
    fn log(&mut self, now: Duration, label: &str, text: &str) {
        line(now, "log", &[("label", quote(label)), ("text", quote(text))]);
    }
    fn enter(&mut self, now: Duration, state: &str) {
        line(now, "enter", &[("state", quote(state))]);
    }
    fn exit(&mut self, now: Duration, state: &str) {
        line(now, "exit", &[("state", quote(state))]);
    }
    fn event(&mut self, now: Duration, event: &Event) {
        let data = event.data.to_json().unwrap_or_else(|| "null".into());
        line(now, "event", &[("name", quote(&event.name)), ("data", data)]);
    }
}

/// Runs a chart alone on the virtual clock until it ends or `until`, printing
/// the trace and a final `done` line. Returns the exit status: 0 when a
/// top-level final state was reached, 3 when none was.
pub fn simulate<C: Chart>(chart: C, until: Duration) -> i32 {
    let mut session = Session::new(chart);
    session.set_observer(Box::new(JsonTrace));
    session.run_virtual(until);
    let final_state = session.final_state();
    let active: Vec<String> = session.active_states().iter().map(|s| quote(s)).collect();
    let mut fields = vec![
        ("final", final_state.map_or_else(|| "null".to_string(), quote)),
        ("active", format!("[{}]", active.join(","))),
    ];
    if let crate::Status::Halted(why) = session.status() {
        fields.push(("error", quote(&why)));
    }
    line(session.core.now(), "done", &fields);
    if final_state.is_some() {
        0
    } else {
        3
    }
}

/// Sends every observation to `tracing` (feature `tracing`): `<log>` at info,
/// state changes and events at debug.
#[cfg(feature = "tracing")]
pub struct TracingObserver;

#[cfg(feature = "tracing")]
impl Observer for TracingObserver {
    fn log(&mut self, now: Duration, label: &str, text: &str) {
        tracing::info!(t = %format_duration(now), label, "{text}");
    }
    fn enter(&mut self, now: Duration, state: &str) {
        tracing::debug!(t = %format_duration(now), state, "enter");
    }
    fn exit(&mut self, now: Duration, state: &str) {
        tracing::debug!(t = %format_duration(now), state, "exit");
    }
    fn event(&mut self, now: Duration, event: &Event) {
        tracing::debug!(t = %format_duration(now), name = %event.name, "event");
    }
}

/// The `main` of a `scxmlc simulate` build: `[--until MICROSECONDS] [--scenario FILE]`.
/// Runs the chart alone, or against the scenario, and returns the exit status.
pub fn simulate_main<C: Chart>(chart: C, args: &[String]) -> i32 {
    let mut until = None;
    let mut scenario = None;
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--until", Some(v)) => until = v.parse::<u64>().ok().map(Duration::from_micros),
            ("--scenario", Some(path)) => scenario = Some(path.clone()),
            _ => {
                eprintln!("usage: [--until MICROSECONDS] [--scenario FILE]");
                return 2;
            }
        }
    }
    match scenario {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => crate::sim::simulate_scenario(chart, &text, until),
            Err(e) => {
                eprintln!("error: cannot read the scenario {path}: {e}");
                2
            }
        },
        None => simulate(chart, until.unwrap_or(Duration::from_secs(600))),
    }
}
