//! The seed routing strategy (`fixtures/genesys/detach_redirect.scxml`),
//! compiled to Rust at build time, handling one call on the simulated
//! platform. Prints the strategy's log, then the outcome.
//!
//!     cargo run -p scxmlc_tests --example seed_strategy [-- SCENARIO.json]
use scxmlc_runtime::format_duration;
use scxmlc_runtime::sim::{check, play, Output, Scenario};
use scxmlc_tests::genesys::detach_redirect;
use std::path::PathBuf;

fn main() {
    let path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/genesys/scenarios/happy.json"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            std::process::exit(2);
        }
    };
    let scenario = match Scenario::parse(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            std::process::exit(2);
        }
    };
    println!("scenario: {}", scenario.description);
    let run = play(detach_redirect::Machine::new(), &scenario, None, Output::Logs);
    for line in &run.logs {
        println!("  log: {line}");
    }
    for r in &run.requests {
        println!("  request at {}: {} ({})", format_duration(r.at), r.request.action(), r.request.requestid);
    }
    let ended = run.ended_at.map_or("did not end".into(), |t| format!("ended at {}", format_duration(t)));
    println!("final state: {:?}, {ended}", run.final_state);
    if let Some(expect) = &scenario.expect {
        match check(expect, &run) {
            Ok(()) => println!("expectations: met"),
            Err(why) => {
                println!("expectations: NOT met: {why}");
                std::process::exit(4);
            }
        }
    }
}
