//! Bounds and guarantees of the runtime under hostile or heavy charts.
use scxmlc_runtime::{Event, Session, SessionOptions, Status, Value};
use scxmlc_tests::fixtures::{burst, keywords, spin};
use std::time::Duration;

#[test]
fn rust_keywords_and_case_only_differences_are_distinct_and_work() {
    let mut session = keywords::Machine::session();
    session.run_virtual(Duration::from_secs(1));
    assert_eq!(session.final_state(), Some("pass"), "{:?}", session.active_states());
    let d = &session.chart.data;
    // Three variables that differ only in case stay three slots.
    assert_eq!((d.self_, d.self_2, d.self_3), (1, 2, 3));
    assert_eq!(d.r_try.to_js_string(), "\"); panic!(\"");
    assert_eq!(keywords::State::Self_.id(), "Self");
    assert_eq!(keywords::State::Self2.id(), "self");
}

#[test]
fn an_eventless_loop_that_never_settles_halts_the_session() {
    let mut session =
        Session::with_options(spin::Machine::new(), SessionOptions { max_microsteps: 5_000, ..Default::default() });
    session.start();
    match session.status() {
        Status::Halted(why) => assert!(why.contains("never settles"), "{why}"),
        other => panic!("expected a halt, got {other:?}"),
    }
    // Nothing runs after a halt; sending more events is harmless.
    session.send(Event::external("x"));
    session.run_until_idle();
    assert!(!session.is_running());
}

#[test]
fn a_million_events_with_delayed_sends_and_cancels_are_all_processed_in_order() {
    const N: usize = 1_000_000;
    let mut session = burst::Machine::session();
    session.start();
    for seq in 0..N {
        let data = Value::object_from([("seq", Value::number(seq as f64))]);
        session.send(Event::external("n").with_data(data));
        // Deliver timers as virtual time passes: one millisecond per 100 events.
        if seq % 100 == 99 {
            session.run_until_idle();
            session.advance_to(session.core.now() + Duration::from_millis(1));
        }
    }
    session.advance_to(session.core.now() + Duration::from_secs(1));
    assert!(session.is_in("counting"), "an event was lost or reordered: {:?}", session.active_states());
    assert_eq!(session.chart.data.count, N as i64);
    // Every scheduled tick fired (and every cancelled "late" did not).
    assert_eq!(session.chart.data.timeouts, N as i64);
    session.send(Event::external("stop"));
    session.run_until_idle();
    assert_eq!(session.final_state(), Some("done"));
}

#[test]
fn a_chart_that_feeds_itself_events_halts_the_session() {
    use scxmlc_tests::fixtures::feedback;
    let mut session = Session::with_options(
        feedback::Machine::new(),
        SessionOptions { max_events_per_run: 10_000, ..Default::default() },
    );
    // Every driver goes through run_until_idle: run_virtual here.
    session.run_virtual(Duration::from_secs(1));
    match session.status() {
        Status::Halted(why) => assert!(why.contains("feeds itself"), "{why}"),
        other => panic!("expected a halt, got {other:?}"),
    }
}
