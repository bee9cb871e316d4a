//! The W3C SCXML interpretation algorithm (Appendix D), generic over a
//! generated [`Chart`], with event queues and a virtual clock.
use crate::chart::{Chart, StateKind, Step, TransitionInfo, NO_STATE};
use crate::queue::Queue;
use crate::scratch;
/// The active states, in document order.
pub use crate::state_set::Members as ActiveStates;
use crate::state_set::StateSet;
use crate::Str;
use crate::{Event, EventKind, EventMeta, ExecError, StateInfo, Value, SCXML_IO_PROCESSOR};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Receives what a session does; the simulator prints it as a trace.
#[allow(unused_variables)]
pub trait Observer: crate::MaybeSend {
    fn log(&mut self, now: Duration, label: &str, text: &str) {}
    fn enter(&mut self, now: Duration, state: &str) {}
    fn exit(&mut self, now: Duration, state: &str) {}
    fn event(&mut self, now: Duration, event: &Event) {}
    /// Whether [`Observer::enter`] and [`Observer::exit`] are wanted. When
    /// they are, each microstep goes through the runtime's W3C algorithm,
    /// which reports every state change in order between the content it
    /// runs; when not, the generated microsteps run as in an unobserved
    /// session.
    fn wants_states(&self) -> bool {
        true
    }
}

/// Drops everything.
pub struct NullObserver;
impl Observer for NullObserver {
    fn wants_states(&self) -> bool {
        false
    }
}

/// A `<send>` after its attributes were evaluated.
#[derive(Debug, Default)]
pub struct SendRequest {
    pub event: crate::Name,
    pub target: Option<String>,
    pub type_: Option<String>,
    /// The send id: the `id` attribute, or the one generated for `idlocation`.
    pub id: Option<Str>,
    pub delay: Option<Duration>,
    pub data: Value,
    /// The message's raw form, `_event.raw` at the receiver.
    pub raw: Option<Str>,
}

/// What a timer delivers when it falls due.
enum Pending {
    /// A timeout: an event named in the chart, without data, that the
    /// session sent itself. Nearly every delayed send; two words, so a
    /// heap's room for two timers (64 bytes) is less than one timer
    /// holding a whole event took (80).
    Timeout {
        name: &'static str,
    },
    Other(Box<(Event, Route)>),
}

impl Pending {
    fn new(event: Event, route: Route) -> Self {
        match (event.name.as_static(), &route) {
            (Some(name), Route::External)
                if event.owns_nothing() && event.from_self && event.kind == EventKind::External =>
            {
                Pending::Timeout { name }
            }
            _ => Pending::Other(Box::new((event, route))),
        }
    }

    fn into_parts(self) -> (Event, Route) {
        match self {
            Pending::Timeout { name } => {
                let mut event = Event::new(name, EventKind::External);
                event.from_self = true;
                (event, Route::External)
            }
            Pending::Other(pending) => *pending,
        }
    }

    fn is_external(&self) -> bool {
        match self {
            Pending::Timeout { .. } => true,
            Pending::Other(pending) => matches!(pending.1, Route::External),
        }
    }

    fn sendid(&self) -> Option<&Str> {
        match self {
            Pending::Timeout { .. } => None,
            Pending::Other(pending) => pending.0.sendid(),
        }
    }
}

/// A delayed event in the timer heap: the earliest due first, then the
/// first scheduled. A heap holds one timer in a few dozen bytes, where a
/// B-tree node costs most of a kilobyte.
struct Timer {
    /// Nanoseconds on the session's clock: 8 bytes where a `Duration`
    /// takes 16, in every pending timer of every idle session.
    due: u64,
    seq: u64,
    pending: Pending,
}

const _: () = assert!(std::mem::size_of::<Timer>() == 32);

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    /// Reversed: the heap is a max-heap and the earliest must come first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

/// Where a delayed send goes when it falls due.
#[derive(Clone)]
enum Route {
    External,
    Parent,
    Child(Str),
}

#[derive(Clone, Debug)]
pub struct SessionOptions {
    pub session_id: Option<String>,
    /// Microsteps allowed in one macrostep before the session halts: an
    /// eventless loop that never settles must not hang the host.
    pub max_microsteps: usize,
    /// External events one [`Session::run_until_idle`] may process before the
    /// session halts: a chart that keeps sending itself events without delay
    /// never drains its queue, and must not hang the host either.
    pub max_events_per_run: usize,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions { session_id: None, max_microsteps: 100_000, max_events_per_run: 1_000_000 }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    NotStarted,
    Running,
    /// A top-level final state was reached (its index), or the session was stopped (`None`).
    Done(Option<u16>),
    /// The session was stopped because it broke a bound.
    Halted(String),
}

/// Everything but the chart's own data: what executable content can reach.
pub struct Core {
    /// The chart's state table (`C::STATES`), one word wide.
    states: fn() -> &'static [StateInfo],
    /// The configuration of a chart with parallel states, one bit a state.
    config: StateSet,
    /// The configuration of a chart without: its active states are
    /// always one chain from the root down, even halfway through a
    /// microstep (states exit innermost first and enter outermost first),
    /// so this state and its ancestors below the root (which is never in
    /// a configuration) are the configuration: the root (0) when it is
    /// empty. One field for a generated microstep to write, where a set
    /// would take two bits. [`NO_STATE`] in charts with parallel states.
    innermost: u16,
    internal: InternalQueue,
    external: Queue<Event>,
    timers: crate::blocks::BlockHeap<Timer>,
    now: Duration,
    seq: u64,
    /// What each history state recorded (W3C `historyValue`), by state.
    history: Box<[Option<Vec<u16>>]>,
    /// Nested calls of compiled functions, bounded so that recursion in a
    /// chart ends in a `RangeError` instead of overflowing the stack.
    call_depth: u32,
    session_id: SessionId,
    /// The event being processed, and `_event` once something has read
    /// it: a block from the thread's free lists while an event is processed,
    /// `None` between macrosteps.
    current: Option<crate::blocks::BlockBox<Current>>,
    /// `_genesys`: the platform's object model, kept by the host.
    genesys: Value,
    /// Platform requests not yet taken by the host. One word: its buffer
    /// goes back to the thread's pool once the host has taken them all,
    /// as while the session waits for their answers.
    outbox: Queue<crate::PlatformRequest>,
    /// What most sessions never have, boxed on first use.
    extras: Option<Box<Extras>>,
    /// An observer is set (it is kept in the extras).
    observed: bool,
    /// The observer wants each state entered and exited.
    reports_states: bool,
}

/// An entry of the internal queue. A `<raise>` of a chart with a generated
/// selection names its event at build time, with the event's descriptor
/// mask worked out there too: such an entry is never matched by name, and
/// becomes an [`Event`] only if something looks at it (`_event`, an
/// observer, the generic algorithm).
enum Internal {
    Signal { name: &'static str, mask: u64 },
    Event(Event),
}

crate::scratch::reuse! {
    Box<VecDeque<Internal>> => |queue| queue.clear();
    Box<VecDeque<Event>> => |queue| queue.clear();
    Box<VecDeque<crate::PlatformRequest>> => |queue| queue.clear();
}

/// The internal queue. Its first entry, when it is a signal raised while
/// the queue was empty, waits in a word of its own: the common `<raise>`
/// then `select` cycle neither writes nor reads the queue's buffer.
/// First in, first out: a signal takes the slot only when nothing is
/// queued, and the slot, when full, is older than everything queued.
struct InternalQueue {
    next: Option<&'static SignalInfo>,
    queue: Queue<Internal>,
}

impl InternalQueue {
    const fn new() -> Self {
        InternalQueue { next: None, queue: Queue::new() }
    }

    #[inline]
    fn push_signal(&mut self, signal: &'static SignalInfo) {
        if self.next.is_none() && self.queue.is_empty() {
            self.next = Some(signal);
        } else {
            self.queue.push_back(Internal::Signal { name: signal.name, mask: signal.mask });
        }
    }

    #[inline]
    fn push_back(&mut self, entry: Internal) {
        self.queue.push_back(entry);
    }

    #[inline]
    fn pop_front(&mut self) -> Option<Internal> {
        match self.next.take() {
            Some(signal) => Some(Internal::Signal { name: signal.name, mask: signal.mask }),
            None => self.queue.pop_front(),
        }
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.is_empty_with_slot(true)
    }

    /// [`Self::is_empty`], looking at the slot only if `slot_used`: a
    /// chart that raises no signal never fills it.
    #[inline(always)]
    fn is_empty_with_slot(&self, slot_used: bool) -> bool {
        !(slot_used && self.next.is_some()) && self.queue.is_empty()
    }

    /// Hands an empty queue's buffer back to the thread's pool.
    #[inline]
    fn release(&mut self) {
        self.queue.release();
    }
}

impl Internal {
    fn into_event(self) -> Event {
        match self {
            Internal::Signal { name, .. } => Event::new(name, EventKind::Internal),
            Internal::Event(event) => event,
        }
    }
}

/// The event a session is processing, and `_event` once built.
struct Current {
    event: Option<Event>,
    value: Value,
}

/// What most sessions never have, kept out of line: links to the session
/// that invoked it and to those it invoked, an observer, `_ioprocessors`.
#[derive(Default)]
struct Extras {
    /// The invoking session's id, when this session is a child.
    parent: Option<Str>,
    to_parent: Vec<Event>,
    /// Running children: (invoke id, session id).
    children: Vec<(Str, Str)>,
    to_children: Vec<(Str, Event)>,
    /// A child's `<log>` lines, kept for its parent to pass on.
    forwarded_logs: Option<Vec<(String, String)>>,
    /// `_ioprocessors`, built once: it is the same object for the whole session.
    io_processors: Value,
    /// `None` until the host sets one.
    observer: Option<Box<dyn Observer>>,
}

impl Extras {
    fn forwarded_logs(&mut self) -> Option<&mut Vec<(String, String)>> {
        self.forwarded_logs.as_mut()
    }
}

/// Deep enough for any helper a chart defines, shallow enough for a 2 MiB
/// thread stack in a debug build.
const MAX_CALL_DEPTH: u32 = 100;

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// Session numbers a thread takes from [`NEXT_SESSION`] at a time: unique
/// across threads, and one atomic update per block instead of per session
/// (a thread that starts sessions one after another pays it once in 1,024).
const SESSION_BLOCK: u64 = 1024;

/// A fresh session number, from this thread's block.
fn next_session_number() -> u64 {
    thread_local!(static BLOCK: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) });
    let fresh = || NEXT_SESSION.fetch_add(SESSION_BLOCK, Ordering::Relaxed);
    BLOCK
        .try_with(|block| {
            let (next, end) = block.get();
            let n = if next < end { next } else { fresh() };
            block.set((n + 1, if next < end { end } else { n + SESSION_BLOCK }));
            n
        })
        // A thread being torn down has no block: a number of its own.
        .unwrap_or_else(|_| NEXT_SESSION.fetch_add(1, Ordering::Relaxed))
}

/// A session's id: the runtime's number (`session-7`), spelled out only
/// where something reads it, or the one the host gave.
#[derive(Clone)]
enum SessionId {
    Numbered(u64),
    Given(Str),
}

impl SessionId {
    /// Whether `text` is this id, without spelling it out.
    fn is(&self, text: &str) -> bool {
        match self {
            SessionId::Numbered(n) => {
                text.strip_prefix("session-") == Some(crate::value::decimal(*n, &mut itoa::Buffer::new()))
            }
            SessionId::Given(id) => text == &**id,
        }
    }

    /// Prefixed by `head` and followed by `tail` (request and send ids).
    /// A fixed number of parts: every request and send id is made this
    /// way, and laying out a list of parts cost as much as copying them.
    fn joined(&self, head: &str, tail: [&str; 2]) -> Str {
        let mut digits = itoa::Buffer::new();
        let (name, number) = match self {
            SessionId::Numbered(n) => ("session-", crate::value::decimal(*n, &mut digits)),
            SessionId::Given(id) => (&**id, ""),
        };
        crate::value::join(&[head, name, number, tail[0], tail[1]])
    }

