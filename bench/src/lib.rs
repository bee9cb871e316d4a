//! The benchmark charts of `../shared/bench`, compiled, and the hand-written
//! baseline they are measured against.
pub mod charts {
    include!(concat!(env!("OUT_DIR"), "/charts.rs"));
}

/// `flat.scxml` written by hand as a Rust `enum` + `match`: the floor any
/// compiled chart is measured against. Same semantics: the guarded
/// transition toggles the state and counts; the fallback counts misses.
pub mod handwritten {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum State {
        A,
        B,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Event {
        Tick,
    }

    #[derive(Debug)]
    pub struct Flat {
        pub state: State,
        pub count: u64,
        pub misses: u64,
    }

    impl Default for Flat {
        fn default() -> Self {
            Flat { state: State::A, count: 0, misses: 0 }
        }
    }

    impl Flat {
        /// Not inlined, as a chart's dispatch is not: a fair floor.
        #[inline(never)]
        pub fn dispatch(&mut self, event: Event) {
            match (self.state, event) {
                (State::A, Event::Tick) if self.count.is_multiple_of(2) => {
                    self.count += 1;
                    self.state = State::B;
                }
                (State::B, Event::Tick) if self.count % 2 == 1 => {
                    self.count += 1;
                    self.state = State::A;
                }
                (_, Event::Tick) => self.misses += 1,
            }
        }
    }
}

/// The seed strategy's happy call flow (added → detach → redirect → 33 s
/// timer → exit) on the simulated platform, as one session; its log lines
/// kept (as the scenario checks need), or not read at all (`Silent`).
pub fn seed_call_flow(
    scenario: &scxmlc_runtime::sim::Scenario,
    output: scxmlc_runtime::sim::Output,
) -> Option<&'static str> {
    scxmlc_runtime::sim::play(charts::seed::Machine::new(), scenario, None, output).final_state
}

/// One seed call on a simulated switch that takes call after call, its
/// object model shared by every session as a platform's is; nothing of
/// the call is kept but its final state.
pub fn seed_call_on(switch: &scxmlc_runtime::sim::Switch) -> Option<&'static str> {
    switch.call(charts::seed::Machine::new())
}

/// The happy scenario of the seed strategy.
pub fn happy_scenario() -> scxmlc_runtime::sim::Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/genesys/scenarios/happy.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    scxmlc_runtime::sim::Scenario::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Sends `n` signals named `name` (events without data, their name matched
/// against the chart once) and runs each to completion.
pub fn feed_signal<C: scxmlc_runtime::Chart>(session: &mut scxmlc_runtime::Session<C>, name: &'static str, n: usize) {
    let signal = scxmlc_runtime::Session::<C>::signal(name);
    for _ in 0..n {
        session.process_signal(signal);
    }
}

/// Sends `n` external events named `name`, as a host would (a fresh event
/// each time), and runs each to completion.
pub fn feed<C: scxmlc_runtime::Chart>(session: &mut scxmlc_runtime::Session<C>, name: &'static str, n: usize) {
    for _ in 0..n {
        session.process_external(scxmlc_runtime::Event::external(name));
    }
}

#[cfg(test)]
mod session_size {
    //! The memory of one live seed session: the `Session` value plus every
    //! heap byte it holds, counted by a wrapping allocator.
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicIsize, Ordering};

    struct Counting;
    static LIVE: AtomicIsize = AtomicIsize::new(0);

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static ALLOCATOR: Counting = Counting;

    /// Heap and inline bytes of one live seed session, waiting for its
    /// detach answer after the host took the request; `genesys` is the
    /// platform's object model, shared by every session, or `None` for
    /// sessions that each build the default one.
    fn live_seed_session(genesys: Option<&scxmlc_runtime::Value>) -> (isize, isize) {
        use scxmlc_runtime::{Event, Value};
        const N: isize = 1000;
        let before = LIVE.load(Ordering::Relaxed);
        let mut sessions = Vec::with_capacity(N as usize);
        let vec_bytes = LIVE.load(Ordering::Relaxed) - before;
        for i in 0..N {
            let mut s = super::charts::seed::Machine::session();
            if let Some(model) = genesys {
                s.core.set_genesys(model.clone());
            }
            s.start();
            let data = Value::object_from([("interactionid", Value::from(format!("ixn-{i}")))]);
            s.send(Event::external("interaction.added").with_data(data));
            s.run_until_idle();
            assert!(s.is_in("detachcall"));
            // The host takes the detach request to the platform.
            assert_eq!(s.core.take_requests().len(), 1);
            sessions.push(s);
        }
        let heap = (LIVE.load(Ordering::Relaxed) - before - vec_bytes) / N;
        drop(sessions);
        (std::mem::size_of::<scxmlc_runtime::Session<super::charts::seed::Machine>>() as isize, heap)
    }

    #[test]
    fn a_live_seed_session_fits_in_a_few_kilobytes() {
        use scxmlc_runtime::Value;
        // A platform keeps one object model for every interaction it
        // routes; its sessions share it (`_genesys.ixn.interactions`).
        let party = |i: usize| {
            let device = Value::object_from([("device", Value::from("3001")), ("switch", Value::from("tel_sw"))]);
            Value::object_from([("parties", Value::object_from([(format!("ixn-{i}-1").as_str(), device)]))])
        };
        let interactions = Value::object();
        if let Value::Object(map) = &interactions {
            for i in 0..1000 {
                map.borrow_mut().set(&format!("ixn-{i}"), party(i));
            }
        }
        let model = Value::object_from([("ixn", Value::object_from([("interactions", interactions)]))]);
        let (inline, heap) = live_seed_session(Some(&model));
        println!(
            "live seed session waiting for its detach answer, sharing the platform's _genesys: \
             {inline} bytes inline + {heap} bytes of heap = {}",
            inline + heap
        );
        let (inline, heap) = live_seed_session(None);
        println!(
            "the same, each session with its own default _genesys: {inline} bytes inline + {heap} bytes of heap = {}",
            inline + heap
        );
        // A regression guard, not the 512-byte target (see BENCHMARKS.md).
        assert!(inline + heap < 16 * 1024, "{inline} + {heap}");
    }
}

