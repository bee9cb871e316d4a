//! The seed strategy and the call scenarios of `fixtures/genesys/scenarios`,
//! played on the simulated platform against both the well-formed chart and
//! the text as the vendor's page prints it.
use scxmlc_runtime::sim::{check, play, Output, Scenario, Switch};
use scxmlc_runtime::Chart;
use scxmlc_tests::genesys::{detach_redirect, detach_redirect_as_printed};
use std::path::PathBuf;

fn scenarios() -> Vec<(String, Scenario)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/genesys/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{e}"));
            let name = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            (name.clone(), Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}")))
        })
        .collect()
}

fn all_met<C: Chart>(make: fn() -> C) {
    let scenarios = scenarios();
    assert_eq!(scenarios.len(), 6, "the six seed scenarios");
    for (name, scenario) in scenarios {
        let run = play(make(), &scenario, None, Output::Logs);
        let expect = scenario.expect.as_ref().unwrap_or_else(|| panic!("{name} has no expect"));
        if let Err(why) = check(expect, &run) {
            panic!("{name}: {why}\nlogs: {:#?}\nrequests: {:#?}", run.logs, run.requests);
        }
        assert_eq!(outcome(&run), outcome(&play(make(), &scenario, None, Output::Silent)), "{name}");
        // Call after call on one switch, sharing its object model, each
        // ends as the scenario's own run did.
        let switch = Switch::new(&scenario);
        for call in 0..3 {
            assert_eq!(switch.call(make()), run.final_state, "{name}: call {call} on one switch");
        }
    }
}

/// What a run did besides logging: a run whose log lines nobody reads
/// (and so are never built) must do exactly the same.
fn outcome(run: &scxmlc_runtime::sim::Run) -> String {
    let requests: Vec<String> = run
        .requests
        .iter()
        .map(|r| {
            // Request ids start with the session's id, which differs by run.
            let request = r.request.requestid.rsplit('-').next().unwrap_or_default();
            format!("{:?} {} {request} {:?}", r.at, r.request.action(), r.request.attributes)
        })
        .collect();
    format!("{:?} {:?} {:?} {:?} {requests:?}", run.final_state, run.ended_at, run.active, run.halted)
}

#[test]
fn seed_scenarios_pass_on_the_well_formed_chart() {
    all_met(detach_redirect::Machine::new);
}

#[test]
fn seed_scenarios_pass_on_the_chart_as_printed() {
    all_met(detach_redirect_as_printed::Machine::new);
}

/// The seed's `exit` has no `<donedata>`: the session ends without
/// keeping anything aside, and still reports where it ended.
#[test]
fn an_ended_call_reports_its_final_state_as_its_configuration() {
    let (_, happy) = scenarios().into_iter().find(|(n, _)| n == "happy").unwrap_or_else(|| panic!("happy"));
    for output in [Output::Silent, Output::Logs] {
        let run = play(detach_redirect::Machine::new(), &happy, None, output);
        assert_eq!((run.final_state, run.active, run.halted), (Some("exit"), vec!["exit"], None));
    }
}

#[test]
fn a_wrong_expectation_is_reported() {
    let (_, scenario) = scenarios().into_iter().find(|(n, _)| n == "happy").unwrap_or_else(|| panic!("happy"));
    let run = play(detach_redirect::Machine::new(), &scenario, None, Output::Logs);
    let wrong = scxmlc_runtime::parse_json(r#"{"final": "exit", "ended_at": "33.6s"}"#).unwrap_or_default();
    let why = check(&wrong, &run).expect_err("33.6s is not when the session ended");
    assert!(why.contains("33.7s"), "{why}");
    let wrong = scxmlc_runtime::parse_json(r#"{"requests": [{"action": "ixn:detach", "interactionid": "ixn-9"}]}"#)
        .unwrap_or_default();
    assert!(check(&wrong, &run).is_err());
}

#[test]
fn requests_carry_fresh_ids_written_to_the_requestid_location() {
    let (_, scenario) = scenarios().into_iter().find(|(n, _)| n == "retry_then_success").unwrap_or_else(|| panic!());
    let run = play(detach_redirect::Machine::new(), &scenario, None, Output::Logs);
    let ids: std::collections::BTreeSet<_> = run.requests.iter().map(|r| r.request.requestid.clone()).collect();
    assert_eq!(ids.len(), run.requests.len(), "every request has its own id");
}

/// Every scenario under `fixtures/genesys/scenarios/<strategy>/` against
/// `fixtures/genesys/<strategy>.scxml`.
fn strategy_scenarios<C: Chart>(strategy: &str, make: fn() -> C) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/genesys/scenarios").join(strategy);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{strategy}: at least two scenarios");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let run = play(make(), &scenario, None, Output::Logs);
        let expect = scenario.expect.as_ref().unwrap_or_else(|| panic!("{} has no expect", path.display()));
        if let Err(why) = check(expect, &run) {
            panic!("{}: {why}\nlogs: {:#?}\nrequests: {:#?}", path.display(), run.logs, run.requests);
        }
    }
}

#[test]
fn queue_route_submits_then_redirects_or_overflows() {
    strategy_scenarios("queue_route", scxmlc_tests::genesys::queue_route::Machine::new);
}

