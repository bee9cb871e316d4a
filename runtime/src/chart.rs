//! The contract between generated code and the runtime: static tables that
//! describe the chart, and dispatch functions for its conditions and blocks.
use crate::Str;
use crate::{Core, ExecError, Value};

/// "No state": the parent of the root.
pub const NO_STATE: u16 = u16::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    /// The `<scxml>` element itself, state 0: behaves as a compound state but is never entered.
    Root,
    Atomic,
    Compound,
    Parallel,
    Final,
    ShallowHistory,
    DeepHistory,
}

/// One state, indexed by document order (the root is 0).
#[derive(Debug)]
pub struct StateInfo {
    /// The SCXML id (generated ids start with `#` so that no chart id can collide).
    pub id: &'static str,
    pub kind: StateKind,
    pub parent: u16,
    /// The last state of this state's subtree: its descendants are
    /// `index + 1 ..= last_descendant` (states are numbered in document order).
    pub last_descendant: u16,
    /// `<state>`, `<parallel>` and `<final>` children in document order.
    pub children: &'static [u16],
    /// `<history>` children.
    pub history: &'static [u16],
    /// Compound: the default initial targets. History: the default transition's targets.
    pub initial: &'static [u16],
    /// The executable content of the `<initial>` or history default transition.
    pub initial_exec: Option<u32>,
    pub onentry: &'static [u32],
    pub onexit: &'static [u32],
    /// Transitions whose source is this state, in document order.
    pub transitions: &'static [u32],
    pub has_donedata: bool,
}

#[derive(Debug)]
pub struct TransitionInfo {
    pub source: u16,
    pub targets: &'static [u16],
    /// Event descriptors, already normalised (`foo.*` is `foo`, `*` matches all).
    pub events: &'static [&'static str],
    pub has_cond: bool,
    pub internal: bool,
    pub exec: Option<u32>,
    /// The transition domain, when the compiler could compute it (no history
    /// target); [`NO_STATE`] otherwise.
    pub domain: u16,
    /// The states this transition enters, in document order, when the
    /// compiler could work them out (no history involved); used when it is
    /// the only transition of its microstep.
    pub entry: Option<&'static [u16]>,
    /// Those of `entry` entered by default: their `<initial>` content runs.
    pub default_entry: &'static [u16],
    /// A local transition of a parallel chart (atomic source, exits only
    /// the chain up to its domain, static entry, no final state): it never
    /// conflicts with another local one, and [`Chart::local_microstep`]
    /// takes it.
    pub local: bool,
}

/// An `<invoke>` of the chart.
#[derive(Debug)]
pub struct InvokeInfo {
    /// The state whose entry starts it and whose exit cancels it.
    pub state: u16,
    /// The `id` attribute; otherwise an id is generated.
    pub id: Option<&'static str>,
    /// Forward every external event to the child.
    pub autoforward: bool,
    /// The `<finalize>` block, run for each event from the child.
    pub finalize: Option<u32>,
}