    fn to_text(&self) -> Str {
        match self {
            SessionId::Numbered(_) => self.joined("", ["", ""]),
            SessionId::Given(id) => id.clone(),
        }
    }
}

impl Core {
    /// `chain`: the chart has no parallel states ([`Core::innermost`]);
    /// `history`: it has history states, so their records have room.
    fn new(states_of: fn() -> &'static [StateInfo], chain: bool, history: bool, session_id: Option<String>) -> Self {
        let states = states_of();
        let session_id = match session_id {
            Some(id) => SessionId::Given(Str::from(id)),
            None => SessionId::Numbered(next_session_number()),
        };
        Core {
            states: states_of,
            // A chain needs no set.
            config: StateSet::with_states(if chain { 0 } else { states.len() }),
            innermost: if chain { 0 } else { NO_STATE },
            internal: InternalQueue::new(),
            external: Queue::new(),
            timers: crate::blocks::BlockHeap::new(),
            now: Duration::ZERO,
            seq: 0,
            call_depth: 0,
            // Only charts with history states record anything.
            history: if history { vec![None; states.len()].into() } else { Box::default() },
            session_id,
            current: None,
            genesys: Value::Undefined,
            outbox: Queue::new(),
            extras: None,
            observed: false,
            reports_states: false,
        }
    }

    /// The configuration is a chain ([`Self::innermost`]).
    #[inline(always)]
    fn is_chain(&self) -> bool {
        self.innermost != NO_STATE
    }

    /// `In(state)`.
    #[inline]
    pub fn is_active(&self, state: u16) -> bool {
        if self.is_chain() {
            let last = (self.states)().get(usize::from(state)).map_or(0, |s| s.last_descendant);
            return self.chain_holds(state, last);
        }
        self.config.contains(state)
    }

    /// `In(state)` in a chart without parallel states, whose descendants
    /// are the states after it up to `last_descendant` in document order:
    /// it is active when the innermost active state is it or one of them.
    #[inline(always)]
    pub fn chain_holds(&self, state: u16, last_descendant: u16) -> bool {
        state != 0 && state <= self.innermost && self.innermost <= last_descendant
    }

    /// In a chart without parallel states, the innermost active state: the
    /// active atomic state between microsteps; the root (0) before the
    /// session starts and after it ends. [`NO_STATE`] in other charts.
    #[inline(always)]
    pub fn innermost(&self) -> u16 {
        self.innermost
    }

    /// A generated microstep's change to the configuration of a chart
    /// without parallel states (one no observer watches: see
    /// [`Self::reports_states`]): `state` and its ancestors are now
    /// active, and nothing else.
    /// Exiting a state makes its parent the innermost; entering one makes
    /// it the innermost. Consecutive calls with nothing between that reads
    /// the configuration become one store.
    #[inline(always)]
    pub fn set_innermost(&mut self, state: u16) {
        self.innermost = state;
    }

    /// `In(id)` where the id is only known at run time.
    pub fn is_active_id(&self, id: &str) -> bool {
        (self.states)()
            .iter()
            .position(|s| s.id == id && s.kind != StateKind::Root)
            .is_some_and(|i| self.is_active(i as u16))
    }

    /// Records `state` as what history state `history` restores: the one
    /// state a chart with a single active atomic state can record.
    pub fn record_history(&mut self, history: u16, state: u16) {
        match self.history.get_mut(usize::from(history)) {
            Some(Some(stored)) => {
                stored.clear();
                stored.push(state);
            }
            Some(empty) => *empty = Some(vec![state]),
            None => {}
        }
    }

    /// The one state history state `history` recorded, if any: what a chart
    /// with a single active atomic state restores.
    pub fn recorded_history(&self, history: u16) -> Option<u16> {
        self.history.get(usize::from(history))?.as_ref()?.first().copied()
    }

    /// A state leaves the configuration: inactive, and reported to an
    /// observer that wants it. `parent` is its parent: in a chain, the
    /// innermost active state once it has left.
    #[inline(always)]
    pub(crate) fn exit_state(&mut self, state: u16, parent: u16) {
        if self.is_chain() {
            self.innermost = parent;
        } else {
            self.config.set(state, false);
        }
        if self.reports_states {
            self.observe_change(state, false);
        }
    }

    /// A state joins the configuration, before its `<onentry>` runs.
    #[inline(always)]
    pub(crate) fn enter_state(&mut self, state: u16) {
        if self.is_chain() {
            self.innermost = state;
        } else {
            self.config.set(state, true);
        }
        if self.reports_states {
            self.observe_change(state, true);
        }
    }

    /// Whether an observer wants each state change reported. A generated
    /// microstep is told so (`report` of [`Chart::select`]), and then
    /// leaves the step to the runtime; otherwise it changes the
    /// configuration with [`Self::set_innermost`] (charts without parallel
    /// states) or [`Self::deactivate`] and [`Self::activate`], which
    /// report nothing.
    #[inline(always)]
    pub fn reports_states(&self) -> bool {
        self.reports_states
    }

    /// A state leaves the configuration in a generated microstep of a
    /// chart with parallel states, one that an observer does not watch
    /// ([`Self::reports_states`]): only the configuration changes, and
    /// consecutive changes to one word of it become one.
    #[inline(always)]
    pub fn deactivate(&mut self, state: u16) {
        self.config.set(state, false);
    }

    /// A state joins the configuration in a generated microstep (see [`Self::deactivate`]).
    #[inline(always)]
    pub fn activate(&mut self, state: u16) {
        self.config.set(state, true);
    }

    /// Tells the observer an event is being processed. Cold, as
    /// [`Self::observe_change`] is.
    #[cold]
    #[inline(never)]
    fn observe_event(&mut self, event: &Event) {
        let now = self.now;
        if let Some(o) = self.observer() {
            o.event(now, event);
        }
    }

    /// Tells the observer a state was entered or exited. Out of line and
    /// cold: generated transitions inline their exits and entries, and an
    /// inlined call here would make each of them save every register.
    #[cold]
    #[inline(never)]
    fn observe_change(&mut self, state: u16, entered: bool) {
        let (now, info) = (self.now, (self.states)().get(usize::from(state)));
        if let (Some(o), Some(info)) = (self.observer(), info) {
            if entered {
                o.enter(now, info.id);
            } else {
                o.exit(now, info.id);
            }
        }
    }

    pub fn now(&self) -> Duration {
        self.now
    }
    pub fn session_id(&self) -> Value {
        Value::String(self.session_id.to_text())
    }
    /// `_event`: the event being processed.
    pub fn event(&mut self) -> Value {
        // An event the session sent itself names its origin only here.
        let unbuilt = self.current.as_deref().is_some_and(|current| current.value.is_undefined());
        let address = (unbuilt && self.current_event().is_some_and(|e| e.from_self)).then(|| self.address());
        let Some(current) = self.current.as_deref_mut() else { return Value::Undefined };
        if current.value.is_undefined() {
            if let Some(event) = &current.event {
                current.value = event.to_value();
                if let (Some(origin), Value::Object(object)) = (address, &current.value) {
                    let mut object = object.borrow_mut();
                    object.set("origin", Value::String(origin));
                    object.set("origintype", Value::from(SCXML_IO_PROCESSOR));
                }
            }
        }
        current.value.clone()
    }

    /// Makes `event` the one being processed, with `_event` not yet built.
    #[inline]
    fn set_current(&mut self, event: Event) {
        let current = Current { event: Some(event), value: Value::Undefined };
        match &mut self.current {
            Some(slot) => **slot = current,
            None => self.current = Some(crate::blocks::BlockBox::new(current)),
        }
    }

    /// Nothing reads `_event` between macrosteps: an idle session keeps
    /// neither its last event nor the room for one.
    #[inline]
    fn clear_current(&mut self) {
        self.current = None;
    }

    /// The event being processed.
    fn current_event(&self) -> Option<&Event> {
        self.current.as_deref()?.event.as_ref()
    }

    /// `_event.<field>` without building the `_event` object: conditions
    /// like `_event.data.requestid == x` are read on every event. Once the
    /// object exists (something read `_event` whole, or wrote into it),
    /// reads go through it, so both ways always agree.
    pub fn event_field(&self, field: &str) -> Result<Value, ExecError> {
        let Some(current) = self.current.as_deref() else { return Ok(Value::Undefined) };
        let Some(event) = current.event.as_ref().filter(|_| current.value.is_undefined()) else {
            return crate::ops::get_str(&current.value, field);
        };
        let meta = event.meta.as_deref();
        let text = |v: Option<&Str>| v.map_or(Value::Undefined, |s| Value::String(s.clone()));
        Ok(match field {
            "name" => event.name.to_value(),
            "type" => Value::from(event.kind.as_str()),
            "data" => event.data.clone(),
            "sendid" => text(meta.and_then(|m| m.sendid.as_ref())),
            "origin" if event.from_self => Value::String(self.address()),
            "origintype" if event.from_self => Value::from(SCXML_IO_PROCESSOR),
            "origin" => meta.and_then(|m| m.origin.as_ref()).map_or(Value::Undefined, crate::Name::to_value),
            "origintype" => meta.and_then(|m| m.origintype.as_ref()).map_or(Value::Undefined, crate::Name::to_value),
            "invokeid" => text(meta.and_then(|m| m.invokeid.as_ref())),
            "raw" => text(meta.and_then(|m| m.raw.as_ref())),
            _ => Value::Undefined,
        })
    }

    /// `_event.data.<key>`, read where the data lies instead of through a
    /// copy of `_event.data`: answers' fields (`_event.data.requestid`) are
    /// read on every event, and each copy of an object is two atomic
    /// reference-count updates.
    pub fn event_data_field(&self, key: &str) -> Result<Value, ExecError> {
        match self.event_data_in_place() {
            Some(data) => crate::ops::get_str(data, key),
            None => crate::ops::get_str(&self.event_field("data")?, key),
        }
    }

    /// The event's data where it lies, while `_event` has not been built
    /// (once it has, reads go through it).
    fn event_data_in_place(&self) -> Option<&Value> {
        match self.current.as_deref() {
            Some(Current { event: Some(event), value: Value::Undefined }) => Some(&event.data),
            _ => None,
        }
    }

    /// `_event.data.<key> == other`, compared where the field lies: an
    /// answer's `requestid` is compared with the request's on every
    /// answer, and a copy of a string is two atomic count updates.
    pub fn event_data_field_eq(&self, key: &str, other: &Value) -> Result<bool, ExecError> {
        self.event_data_field_compare(key, |field| crate::ops::loose_eq(field, other), other)
    }

    /// `_event.data.<key> === other`, as [`Self::event_data_field_eq`].
    pub fn event_data_field_strict_eq(&self, key: &str, other: &Value) -> Result<bool, ExecError> {
        self.event_data_field_compare(key, |field| crate::ops::strict_eq(field, other), other)
    }

    /// Only two primitives are compared under the data's lock: comparing
    /// an object may need to borrow it, or the data itself.
    fn event_data_field_compare(
        &self,
        key: &str,
        equal: impl Fn(&Value) -> bool,
        other: &Value,
    ) -> Result<bool, ExecError> {
        if let Some(Value::Object(data)) = self.event_data_in_place() {
            if other.is_primitive() {
                let data = data.borrow();
                let field = data.get(key).unwrap_or(&Value::Undefined);
                if field.is_primitive() {
                    return Ok(equal(field));
                }
            }
        }
        Ok(equal(&self.event_data_field(key)?))
    }

