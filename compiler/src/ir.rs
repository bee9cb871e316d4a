//! Facts about the chart's structure that the runtime would otherwise work
//! out per event: descendant ranges and transition domains.
use crate::model::{Chart, StateId, StateKind};

/// States are numbered in document order, so a state's descendants are the
/// contiguous range `state + 1 ..= last_descendant[state]`.
pub fn last_descendants(chart: &Chart) -> Vec<StateId> {
    let mut last: Vec<StateId> = (0..chart.states.len()).map(|i| i as StateId).collect();
    // Children have larger indices than their parents: one reverse pass suffices.
    for i in (1..chart.states.len()).rev() {
        if let Some(p) = chart.states[i].parent {
            let p = usize::from(p);
            last[p] = last[p].max(last[i]);
        }
    }
    last
}

fn is_descendant(chart: &Chart, a: StateId, b: StateId) -> bool {
    let mut s = chart.states[usize::from(a)].parent;
    while let Some(p) = s {
        if p == b {
            return true;
        }
        s = chart.states[usize::from(p)].parent;
    }
    false
}

fn is_history(chart: &Chart, s: StateId) -> bool {
    matches!(chart.states[usize::from(s)].kind, StateKind::ShallowHistory | StateKind::DeepHistory)
}

/// The transition domain (W3C `getTransitionDomain`) when it does not depend
/// on run-time history; `None` for targetless transitions and history targets.
pub fn static_domain(chart: &Chart, t: usize) -> Option<StateId> {
    let tr = &chart.transitions[t];
    if tr.targets.is_empty() || tr.targets.iter().any(|&s| is_history(chart, s)) {
        return None;
    }
    let source = tr.source;
    let compound = matches!(chart.states[usize::from(source)].kind, StateKind::Compound | StateKind::Root);
    if tr.internal && compound && tr.targets.iter().all(|&s| is_descendant(chart, s, source)) {
        return Some(source);
    }
    // The least common compound ancestor of the source and the targets.
    let mut anc = chart.states[usize::from(source)].parent;
    while let Some(a) = anc {
        let compound = matches!(chart.states[usize::from(a)].kind, StateKind::Compound | StateKind::Root);
        if compound && tr.targets.iter().all(|&s| is_descendant(chart, s, a)) {
            return Some(a);
        }
        anc = chart.states[usize::from(a)].parent;
    }
    Some(0)
}

/// Whether any transition has no event (the runtime can skip that pass otherwise).
pub fn has_eventless(chart: &Chart) -> bool {
    chart.transitions.iter().skip(1).any(|t| t.events.is_empty())
}

/// The states a transition enters, in document order, and those of them
/// entered by default (whose `<initial>` content runs), when that does not
/// depend on the run: no history state is reached. `None` otherwise, and for
/// targetless transitions. Valid when the transition is the only one taken
/// in its microstep (several transitions share one entry set).
pub fn static_entry(chart: &Chart, t: usize) -> Option<(Vec<StateId>, Vec<StateId>)> {
    let tr = &chart.transitions[t];
    if tr.targets.is_empty() {
        return None;
    }
    let domain = static_domain(chart, t)?;
    let mut entry = Entry { states: Vec::new(), default: Vec::new(), dynamic: false };
    for &s in &tr.targets {
        entry.descendants(chart, s);
    }
    for &s in &tr.targets {
        entry.ancestors(chart, s, domain);
    }
    if entry.dynamic {
        return None;
    }
    entry.states.sort_unstable();
    entry.default.sort_unstable();
    Some((entry.states, entry.default))
}

/// The W3C `addDescendantStatesToEnter` / `addAncestorStatesToEnter`, run
/// at compile time; `dynamic` is set on reaching a history state.
struct Entry {
    states: Vec<StateId>,
    default: Vec<StateId>,
    dynamic: bool,
}

impl Entry {
    fn add(&mut self, s: StateId) {
        if !self.states.contains(&s) {
            self.states.push(s);
        }
    }

    fn covers(&self, chart: &Chart, child: StateId) -> bool {
        self.states.iter().any(|&e| e == child || is_descendant(chart, e, child))
    }

    fn descendants(&mut self, chart: &Chart, s: StateId) {
        if is_history(chart, s) {
            self.dynamic = true;
            return;
        }
        self.add(s);
        let st = &chart.states[usize::from(s)];
        match st.kind {
            StateKind::Compound => {
                self.default.push(s);
                for &t in &st.initial {
                    self.descendants(chart, t);
                }
                for &t in &st.initial {
                    self.ancestors(chart, t, s);
                }
            }
            StateKind::Parallel => {
                for &child in &st.children {
                    if !self.covers(chart, child) {
                        self.descendants(chart, child);
                    }
                }
            }
            _ => {}
        }
    }

    fn ancestors(&mut self, chart: &Chart, s: StateId, domain: StateId) {
        let mut anc = chart.states[usize::from(s)].parent;
        while let Some(a) = anc {
            if a == domain || chart.states[usize::from(a)].kind == StateKind::Root {
                break;
            }
            self.add(a);
            if chart.states[usize::from(a)].kind == StateKind::Parallel {
                for &child in &chart.states[usize::from(a)].children {
                    if !self.covers(chart, child) {
                        self.descendants(chart, child);
                    }
                }
            }
            anc = chart.states[usize::from(a)].parent;
        }
    }
}
