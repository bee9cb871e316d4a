//! Runs one benchmark chart for a fixed number of events, for profilers
//! (`valgrind --tool=callgrind`): `cargo run --release -p scxmlc_bench --example profile -- flat 100000`;
//! `flat:signal` sends signals instead of events (`flat-null` and the
//! other `-null` charts: the null-datamodel versions), `handwritten` drives the
//! hand-written baseline of flat; `seed-flow N` plays N
//! whole seed calls (`seed-flow-unlogged`: nobody reads their logs;
//! `seed-switch`: call after call on one simulated switch).
use scxmlc_bench::charts::*;
use scxmlc_bench::{feed, feed_signal};
use scxmlc_runtime::sim::Output;
use scxmlc_runtime::{Chart, Session};

fn run<C: Chart>(mut session: Session<C>, event: &'static str, n: usize, signal: bool) {
    session.start();
    // As in the benchmark: the name is not known where the events are fed.
    let event = std::hint::black_box(event);
    if signal {
        feed_signal(&mut session, event, n);
    } else {
        feed(&mut session, event, n);
    }
    println!("{:?}", session.active_states());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = args.get(1).map_or("flat", String::as_str);
    let (chart, signal) = match arg.strip_suffix(":signal") {
        Some(chart) => (chart, true),
        None => (arg, false),
    };
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    match chart {
        "flat" => run(flat::Machine::session(), "tick", n, signal),
        "deep" => run(deep::Machine::session(), "tick", n, signal),
        "parallel" => run(parallel::Machine::session(), "tick", n, signal),
        "eventless" => run(eventless::Machine::session(), "start", n, signal),
        "flat-null" => run(flat_null::Machine::session(), "tick", n, signal),
        "deep-null" => run(deep_null::Machine::session(), "tick", n, signal),
        "parallel-null" => run(parallel_null::Machine::session(), "tick", n, signal),
        "eventless-null" => run(eventless_null::Machine::session(), "start", n, signal),
        "handwritten" => {
            let mut flat = scxmlc_bench::handwritten::Flat::default();
            for _ in 0..n {
                flat.dispatch(std::hint::black_box(scxmlc_bench::handwritten::Event::Tick));
            }
            println!("{:?}", flat.state);
        }
        "seed-flow" | "seed-flow-unlogged" => {
            let scenario = scxmlc_bench::happy_scenario();
            let output = if chart == "seed-flow" { Output::Logs } else { Output::Silent };
            for _ in 0..n {
                assert_eq!(scxmlc_bench::seed_call_flow(&scenario, output), Some("exit"));
            }
        }
        "seed-switch" => {
            let scenario = scxmlc_bench::happy_scenario();
            let switch = scxmlc_runtime::sim::Switch::new(&scenario);
            for _ in 0..n {
                assert_eq!(scxmlc_bench::seed_call_on(&switch), Some("exit"));
            }
        }
        other => eprintln!("unknown chart {other}"),
    }
}