    /// Active states in document order.
    pub fn active(&self) -> ActiveStates<'_> {
        self.active_in(0, u16::MAX)
    }

    /// Active states with indices in `lo..=hi`, in document order.
    pub fn active_in(&self, lo: u16, hi: u16) -> ActiveStates<'_> {
        if self.is_chain() {
            return ActiveStates::chain((self.states)(), self.innermost, lo, hi);
        }
        self.config.iter_in(lo, hi)
    }

    /// Word `w` of the configuration as a bit set: states `64 * w ..
    /// 64 * w + 64`, one bit each.
    #[inline(always)]
    fn config_word(&self, w: usize) -> u64 {
        if self.is_chain() {
            return self.chain_word(w);
        }
        self.config.word(w)
    }

    /// [`Self::config_word`] of a chain, walked for it.
    #[cold]
    fn chain_word(&self, w: usize) -> u64 {
        let lo = u16::try_from(w * 64).unwrap_or(NO_STATE);
        let hi = lo.saturating_add(63);
        self.active_in(lo, hi).fold(0, |bits, s| bits | 1 << (s % 64))
    }

    /// `_ioprocessors`.
    pub fn io_processors(&mut self) -> Value {
        if self.extras.as_deref().is_none_or(|extras| extras.io_processors.is_undefined()) {
            let scxml = Value::object_from([("location", Value::String(self.address()))]);
            self.extras().io_processors = Value::object_from([(SCXML_IO_PROCESSOR, scxml.clone()), ("scxml", scxml)]);
        }
        self.extras().io_processors.clone()
    }

    /// `_genesys`. Until the host sets one, an object with an empty
    /// `ixn.interactions`, as a session starts with no interaction.
    pub fn genesys(&mut self) -> Value {
        self.genesys_model().clone()
    }

    /// `_genesys.<key>`, read without copying the model's root first.
    pub fn genesys_field(&mut self, key: &str) -> Result<Value, ExecError> {
        crate::ops::get_str(self.genesys_model(), key)
    }

    /// `_genesys`, the model, borrowed: made on first read when the host
    /// set none, so never null or undefined, and `_genesys.x` cannot throw.
    pub fn genesys_model(&mut self) -> &Value {
        if matches!(self.genesys, Value::Undefined | Value::Null) {
            let ixn = Value::object_literal([(crate::static_str!("interactions"), Value::object())]);
            self.genesys = Value::object_literal([(crate::static_str!("ixn"), ixn)]);
        }
        &self.genesys
    }

    /// Replaces `_genesys` (the host's object model).
    pub fn set_genesys(&mut self, root: Value) {
        self.genesys = root;
    }

    /// Queues a module action for the platform; returns its fresh request id.
    pub fn platform_request(&mut self, action: &'static crate::Action, attributes: crate::Attributes) -> Str {
        self.seq += 1;
        let requestid = self.session_id.joined("", ["-req", crate::value::decimal(self.seq, &mut itoa::Buffer::new())]);
        let request = crate::PlatformRequest::new(action, requestid.clone(), attributes);
        self.outbox.push_back(request);
        requestid
    }

    /// The oldest platform request not yet taken, in order. The host takes
    /// them all after each run; the emptied outbox's buffer goes back to
    /// the thread's pool.
    #[inline]
    pub fn next_request(&mut self) -> Option<crate::PlatformRequest> {
        // Asked after every run, and most runs request nothing.
        if self.outbox.is_empty() {
            self.outbox.release();
            return None;
        }
        self.outbox.pop_front()
    }

    /// The platform requests made since the last call, in order.
    pub fn take_requests(&mut self) -> Vec<crate::PlatformRequest> {
        std::iter::from_fn(|| self.next_request()).collect()
    }

    /// Moves the clock forward (a host delivering an event at a later time).
    pub fn set_now(&mut self, now: Duration) {
        self.now = self.now.max(now);
    }

    /// `<raise>`.
    #[inline]
    pub fn raise(&mut self, name: impl Into<crate::Name>) {
        self.internal.push_back(Internal::Event(Event::new(name, EventKind::Internal)));
    }

    /// `<raise>` of an event the generated code names (`Machine::NEXT`):
    /// queued with its descriptor mask, so it is not matched again by name.
    /// For generated code, which declares [`Chart::RAISES_SIGNALS`] when
    /// it calls this; a host raises with [`Self::raise`].
    #[doc(hidden)]
    #[inline]
    pub fn raise_signal<C>(&mut self, signal: &'static Signal<C>) {
        self.internal.push_signal(&signal.info);
    }

    /// Queues `error.execution` (or another platform error) for a failure.
    #[cold]
    pub fn raise_error(&mut self, name: &'static str, error: &ExecError, sendid: Option<Str>) {
        let mut event = Event::new(name, EventKind::Platform).with_data(Value::from(error.to_string()));
        if let Some(sendid) = sendid.or_else(|| error.sendid.as_deref().map(Str::from)) {
            event.meta_mut().sendid = Some(sendid);
        }
        self.internal.push_back(Internal::Event(event));
    }

    fn observer(&mut self) -> Option<&mut (dyn Observer + 'static)> {
        self.extras.as_deref_mut()?.observer.as_deref_mut()
    }

    fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// `#_scxml_<session id>`, this session's address: made when needed
    /// (sends to another session, `_event.origin`), not kept in every session.
    fn address(&self) -> Str {
        self.session_id.joined("#_scxml_", ["", ""])
    }

    /// `event` as it leaves this session (autoforwarded to a child): an
    /// event this session sent itself now names its origin in full.
    fn with_origin(&mut self, mut event: Event) -> Event {
        if std::mem::take(&mut event.from_self) {
            let origin = self.address();
            let meta = event.meta_mut();
            meta.origin = Some(crate::Name::from(origin));
            meta.origintype = Some(crate::Name::from_static(SCXML_IO_PROCESSOR));
        }
        event
    }

    /// The invoking session's id, when this session is a child.
    fn parent(&self) -> Option<&str> {
        self.extras.as_deref()?.parent.as_deref()
    }

    /// A child's `<log>` lines, kept for its parent to pass on.
    fn forwarded_logs(&self) -> Option<&Vec<(String, String)>> {
        self.extras.as_deref()?.forwarded_logs.as_ref()
    }

    /// Someone reads this session's `<log>` lines: a parent collecting a
    /// child's, or an observer. Otherwise generated code does not build them.
    #[inline]
    pub fn logs_read(&self) -> bool {
        self.forwarded_logs().is_some() || self.observed
    }

    /// `<log>`.
    pub fn log(&mut self, label: &str, value: &Value) {
        // Printing a value has no effect of its own: with nobody to read
        // the line, it is not built.
        let Some(extras) = self.extras.as_deref_mut() else { return };
        match (extras.forwarded_logs.as_mut(), extras.observer.as_deref_mut()) {
            (Some(lines), _) => lines.push((label.to_string(), value.to_js_string())),
            (None, Some(o)) => o.log(self.now, label, &value.js_str()),
            (None, None) => {}
        }
    }

    /// Passes on a child's log line, tagged with its invoke id.
    fn log_from_child(&mut self, invokeid: &str, label: &str, text: &str) {
        let label = format!("[{invokeid}] {label}");
        match self.extras.as_deref_mut().and_then(Extras::forwarded_logs) {
            Some(lines) => lines.push((label, text.to_string())),
            None => {
                let now = self.now;
                if let Some(o) = self.observer() {
                    o.log(now, &label, text);
                }
            }
        }
    }

    /// Called on entry to every compiled function; pair with [`Core::leave_call`].
    pub fn enter_call(&mut self) -> Result<(), ExecError> {
        if self.call_depth >= MAX_CALL_DEPTH {
            return Err(ExecError::new(crate::ErrorKind::Range, "maximum call stack size exceeded"));
        }
        self.call_depth += 1;
        Ok(())
    }

    pub fn leave_call(&mut self) {
        self.call_depth = self.call_depth.saturating_sub(1);
    }

    /// A fresh id for `<send idlocation>`.
    pub fn next_send_id(&mut self) -> Str {
        self.seq += 1;
        self.session_id.joined("", [".send", crate::value::decimal(self.seq, &mut itoa::Buffer::new())])
    }

    /// `<send>` through the SCXML event I/O processor.
    pub fn send(&mut self, request: SendRequest) -> Result<(), ExecError> {
        match request.type_.as_deref() {
            None | Some(SCXML_IO_PROCESSOR) | Some("scxml") => {}
            Some(other) => {
                return Err(ExecError::new(
                    crate::ErrorKind::Send,
                    format!("unsupported event processor type '{other}'"),
                )
                .with_sendid(request.id.as_deref()))
            }
        }
        // `#_scxml_<id>` of this session or of its parent.
        let session_address = |t: &str, id: &str| t.strip_prefix("#_scxml_") == Some(id);
        let mut event = Event::new(request.event, EventKind::External).with_data(request.data);
        let target = match request.target.as_deref() {
            Some(t) if !t.strip_prefix("#_scxml_").is_some_and(|id| self.session_id.is(id)) => t,
            _ => {
                // To itself, the common case (timeouts): the origin is implied.
                event.from_self = true;
                if request.id.is_some() || request.raw.is_some() {
                    *event.meta_mut() = EventMeta { sendid: request.id, raw: request.raw, ..EventMeta::default() };
                }
                self.route(Route::External, event, request.delay);
                return Ok(());
            }
        };
        *event.meta_mut() = EventMeta {
            sendid: request.id.clone(),
            origin: Some(crate::Name::from(self.address())),
            origintype: Some(crate::Name::from_static(SCXML_IO_PROCESSOR)),
            invokeid: None,
            raw: request.raw,
        };
        match target {
            "#_internal" => {
                event.kind = EventKind::Internal;
                self.internal.push_back(Internal::Event(event));
            }
            t if self.parent().is_some_and(|parent| t == "#_parent" || session_address(t, parent)) => {
                self.route(Route::Parent, event, request.delay);
            }
            t if self.child_for_target(t).is_some() => {
                if let Some(id) = self.child_for_target(t) {
                    self.route(Route::Child(id), event, request.delay);
                }
            }
            t if !t.starts_with("#_") => {
                // Not an address the SCXML I/O processor understands (W3C 6.2.4).
                return Err(ExecError::new(crate::ErrorKind::Send, format!("invalid send target '{t}'"))
                    .with_sendid(request.id.as_deref()));
            }
            _ => {
                // A well-formed address of a session that is not reachable from
                // here: `#_parent` of a root session, an unknown `#_scxml_` id.
                let mut error = Event::new("error.communication", EventKind::Platform);
                error.meta_mut().sendid = request.id;
                self.internal.push_back(Internal::Event(error));
            }
        }
        Ok(())
    }

    /// `<send event="name">`, with a delay or not, and nothing else: an
    /// event to this session through the SCXML I/O processor, as
    /// [`Self::send`] sends it, without the request to read.
    pub fn send_self(&mut self, name: &'static str, delay: Option<Duration>) {
        let mut event = Event::new(name, EventKind::External);
        event.from_self = true;
        self.route(Route::External, event, delay);
    }

    /// Delivers a sent event now, or at its delay. A delayed event waits in
    /// this session's timers, so it dies with the session (W3C test 187).
    fn route(&mut self, route: Route, event: Event, delay: Option<Duration>) {
        match delay {
            Some(delay) if !delay.is_zero() => {
                self.seq += 1;
                let due = u64::try_from((self.now + delay).as_nanos()).unwrap_or(u64::MAX);
                self.timers.push(Timer { due, seq: self.seq, pending: Pending::new(event, route) });
            }
            _ => self.deliver(route, event),
        }
    }

    fn deliver(&mut self, route: Route, event: Event) {
        match route {
            Route::External => self.external.push_back(event),
            Route::Parent => self.extras().to_parent.push(event),
            Route::Child(id) => self.extras().to_children.push((id, event)),
        }
    }

    /// The invoke id a `#_<invokeid>` or `#_scxml_<sessionid>` target names.
    fn child_for_target(&self, target: &str) -> Option<Str> {
        let by_invoke = target.strip_prefix("#_").filter(|t| !t.starts_with("scxml_"));
        let by_session = target.strip_prefix("#_scxml_");
        self.extras
            .as_deref()?
            .children
            .iter()
            .find(|(invokeid, sessionid)| by_invoke == Some(&**invokeid) || by_session == Some(&**sessionid))
            .map(|(invokeid, _)| invokeid.clone())
    }

    /// No external event is waiting in the queue.
    pub(crate) fn external_is_empty(&self) -> bool {
        self.external.is_empty()
    }

    /// `<cancel>`: drops pending delayed sends with this id.
    pub fn cancel(&mut self, sendid: &str) {
        self.timers.retain(|t| t.pending.sendid().map(|s| &**s) != Some(sendid));
    }

    /// When the next delayed event is due.
    pub fn next_timer(&self) -> Option<Duration> {
        self.timers.peek().map(|t| Duration::from_nanos(t.due))
    }
}