/// A child session ready to start, and the values its `<param>`s and
/// `namelist` give its datamodel.
pub struct InvokeStart {
    pub child: Box<dyn Invoked>,
    pub vars: Vec<(&'static str, Value)>,
}

/// A running child session, whatever its chart: what the parent needs.
pub trait Invoked: crate::MaybeSend {
    fn start(&mut self, now: std::time::Duration, parent: &str, vars: Vec<(&'static str, Value)>);
    fn deliver(&mut self, event: crate::Event);
    fn run(&mut self);
    fn is_running(&self) -> bool;
    /// Events the child sent to `#_parent` since the last call.
    fn take_to_parent(&mut self) -> Vec<crate::Event>;
    fn next_timer(&self) -> Option<std::time::Duration>;
    fn fire_next_timer(&mut self) -> bool;
    fn session_id(&self) -> Str;
    /// The `<log>` lines written since the last call: (label, text).
    fn take_logs(&mut self) -> Vec<(String, String)>;
    /// The `<donedata>` of the final state the child ended in, once.
    fn take_result(&mut self) -> Value;
    /// Ends the child because its invoking state exited: its active states
    /// exit, running their `<onexit>`.
    fn cancel(&mut self);
}

/// `type` values that name the SCXML processor for `<invoke>`.
pub fn is_scxml_invoke_type(t: &str) -> bool {
    matches!(t.trim_end_matches('/'), "http://www.w3.org/TR/scxml" | "scxml")
}

/// What [`Chart::select`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// No transition is enabled.
    None,
    /// This transition is enabled; the session runs the microstep.
    Select(u32),
    /// The generated code ran the whole microstep (exits, content,
    /// entries), leaving the new active atomic state as the core's
    /// [`crate::Core::innermost`].
    Taken,
    /// As `Taken`, into this top-level final state: the session ends,
    /// with the state's `<donedata>` as its result.
    Final(u16),
}

/// Implemented by each generated chart.
pub trait Chart: crate::MaybeSend {
    const STATES: &'static [StateInfo];
    /// Transition 0 is the document's initial transition (from the root).
    const TRANSITIONS: &'static [TransitionInfo];
    /// The `name` attribute of `<scxml>`.
    const NAME: Option<&'static str>;
    const LATE_BINDING: bool;
    /// The states that declare `<data>`, in document order (`None`: any
    /// may), so that early binding initialises only those.
    const DATA_STATES: Option<&'static [u16]> = None;
    /// Some transition has no event: otherwise the eventless pass is skipped.
    const HAS_EVENTLESS: bool;
    const INVOKES: &'static [InvokeInfo];
    /// Some expression reads `_event`: otherwise the session does not keep
    /// the event being processed where scripts could see it.
    const READS_EVENT: bool = true;
    /// Some `<raise>` is queued with [`crate::Core::raise_signal`]: otherwise
    /// the internal queue's slot for one is never looked at.
    const RAISES_SIGNALS: bool = true;
    /// No transition the generated code takes whole ([`Step::Taken`]) can
    /// leave an internal event queued: the chart raises, sends, invokes and
    /// asks the platform nothing, its only `<final>` states are top-level
    /// ones, its data is bound early, and none of its conditions and
    /// blocks can fail. The internal queue is then not looked at after
    /// such a step (it is empty between macrosteps; an event a host queues
    /// there itself waits for the next step that looks).
    const QUIET_STEPS: bool = false;
    /// One active atomic state at a time (no parallel states, no invokes):
    /// the session keeps the configuration as its innermost state
    /// ([`crate::Core::innermost`]) and asks [`Chart::select`] for the
    /// transition, instead of searching the configuration.
    const SINGLE_LEAF: bool = false;
    /// The selection is generated: the session calls [`Chart::select`]
    /// (one active atomic state) or [`Chart::select_all`] (more) instead
    /// of searching the transition tables.
    const COMPILED_SELECT: bool = false;

    /// Selection, and where it can be compiled, the whole microstep, for an
    /// event given by its [`Chart::event_mask`] (`None`: the eventless pass) when `leaf` is the active atomic
    /// state; with `leaf` the root (nothing active yet) and no event, the
    /// document's initial transition. The W3C selection (document order, from the leaf up) as a
    /// `match`, conditions inline. Only called when [`Chart::COMPILED_SELECT`]
    /// holds, and returns [`Step::Taken`] only for [`Chart::SINGLE_LEAF`]
    /// charts, and never when `report` holds (an observer wants each state
    /// change: the runtime takes the microstep); a condition that fails
    /// raises `error.execution` through `core` and is false. Generated
    /// only for single-leaf charts; others generate [`Chart::select_all`].
    fn select(&mut self, _core: &mut Core, _leaf: u16, _event: Option<u64>, _report: bool) -> Step {
        Step::None
    }

