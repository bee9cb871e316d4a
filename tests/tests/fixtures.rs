//! Bundled charts, compiled by build.rs and driven from Rust.
use scxmlc_runtime::{Chart, Event, Session};
use scxmlc_tests::fixtures::door;
use scxmlc_tests::Recorder;
use std::time::Duration;

/// Runs a session on the virtual clock until `limit`, checks it ended in
/// `final_state`, and returns its `<log>` lines.
fn run_logged<C: Chart>(session: &mut Session<C>, limit: Duration, final_state: &str) -> Vec<String> {
    let recorder = Recorder::default();
    session.set_observer(Box::new(recorder.clone()));
    session.run_virtual(limit);
    assert_eq!(session.final_state(), Some(final_state), "{:#?}", recorder.lines());
    recorder.lines().into_iter().filter(|l| l.contains(" log ")).collect()
}

#[test]
fn door_locks_after_three_openings() {
    let mut session = door::Machine::session();
    let logs = run_logged(&mut session, Duration::from_secs(60), "locked");
    assert_eq!(session.core.now(), Duration::from_millis(5500));
    assert_eq!(
        logs,
        [
            "1s log door: opened 1 time(s)",
            "2.5s log door: opened 2 time(s)",
            "4s log door: opened 3 time(s)",
            "5.5s log door: locked after 3 openings",
        ]
    );
    assert_eq!(session.chart.data.openings, 3);
}

/// An observer that wants state changes sees each one in W3C order,
/// between the content around it (the runtime takes those microsteps);
/// one that wants only logs sees the same logs from the generated steps.
#[test]
fn observers_see_state_changes_in_order_or_only_logs() {
    let mut session = door::Machine::session();
    let recorder = Recorder::default();
    session.set_observer(Box::new(recorder.clone()));
    session.start();
    session.advance_to(Duration::from_millis(1500));
    let lines = recorder.lines();
    let from_first_open = lines.iter().position(|l| l.ends_with("event open")).map_or(&[][..], |i| &lines[i..]);
    assert_eq!(
        from_first_open,
        [
            "1s event open",
            "1s exit closed",
            "1s enter opened",
            "1s enter swinging",
            "1s log door: opened 1 time(s)",
            "1.5s event close",
            "1.5s exit swinging",
            "1.5s exit opened",
            "1.5s enter closed",
        ]
    );

    let logs = LogsOnly::default();
    let mut session = door::Machine::session();
    session.set_observer(Box::new(logs.clone()));
    session.run_virtual(Duration::from_secs(60));
    assert_eq!(session.final_state(), Some("locked"));
    assert_eq!(logs.0.borrow().len(), 4);
    assert_eq!(logs.0.borrow()[3], "locked after 3 openings");
}

/// An observer set while the session runs sees the next event: the
/// direct path, which tells no one, is not taken from then on.
#[test]
fn an_observer_set_while_running_sees_the_next_event() {
    let mut session = door::Machine::session();
    session.start();
    let recorder = Recorder::default();
    session.set_observer(Box::new(recorder.clone()));
    session.process_external(Event::external("open"));
    let lines = recorder.lines();
    assert!(lines.iter().any(|l| l == "0ns event open"), "{lines:#?}");
    assert!(lines.iter().any(|l| l == "0ns log door: opened 1 time(s)"), "{lines:#?}");
}