/// A walk over the active states among a set (bits over state indices,
/// as [`Chart::ATOMIC_STATES`]), in document order: what
/// [`Chart::select_all`] does for each active atomic state. It holds no
/// borrow of the core between steps, so selection can run conditions;
/// they cannot change the configuration.
pub struct ActiveAmong {
    states: &'static [u64],
    word: usize,
    bits: u64,
}

impl ActiveAmong {
    #[inline]
    pub fn new(core: &Core, states: &'static [u64]) -> Self {
        ActiveAmong { states, word: 0, bits: core.config_word(0) & states.first().copied().unwrap_or(0) }
    }

    /// The next active state of the set, reading `core`'s configuration.
    #[inline]
    pub fn next_in(&mut self, core: &Core) -> Option<u16> {
        loop {
            if self.bits != 0 {
                let i = self.word * 64 + self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                return Some(i as u16);
            }
            self.word += 1;
            let states = *self.states.get(self.word)?;
            self.bits = core.config_word(self.word) & states;
        }
    }
}

/// An external event without data whose name is known when the program is
/// written (a button, a tick, a timeout): matched against chart `C`'s event
/// descriptors once, by [`Session::signal`], instead of on every send.
/// [`Session::process_signal`] then builds an [`Event`] only if a script
/// of the chart reads `_event`.
pub struct Signal<C> {
    info: SignalInfo,
    chart: std::marker::PhantomData<fn() -> C>,
}

/// A [`Signal`] without its chart's type: what the internal queue keeps
/// of a raised one.
#[derive(Clone, Copy)]
struct SignalInfo {
    name: &'static str,
    mask: u64,
}

impl<C> Clone for Signal<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Signal<C> {}

impl<C> std::fmt::Debug for Signal<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal").field("name", &self.info.name).field("mask", &self.info.mask).finish()
    }
}

impl<C> Signal<C> {
    pub fn name(&self) -> &'static str {
        self.info.name
    }

    /// For generated code (`Machine::TICK`), which works `mask` out at
    /// compile time: it must be `C::event_mask(name)`.
    #[doc(hidden)]
    pub const fn from_parts(name: &'static str, mask: u64) -> Self {
        Signal { info: SignalInfo { name, mask }, chart: std::marker::PhantomData }
    }
}

/// A limit of [`SessionOptions`] as a session keeps it: below `u32::MAX`,
/// so that the counter checked against it can always pass it.
fn limit(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX).min(u32::MAX - 1)
}

/// One running statechart.
pub struct Session<C: Chart> {
    pub chart: C,
    pub core: Core,
    /// Late binding: which states' data has been initialized.
    data_ready: Box<[bool]>,
    /// Whether the session has started or ended; how it ended is in `ended`.
    phase: Phase,
    /// [`SessionOptions`]' limits, kept in four bytes each.
    max_microsteps: u32,
    max_events_per_run: u32,
    /// What is kept once the session has ended.
    ended: Option<Box<Ended>>,
    /// In [`Phase::Final`], the top-level final state the session ended in.
    final_state: u16,
    /// The transitions of the microstep being taken, reused by every
    /// microstep. (The generic algorithm's other buffers are pooled per
    /// thread: `scratch`.)
    enabled: Enabled,
    /// What this session invoked; `None` until it invokes something.
    invocations: Option<Box<Invocations>>,
}

/// The transitions of a microstep: one word until a microstep of the
/// runtime's needs them (generated single-leaf steps never do).
#[derive(Default)]
#[allow(clippy::box_collection)] // One word inline instead of three.
struct Enabled(Option<Box<Vec<u32>>>);

impl Enabled {
    /// Empties the list without making room for one.
    fn clear(&mut self) {
        if let Some(list) = &mut self.0 {
            list.clear();
        }
    }

    /// Out of line: once per session that needs the list.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self) {
        self.0 = Some(Box::default());
    }
}

impl std::ops::Deref for Enabled {
    type Target = Vec<u32>;
    fn deref(&self) -> &Vec<u32> {
        static NONE: Vec<u32> = Vec::new();
        self.0.as_deref().unwrap_or(&NONE)
    }
}

impl std::ops::DerefMut for Enabled {
    #[inline]
    fn deref_mut(&mut self) -> &mut Vec<u32> {
        if self.0.is_none() {
            self.make_room();
        }
        self.0.get_or_insert_with(Box::default)
    }
}

/// Where a session is in its life. How it ended is kept out of line, in
/// [`Ended`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Running, and no observer looks at events: the direct path's one
    /// test on the way in. First, with `RunningObserved` next to it, so
    /// that "running" is one comparison too.
    Running,
    /// Running with an observer.
    RunningObserved,
    NotStarted,
    /// Ended in the top-level final state `leaf`, without `<donedata>`:
    /// the common end, which needs no [`Ended`] (its configuration then
    /// is that one state).
    Final,
    /// Ended otherwise; [`Ended`] keeps how.
    Ended,
    /// Stopped because it broke a bound; [`Ended`] keeps why.
    Halted,
}

/// What an ended session keeps, out of line.
struct Ended {
    /// [`Status::Done`] or [`Status::Halted`].
    status: Status,
    /// The configuration when the session ended (it exits every state then).
    /// Inline for the few states a session usually ends in: one
    /// allocation for the whole `Ended`.
    configuration: smallvec::SmallVec<[u16; 8]>,
    /// The `<donedata>` of the top-level final state reached: what an
    /// invoking parent receives in `done.invoke`.
    result: Value,
}

impl Default for Ended {
    fn default() -> Self {
        Ended { status: Status::Done(None), configuration: smallvec::SmallVec::new(), result: Value::Undefined }
    }
}

/// What a session invoked, kept out of line: most charts invoke nothing.
#[derive(Default)]
struct Invocations {
    /// States entered in this macrostep whose invokes have not started yet.
    states_to_invoke: Vec<u16>,
    children: Vec<Child>,
    /// Every invoke started and not cancelled: (invoke id, invoke index),
    /// so that events a child sent before it finished still get <finalize>.
    invoked: Vec<(Str, u32)>,
    /// Numbers the invoke ids made up for `<invoke>`s without one.
    seq: u64,
}

/// A running invoked child.
struct Child {
    id: Str,
    invoke: u32,
    session: Box<dyn crate::Invoked>,
}

impl<C: Chart> Session<C> {
    /// The chart's selection is generated and it has no invokes (so no
    /// `<finalize>` and no autoforward): events take the compiled path.
    const COMPILED: bool = C::COMPILED_SELECT && C::INVOKES.is_empty();

    /// Moreover no script reads `_event`: an event that owns nothing is
    /// only its name, and a signal needs no event at all.
    const DIRECT: bool = Self::COMPILED && !C::READS_EVENT;

    /// Some state is a history state: worked out once, not per session.
    const HAS_HISTORY: bool = {
        let mut i = 0;
        while i < C::STATES.len() && !matches!(C::STATES[i].kind, StateKind::ShallowHistory | StateKind::DeepHistory) {
            i += 1;
        }
        i < C::STATES.len()
    };

    fn invocations(&mut self) -> &mut Invocations {
        self.invocations.get_or_insert_with(Box::default)
    }

    /// The running invoked children.
    fn children(&self) -> &[Child] {
        self.invocations.as_deref().map_or(&[], |inv| &inv.children)
    }

    pub fn new(chart: C) -> Self {
        Self::with_options(chart, SessionOptions::default())
    }

    pub fn with_options(chart: C, options: SessionOptions) -> Self {
        let n = C::STATES.len();
        Session {
            chart,
            core: Core::new(|| C::STATES, C::SINGLE_LEAF, Self::HAS_HISTORY, options.session_id),
            data_ready: if C::LATE_BINDING { vec![false; n].into() } else { Box::default() },
            phase: Phase::NotStarted,
            final_state: NO_STATE,
            max_microsteps: limit(options.max_microsteps),
            max_events_per_run: limit(options.max_events_per_run),
            ended: None,
            enabled: Enabled::default(),
            invocations: None,
        }
    }

    pub fn set_observer(&mut self, observer: Box<dyn Observer>) {
        self.core.reports_states = observer.wants_states();
        self.core.observed = true;
        self.core.extras().observer = Some(observer);
        if self.phase == Phase::Running {
            self.phase = Phase::RunningObserved;
        }
    }

    pub fn status(&self) -> Status {
        match self.phase {
            Phase::NotStarted => Status::NotStarted,
            Phase::Running | Phase::RunningObserved => Status::Running,
            Phase::Final => Status::Done(Some(self.final_state)),
            // `end` keeps how it ended.
            Phase::Ended | Phase::Halted => {
                self.ended.as_deref().map_or(Status::Done(None), |ended| ended.status.clone())
            }
        }
    }

    #[inline]
    pub fn is_running(&self) -> bool {
        matches!(self.phase, Phase::Running | Phase::RunningObserved)
    }

    /// Running, and nobody observes it: events may take the direct path.
    #[inline(always)]
    fn is_running_unobserved(&self) -> bool {
        self.phase == Phase::Running
    }

