//! Events per second of the compiled benchmark charts, beside a
//! hand-written enum+match baseline measured in the same run.
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scxmlc_bench::charts::*;
use scxmlc_bench::{feed, feed_signal, handwritten};
use scxmlc_runtime::sim::Output;
use scxmlc_runtime::{Chart, Session};
use std::time::Duration;

/// Events fed per iteration (eventless charts run many microsteps per event).
const BATCH: usize = 10_000;

fn generated<C: Chart>(c: &mut Criterion, group: &str, session: Session<C>, event: &'static str, per_event: u64) {
    let batch = if per_event > 1 { (20_000 / per_event as usize).max(1) } else { BATCH };
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(batch as u64 * per_event));
    let mut session = session;
    session.start();
    g.bench_function(BenchmarkId::new("generated", batch), |b| b.iter(|| feed(&mut session, black_box(event), batch)));
    // The same events as signals: the name matched against the chart once.
    g.bench_function(BenchmarkId::new("signal", batch), |b| {
        b.iter(|| feed_signal(&mut session, black_box(event), batch))
    });
    if group == "flat" {
        let mut h = handwritten::Flat::default();
        g.bench_function(BenchmarkId::new("handwritten", BATCH), |b| {
            b.iter(|| {
                for _ in 0..BATCH {
                    h.dispatch(black_box(handwritten::Event::Tick));
                }
            })
        });
    }
    g.finish();
}

fn throughput(c: &mut Criterion) {
    generated(c, "flat", flat::Machine::session(), "tick", 1);
    generated(c, "deep", deep::Machine::session(), "tick", 1);
    generated(c, "parallel", parallel::Machine::session(), "tick", 1);
    // Microsteps, not events: 2002 per "start".
    generated(c, "eventless", eventless::Machine::session(), "start", 2002);
    generated(c, "flat-null", flat_null::Machine::session(), "tick", 1);
    generated(c, "deep-null", deep_null::Machine::session(), "tick", 1);
    generated(c, "parallel-null", parallel_null::Machine::session(), "tick", 1);
    generated(c, "eventless-null", eventless_null::Machine::session(), "start", 18);
}

/// Whole calls of the seed strategy on the simulated platform, and the
/// compiler over the whole W3C suite.
fn flows(c: &mut Criterion) {
    let scenario = scxmlc_bench::happy_scenario();
    let mut g = c.benchmark_group("seed-flow");
    g.throughput(Throughput::Elements(1));
    g.bench_function("generated", |b| {
        b.iter(|| assert_eq!(scxmlc_bench::seed_call_flow(black_box(&scenario), Output::Logs), Some("exit")))
    });
    // Nobody reads the log lines, as in production with logging off.
    g.bench_function("unlogged", |b| {
        b.iter(|| assert_eq!(scxmlc_bench::seed_call_flow(black_box(&scenario), Output::Silent), Some("exit")))
    });
    // Call after call on one switch, as a platform routes them.
    let switch = scxmlc_runtime::sim::Switch::new(&scenario);
    g.bench_function("switch", |b| b.iter(|| assert_eq!(scxmlc_bench::seed_call_on(black_box(&switch)), Some("exit"))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = throughput, flows
}
criterion_main!(benches);