/// The transition into a top-level final state, taken by the generated
/// code (an observer of logs only) or by the runtime (one that wants
/// state changes): the same content in the same order, the same end and
/// the same `<donedata>`.
#[test]
fn a_session_ends_the_same_whichever_takes_its_last_step() {
    use scxmlc_runtime::Invoked;
    use scxmlc_tests::fixtures::finale;
    let ended = |observer: Box<dyn scxmlc_runtime::Observer>| {
        let mut session = finale::Machine::session();
        session.set_observer(observer);
        session.start();
        session.process_external(Event::external("go"));
        assert_eq!(session.final_state(), Some("end"));
        assert_eq!(session.active_states(), ["end"]);
        (session.take_result().to_json(), session.chart.data.steps)
    };
    let logs = LogsOnly::default();
    let compiled = ended(Box::new(logs.clone()));
    let recorder = Recorder::default();
    let by_runtime = ended(Box::new(recorder.clone()));
    assert_eq!(compiled, (Some(r#"{"steps":1}"#.to_string()), 1));
    assert_eq!(by_runtime, compiled);
    let expected = ["leaving waiting", "going, step 1", "entered end", "exiting end"];
    assert_eq!(*logs.0.borrow(), expected);
    let recorded: Vec<String> = recorder.lines().into_iter().filter(|l| l.contains(" log ")).collect();
    assert_eq!(recorded, expected.map(|l| format!("0ns log : {l}")));
}

/// Wants log lines only.
#[derive(Clone, Default)]
struct LogsOnly(std::sync::Arc<scxmlc_runtime::Shared<Vec<String>>>);

impl scxmlc_runtime::Observer for LogsOnly {
    fn log(&mut self, _: Duration, _: &str, text: &str) {
        self.0.borrow_mut().push(text.to_string());
    }
    fn enter(&mut self, _: Duration, state: &str) {
        panic!("entered {state}: not asked for");
    }
    fn wants_states(&self) -> bool {
        false
    }
}

#[test]
fn door_reacts_to_events_from_the_host() {
    let mut session: Session<door::Machine> = door::Machine::session();
    session.start();
    assert!(session.is_in("closed"));
    // An external event sent before the timer fires is processed first.
    session.send(Event::external("open"));
    session.run_until_idle();
    assert!(session.is_in("swinging"));
    assert_eq!(door::State::Swinging.id(), "swinging");
}

#[test]
fn functions_compile_to_rust_and_fail_as_ecmascript_does() {
    use scxmlc_tests::fixtures::functions;
    // Unbounded recursion ends in a RangeError on a test thread's 2 MiB
    // stack, in a debug build.
    let logs = run_logged(&mut functions::Machine::session(), Duration::from_secs(1), "pass");
    assert_eq!(
        logs,
        [
            r#"0ns log results: [120,"HELLO, ADA",3,14,"function","function",true,false]"#,
            "0ns log error: TypeError: 1 is not a function",
        ]
    );
}

#[test]
fn loops_and_switch_compile_to_rust_and_fail_as_ecmascript_does() {
    use scxmlc_tests::fixtures::loops;
    let logs = run_logged(&mut loops::Machine::session(), Duration::from_secs(1), "pass");
    assert_eq!(
        logs,
        [
            "0ns log out: for 12 8 | while 210 | do 1 | steps 2 4 | labeled 00,10 | in x,z,string:0,string:1 \
             | of 1,2,3,4,a,b | switch one,text,text,two,other,two, | function 5 -1",
            // `for ... of` a number; `while (true) {}` stopped by its guard.
            "0ns log errors: TypeError: number is not iterable \
             | RangeError: a loop went round more than 10000000 times",
        ]
    );
}

#[test]
fn exceptions_are_thrown_caught_and_finally_run_as_in_ecmascript() {
    use scxmlc_tests::fixtures::exceptions;
    let logs = run_logged(&mut exceptions::Machine::session(), Duration::from_secs(1), "pass");
    assert_eq!(
        logs,
        [
            "0ns log out: TypeError in try | true | Error/no agent | TypeError/ | outer | parsed | parsed | 1 \
             | SyntaxError: JSON.parse: invalid JSON | checked 1 | checked 3 | checked 4 | 4 | finally wins \
             | after 0 | rounds 4 | inner finally | rethrown 8",
            // The uncaught throw ran `finally` and ended its block.
            "0ns log last: ran",
        ]
    );
}

#[test]
fn methods_call_back_into_compiled_functions() {
    use scxmlc_tests::fixtures::methods;
    let logs = run_logged(&mut methods::Machine::session(), Duration::from_secs(1), "pass");
    assert_eq!(
        logs,
        ["0ns log out: ada,bob,cy | 2 | 0ada1bob2cy | true | false | 25 | -1 | 10 | empty | bob,ada,cy \
          | 1,10,9,a,b, | a+b-c | cost: $5.00 | x0 | 3.14 | ..queue | 3 people, first ada! | 256 | 31 | OK \
          | 1 7778 2 [1,2] | 7778%40tel%20sw | a b | stopped at 2"]
    );
}

#[test]
fn invoke_chooses_its_child_at_run_time_among_charts_compiled_ahead() {
    use scxmlc_tests::fixtures::dynamic_invoke;
    let logs = run_logged(&mut dynamic_invoke::Machine::session(), Duration::from_secs(1), "pass");
    assert_eq!(
        logs,
        [
            // Each child's <donedata> arrives as done.invoke's data.
            "0ns log seen: a b inline",
            "0ns log error: invoke error: no chart compiled into this one is 'file:children/nowhere.scxml'",
        ]
    );
}

/// Shallow and deep history, restored and taken by default, by the
/// generated microsteps (no observer) and by the generic path (observed):
/// both must leave the same trail.
#[test]
fn history_restores_what_was_recorded_and_defaults_otherwise() {
    use scxmlc_tests::fixtures::history;
    let script: [(&'static str, &str); 7] = [
        ("resume", "inner1"),
        ("next", "inner2"),
        ("pause", "paused"),
        ("resume", "inner1"),
        ("next", "inner2"),
        ("pause", "paused"),
        ("restore", "inner2"),
    ];
    let expected = " +work default +step2 +inner1 +inner2 -inner2 -step2 -work \
                    +work +step2 +inner1 +inner2 -inner2 -step2 -work +work +step2 +inner2";
    for observed in [false, true] {
        let mut session = history::Machine::session();
        if observed {
            session.set_observer(Box::new(Recorder::default()));
        }
        session.start();
        for (event, state) in script {
            session.send(Event::external(event));
            session.run_until_idle();
            assert!(session.is_in(state), "after {event}: {:?} (observed: {observed})", session.active_states());
        }
        assert_eq!(session.chart.data.trail.to_js_string(), expected, "observed: {observed}");
    }
}

/// One microstep of two regions, through the generated exits and entries
/// of local transitions; then a history restore on the generic path, which
/// must see what the generated exits recorded.
#[test]
fn regions_exit_and_enter_in_document_order_within_one_microstep() {
    use scxmlc_tests::fixtures::regions;
    let mut session = regions::Machine::session();
    session.start();
    for event in ["start", "go", "back"] {
        session.send(Event::external(event));
        session.run_until_idle();
    }
    assert_eq!(
        session.chart.data.trail.to_js_string(),
        " +l1a -r1 -l1a -l1 left right +l2 +l2a +r2 +l1a",
        "{:?}",
        session.active_states()
    );
    assert!(session.is_in("l1a") && session.is_in("r2"), "{:?}", session.active_states());
}

/// Signals take the same steps as events: on a chart that never reads
/// `_event` (no event is made) and on one that does (one is).
#[test]
fn signals_act_as_events_without_data() {
    use scxmlc_tests::fixtures::{burst, history};
    let mut session = history::Machine::session();
    session.start();
    for name in ["resume", "next", "pause", "restore"] {
        session.process_signal(Session::<history::Machine>::signal(name));
    }
    assert_eq!(
        session.chart.data.trail.to_js_string(),
        " +work default +step2 +inner1 +inner2 -inner2 -step2 -work +work +step2 +inner2"
    );
    let mut session = burst::Machine::session();
    session.start();
    let stop = Session::<burst::Machine>::signal("stop");
    assert_eq!(stop.name(), "stop");
    session.process_signal(stop);
    assert_eq!(session.final_state(), Some("done"));
}

/// The generated `Machine::<EVENT>` signals carry the mask the chart
/// computes for their names at run time.
#[test]
fn generated_signals_match_the_chart_at_run_time() {
    use scxmlc_tests::fixtures::{burst, history};
    let pairs = [
        (history::Machine::RESUME, "resume"),
        (history::Machine::RESTORE, "restore"),
        (history::Machine::NEXT, "next"),
        (history::Machine::PAUSE, "pause"),
    ];
    for (generated, name) in pairs {
        assert_eq!(format!("{generated:?}"), format!("{:?}", Session::<history::Machine>::signal(name)));
    }
    assert_eq!(format!("{:?}", burst::Machine::N), format!("{:?}", Session::<burst::Machine>::signal("n")));
    let mut session = history::Machine::session();
    session.start();
    session.process_signal(history::Machine::RESUME);
    assert!(session.is_in("inner1"), "{:?}", session.active_states());
}

/// A timeout that fires after its state was left: one no transition takes
/// changes nothing, whether or not anyone watches (a session nobody
/// watches lets it go unprocessed); one an ancestor takes, or that an
/// eventless transition reads through `_event`, is processed.
#[test]
fn stale_timeouts_change_nothing_and_the_others_are_taken() {
    use scxmlc_tests::fixtures::timeouts;
    for watched in [false, true] {
        let mut session = timeouts::Machine::session();
        let recorder = Recorder::default();
        if watched {
            session.set_observer(Box::new(recorder.clone()));
        }
        session.start();
        session.advance_to(Duration::from_millis(3600));
        assert!(session.is_in("watching"), "watched={watched}: {:?}", session.active_states());
        // The second 'stale' fires in 'watching', whose eventless
        // transition is tried after it and does not hold.
        session.advance_to(Duration::from_millis(3800));
        assert!(session.is_in("watching"), "watched={watched}: {:?}", session.active_states());
        session.run_virtual(Duration::from_secs(10));
        assert_eq!(session.final_state(), Some("done"), "watched={watched}");
        assert_eq!(session.core.now(), Duration::from_secs(4), "watched={watched}");
        assert_eq!(session.chart.data.heard.to_js_string(), "parent.tick;move;watched;", "watched={watched}");
        if watched {
            let events: Vec<String> = recorder.lines().into_iter().filter(|l| l.contains(" event ")).collect();
            assert_eq!(
                events,
                [
                    "1s event go",
                    "2s event stale",
                    "3s event parent.tick",
                    "3.5s event move",
                    "3.7s event stale",
                    "4s event watched"
                ]
            );
        }
    }
}

/// Conditions and delays the compiler works out from constants a block
/// set behave as they would read at run time.
#[test]
fn constants_read_at_build_time_behave_as_at_run_time() {
    use scxmlc_tests::fixtures::constants;
    let mut session = constants::Machine::session();
    session.run_virtual(Duration::from_secs(5));
    assert_eq!(session.final_state(), Some("end"));
    assert_eq!(session.core.now(), Duration::from_millis(10));
    assert_eq!(session.chart.data.out.to_js_string(), "fast;yes;");
}