    /// The session reached a top-level final state or was stopped.
    fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Final | Phase::Ended)
    }

    /// Ends the session: `status` is [`Status::Done`] or [`Status::Halted`].
    fn end(&mut self, status: Status) {
        self.phase = if let Status::Halted(_) = status { Phase::Halted } else { Phase::Ended };
        self.ended.get_or_insert_with(Box::default).status = status;
    }

    /// Ends the session in the top-level final state `s`, whose
    /// `<donedata>` gave `result`.
    fn end_in_final(&mut self, s: u16, result: Value) {
        if let Value::Undefined = result {
            self.final_state = s;
            self.phase = Phase::Final;
        } else {
            self.ended.get_or_insert_with(Box::default).result = result;
            self.end(Status::Done(Some(s)));
        }
    }

    /// The id of the top-level final state reached, if any.
    pub fn final_state(&self) -> Option<&'static str> {
        // Read where it is kept: `status()` would clone a halted session's message.
        let state = match self.phase {
            Phase::Final => self.final_state,
            Phase::Ended => match self.ended.as_deref()?.status {
                Status::Done(Some(state)) => state,
                _ => return None,
            },
            _ => return None,
        };
        Some(C::STATES[usize::from(state)].id)
    }

    /// Active states in document order, by id; once the session has ended,
    /// the states that were active when it ended.
    pub fn active_states(&self) -> Vec<&'static str> {
        if self.phase == Phase::Final {
            return vec![C::STATES[usize::from(self.final_state)].id];
        }
        if self.is_done() {
            let configuration = self.ended.as_deref().map_or(&[][..], |ended| &ended.configuration);
            return configuration.iter().map(|&s| C::STATES[usize::from(s)].id).collect();
        }
        self.core.active().map(|s| C::STATES[usize::from(s)].id).collect()
    }

    pub fn is_in(&self, id: &str) -> bool {
        self.core.is_active_id(id)
    }

    /// Initialises the datamodel, enters the initial configuration and runs to a stable one.
    pub fn start(&mut self) {
        self.start_with(Vec::new());
    }

    /// Starts with datamodel values that override the `<data>` initial
    /// values (an invoked child's parameters).
    pub fn start_with(&mut self, vars: Vec<(&'static str, Value)>) {
        if self.phase != Phase::NotStarted {
            return;
        }
        self.phase = if self.core.observed { Phase::RunningObserved } else { Phase::Running };
        if C::LATE_BINDING {
            self.init_data(0);
        } else if let Some(states) = C::DATA_STATES {
            for &s in states {
                self.init_data(s);
            }
        } else {
            for s in 0..C::STATES.len() as u16 {
                self.init_data(s);
            }
        }
        for (name, value) in vars {
            self.chart.set_var(name, value);
        }
        // The root's onentry holds the top-level <script>.
        for &block in C::STATES[0].onentry {
            self.run_block(block);
        }
        if Self::COMPILED && C::SINGLE_LEAF {
            // The generated selection takes the initial transition from
            // the empty configuration, as any other step; a chart that
            // does not leaves it to the runtime.
            // Nothing is active yet: the innermost state is the root.
            match self.select_from_innermost(None) {
                Step::None => self.enter_states(&[0]),
                step => self.take_step(step),
            }
            self.macrostep_single_leaf();
        } else {
            self.enter_states(&[0]);
            self.macrostep();
        }
        self.pump_children();
    }

    fn init_data(&mut self, state: u16) {
        // Late binding enters a state's data once, on its first entry.
        match self.data_ready.get_mut(usize::from(state)) {
            Some(true) => {}
            Some(ready) => {
                *ready = true;
                self.chart.init_data(&mut self.core, state);
            }
            None => self.chart.init_data(&mut self.core, state),
        }
    }

    /// Queues an external event (it is processed by [`Session::run_until_idle`]).
    pub fn send(&mut self, event: Event) {
        self.core.external.push_back(event);
    }

    /// Processes queued external events until none is left or the session ends.
    pub fn run_until_idle(&mut self) {
        let mut processed = 0u32;
        while self.step() {
            processed += 1;
            if processed >= self.max_events_per_run {
                self.end(Status::Halted(format!(
                    "{processed} external events in one run and the queue never drained: the chart feeds itself events"
                )));
                return;
            }
        }
    }

    /// Processes one queued external event; `false` when there was none to
    /// process (or the session is not running).
    pub fn step(&mut self) -> bool {
        if !self.is_running() {
            return false;
        }
        match self.core.external.pop_front() {
            Some(event) => {
                // Drained: its buffer goes back to the pool until the next event.
                self.core.external.release();
                self.process_external(event);
                self.pump_children();
                true
            }
            None => false,
        }
    }

    /// When the next delayed event is due, in this session or a child.
    #[inline]
    pub fn next_timer(&self) -> Option<Duration> {
        let own = self.core.next_timer();
        if self.invocations.is_none() {
            return own;
        }
        let children = self.children().iter().filter_map(|c| c.session.next_timer()).min();
        match (own, children) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Delivers the next delayed event, moving the virtual clock to its due
    /// time; `false` when none is pending.
    pub fn fire_next_timer(&mut self) -> bool {
        if !self.is_running() {
            return false;
        }
        let own = self.core.next_timer();
        let child =
            self.children().iter().enumerate().filter_map(|(i, c)| c.session.next_timer().map(|t| (t, i))).min();
        if let Some((due, i)) = child.filter(|(due, _)| own.is_none_or(|o| *due < o)) {
            self.core.now = self.core.now.max(due);
            let child = &mut self.invocations().children[i];
            child.session.fire_next_timer();
            child.session.run();
            self.pump_children();
            return true;
        }
        match self.core.timers.pop() {
            Some(Timer { due, pending, .. }) => {
                self.core.now = self.core.now.max(Duration::from_nanos(due));
                let (event, route) = pending.into_parts();
                self.core.deliver(route, event);
                self.pump_children();
                true
            }
            None => false,
        }
    }

    /// Fires the next delayed event and runs to a stable configuration, as
    /// [`Self::fire_next_timer`] then [`Self::run_until_idle`]; `false`
    /// when none is pending. An event due into an empty external queue is
    /// processed at once instead of passing through the queue: it would be
    /// next either way.
    pub fn run_next_timer(&mut self) -> bool {
        let straight = self.is_running()
            && self.invocations.is_none()
            && self.core.external_is_empty()
            && self.core.timers.peek().is_some_and(|t| t.pending.is_external());
        if let Some(Timer { due, pending, .. }) = straight.then(|| self.core.timers.pop()).flatten() {
            self.core.now = self.core.now.max(Duration::from_nanos(due));
            let event = pending.into_parts().0;
            if Self::COMPILED && C::SINGLE_LEAF {
                // The name is matched once, for both questions.
                let mask = C::event_mask(&event.name);
                if self.is_stale(mask) {
                    return true;
                }
                self.process_external_masked(event, mask);
            } else {
                self.process_external(event);
            }
            self.run_until_idle();
            return true;
        }
        let fired = self.fire_next_timer();
        self.run_until_idle();
        fired
    }

    /// No transition from the active states may take `event`, nothing
    /// eventless waits to be tried after it, and nobody watches: processing
    /// it would change nothing, and nothing would read it (a timeout that
    /// fires after its state was left). For single-leaf compiled charts.
    #[inline]
    fn is_stale(&self, mask: u64) -> bool {
        if !(Self::COMPILED && C::SINGLE_LEAF) || self.core.observed {
            return false;
        }
        let leaf = self.core.innermost();
        !C::handles(leaf, mask) && !C::eventless_from(leaf) && (C::QUIET_STEPS || !self.has_internal())
    }

    /// [`Self::process_external`] in a compiled chart, of an event whose
    /// descriptor mask is known.
    #[inline]
    fn process_external_masked(&mut self, event: Event, mask: u64) {
        debug_assert!(Self::COMPILED && mask == C::event_mask(&event.name));
        if Self::DIRECT && event.owns_nothing() && self.is_running_unobserved() {
            std::mem::forget(event);
            return self.process_compiled(mask, false);
        }
        if !self.is_running() {
            return;
        }
        self.process_external_compiled_masked(event, mask);
    }

    /// Sends one external event and runs to a stable configuration.
    #[inline]
    pub fn process_external(&mut self, event: Event) {
        // The common event owns nothing and no one looks at it: read its
        // name where the caller wrote it and let it go, as a signal. Small
        // enough to inline, so that a caller's constant parts of the event
        // fold away; anything else goes out of line.
        if Self::DIRECT && event.owns_nothing() && self.is_running_unobserved() {
            let mask = C::event_mask(&event.name);
            std::mem::forget(event);
            return self.process_compiled(mask, false);
        }
        // A chart that reads `_event` keeps the event: inlined here, the
        // caller's event goes straight into the session's block for it,
        // not through a call that reads it back in 16-byte loads the
        // caller's 8-byte stores cannot forward to.
        if Self::COMPILED && !Self::DIRECT && self.is_running() {
            return self.process_external_compiled(event);
        }
        self.process_external_other(event);
    }

    /// [`Self::process_external`] of an event that owns something or is
    /// looked at, or in a session that is not running or has invokes.
    #[inline(never)]
    fn process_external_other(&mut self, event: Event) {
        if !self.is_running() {
            return;
        }
        if Self::COMPILED {
            return self.process_external_compiled(event);
        }
        self.process_external_generic(event);
    }

    /// [`Self::process_external`] through the W3C algorithm: `<finalize>`,
    /// autoforward, then the macrostep. Out of line, so that the direct
    /// path beside it does not pay for its registers.
    #[inline(never)]
    fn process_external_generic(&mut self, event: Event) {
        if let Some(from) = event.invokeid().cloned() {
            // <finalize> runs before the event from the child is matched.
            let invoked = self.invocations.as_deref().and_then(|inv| inv.invoked.iter().find(|(id, _)| *id == from));
            if let Some(&(_, invoke)) = invoked {
                if let Some(block) = C::INVOKES[invoke as usize].finalize {
                    self.core.set_current(event.clone());
                    self.run_block(block);
                }
            }
        }
        for child in self.invocations.iter_mut().flat_map(|inv| inv.children.iter_mut()) {
            if C::INVOKES[child.invoke as usize].autoforward {
                let forwarded = self.core.with_origin(event.clone());
                child.session.deliver(forwarded);
                child.session.run();
            }
        }
        self.set_event(event);
        self.select_and_step(false);
        self.macrostep();
        self.core.clear_current();
    }

    /// The signal named `name`, for [`Self::process_signal`].
    pub fn signal(name: &'static str) -> Signal<C> {
        Signal::from_parts(name, C::event_mask(name))
    }

    /// [`Self::process_external`] of `Event::external(signal.name())`,
    /// without making the event when no script would see it.
    #[inline]
    pub fn process_signal(&mut self, signal: Signal<C>) {
        if Self::DIRECT && self.is_running_unobserved() {
            return self.process_compiled(signal.info.mask, false);
        }
        if !Self::DIRECT || self.core.observed {
            self.process_signal_as_event(signal.info.name);
        }
    }

    /// A signal someone will look at, made into the event it stands for.
    /// Out of line: the event's bytes would otherwise need a stack frame
    /// on the signal's direct path.
    #[inline(never)]
    fn process_signal_as_event(&mut self, name: &'static str) {
        self.process_external(Event::external(name));
    }

    /// [`Self::process_external`] for the common chart: a generated
    /// selection, no invokes (so no `<finalize>` and no autoforward).
    /// With one active atomic state the generated step
    /// usually takes the whole microstep. The macrostep's loop runs only
    /// when something is left for it: an eventless transition, a raised
    /// event, a final state.
    #[inline]
    fn process_external_compiled(&mut self, event: Event) {
        let mask = C::event_mask(&event.name);
        self.process_external_compiled_masked(event, mask);
    }

    /// [`Self::process_external_compiled`] of an event whose descriptor
    /// mask is known.
    #[inline(always)]
    fn process_external_compiled_masked(&mut self, event: Event, mask: u64) {
        self.take_event(event);
        let report = self.core.reports_states();
        self.process_compiled(mask, report);
        if C::READS_EVENT {
            self.core.clear_current();
        }
    }

    /// Makes `event` the one being processed on a compiled path: tells the
    /// observer, keeps it as `_event` for a chart that reads it (otherwise
    /// it is done with), and returns its descriptor mask.
    #[inline(always)]
    fn accept_event(&mut self, event: Event) -> u64 {
        let mask = C::event_mask(&event.name);
        self.take_event(event);
        mask
    }

    /// [`Self::accept_event`] but for the mask: the observer is told, and
    /// the event kept as `_event` or let go.
    #[inline(always)]
    fn take_event(&mut self, event: Event) {
        if self.core.observed {
            self.core.observe_event(&event);
        }
        if C::READS_EVENT {
            self.core.set_current(event);
        } else if event.owns_nothing() {
            std::mem::forget(event);
        }
    }

    /// The macrostep of an external event given by its descriptor mask
    /// (and, for charts that read it, in `core.current`). Always inlined:
    /// it is the body of both ways in, events and signals. `report`: an
    /// observer wants each state change (never on the direct paths, which
    /// pass a constant `false`, so the generated step does not test it).
    #[inline(always)]
    fn process_compiled(&mut self, mask: u64, report: bool) {
        if C::SINGLE_LEAF {
            let leaf = self.core.innermost();
            match self.chart.select(&mut self.core, leaf, Some(mask), report) {
                Step::Taken => {}
                // A step that may end the session: the macrostep's rest
                // sees to that, and to what else is left.
                Step::Select(t) => {
                    self.runtime_microstep(t);
                    return self.macrostep_single_leaf();
                }
                Step::Final(leaf) => {
                    self.reached_final(leaf);
                    return self.macrostep_single_leaf();
                }
                Step::None => {}
            }
            if C::eventless_from(self.core.innermost()) || (!C::QUIET_STEPS && self.has_internal()) {
                self.macrostep_single_leaf();
            }
            return;
        }
        self.enabled.clear();
        if self.select_leaves(Some(mask)) && !self.core.reports_states() {
            self.chart.local_microstep(&mut self.core, &self.enabled);
        } else if !self.enabled.is_empty() {
            self.microstep();
        }
        if C::HAS_EVENTLESS || self.has_internal() || !self.is_running() {
            self.macrostep();
        }
    }

    /// Something waits in the internal queue. The slot for a raised
    /// signal is looked at only in charts that raise some: one test less
    /// after every step of the others.
    #[inline(always)]
    fn has_internal(&self) -> bool {
        !self.core.internal.is_empty_with_slot(C::RAISES_SIGNALS)
    }

    /// The rest of the macrostep for single-leaf charts in
    /// [`Self::process_external_compiled`]: [`Self::macrostep`]'s loop
    /// (eventless transitions first, then one internal event), each step
    /// straight from the generated code. Never inlined: the direct path
    /// that calls it would otherwise save and restore every register for
    /// this loop on each event, even when it does not run.
    #[inline(never)]
    fn macrostep_single_leaf(&mut self) {
        let mut steps = 0u32;
        while self.is_running() {
            let mut step =
                if C::eventless_from(self.core.innermost()) { self.select_from_innermost(None) } else { Step::None };
            if let Step::None = step {
                if self.core.internal.is_empty() {
                    break;
                }
                step = self.select_internal();
                if let Step::None = step {
                    continue;
                }
            }
            self.take_step(step);
            steps += 1;
            if steps > self.max_microsteps {
                self.halt_runaway();
                return;
            }
        }
        self.core.internal.release();
        if self.is_done() {
            self.exit_interpreter();
        }
    }

    /// Takes the next internal event and asks the generated selection about
    /// it. Out of line, so that a loop of eventless steps stays small.
    #[inline(never)]
    fn select_internal(&mut self) -> Step {
        let mask = match self.core.internal.pop_front() {
            None => return Step::None,
            Some(Internal::Signal { name, mask }) if C::READS_EVENT || self.core.observed => {
                self.accept_event(Event::new(name, EventKind::Internal));
                mask
            }
            Some(Internal::Signal { mask, .. }) => mask,
            Some(Internal::Event(event)) => self.accept_event(event),
        };
        self.select_from_innermost(Some(mask))
    }

    /// [`Chart::select`] from the innermost active state of a single-leaf
    /// chart, off the direct paths: the observer's wish decides whether
    /// the generated code may take the step itself.
    #[inline]
    fn select_from_innermost(&mut self, mask: Option<u64>) -> Step {
        let (leaf, report) = (self.core.innermost(), self.core.reports_states());
        self.chart.select(&mut self.core, leaf, mask, report)
    }

    /// Finishes what [`Chart::select`] started in a single-leaf chart.
    #[inline]
    fn take_step(&mut self, step: Step) {
        match step {
            Step::Taken => {}
            Step::Select(t) => self.runtime_microstep(t),
            Step::Final(leaf) => self.reached_final(leaf),
            Step::None => {}
        }
    }

    /// After generated code entered the top-level final state `leaf` (its
    /// `<onentry>` run): what [`Self::enter_state`] does then, in order.
    #[cold]
    #[inline(never)]
    fn reached_final(&mut self, leaf: u16) {
        let result = self.done_data(leaf);
        self.end_in_final(leaf, result);
    }

    /// The runtime's microstep for one transition the generated code did
    /// not take itself. Out of line: most single-leaf steps never come here.
    #[inline(never)]
    fn runtime_microstep(&mut self, t: u32) {
        self.microstep_of(&[t]);
    }

    /// Moves the virtual clock to `until`, delivering each delayed event when
    /// it falls due and running the session after each one.
    pub fn advance_to(&mut self, until: Duration) {
        self.run_until_idle();
        while self.is_running() {
            match self.next_timer() {
                Some(due) if due <= until => {
                    self.run_next_timer();
                }
                _ => break,
            }
        }
        self.core.now = self.core.now.max(until);
    }

    /// Starts the session and runs it on the virtual clock until it ends, has
    /// nothing left to do, or `limit` is reached.
    pub fn run_virtual(&mut self, limit: Duration) {
        self.start();
        loop {
            self.run_until_idle();
            match self.next_timer() {
                Some(due) if self.is_running() && due <= limit => self.advance_to(due),
                _ => break,
            }
        }
    }

    /// Runs on the wall clock: sleeps until each delayed event is due. Returns
    /// when the session ends, when nothing is pending, or at `limit`.
    pub fn run_real_time(&mut self, limit: Duration) {
        let started = std::time::Instant::now();
        self.start();
        loop {
            self.run_until_idle();
            let Some(due) = self.next_timer().filter(|due| self.is_running() && *due <= limit) else { break };
            let elapsed = started.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
            self.fire_next_timer();
        }
    }

    fn set_event(&mut self, event: Event) {
        if self.core.observed {
            self.core.observe_event(&event);
        }
        // `_event` is built on first use: most charts never read it.
        self.core.set_current(event);
    }

    fn run_block(&mut self, block: u32) {
        if let Err(error) = self.chart.exec(&mut self.core, block) {
            self.core.raise_error("error.execution", &error, None);
        }
    }

    fn macrostep(&mut self) {
        let mut steps = 0u32;
        while self.is_running() {
            let mut stepped = self.select_and_step(true);
            if !stepped {
                let Some(event) = self.core.internal.pop_front() else { break };
                self.set_event(event.into_event());
                stepped = self.select_and_step(false);
            }
            if stepped {
                steps += 1;
                if steps > self.max_microsteps {
                    self.halt_runaway();
                    return;
                }
            }
        }
        if self.is_running() && self.invocations.as_deref().is_some_and(|inv| !inv.states_to_invoke.is_empty()) {
            self.start_invokes();
            if !self.core.internal.is_empty() {
                return self.macrostep();
            }
        }
        self.core.internal.release();
        if self.is_done() {
            self.exit_interpreter();
        }
    }

    fn halt_runaway(&mut self) {
        self.end(Status::Halted(format!(
            "more than {} microsteps in one macrostep: the chart never settles",
            self.max_microsteps
        )));
    }

    /// Starts the invokes of the states entered in this macrostep that are
    /// still active, in document order.
    fn start_invokes(&mut self) {
        let mut states = std::mem::take(&mut self.invocations().states_to_invoke);
        states.sort_unstable();
        states.dedup();
        for s in states {
            if !self.core.is_active(s) {
                continue;
            }
            for (i, info) in C::INVOKES.iter().enumerate().filter(|(_, inv)| inv.state == s) {
                let id: Str = match info.id {
                    Some(id) => Str::from(id),
                    None => {
                        let inv = self.invocations();
                        inv.seq += 1;
                        Str::from(format!("{}.inv{}", Self::state(s).id, inv.seq))
                    }
                };
                match self.chart.invoke(&mut self.core, i as u32, &id) {
                    Ok(start) => {
                        let mut child = start.child;
                        let parent_id = self.core.session_id.to_text();
                        child.start(self.core.now, &parent_id, start.vars);
                        self.core.extras().children.push((id.clone(), child.session_id()));
                        let inv = self.invocations();
                        inv.invoked.push((id.clone(), i as u32));
                        inv.children.push(Child { id, invoke: i as u32, session: child });
                    }
                    Err(error) => self.core.raise_error("error.execution", &error, None),
                }
            }
        }
    }

    /// Moves events between this session and its children until none is in
    /// flight: sends to children, children's sends to `#_parent` (tagged
    /// with the invoke id), and `done.invoke.<id>` when a child finishes.
    fn pump_children(&mut self) {
        let Some(inv) = self.invocations.as_deref_mut() else {
            return;
        };
        loop {
            let mut moved = false;
            let to_children = self.core.extras.as_deref_mut().map(|l| std::mem::take(&mut l.to_children));
            for (id, event) in to_children.unwrap_or_default() {
                if let Some(child) = inv.children.iter_mut().find(|c| c.id == id) {
                    child.session.deliver(event);
                    child.session.run();
                    moved = true;
                }
            }
            let mut i = 0;
            while i < inv.children.len() {
                let child = &mut inv.children[i];
                for (label, text) in child.session.take_logs() {
                    self.core.log_from_child(&child.id, &label, &text);
                }
                for mut event in child.session.take_to_parent() {
                    event.meta_mut().invokeid = Some(child.id.clone());
                    self.core.external.push_back(event);
                    moved = true;
                }
                if child.session.is_running() {
                    i += 1;
                } else {
                    let mut child = inv.children.remove(i);
                    self.core.extras().children.retain(|(id, _)| *id != child.id);
                    let mut done = Event::new(format!("done.invoke.{}", child.id), EventKind::External)
                        .with_data(child.session.take_result());
                    done.meta_mut().invokeid = Some(child.id.clone());
                    self.core.external.push_back(done);
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
    }

    fn exit_interpreter(&mut self) {
        let active: smallvec::SmallVec<[u16; 8]> = if C::SINGLE_LEAF {
            // A chain: the innermost state's ancestors, without a search.
            let mut chain = smallvec::SmallVec::new();
            let mut s = self.core.innermost();
            while s != 0 && s != NO_STATE {
                chain.push(s);
                s = Self::state(s).parent;
            }
            chain.reverse();
            chain
        } else {
            self.core.active().collect()
        };
        for &s in active.iter().rev() {
            for &block in C::STATES[usize::from(s)].onexit {
                self.run_block(block);
            }
            self.core.exit_state(s, Self::state(s).parent);
        }
        // Ended in a top-level final state, the configuration is that
        // state, and `final_state` keeps it.
        if self.phase != Phase::Final {
            self.ended.get_or_insert_with(Box::default).configuration = active;
        }
    }

    // ---- queries over the tables -------------------------------------

    fn state(s: u16) -> &'static StateInfo {
        &C::STATES[usize::from(s)]
    }

    fn transition(t: u32) -> &'static TransitionInfo {
        &C::TRANSITIONS[t as usize]
    }

    /// `a` is a proper descendant of `b`: descendants are a contiguous range
    /// in document order.
    fn is_descendant(a: u16, b: u16) -> bool {
        a > b && a <= Self::state(b).last_descendant
    }

    fn is_compound(s: u16) -> bool {
        matches!(Self::state(s).kind, StateKind::Compound | StateKind::Root)
    }

    fn is_atomic(s: u16) -> bool {
        matches!(Self::state(s).kind, StateKind::Atomic | StateKind::Final)
    }

    fn is_history(s: u16) -> bool {
        matches!(Self::state(s).kind, StateKind::ShallowHistory | StateKind::DeepHistory)
    }

    fn is_in_final_state(&self, s: u16) -> bool {
        let info = Self::state(s);
        match info.kind {
            StateKind::Compound | StateKind::Root => {
                info.children.iter().any(|&c| Self::state(c).kind == StateKind::Final && self.core.is_active(c))
            }
            StateKind::Parallel => info.children.iter().all(|&c| self.is_in_final_state(c)),
            _ => false,
        }
    }

    // ---- transition selection ----------------------------------------

    /// Selects the transitions the current event (or none) enables and
    /// takes them in one microstep; `false` when none is enabled.
    fn select_and_step(&mut self, eventless: bool) -> bool {
        if self.select_transitions(eventless) {
            return true;
        }
        if self.enabled.is_empty() {
            return false;
        }
        self.microstep();
        true
    }

    /// Fills `self.enabled` with the optimal enabled transition set; `true`
    /// when the generated code already took the microstep.
    fn select_transitions(&mut self, eventless: bool) -> bool {
        self.enabled.clear();
        if eventless && !C::HAS_EVENTLESS {
            return false;
        }
        if C::COMPILED_SELECT {
            return self.select_compiled(eventless);
        }
        let name = if eventless { None } else { self.core.current_event().map(|e| e.name.clone()) };
        let mut atomic = scratch::take::<Vec<u16>>();
        atomic.extend(self.core.active().filter(|&s| Self::is_atomic(s)));
        for &state in atomic.iter() {
            let mut s = state;
            'ancestors: while s != NO_STATE {
                for &t in Self::state(s).transitions {
                    let info = Self::transition(t);
                    let matches = match &name {
                        None => info.events.is_empty(),
                        Some(name) => info.events.iter().any(|d| event_matches(d, name)),
                    };
                    if matches && self.condition_holds(t) {
                        if !self.enabled.contains(&t) {
                            self.enabled.push(t);
                        }
                        break 'ancestors;
                    }
                }
                s = Self::state(s).parent;
            }
        }
        if self.enabled.len() > 1 && !Self::all_local(&self.enabled) {
            self.remove_conflicting_transitions();
        }
        false
    }

    /// [`Self::select_transitions`] through the generated [`Chart::select`]:
    /// the event name becomes a descriptor mask once, without cloning it.
    fn select_compiled(&mut self, eventless: bool) -> bool {
        let mask = if eventless { None } else { self.core.current_event().map(|e| C::event_mask(&e.name)) };
        if C::SINGLE_LEAF {
            match self.select_from_innermost(mask) {
                Step::None => {}
                Step::Select(t) => self.enabled.push(t),
                Step::Taken => return true,
                Step::Final(leaf) => {
                    self.reached_final(leaf);
                    return true;
                }
            }
            return false;
        }
        self.select_leaves(mask);
        false
    }

    /// Asks the generated selection about each active atomic state, in
    /// document order, and keeps the optimal enabled set in `self.enabled`.
    /// `true` when every transition kept is local.
    fn select_leaves(&mut self, mask: Option<u64>) -> bool {
        let all_local = self.chart.select_all(&mut self.core, mask, &mut self.enabled) && C::LOCAL_STEPS;
        if self.enabled.len() > 1 && !all_local {
            self.remove_conflicting_transitions();
        }
        all_local
    }

    fn condition_holds(&mut self, t: u32) -> bool {
        if !Self::transition(t).has_cond {
            return true;
        }
        match self.chart.cond(&mut self.core, t) {
            Ok(b) => b,
            Err(error) => {
                self.core.raise_error("error.execution", &error, None);
                false
            }
        }
    }

    /// The states a transition exits lie in its domain's descendant range:
    /// `None` for a targetless transition, which exits nothing.
    fn exit_range(&self, t: u32) -> Option<(u16, u16)> {
        if Self::transition(t).targets.is_empty() {
            return None;
        }
        self.transition_domain(t).map(|d| (d + 1, Self::state(d).last_descendant))
    }

    /// W3C `removeConflictingTransitions`. Two exit sets intersect exactly
    /// when both are non-empty and their domains' ranges overlap (ranges of
    /// a tree nest or are disjoint, and each holds its transition's active source).
    fn remove_conflicting_transitions(&mut self) {
        let overlap = |r1: Option<(u16, u16)>, r2: Option<(u16, u16)>| matches!((r1, r2), (Some((a, b)), Some((c, d))) if a <= d && c <= b);
        let mut kept = scratch::take::<Vec<(u32, Option<(u16, u16)>)>>();
        for &t1 in self.enabled.iter() {
            let r1 = self.exit_range(t1);
            let source = Self::transition(t1).source;
            // A transition in a descendant of the other's source wins.
            let preempted = kept
                .iter()
                .any(|&(t2, r2)| overlap(r1, r2) && !Self::is_descendant(source, Self::transition(t2).source));
            if !preempted {
                kept.retain(|&(_, r2)| !overlap(r1, r2));
                kept.push((t1, r1));
            }
        }
        self.enabled.clear();
        self.enabled.extend(kept.iter().map(|&(t, _)| t));
    }

    // ---- microstep ---------------------------------------------------

    /// Every transition of `enabled` is local: no conflicts, and the
    /// generated exits and entries apply.
    fn all_local(enabled: &[u32]) -> bool {
        C::LOCAL_STEPS && enabled.iter().all(|&t| Self::transition(t).local)
    }

    fn microstep(&mut self) {
        let enabled = std::mem::take(&mut self.enabled);
        self.microstep_of(&enabled);
        self.enabled = enabled;
    }

    /// The microstep of `enabled`, an optimal enabled transition set.
    fn microstep_of(&mut self, enabled: &[u32]) {
        // Local transitions' domains lie in disjoint subtrees, in the order
        // they were selected, so the generated one-pass microstep keeps the
        // W3C exit and entry order. It does not report state changes.
        if Self::all_local(enabled) && !self.core.reports_states() {
            return self.chart.local_microstep(&mut self.core, enabled);
        }
        self.exit_states(enabled);
        for &t in enabled {
            if let Some(block) = Self::transition(t).exec {
                self.run_block(block);
            }
        }
        self.enter_states(enabled);
    }

    fn push_effective_targets(&self, targets: &[u16], out: &mut Vec<u16>) {
        for &s in targets {
            if Self::is_history(s) {
                match &self.core.history[usize::from(s)] {
                    Some(stored) => {
                        for &h in stored {
                            if !out.contains(&h) {
                                out.push(h);
                            }
                        }
                    }
                    None => self.push_effective_targets(Self::state(s).initial, out),
                }
            } else if !out.contains(&s) {
                out.push(s);
            }
        }
    }

    /// W3C `getTransitionDomain`: precomputed by the compiler unless a
    /// target is a history state, whose meaning depends on the run.
    fn transition_domain(&self, t: u32) -> Option<u16> {
        let info = Self::transition(t);
        if info.domain != NO_STATE {
            return Some(info.domain);
        }
        let mut targets = Vec::new();
        self.push_effective_targets(info.targets, &mut targets);
        if targets.is_empty() {
            return None;
        }
        if info.internal
            && Self::is_compound(info.source)
            && targets.iter().all(|&s| Self::is_descendant(s, info.source))
        {
            return Some(info.source);
        }
        let mut anc = Self::state(info.source).parent;
        while anc != NO_STATE {
            if Self::is_compound(anc) && targets.iter().all(|&s| Self::is_descendant(s, anc)) {
                return Some(anc);
            }
            anc = Self::state(anc).parent;
        }
        Some(0)
    }

    fn exit_states(&mut self, enabled: &[u32]) {
        if let ([t], true) = (enabled, C::SINGLE_LEAF) {
            let info = Self::transition(*t);
            if info.targets.is_empty() {
                return;
            }
            if info.domain != NO_STATE {
                // One active atomic state: the exit set is the chain from it
                // up to the domain, in exit order already.
                let leaf = self.core.innermost();
                let (mut s, mut from) = (leaf, NO_STATE);
                while s != info.domain && s != NO_STATE {
                    for &h in Self::state(s).history {
                        // Deep: the atomic descendants (the leaf); shallow:
                        // the active child (the one the walk came from).
                        let kept = if Self::state(h).kind == StateKind::DeepHistory { leaf } else { from };
                        self.core.record_history(h, kept);
                    }
                    for &block in Self::state(s).onexit {
                        self.run_block(block);
                    }
                    self.core.exit_state(s, Self::state(s).parent);
                    from = s;
                    s = Self::state(s).parent;
                }
                return;
            }
        }
        let mut to_exit = scratch::take::<Vec<u16>>();
        for &t in enabled {
            if let Some((lo, hi)) = self.exit_range(t) {
                to_exit.extend(self.core.active_in(lo, hi));
            }
        }
        to_exit.sort_unstable_by(|a, b| b.cmp(a));
        to_exit.dedup();
        for &s in to_exit.iter() {
            for &h in Self::state(s).history {
                let recorded: Vec<u16> = if Self::state(h).kind == StateKind::DeepHistory {
                    self.core.active_in(s + 1, Self::state(s).last_descendant).filter(|&a| Self::is_atomic(a)).collect()
                } else {
                    Self::state(s).children.iter().copied().filter(|&c| self.core.is_active(c)).collect()
                };
                self.core.history[usize::from(h)] = Some(recorded);
            }
        }
        for &s in to_exit.iter() {
            for &block in Self::state(s).onexit {
                self.run_block(block);
            }
            // Leaving a state cancels what it invoked.
            if let Some(inv) = self.invocations.as_deref_mut() {
                inv.states_to_invoke.retain(|&p| p != s);
                let before = inv.children.len();
                let mut k = 0;
                while k < inv.children.len() {
                    if C::INVOKES[inv.children[k].invoke as usize].state == s {
                        let mut child = inv.children.remove(k);
                        child.session.cancel();
                        for (label, text) in child.session.take_logs() {
                            self.core.log_from_child(&child.id, &label, &text);
                        }
                    } else {
                        k += 1;
                    }
                }
                inv.invoked.retain(|(_, i)| C::INVOKES[*i as usize].state != s);
                if inv.children.len() != before {
                    let live: Vec<Str> = inv.children.iter().map(|c| c.id.clone()).collect();
                    self.core.extras().children.retain(|(id, _)| live.contains(id));
                }
            }
            self.core.exit_state(s, Self::state(s).parent);
        }
    }

    fn enter_states(&mut self, enabled: &[u32]) {
        if let [t] = enabled {
            // Compiled entry sets are static and in entry order already.
            let info = Self::transition(*t);
            if let Some(states) = info.entry {
                for &s in states {
                    self.enter_state(s, info.default_entry.contains(&s), None);
                }
                return;
            }
        }
        let mut entry = scratch::take::<EntrySet>();
        let all_static =
            enabled.iter().all(|&t| Self::transition(t).entry.is_some() || Self::transition(t).targets.is_empty());
        if all_static {
            // Transitions left after conflict removal have disjoint domains,
            // so their entry sets are independent: the union is the set.
            for &t in enabled {
                let info = Self::transition(t);
                entry.states.extend_from_slice(info.entry.unwrap_or_default());
                entry.default_entry.extend_from_slice(info.default_entry);
            }
            entry.states.sort_unstable();
            entry.states.dedup();
            for i in 0..entry.states.len() {
                let s = entry.states[i];
                self.enter_state(s, entry.default_entry.contains(&s), None);
            }
            return;
        }
        let mut targets = scratch::take::<Vec<u16>>();
        for &t in enabled {
            for &s in Self::transition(t).targets {
                self.add_descendants(s, &mut entry);
            }
            let domain = self.transition_domain(t);
            targets.clear();
            self.push_effective_targets(Self::transition(t).targets, &mut targets);
            for &s in targets.iter() {
                self.add_ancestors(s, domain, &mut entry);
            }
        }
        entry.states.sort_unstable();
        for i in 0..entry.states.len() {
            let s = entry.states[i];
            let history_content = entry.history_content.iter().find(|(p, _)| *p == s).map(|&(_, block)| block);
            self.enter_state(s, entry.default_entry.contains(&s), history_content);
        }
    }

    /// Enters one state of the entry set: `default_entry` when its initial
    /// transition's content runs, `history_content` when a history state of
    /// it was entered by default.
    #[inline]
    fn enter_state(&mut self, s: u16, default_entry: bool, history_content: Option<u32>) {
        self.core.enter_state(s);
        if !C::INVOKES.is_empty() {
            self.invocations().states_to_invoke.push(s);
        }
        if C::LATE_BINDING {
            self.init_data(s);
        }
        for &block in Self::state(s).onentry {
            self.run_block(block);
        }
        if default_entry {
            if let Some(block) = Self::state(s).initial_exec {
                self.run_block(block);
            }
        }
        if let Some(block) = history_content {
            self.run_block(block);
        }
        if Self::state(s).kind == StateKind::Final {
            let parent = Self::state(s).parent;
            if Self::state(parent).kind == StateKind::Root {
                let result = self.done_data(s);
                self.end_in_final(s, result);
            } else {
                let data = self.done_data(s);
                self.raise_done(parent, data);
                let grandparent = Self::state(parent).parent;
                if grandparent != NO_STATE
                    && Self::state(grandparent).kind == StateKind::Parallel
                    && Self::state(grandparent).children.iter().all(|&c| self.is_in_final_state(c))
                {
                    self.raise_done(grandparent, Value::Undefined);
                }
            }
        }
    }

    fn done_data(&mut self, s: u16) -> Value {
        if !Self::state(s).has_donedata {
            return Value::Undefined;
        }
        match self.chart.done_data(&mut self.core, s) {
            Ok(v) => v,
            Err(error) => {
                self.core.raise_error("error.execution", &error, None);
                Value::Undefined
            }
        }
    }

    fn raise_done(&mut self, state: u16, data: Value) {
        let name = format!("done.state.{}", Self::state(state).id);
        self.core.internal.push_back(Internal::Event(Event::new(name, EventKind::Internal).with_data(data)));
    }

    fn add_descendants(&self, s: u16, entry: &mut EntrySet) {
        let info = Self::state(s);
        if Self::is_history(s) {
            let (targets, content): (Vec<u16>, Option<u32>) = match &self.core.history[usize::from(s)] {
                Some(stored) => (stored.clone(), None),
                None => (info.initial.to_vec(), info.initial_exec),
            };
            if let Some(block) = content {
                entry.history_content.push((info.parent, block));
            }
            for &t in &targets {
                self.add_descendants(t, entry);
            }
            for &t in &targets {
                self.add_ancestors(t, Some(info.parent), entry);
            }
            return;
        }
        entry.add(s);
        match info.kind {
            StateKind::Compound => {
                entry.default_entry.push(s);
                for &t in info.initial {
                    self.add_descendants(t, entry);
                }
                for &t in info.initial {
                    self.add_ancestors(t, Some(s), entry);
                }
            }
            StateKind::Parallel => {
                for &child in info.children {
                    if !entry.states.iter().any(|&e| e == child || Self::is_descendant(e, child)) {
                        self.add_descendants(child, entry);
                    }
                }
            }
            _ => {}
        }
    }

    fn add_ancestors(&self, s: u16, domain: Option<u16>, entry: &mut EntrySet) {
        let mut anc = Self::state(s).parent;
        while anc != NO_STATE && Some(anc) != domain {
            if Self::state(anc).kind == StateKind::Root {
                break;
            }
            entry.add(anc);
            if Self::state(anc).kind == StateKind::Parallel {
                for &child in Self::state(anc).children {
                    if !entry.states.iter().any(|&e| e == child || Self::is_descendant(e, child)) {
                        self.add_descendants(child, entry);
                    }
                }
            }
            anc = Self::state(anc).parent;
        }
    }
}

impl<C: Chart> crate::Invoked for Session<C> {
    fn start(&mut self, now: Duration, parent: &str, vars: Vec<(&'static str, Value)>) {
        let extras = self.core.extras();
        extras.parent = Some(Str::from(parent));
        extras.forwarded_logs = Some(Vec::new());
        self.core.now = now;
        self.start_with(vars);
    }
    fn deliver(&mut self, event: Event) {
        self.core.external.push_back(event);
    }
    fn run(&mut self) {
        self.run_until_idle();
    }
    fn is_running(&self) -> bool {
        Session::is_running(self)
    }
    fn take_to_parent(&mut self) -> Vec<Event> {
        self.core.extras.as_deref_mut().map(|l| std::mem::take(&mut l.to_parent)).unwrap_or_default()
    }
    fn next_timer(&self) -> Option<Duration> {
        Session::next_timer(self)
    }
    fn fire_next_timer(&mut self) -> bool {
        Session::fire_next_timer(self)
    }
    fn session_id(&self) -> Str {
        self.core.session_id.to_text()
    }
    fn take_logs(&mut self) -> Vec<(String, String)> {
        self.core.extras.as_deref_mut().and_then(Extras::forwarded_logs).map(std::mem::take).unwrap_or_default()
    }
    fn take_result(&mut self) -> Value {
        self.ended.as_deref_mut().map(|ended| std::mem::take(&mut ended.result)).unwrap_or_default()
    }
    fn cancel(&mut self) {
        if self.is_running() {
            self.end(Status::Done(None));
            self.exit_interpreter();
        }
    }
}

#[derive(Default)]
struct EntrySet {
    states: Vec<u16>,
    default_entry: Vec<u16>,
    /// (parent of a history state, default transition content) for histories entered by default.
    history_content: Vec<(u16, u32)>,
}

impl EntrySet {
    fn add(&mut self, s: u16) {
        if !self.states.contains(&s) {
            self.states.push(s);
        }
    }

    fn clear(&mut self) {
        self.states.clear();
        self.default_entry.clear();
        self.history_content.clear();
    }
}

scratch::reuse! {
    EntrySet => EntrySet::clear;
}

/// Whether an event descriptor (`error`, `*`) matches an event name
/// (`error.execution`): equal, or a prefix ending at a `.` (W3C 3.12.1).
#[inline]
pub fn event_matches(descriptor: &str, name: &str) -> bool {
    descriptor == "*"
        || name == descriptor
        || (name.len() > descriptor.len() && name.starts_with(descriptor) && name.as_bytes()[descriptor.len()] == b'.')
}

#[cfg(test)]
mod tests {
    use super::{event_matches, Event, Internal, InternalQueue, Pending, Route, SignalInfo};
    use crate::{EventKind, Value};

    #[test]
    fn session_numbers_are_unique_across_threads_and_blocks() {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    (0..3 * super::SESSION_BLOCK).map(|_| super::next_session_number()).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<u64> = threads.into_iter().flat_map(|t| t.join().unwrap_or_default()).collect();
        let taken = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!((all.len(), taken), (12 * super::SESSION_BLOCK as usize, 12 * super::SESSION_BLOCK as usize));
        assert!(all[0] >= 1);
    }

    #[test]
    fn a_timer_gives_back_the_event_it_was_given() {
        let timeout = || {
            let mut e = Event::new("t", EventKind::External);
            e.from_self = true;
            e
        };
        let fields = |(e, r): (Event, Route)| {
            (
                e.name.to_string(),
                e.kind,
                e.from_self,
                e.data.to_js_string(),
                e.meta.is_some(),
                matches!(r, Route::External),
            )
        };
        assert!(matches!(Pending::new(timeout(), Route::External), Pending::Timeout { name: "t" }));
        assert_eq!(
            fields(Pending::new(timeout(), Route::External).into_parts()),
            ("t".into(), EventKind::External, true, "undefined".into(), false, true)
        );
        // Anything more than a bare timeout keeps its whole event.
        let with_data = timeout().with_data(Value::from(1));
        let mut with_id = timeout();
        with_id.meta_mut().sendid = Some(crate::static_str!("s"));
        let mut from_outside = timeout();
        from_outside.from_self = false;
        let shared_name = Event::new(crate::Name::from(String::from("t")), EventKind::External);
        for (event, route) in [
            (with_data, Route::External),
            (with_id, Route::External),
            (from_outside, Route::External),
            (shared_name, Route::External),
            (timeout(), Route::Parent),
        ] {
            let expected = fields((event.clone(), route.clone()));
            let pending = Pending::new(event, route);
            assert!(matches!(pending, Pending::Other(_)));
            assert_eq!(fields(pending.into_parts()), expected);
        }
    }

    #[test]
    fn the_internal_queue_keeps_raise_order_around_its_slot() {
        static A: SignalInfo = SignalInfo { name: "a", mask: 1 };
        static B: SignalInfo = SignalInfo { name: "b", mask: 2 };
        static C: SignalInfo = SignalInfo { name: "c", mask: 4 };
        let mut queue = InternalQueue::new();
        assert!(queue.is_empty());
        queue.push_signal(&A);
        queue.push_back(Internal::Event(Event::new("e", super::EventKind::Internal)));
        queue.push_signal(&B);
        let name = |entry: Option<Internal>| entry.map(|e| e.into_event().name.to_string());
        assert_eq!(name(queue.pop_front()).as_deref(), Some("a"));
        // The slot is free but an event waits: a new signal queues behind it.
        queue.push_signal(&C);
        assert_eq!(name(queue.pop_front()).as_deref(), Some("e"));
        assert_eq!(name(queue.pop_front()).as_deref(), Some("b"));
        assert!(!queue.is_empty());
        assert_eq!(name(queue.pop_front()).as_deref(), Some("c"));
        assert!(queue.is_empty());
        assert!(queue.pop_front().is_none());
    }

    #[test]
    fn event_data_fields_compare_in_place_as_values_do() {
        use crate::Value;
        fn no_states() -> &'static [crate::StateInfo] {
            &[]
        }
        let mut core = super::Core::new(no_states, false, false, None);
        let data =
            Value::object_from([("requestid", Value::from("r1")), ("n", Value::from(1)), ("obj", Value::object())]);
        // The data holds itself: comparing that field must not lock the data twice.
        let _ = crate::ops::set_str(&data, "me", data.clone());
        core.set_current(Event::external("answer").with_data(data.clone()));
        let object = Value::from("[object Object]");
        for (key, other, loose, strict) in [
            ("requestid", Value::from("r1"), true, true),
            ("requestid", Value::from("r2"), false, false),
            ("n", Value::from("1"), true, false),
            ("missing", Value::Undefined, true, true),
            ("missing", Value::Null, true, false),
            ("obj", object.clone(), true, false),
            ("me", object, true, false),
            ("me", data.clone(), true, true),
        ] {
            let as_values = core
                .event_data_field(key)
                .map(|field| (crate::ops::loose_eq(&field, &other), crate::ops::strict_eq(&field, &other)));
            assert_eq!(as_values.ok(), Some((loose, strict)), "{key}");
            assert_eq!(core.event_data_field_eq(key, &other).ok(), Some(loose), "{key} ==");
            assert_eq!(core.event_data_field_strict_eq(key, &other).ok(), Some(strict), "{key} ===");
        }
        // Data that is not an object: read as a value, as before.
        core.set_current(Event::external("answer").with_data(Value::from("ab")));
        assert_eq!(core.event_data_field_eq("length", &Value::from(2)).ok(), Some(true));
        core.set_current(Event::external("answer"));
        assert!(core.event_data_field_eq("x", &Value::Null).is_err(), "undefined has no fields");
        let _ = crate::ops::delete(&data, &Value::from("me"));
    }

    #[test]
    fn descriptors_match_token_prefixes() {
        assert!(event_matches("error", "error.execution"));
        assert!(event_matches("error.execution", "error.execution"));
        assert!(!event_matches("error", "errors"));
        assert!(event_matches("*", "anything"));
        assert!(!event_matches("foo.bar", "foo"));
    }

    #[test]
    fn numbered_session_ids_are_spelled_out_only_where_read() {
        let id = super::SessionId::Numbered(7);
        assert!(id.is("session-7") && !id.is("session-07") && !id.is("session-70") && !id.is("7"));
        assert_eq!(&*id.to_text(), "session-7");
        assert_eq!(&*id.joined("#_scxml_", ["", ""]), "#_scxml_session-7");
        assert_eq!(&*id.joined("", ["-req", "12"]), "session-7-req12");
        let given = super::SessionId::Given("s3".into());
        assert!(given.is("s3") && !given.is("session-3"));
        assert_eq!(&*given.joined("", [".send", "1"]), "s3.send1");
    }
}