    /// [`Chart::select`] for every active atomic state, in document order,
    /// pushing each transition selected onto `enabled` (a transition of an
    /// ancestor once); `true` when all are [`TransitionInfo::local`].
    /// Generated charts with more than one active atomic state do this in
    /// one function, without a call and a [`Step`] per state.
    fn select_all(&mut self, core: &mut Core, event: Option<u64>, enabled: &mut Vec<u32>) -> bool {
        let mut all_local = true;
        let mut leaves = crate::ActiveAmong::new(core, Self::ATOMIC_STATES);
        while let Some(leaf) = leaves.next_in(core) {
            if let Step::Select(t) = self.select(core, leaf, event, core.reports_states()) {
                // A local transition is only ever selected from its own source.
                let local = Self::TRANSITIONS.get(t as usize).is_some_and(|info| info.local);
                all_local &= local;
                if local || !enabled.contains(&t) {
                    enabled.push(t);
                }
            }
        }
        all_local
    }

    /// The atomic and final states, as a bit set over state indices: with
    /// the configuration's bits, the states [`Chart::select`] is asked about.
    /// Generated with [`Chart::select`].
    const ATOMIC_STATES: &'static [u64] = &[];

    /// The atomic and final states from which an eventless transition may
    /// be taken (one of their own or of an ancestor's), as a bit set over
    /// state indices: the macrostep of a single-leaf chart asks
    /// [`Chart::select`] for an eventless transition only from these.
    /// Generated with [`Chart::select`]; by default, every state.
    const EVENTLESS_STATES: Option<&'static [u64]> = None;

    /// Whether [`Chart::EVENTLESS_STATES`] holds `leaf`.
    #[inline(always)]
    fn eventless_from(leaf: u16) -> bool {
        Self::HAS_EVENTLESS
            && Self::EVENTLESS_STATES
                .is_none_or(|words| words.get(usize::from(leaf / 64)).is_some_and(|word| word >> (leaf % 64) & 1 != 0))
    }

    /// For each state of a single-leaf chart, the event descriptors its
    /// transitions and its ancestors' test, as a mask (all bits for a `*`):
    /// an event outside it cannot be taken from that state. Generated with
    /// [`Chart::select`]; empty when not known.
    const HANDLED_EVENTS: &'static [u64] = &[];

    /// Whether a transition from `leaf` may take an event of descriptor
    /// mask `mask`, by [`Chart::HANDLED_EVENTS`].
    #[inline(always)]
    fn handles(leaf: u16, mask: u64) -> bool {
        Self::HANDLED_EVENTS.get(usize::from(leaf)).is_none_or(|handled| handled & mask != 0)
    }

    /// Some transitions are [`TransitionInfo::local`].
    const LOCAL_STEPS: bool = false;

    /// A microstep of local transitions, in the order they were selected:
    /// each one's exits (history records, `<onexit>`, leaving the
    /// configuration, from its source up) in reverse order, then each
    /// one's content, then each one's entries in document order.
    fn local_microstep(&mut self, _core: &mut Core, _transitions: &[u32]) {}

    /// The event descriptors of the chart's transitions that match an
    /// event name, one bit each: what [`Chart::select`] tests.
    fn event_mask(_name: &str) -> u64 {
        0
    }

    /// Sets a datamodel variable by name (`<invoke>` parameters); `false` if none has that name.
    fn set_var(&mut self, name: &str, value: Value) -> bool;
    /// Evaluates an `<invoke>` and builds its child session.
    fn invoke(&mut self, core: &mut Core, invoke: u32, invokeid: &str) -> Result<InvokeStart, ExecError>;

    /// Initialises the `<data>` declared directly in `state` (0: the top-level datamodel).
    /// Failures raise `error.execution` through `core` and leave the variable undefined.
    fn init_data(&mut self, core: &mut Core, state: u16);
    fn cond(&mut self, core: &mut Core, transition: u32) -> Result<bool, ExecError>;
    fn exec(&mut self, core: &mut Core, block: u32) -> Result<(), ExecError>;
    /// The `<donedata>` of a final state.
    fn done_data(&mut self, core: &mut Core, state: u16) -> Result<Value, ExecError>;
}