#[cfg(test)]
mod tests {
    //! Each chart's header states its final values after N events: a fast
    //! engine that computes the wrong thing must fail here, not look good.
    use super::charts::*;
    use super::{feed, feed_signal};
    use scxmlc_runtime::{Chart, Session};

    /// Each count of events, sent as events and as signals.
    fn cases(counts: &[usize]) -> Vec<(usize, bool)> {
        counts.iter().flat_map(|&n| [(n, false), (n, true)]).collect()
    }

    fn send<C: Chart>(session: &mut Session<C>, name: &'static str, n: usize, signal: bool) {
        if signal {
            feed_signal(session, name, n)
        } else {
            feed(session, name, n)
        }
    }

    #[test]
    fn flat_counts_every_tick() {
        for (n, signal) in cases(&[0usize, 1, 7, 1000]) {
            let mut s = flat::Machine::session();
            s.start();
            send(&mut s, "tick", n, signal);
            assert_eq!(s.chart.data.count, n as i64);
            assert_eq!(s.chart.data.misses, 0);
            assert_eq!(s.active_states(), [if n % 2 == 0 { "a" } else { "b" }]);
            let mut s = flat_null::Machine::session();
            s.start();
            send(&mut s, "tick", n, signal);
            assert_eq!(s.active_states(), [if n % 2 == 0 { "a" } else { "b" }]);
        }
    }

    #[test]
    fn deep_hops_between_the_two_towers() {
        for (n, signal) in cases(&[1usize, 2, 9, 100]) {
            let mut s = deep::Machine::session();
            s.start();
            send(&mut s, "tick", n, signal);
            assert_eq!(s.chart.data.entries, (6 * n + 1) as i64, "n={n} signal={signal}");
            assert_eq!(s.chart.data.exits, (6 * n - 5) as i64, "n={n} signal={signal}");
            assert_eq!(s.chart.data.hops, (n - 1) as i64, "n={n} signal={signal}");
            let leaf = if n % 2 == 1 { "b6" } else { "q6" };
            assert!(s.is_in(leaf), "n={n} signal={signal}: {:?}", s.active_states());
            let mut s = deep_null::Machine::session();
            s.start();
            send(&mut s, "tick", n, signal);
            assert!(s.is_in(leaf), "null n={n} signal={signal}: {:?}", s.active_states());
        }
    }

    #[test]
    fn parallel_regions_advance_together() {
        for (n, signal) in cases(&[0usize, 1, 5, 300]) {
            let mut s = parallel::Machine::session();
            s.start();
            send(&mut s, "tick", n, signal);
            let d = &s.chart.data;
            for v in [&d.n1, &d.n2, &d.n3, &d.n4] {
                assert_eq!(*v, n as i64);
            }
            let k = n % 3 + 1;
            for region in ["a", "b", "c", "d"] {
                assert!(s.is_in(&format!("{region}{k}")), "n={n} signal={signal}: {:?}", s.active_states());
            }
            let mut s = parallel_null::Machine::session();
            s.start();
            send(&mut s, "tick", n, signal);
            for region in ["a", "b", "c", "d"] {
                assert!(s.is_in(&format!("{region}{k}")), "null n={n} signal={signal}: {:?}", s.active_states());
            }
        }
    }

    #[test]
    fn eventless_loops_run_to_completion() {
        for (n, signal) in cases(&[0usize, 1, 3]) {
            let mut s = eventless::Machine::session();
            s.start();
            send(&mut s, "start", n, signal);
            let d = &s.chart.data;
            assert_eq!(d.runs, n as i64);
            assert_eq!(d.total, (n * 1000) as i64);
            assert_eq!(d.i, if n >= 1 { 1000 } else { 0 });
            assert_eq!(s.active_states(), ["idle"]);
            let mut s = eventless_null::Machine::session();
            s.start();
            send(&mut s, "start", n, signal);
            assert_eq!(s.active_states(), ["idle"]);
        }
    }

    #[test]
    fn the_baseline_agrees_with_the_chart() {
        let mut h = super::handwritten::Flat::default();
        for _ in 0..1001 {
            h.dispatch(super::handwritten::Event::Tick);
        }
        assert_eq!((h.count, h.misses, h.state), (1001, 0, super::handwritten::State::B));
    }
}