#[test]
fn greeting_answers_plays_collects_and_stores_user_data() {
    strategy_scenarios("greeting", scxmlc_tests::genesys::greeting::Machine::new);
}

#[test]
fn a_hundred_thousand_concurrent_seed_sessions() {
    use scxmlc_runtime::host::Host;
    use scxmlc_runtime::sim::SimulatedPlatform;
    use scxmlc_runtime::{Event, Value};
    use std::time::Duration;

    const SESSIONS: usize = 100_000;
    let (_, happy) = scenarios().into_iter().find(|(n, _)| n == "happy").unwrap_or_else(|| panic!("happy"));
    let mut host: Host<detach_redirect::Machine, _> = Host::new(SimulatedPlatform::new(&happy));
    let passed = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let counter = passed.clone();
    host.on_end(move |_, s| {
        if s.chart.data.test_result.to_js_string() == "PASSED" {
            counter.set(counter.get() + 1);
        }
    });
    for i in 0..SESSIONS {
        let ixn = format!("ixn-{i}");
        let id = host.spawn(detach_redirect::Machine::new(), |s| {
            let party = Value::object_from([("device", Value::from("3001")), ("switch", Value::from("tel_sw"))]);
            let parties = Value::object_from([(format!("{ixn}-1").as_str(), party)]);
            let interactions = Value::object_from([(ixn.as_str(), Value::object_from([("parties", parties)]))]);
            s.core.set_genesys(Value::object_from([("ixn", Value::object_from([("interactions", interactions)]))]));
        });
        // Calls arrive spread over the first ten seconds.
        let at = Duration::from_micros((i as u64 * 100) % 10_000_000);
        host.deliver(
            id,
            at,
            Event::external("interaction.added")
                .with_data(Value::object_from([("interactionid", Value::from(ixn.as_str()))])),
        );
    }
    // All are alive at once: the last call arrives before the first one ends (33.7 s).
    host.run_until(Duration::from_secs(20));
    assert_eq!(host.ended(), 0, "no session ends before its 33 s wait");
    host.run_until(Duration::from_secs(60));
    assert_eq!(host.ended(), SESSIONS);
    assert_eq!(host.ended_in("exit"), SESSIONS, "every session reached `exit`");
    assert_eq!(passed.get(), SESSIONS, "every session ended with test_result PASSED");
}

#[test]
fn sessions_run_on_many_threads_at_once() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/genesys/scenarios/happy.json");
    let happy = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // Whole calls played on four threads at once: each thread reads the
    // scenario and builds its session itself, as values stay on the thread
    // that made them.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let text = happy.clone();
            std::thread::spawn(move || {
                let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("happy: {e}"));
                play(detach_redirect::Machine::new(), &scenario, None, Output::Logs).final_state
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap_or_else(|_| panic!("the thread panicked")), Some("exit"));
    }
}

/// With the runtime's feature `sync`, a session moves between threads.
#[cfg(feature = "sync")]
#[test]
fn sessions_are_send_with_the_feature_sync() {
    fn assert_send<T: Send>() {}
    assert_send::<scxmlc_runtime::Session<detach_redirect::Machine>>();
    // A session built here, moved to another thread, and finished there.
    let mut session = detach_redirect::Machine::session();
    session.start();
    let moved = std::thread::spawn(move || {
        session.send(scxmlc_runtime::Event::external("interaction.added"));
        session.run_until_idle();
        session.active_states()
    });
    let active = moved.join().unwrap_or_else(|_| panic!("the thread panicked"));
    assert!(active.contains(&"detachcall"), "{active:?}");
}

/// A platform function the host put in `_genesys`: a plain `fn`, as
/// compiled functions are, reading what it needs from its arguments.
static STATISTIC: scxmlc_runtime::Function = scxmlc_runtime::Function {
    name: "sData",
    call: |_, _, args| {
        let asked = args.iter().map(|a| a.to_js_string()).collect::<Vec<_>>().join("/");
        Ok(scxmlc_runtime::Value::from(format!("Ready ({asked})")))
    },
};

#[test]
fn module_functions_are_called_where_the_platform_put_them() {
    use scxmlc_runtime::Value;
    use scxmlc_tests::genesys::platform_functions;
    let mut session = platform_functions::Machine::session();
    let statistic = Value::object_from([("sData", Value::Function(&STATISTIC))]);
    session.core.set_genesys(Value::object_from([("statistic", statistic), ("session", Value::object())]));
    let recorder = scxmlc_tests::Recorder::default();
    session.set_observer(Box::new(recorder.clone()));
    session.run_virtual(std::time::Duration::from_secs(1));
    assert_eq!(session.final_state(), Some("done"));
    let logs: Vec<String> = recorder.lines().into_iter().filter(|l| l.contains(" log ")).collect();
    assert_eq!(
        logs,
        [
            "0ns log : status: Ready (Agent1/CurrentStatus)",
            // `_genesys.session` has no `setTenant`: the call fails and ends the block.
            "0ns log : TypeError: _genesys.session.setTenant is not a function",
        ]
    );
}
