//! Many sessions of one chart over one platform and one clock: the shape of
//! a routing server. Sessions are plain values in a slab; one ordered index
//! holds every session's next timer and every scheduled delivery, so the
//! host always advances to the earliest thing that happens next.
use crate::Str;
use crate::{Chart, Event, Platform, Session, SessionOptions};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

/// Index of a session in its host.
pub type SessionId = usize;

pub struct Host<C: Chart, P: Platform> {
    sessions: Vec<Option<Session<C>>>,
    /// The due time each session's next timer is indexed under.
    timer_due: Vec<Option<Duration>>,
    timers: BTreeSet<(Duration, SessionId)>,
    deliveries: BTreeMap<(Duration, u64), (SessionId, Event)>,
    /// Request id → the session that asked, until its answer arrives.
    pending_requests: HashMap<Str, SessionId>,
    platform: P,
    now: Duration,
    seq: u64,
    ended: usize,
    /// Ended sessions per top-level final state.
    finals: BTreeMap<&'static str, usize>,
    on_end: Option<EndHook<C>>,
}

type EndHook<C> = Box<dyn FnMut(SessionId, &Session<C>)>;

impl<C: Chart, P: Platform> Host<C, P> {
    pub fn new(platform: P) -> Self {
        Host {
            sessions: Vec::new(),
            timer_due: Vec::new(),
            timers: BTreeSet::new(),
            deliveries: BTreeMap::new(),
            pending_requests: HashMap::new(),
            platform,
            now: Duration::ZERO,
            seq: 0,
            ended: 0,
            finals: BTreeMap::new(),
            on_end: None,
        }
    }

    /// Called with each session that ends, just before the host drops it.
    pub fn on_end(&mut self, hook: impl FnMut(SessionId, &Session<C>) + 'static) {
        self.on_end = Some(Box::new(hook));
    }

    pub fn now(&self) -> Duration {
        self.now
    }

    /// Sessions started so far, running or ended.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Sessions that reached a top-level final state (they are dropped then).
    pub fn ended(&self) -> usize {
        self.ended
    }

    /// How many sessions ended in the top-level final state `id`.
    pub fn ended_in(&self, id: &str) -> usize {
        self.finals.get(id).copied().unwrap_or(0)
    }

    pub fn session(&self, id: SessionId) -> Option<&Session<C>> {
        self.sessions.get(id).and_then(Option::as_ref)
    }

    /// Starts a session; `prepare` may set its `_genesys` object model first.
    pub fn spawn(&mut self, chart: C, prepare: impl FnOnce(&mut Session<C>)) -> SessionId {
        let id = self.sessions.len();
        let mut session =
            Session::with_options(chart, SessionOptions { session_id: Some(format!("s{id}")), ..Default::default() });
        session.core.set_now(self.now);
        prepare(&mut session);
        session.start();
        self.sessions.push(Some(session));
        self.timer_due.push(None);
        self.settle(id);
        id
    }

    /// Schedules an external event for a session.
    pub fn deliver(&mut self, id: SessionId, at: Duration, event: Event) {
        self.seq += 1;
        self.deliveries.insert((at.max(self.now), self.seq), (id, event));
    }

    /// An asynchronous platform's answer: routed by its `requestid` to the
    /// session that made the request. `false` if no session is waiting for it.
    pub fn answer(&mut self, requestid: &str, event: Event) -> bool {
        match self.pending_requests.remove(requestid) {
            Some(id) => {
                self.deliver(id, self.now, event);
                true
            }
            None => false,
        }
    }

    /// After a session ran: hand its requests to the platform, reindex its
    /// timer, and drop it if it ended.
    fn settle(&mut self, id: SessionId) {
        let Some(session) = self.sessions[id].as_mut() else { return };
        let now = self.now;
        while let Some(request) = session.core.next_request() {
            match self.platform.request(now, &request) {
                Some((after, event)) => {
                    self.seq += 1;
                    self.deliveries.insert((now + after, self.seq), (id, event));
                }
                None => {
                    self.pending_requests.insert(request.requestid.clone(), id);
                }
            }
        }
        let due = if session.is_running() { session.next_timer() } else { None };
        if let Some(old) = self.timer_due[id].take() {
            self.timers.remove(&(old, id));
        }
        if let Some(due) = due {
            self.timers.insert((due, id));
            self.timer_due[id] = Some(due);
        }
        if !session.is_running() {
            if let Some(state) = session.final_state() {
                *self.finals.entry(state).or_default() += 1;
            }
            if let Some(hook) = self.on_end.as_mut() {
                hook(id, session);
            }
            self.sessions[id] = None;
            self.ended += 1;
        }
    }

    /// Runs every session until nothing is due before `until`.
    pub fn run_until(&mut self, until: Duration) {
        loop {
            let next_delivery = self.deliveries.keys().next().map(|(t, _)| *t);
            let next_timer = self.timers.iter().next().copied();
            match (next_delivery, next_timer) {
                (Some(t), timer) if t <= until && timer.is_none_or(|(d, _)| t <= d) => {
                    let Some((_, (id, event))) = self.deliveries.pop_first() else { break };
                    self.now = t;
                    if let Some(session) = self.sessions[id].as_mut() {
                        session.core.set_now(t);
                        session.send(event);
                        session.run_until_idle();
                        self.settle(id);
                    }
                }
                (_, Some((due, id))) if due <= until => {
                    self.now = due;
                    if let Some(session) = self.sessions[id].as_mut() {
                        session.run_next_timer();
                    }
                    self.settle(id);
                }
                _ => break,
            }
        }
        self.now = self.now.max(until);
    }
}
