//! Facts about the chart's structure that the runtime would otherwise work
//! out per event: descendant ranges and transition domains.
use crate::model::{Action, Chart, ExprId, SourceKind, StateId, StateKind, ValueSource};
use crate::script::{BinOp, Expr, Logic, Lowered, Place, Scripts, Stmt, SystemVar, UnOp, VarId};
use std::collections::{HashMap, HashSet};

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

/// The transition domain (W3C `getTransitionDomain`); `None` for targetless
/// transitions. A history target stands in for the states it restores: they
/// all lie inside its parent, as the history state itself does, so every
/// "all targets inside this ancestor" test gives the same answer for both.
/// That needs the history's default targets inside its parent too; a chart
/// breaking that rule is left to the run-time computation.
pub fn static_domain(chart: &Chart, t: usize) -> Option<StateId> {
    let tr = &chart.transitions[t];
    if tr.targets.is_empty() {
        return None;
    }
    for &h in tr.targets.iter().filter(|&&s| is_history(chart, s)) {
        let parent = chart.states[usize::from(h)].parent?;
        if !chart.states[usize::from(h)].initial.iter().all(|&d| is_descendant(chart, d, parent)) {
            return None;
        }
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
    entry_for(chart, &tr.targets, static_domain(chart, t)?)
}

/// The entry set (and its default-entered states) of a microstep whose
/// effective targets are `targets`, below `domain`; `None` on reaching a
/// history state.
fn entry_for(chart: &Chart, targets: &[StateId], domain: StateId) -> Option<(Vec<StateId>, Vec<StateId>)> {
    let mut entry = Entry { states: Vec::new(), default: Vec::new(), dynamic: false };
    for &s in targets {
        entry.descendants(chart, s);
    }
    for &s in targets {
        entry.ancestors(chart, s, domain);
    }
    if entry.dynamic {
        return None;
    }
    entry.states.sort_unstable();
    entry.default.sort_unstable();
    Some((entry.states, entry.default))
}

/// The entry sets of a transition into a history state, in a chart with one
/// active atomic state at a time, where a history records exactly one
/// state: its parent's active child (shallow) or the active atomic state
/// (deep). Each possible recorded state gives a static entry set, as if the
/// transition targeted it (W3C: the recorded states are the effective
/// targets); so does the default transition, taken when nothing is recorded.
pub struct HistoryEntry {
    pub history: StateId,
    /// (recorded state, entry set, default-entered states), in document order.
    pub recorded: Vec<(StateId, Vec<StateId>, Vec<StateId>)>,
    pub default: (Vec<StateId>, Vec<StateId>),
    /// The state after whose `<onentry>` the default transition's content
    /// runs (W3C `defaultHistoryContent`): the history's parent.
    pub parent: StateId,
}

/// [`HistoryEntry`] for transition `t`, when its one target is a history
/// state and every way of entering it is static.
pub fn history_entry(chart: &Chart, t: usize) -> Option<HistoryEntry> {
    let tr = &chart.transitions[t];
    let [history] = tr.targets[..] else { return None };
    if !is_history(chart, history) {
        return None;
    }
    let domain = static_domain(chart, t)?;
    let st = &chart.states[usize::from(history)];
    let parent = st.parent?;
    let deep = st.kind == StateKind::DeepHistory;
    let candidates = (0..chart.states.len()).filter_map(|i| {
        let s = StateId::try_from(i).ok()?;
        let c = &chart.states[i];
        let recordable = if deep {
            matches!(c.kind, StateKind::Atomic | StateKind::Final) && is_descendant(chart, s, parent)
        } else {
            c.parent == Some(parent) && !is_history(chart, s)
        };
        recordable.then_some(s)
    });
    let recorded = candidates
        .map(|r| entry_for(chart, &[r], domain).map(|(entry, default)| (r, entry, default)))
        .collect::<Option<Vec<_>>>()?;
    let default = entry_for(chart, &st.initial, domain)?;
    Some(HistoryEntry { history, recorded, default, parent })
}

/// The states a *local* transition exits, in exit order: one whose source
/// is atomic, whose exit set is the chain from the source up to its domain
/// with no parallel state on it, and whose entry set is static with no
/// final state in it. In a parallel chart the domains of the local
/// transitions taken together lie in disjoint subtrees, below the parallel
/// state that keeps their sources active at once: they never conflict, and
/// their exits (entries) are each transition's own, in reverse (forward)
/// order of the transitions. A targetless transition with an atomic source
/// is local and exits nothing.
pub fn local_exits(chart: &Chart, t: usize) -> Option<Vec<StateId>> {
    let tr = &chart.transitions[t];
    if chart.states[usize::from(tr.source)].kind != StateKind::Atomic {
        return None;
    }
    if tr.targets.is_empty() {
        return Some(Vec::new());
    }
    let domain = static_domain(chart, t)?;
    let (entry, _) = static_entry(chart, t)?;
    if entry.iter().any(|&s| chart.states[usize::from(s)].kind == StateKind::Final) {
        return None;
    }
    let exits = chain_to(chart, tr.source, domain);
    if exits.iter().any(|&s| chart.states[usize::from(s)].kind == StateKind::Parallel) {
        return None;
    }
    Some(exits)
}

/// `from` and its ancestors below `domain`, in exit order: what a
/// transition exits when `from` is the only active state under its domain.
pub fn chain_to(chart: &Chart, from: StateId, domain: StateId) -> Vec<StateId> {
    let mut chain = Vec::new();
    let mut s = Some(from);
    while let Some(state) = s.filter(|&x| x != domain) {
        chain.push(state);
        s = chart.states[usize::from(state)].parent;
    }
    chain
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

/// Datamodel variables that only ever hold numbers, so they can be stored
/// as a plain `f64` instead of a `Value`. A variable qualifies when every
/// `<data>` declaring it starts it at a numeric expression and every
/// assignment anywhere in the chart (`<assign>`, `=`/`op=`, `++`/`--`)
/// stores a number. Anything else writing it (`<foreach>`, `idlocation`,
/// a platform's `requestid`...) disqualifies it; so does late binding,
/// where a variable is `undefined` until its state is entered.
pub fn numeric_vars(chart: &Chart, scripts: &Scripts) -> Vec<bool> {
    if chart.late_binding {
        return vec![false; scripts.vars.len()];
    }
    let start = vec![true; scripts.vars.len()];
    vars_whose_stores(chart, scripts, start, |store, numeric| match store {
        Store::Value(e) | Store::Compound(BinOp::Add, e) => is_numeric(e, numeric),
        // ++/-- store a number; -=, *=, |=... always produce one.
        Store::Update | Store::Compound(..) => true,
    })
}

/// Numeric variables that are counters, so they can be stored as an
/// `i64`: every store is an integer literal of at most 2^53 in magnitude,
/// another such variable, or one stepped by one (`n + 1`, `m - 1`, `++`,
/// `-= 1`). Such a variable never leaves [-2^53, 2^53], where doubles are
/// the integers, and stepping it past an end gives the end back, as the
/// `f64` addition rounds `2^53 + 1` down to `2^53`. So the `i64` holds
/// exactly the value the `f64` would, and steps in one cycle where the
/// `f64` takes four: a counter's add is on the path from one event to the
/// next.
pub fn integral_vars(chart: &Chart, scripts: &Scripts, numeric: &[bool]) -> Vec<bool> {
    vars_whose_stores(chart, scripts, numeric.to_vec(), |store, integral| match store {
        Store::Value(e) => is_integral(e, integral),
        Store::Update => true,
        Store::Compound(BinOp::Add | BinOp::Sub, e) => unit(e).is_some(),
        Store::Compound(..) => false,
    })
}

/// What a store writes into a variable.
enum Store<'e> {
    /// `<data expr>`, `<assign expr>`, `x = e`.
    Value(&'e Expr),
    /// `x op= e`: the variable combined with `e`.
    Compound(BinOp, &'e Expr),
    /// `++x`, `x--`...
    Update,
}

/// The variables, among `start`, declared with a value, whose every store
/// in the chart is `ok`. A location the chart writes other than by
/// `<assign>` (`<foreach>`, `idlocation`, a platform's `requestid`...)
/// drops its variable. Dropping a variable can make an expression that
/// reads it fail `ok`, and so another variable: iterated to the fixed
/// point.
fn vars_whose_stores(
    chart: &Chart,
    scripts: &Scripts,
    start: Vec<bool>,
    ok: impl Fn(Store<'_>, &[bool]) -> bool,
) -> Vec<bool> {
    let mut kept = start;
    for (v, keep) in kept.iter_mut().enumerate() {
        let declared = chart.data.iter().any(|d| d.id == scripts.vars[v].name && d.init.is_some());
        *keep &= declared;
    }
    let mut assigned: HashMap<ExprId, Option<ExprId>> = HashMap::new();
    for b in &chart.blocks {
        collect_assigns(&b.actions, &mut assigned);
    }
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut iterated: Vec<&Place> = Vec::new();
    for l in &scripts.lowered {
        match l {
            Lowered::Expr(e) => exprs.push(e),
            Lowered::Script(stmts) => collect_stmt_parts(stmts, &mut exprs, &mut iterated),
            Lowered::Place(_) => {}
        }
    }
    for f in &scripts.functions {
        collect_stmt_parts(&f.body, &mut exprs, &mut iterated);
    }
    // A loop stores keys and items, whatever they are.
    for place in &iterated {
        match place {
            Place::Var(v) => kept[*v] = false,
            Place::Member(o, _) => exprs.push(o),
            Place::Index(o, k) => exprs.extend([o, k]),
            _ => {}
        }
    }
    loop {
        let before = kept.clone();
        for d in &chart.data {
            let Some(v) = scripts.vars.iter().position(|v| v.name == d.id) else { continue };
            if !d.init.is_some_and(|i| ok(Store::Value(scripts.expr(i)), &kept)) {
                kept[v] = false;
            }
        }
        for (i, source) in chart.sources.iter().enumerate() {
            if source.kind != SourceKind::Location {
                continue;
            }
            if let Place::Var(v) = scripts.place(i) {
                let stored =
                    matches!(assigned.get(&i), Some(Some(value)) if ok(Store::Value(scripts.expr(*value)), &kept));
                if !stored {
                    kept[v] = false;
                }
            }
        }
        for e in &exprs {
            // Delete stores nothing.
            visit(e, &mut |e| {
                let (place, store) = match e {
                    Expr::Assign(place, None, value) => (place, Store::Value(value)),
                    Expr::Assign(place, Some(op), value) => (place, Store::Compound(*op, value)),
                    Expr::Update(place, ..) => (place, Store::Update),
                    _ => return,
                };
                if let Place::Var(v) = **place {
                    if !ok(store, &kept) {
                        kept[v] = false;
                    }
                }
            });
        }
        if kept == before {
            return kept;
        }
    }
}

/// Whether any expression of the chart reads `_event`: if none does, the
/// session need not keep the event it is processing where scripts see it.
pub fn reads_event(scripts: &Scripts) -> bool {
    any_expr(scripts, |_| true, |e| matches!(e, Expr::System(SystemVar::Event)))
}

/// Whether executable content can read the configuration: `In()` anywhere
/// but a transition's condition (which runs before the microstep), or in a
/// function. When none can, a microstep's exits and entries may change the
/// configuration in any order around the content.
pub fn content_reads_configuration(chart: &Chart, scripts: &Scripts) -> bool {
    let conditions: HashSet<ExprId> = chart.transitions.iter().filter_map(|t| t.cond).collect();
    any_expr(scripts, |id| !conditions.contains(&id), |e| matches!(e, Expr::InState(_) | Expr::InDynamic(_)))
}

/// Whether `pred` holds for an expression inside the lowered sources that
/// `source` keeps (by id), places included, or inside a function body.
fn any_expr(scripts: &Scripts, source: impl Fn(ExprId) -> bool, pred: impl Fn(&Expr) -> bool) -> bool {
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut places: Vec<&Place> = Vec::new();
    for (_, l) in scripts.lowered.iter().enumerate().filter(|&(id, _)| source(id)) {
        match l {
            Lowered::Expr(e) => exprs.push(e),
            Lowered::Script(stmts) => collect_stmt_parts(stmts, &mut exprs, &mut places),
            Lowered::Place(p) => places.push(p),
        }
    }
    for f in &scripts.functions {
        collect_stmt_parts(&f.body, &mut exprs, &mut places);
    }
    let mut found = false;
    let mut check = |e: &Expr| found |= pred(e);
    exprs.iter().for_each(|e| visit(e, &mut check));
    places.iter().for_each(|p| visit_place(p, &mut check));
    found
}

/// An expression that always evaluates to a number without failing: number
/// literals, numeric variables, and `+ - * / %` and unary `-`/`+` of those.
pub fn is_numeric(e: &Expr, numeric: &[bool]) -> bool {
    match e {
        Expr::Number(_) => true,
        Expr::Var(v) => numeric.get(*v).copied().unwrap_or(false),
        Expr::Unary(UnOp::Neg | UnOp::Plus, a) => is_numeric(a, numeric),
        Expr::Binary(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem, a, b) => {
            is_numeric(a, numeric) && is_numeric(b, numeric)
        }
        _ => false,
    }
}

/// An expression whose value an integral variable may take, for
/// [`integral_vars`]: an integer literal up to 2^53 (not `-0`), an
/// integral variable, or one plus or minus one.
pub fn is_integral(e: &Expr, integral: &[bool]) -> bool {
    match e {
        Expr::Number(_) | Expr::Unary(UnOp::Neg, _) => integer_literal(e).is_some(),
        Expr::Var(v) => integral.get(*v).copied().unwrap_or(false),
        Expr::Binary(..) => integral_step(e, integral).is_some(),
        _ => false,
    }
}

/// `v + 1`, `1 + v`, `v - 1` (or `+ -1`...) for an integral variable `v`:
/// the variable and the step, +1 or -1.
pub fn integral_step<'e>(e: &'e Expr, integral: &[bool]) -> Option<(&'e Expr, i64)> {
    let var = |e: &Expr| matches!(e, Expr::Var(v) if integral.get(*v).copied().unwrap_or(false));
    match e {
        Expr::Binary(BinOp::Add, a, b) if var(a) => Some((&**a, unit(b)?)),
        Expr::Binary(BinOp::Add, a, b) if var(b) => Some((&**b, unit(a)?)),
        Expr::Binary(BinOp::Sub, a, b) if var(a) => Some((&**a, -unit(b)?)),
        _ => None,
    }
}

/// `n` as an i64 when it is an integer that an f64 holds exactly.
pub fn exact_integer(n: f64) -> Option<i64> {
    const LIMIT: f64 = (1u64 << 53) as f64;
    (n.fract() == 0.0 && n.abs() <= LIMIT).then_some(n as i64)
}

/// An integer literal (`7`, `-3`) that an f64 holds exactly; never `-0`,
/// which an `i64` cannot hold.
pub fn integer_literal(e: &Expr) -> Option<i64> {
    let n = match e {
        Expr::Number(n) => *n,
        Expr::Unary(UnOp::Neg, a) => match **a {
            Expr::Number(n) => -n,
            _ => return None,
        },
        _ => return None,
    };
    exact_integer(n).filter(|_| !(n == 0.0 && n.is_sign_negative()))
}

/// The literal `1` or `-1`.
fn unit(e: &Expr) -> Option<i64> {
    integer_literal(e).filter(|n| n.abs() == 1)
}

/// Datamodel variables holding a known primitive, by variable.
type Known = HashMap<VarId, Expr>;

/// Reads of variables an earlier action of the same block set to a
/// constant, replaced by the constant, and comparisons of constants
/// folded: `var timeout = '3s'` in a `<script>` makes a later
/// `<send delay="timeout">` a delay read at build time, and
/// `<if cond="timeout != 'infinite'">` no test at all. Only within one
/// block, and only as long as nothing the analysis cannot see through (a
/// call, a loop) may have changed the variable.
pub fn propagate_constants(chart: &Chart, scripts: &mut Scripts) {
    for block in &chart.blocks {
        propagate(&block.actions, scripts, &mut Known::new());
    }
}

fn propagate(actions: &[Action], scripts: &mut Scripts, known: &mut Known) {
    for action in actions {
        if known.is_empty() && !sets_constants(action, scripts) {
            continue;
        }
        match action {
            Action::Script { body, .. } => {
                for stmt in scripts.script(*body) {
                    match stmt {
                        Stmt::Expr(Expr::Assign(place, None, value)) if is_constant(value) => match **place {
                            Place::Var(v) => {
                                known.insert(v, (**value).clone());
                            }
                            // `o[f()] = 1`: what it evaluates on its left.
                            _ => forget_stmt_writes(std::slice::from_ref(stmt), known),
                        },
                        _ => forget_stmt_writes(std::slice::from_ref(stmt), known),
                    }
                }
            }
            Action::If { branches, .. } => {
                // The conditions are tried in order, each after the
                // writes of those before it; a body runs after its own.
                for (cond, body) in branches {
                    if let Some(cond) = cond {
                        if scripts.expr(*cond).is_effect_free() {
                            substitute(scripts, &[*cond], known);
                        }
                        forget_writes(scripts.expr(*cond), known);
                    }
                    propagate(body, scripts, &mut known.clone());
                }
                // What any branch may have written is no longer known.
                for (_, body) in branches {
                    forget_block_writes(body, scripts, known);
                }
            }
            // A loop's body runs many times: nothing is known through it.
            Action::Foreach { .. } => known.clear(),
            _ => {
                // The action's own expressions read what the block left,
                // when none of them changes anything (so no read can see a
                // write of the same action); its stores (a location, an id
                // location) come after them.
                let (evaluated, stored) = action_parts(action);
                let pure = evaluated.iter().all(|&e| scripts.expr(e).is_effect_free())
                    && stored.iter().all(|&p| place_is_effect_free(&scripts.place(p)));
                if pure {
                    substitute(scripts, &action_reads(action), known);
                }
                forget_block_writes(std::slice::from_ref(action), scripts, known);
                if let Action::Assign { location, value: Some(value), .. } = action {
                    let constant = Some(scripts.expr(*value)).filter(|e| is_constant(e)).cloned();
                    if let (Place::Var(v), Some(c)) = (scripts.place(*location), constant) {
                        known.insert(v, c);
                    }
                }
            }
        }
    }
}

/// The value expressions of a send, log, assign or platform action (a
/// module action's nested elements included): the reads whose constants
/// are worth knowing at build time.
fn action_reads(action: &Action) -> Vec<ExprId> {
    fn platform(p: &crate::model::PlatformAction, reads: &mut Vec<ExprId>) {
        reads.extend(p.attributes.iter().filter_map(|(_, source)| source_expr(source)));
        p.children.iter().for_each(|child| platform(child, reads));
    }
    let mut reads = Vec::new();
    match action {
        Action::Send(s) => {
            reads.extend([&s.event, &s.target, &s.type_, &s.delay].into_iter().flatten().filter_map(source_expr))
        }
        Action::Log { expr, .. } => reads.extend(expr),
        Action::Assign { value, .. } => reads.extend(value),
        Action::Platform(p) => platform(p, &mut reads),
        _ => {}
    }
    reads
}

fn source_expr(source: &ValueSource) -> Option<ExprId> {
    match source {
        ValueSource::Expr(e) => Some(*e),
        ValueSource::Literal(_) => None,
    }
}

/// A script that sets a variable to a constant, or an `<assign>` of one:
/// the actions worth looking at while nothing is known yet.
fn sets_constants(action: &Action, scripts: &Scripts) -> bool {
    match action {
        Action::Script { body, .. } => scripts.script(*body).iter().any(
            |s| matches!(s, Stmt::Expr(Expr::Assign(p, None, v)) if matches!(**p, Place::Var(_)) && is_constant(v)),
        ),
        Action::Assign { value: Some(v), .. } => is_constant(scripts.expr(*v)),
        _ => false,
    }
}

fn is_constant(e: &Expr) -> bool {
    matches!(e, Expr::Undefined | Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_))
}

/// Replaces the known variables read in the expressions `ids`, and folds
/// what became constant. The caller has made sure that evaluating them,
/// and whatever their action evaluates with them, changes nothing.
fn substitute(scripts: &mut Scripts, ids: &[ExprId], known: &Known) {
    for &id in ids {
        if let Some(Lowered::Expr(e)) = scripts.lowered.get_mut(id) {
            replace_known(e, known);
        }
    }
}

fn replace_known(e: &mut Expr, known: &Known) {
    match e {
        Expr::Var(v) => {
            if let Some(c) = known.get(v) {
                *e = c.clone();
            }
            return;
        }
        Expr::Member(o, _) | Expr::Unary(_, o) => replace_known(o, known),
        Expr::Index(a, b) | Expr::Binary(_, a, b) | Expr::Logical(_, a, b) => {
            replace_known(a, known);
            replace_known(b, known);
        }
        Expr::Conditional(c, a, b) => {
            replace_known(c, known);
            replace_known(a, known);
            replace_known(b, known);
        }
        Expr::Array(items) => items.iter_mut().for_each(|i| replace_known(i, known)),
        Expr::Object(props) => props.iter_mut().for_each(|(_, v)| replace_known(v, known)),
        _ => return,
    }
    if let Some(folded) = fold(e) {
        *e = folded;
    }
}

/// The constant an operation on constants gives, for the operations whose
/// result is plain to see: equality of two strings, numbers or booleans;
/// `!` of a boolean; `&&` and `||` after a boolean.
fn fold(e: &Expr) -> Option<Expr> {
    match e {
        Expr::Binary(op @ (BinOp::Eq | BinOp::Ne | BinOp::StrictEq | BinOp::StrictNe), a, b) => {
            let same = match (&**a, &**b) {
                (Expr::String(x), Expr::String(y)) => x == y,
                (Expr::Number(x), Expr::Number(y)) => x == y,
                (Expr::Bool(x), Expr::Bool(y)) => x == y,
                _ => return None,
            };
            Some(Expr::Bool(same == matches!(op, BinOp::Eq | BinOp::StrictEq)))
        }
        Expr::Unary(UnOp::Not, a) => match **a {
            Expr::Bool(b) => Some(Expr::Bool(!b)),
            _ => None,
        },
        Expr::Logical(op @ (Logic::And | Logic::Or), a, b) => match (**a).clone() {
            Expr::Bool(x) if x == (*op == Logic::And) => Some((**b).clone()),
            Expr::Bool(x) => Some(Expr::Bool(x)),
            _ => None,
        },
        _ => None,
    }
}

/// Forgets the variables `e` may write; everything, if it calls anything.
fn forget_writes(e: &Expr, known: &mut Known) {
    if known.is_empty() {
        return;
    }
    let mut calls = false;
    let mut written = Vec::new();
    visit(e, &mut |x| match x {
        Expr::Assign(p, ..) | Expr::Update(p, ..) | Expr::Delete(p) => {
            if let Place::Var(v) = **p {
                written.push(v);
            }
        }
        Expr::CallGlobal(..) | Expr::CallMethod(..) | Expr::CallFunction(..) | Expr::CallValue(..) => calls = true,
        _ => {}
    });
    if calls {
        known.clear();
    }
    for v in written {
        known.remove(&v);
    }
}

fn forget_stmt_writes(stmts: &[Stmt], known: &mut Known) {
    let (mut exprs, mut stored) = (Vec::new(), Vec::new());
    collect_stmt_parts(stmts, &mut exprs, &mut stored);
    for e in exprs {
        forget_writes(e, known);
    }
    for place in stored {
        forget_place(place, known);
    }
}

fn forget_place(place: &Place, known: &mut Known) {
    match place {
        Place::Var(v) => {
            known.remove(v);
        }
        Place::Member(o, _) => forget_writes(o, known),
        Place::Index(o, k) => {
            forget_writes(o, known);
            forget_writes(k, known);
        }
        _ => {}
    }
}

/// The expressions an action evaluates itself (not those of the actions
/// nested in it), and the locations it stores to. A `<script>`'s
/// statements are not among them.
fn action_parts(action: &Action) -> (Vec<ExprId>, Vec<ExprId>) {
    fn requestids(p: &crate::model::PlatformAction, places: &mut Vec<ExprId>) {
        places.extend(p.requestid);
        p.children.iter().for_each(|child| requestids(child, places));
    }
    let mut evaluated = action_reads(action);
    let mut stored = Vec::new();
    match action {
        Action::Assign { location, .. } => stored.push(*location),
        Action::If { branches, .. } => evaluated.extend(branches.iter().filter_map(|(c, _)| *c)),
        Action::Foreach { array, item, index, .. } => {
            evaluated.push(*array);
            stored.push(*item);
            stored.extend(index);
        }
        Action::Send(s) => {
            stored.extend(s.idlocation);
            evaluated.extend(s.namelist.iter().map(|(_, e)| *e));
            evaluated.extend(s.params.iter().map(|p| p.value));
            evaluated.extend(s.content);
        }
        Action::Cancel { sendid, .. } => evaluated.extend(source_expr(sendid)),
        Action::Platform(p) => requestids(p, &mut stored),
        Action::Script { .. } | Action::Log { .. } | Action::Raise { .. } => {}
    }
    (evaluated, stored)
}

fn place_is_effect_free(place: &Place) -> bool {
    match place {
        Place::Member(o, _) => o.is_effect_free(),
        Place::Index(o, k) => o.is_effect_free() && k.is_effect_free(),
        _ => true,
    }
}

/// Forgets what `actions` (and the actions nested in them) may write: the
/// locations they store to and whatever their expressions write or call.
fn forget_block_writes(actions: &[Action], scripts: &Scripts, known: &mut Known) {
    Action::walk(actions, &mut |a| {
        if let Action::Script { body, .. } = a {
            forget_stmt_writes(scripts.script(*body), known);
        }
        let (evaluated, stored) = action_parts(a);
        for id in evaluated {
            forget_writes(scripts.expr(id), known);
        }
        for id in stored {
            forget_place(&scripts.place(id), known);
        }
    });
}

fn collect_assigns(actions: &[Action], out: &mut HashMap<ExprId, Option<ExprId>>) {
    Action::walk(actions, &mut |a| {
        if let Action::Assign { location, value, .. } = a {
            out.insert(*location, *value);
        }
    });
}

/// The expressions statements evaluate, and the locations a loop stores
/// each key or item into.
fn collect_stmt_parts<'s>(stmts: &'s [Stmt], exprs: &mut Vec<&'s Expr>, stored: &mut Vec<&'s Place>) {
    for s in stmts {
        match s {
            Stmt::Expr(e) | Stmt::Return(e) => exprs.push(e),
            Stmt::If(c, a, b) => {
                exprs.push(c);
                collect_stmt_parts(a, exprs, stored);
                collect_stmt_parts(b, exprs, stored);
            }
            Stmt::Loop(l) => {
                exprs.extend(l.test.iter().chain(&l.update));
                collect_stmt_parts(&l.body, exprs, stored);
            }
            Stmt::Iterate(i) => {
                exprs.push(&i.object);
                stored.push(&i.target);
                collect_stmt_parts(&i.body, exprs, stored);
            }
            Stmt::Switch(sw) => {
                exprs.push(&sw.discriminant);
                for (test, body) in &sw.cases {
                    exprs.extend(test);
                    collect_stmt_parts(body, exprs, stored);
                }
            }
            Stmt::Labeled(l) => collect_stmt_parts(&l.body, exprs, stored),
            Stmt::Throw(e) => exprs.push(e),
            Stmt::Try(t) => {
                collect_stmt_parts(&t.body, exprs, stored);
                if let Some(catch) = &t.catch {
                    collect_stmt_parts(&catch.body, exprs, stored);
                }
                collect_stmt_parts(&t.finally, exprs, stored);
            }
            Stmt::Break(_) | Stmt::Continue(_) => {}
        }
    }
}

/// Calls `f` on `e` and every expression inside it, places included.
fn visit(e: &Expr, f: &mut impl FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Array(items) | Expr::Sequence(items) | Expr::CallGlobal(_, items) | Expr::CallFunction(_, items) => {
            items.iter().for_each(|i| visit(i, f))
        }
        Expr::Object(props) => props.iter().for_each(|(_, v)| visit(v, f)),
        Expr::Member(o, _) | Expr::Unary(_, o) | Expr::InDynamic(o) | Expr::InstanceOf(o, _) => visit(o, f),
        Expr::Index(a, b) | Expr::Binary(_, a, b) | Expr::Logical(_, a, b) => {
            visit(a, f);
            visit(b, f);
        }
        Expr::Conditional(a, b, c) => {
            visit(a, f);
            visit(b, f);
            visit(c, f);
        }
        Expr::Assign(p, _, v) => {
            visit_place(p, f);
            visit(v, f);
        }
        Expr::Update(p, ..) | Expr::Delete(p) => visit_place(p, f),
        Expr::CallMethod(r, _, args) | Expr::CallValue(r, args) => {
            visit(r, f);
            args.iter().for_each(|a| visit(a, f));
        }
        _ => {}
    }
}

fn visit_place(p: &Place, f: &mut impl FnMut(&Expr)) {
    match p {
        Place::Member(o, _) => visit(o, f),
        Place::Index(o, k) => {
            visit(o, f);
            visit(k, f);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Diagnostics, SourceFile};
    use crate::{front_end, Options};

    /// The model and scripts of an ECMAScript chart whose `<scxml>` holds `body`.
    fn front(body: &str) -> (crate::model::Chart, crate::script::Scripts) {
        let text = format!(
            "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\" datamodel=\"ecmascript\">{body}</scxml>"
        );
        let file = SourceFile::new("t.scxml", text);
        let mut diags = Diagnostics::default();
        front_end(&file, &Options::default(), &mut diags).expect("the chart builds")
    }

    /// After constant propagation, each `<if>` condition and `<log>`
    /// expression of the chart's blocks, in document order: the constant,
    /// or `?` where a variable is still read at run time.
    fn after_propagation(body: &str) -> Vec<String> {
        use crate::model::Action;
        use crate::script::Expr;
        let (chart, mut scripts) = front(body);
        super::propagate_constants(&chart, &mut scripts);
        let shown = |e: &Expr| match e {
            Expr::String(s) => s.clone(),
            Expr::Bool(b) => b.to_string(),
            _ => "?".into(),
        };
        let mut out = Vec::new();
        for block in &chart.blocks {
            Action::walk(&block.actions, &mut |a| match a {
                Action::Log { expr: Some(e), .. } => out.push(shown(scripts.expr(*e))),
                Action::Send(send) => {
                    if let Some(crate::model::ValueSource::Expr(e)) = &send.delay {
                        out.push(format!("delay {}", shown(scripts.expr(*e))));
                    }
                }
                Action::If { branches, .. } => out
                    .extend(branches.iter().filter_map(|(c, _)| *c).map(|c| format!("if {}", shown(scripts.expr(c))))),
                _ => {}
            });
        }
        out
    }

    #[test]
    fn constants_a_block_set_are_read_at_build_time_until_something_may_change_them() {
        let seen = after_propagation(
            r#"<datamodel><data id="t" expr="''"/><data id="u" expr="''"/><data id="i"/><data id="o" expr="({})"/></datamodel>
               <script>function touch() { t = 'changed'; }</script>
               <state id="s">
                 <onentry>
                   <script>t = '3s'; var u = 'x';</script>
                   <log expr="t"/>
                   <log expr="t != 'infinite'"/>
                   <if cond="t == '3s'">
                     <log expr="u"/>
                     <assign location="u" expr="'y'"/>
                     <log expr="u"/>
                   </if>
                   <log expr="u"/>
                   <log expr="t"/>
                   <if cond="(t = 'b') == 'b'"><log expr="t"/>
                   <elseif cond="t == '3s'"/><log expr="t"/>
                   </if>
                   <script>t = '3s'; touch();</script>
                   <log expr="t"/>
                   <script>t = '3s'; o[touch()] = 1;</script>
                   <log expr="t"/>
                 </onentry>
                 <onexit><log expr="t"/></onexit>
                 <transition event="e">
                   <assign location="t" expr="'a'"/>
                   <foreach array="[1]" item="i"><log expr="t"/></foreach>
                   <log expr="t"/>
                 </transition>
                 <transition event="f">
                   <script>t = '1s';</script>
                   <send event="g" delayexpr="t"/>
                   <send event="g" delayexpr="t"><param name="p" expr="t = '2s'"/></send>
                   <send event="g" delayexpr="t"/>
                 </transition>
                 <transition event="h">
                   <script>t = '1s'; u = 'x'; while (u) { u = ''; } for (t in o) {}</script>
                   <log expr="t"/>
                   <log expr="u"/>
                   <script>t = '1s'; switch (u) { case 1: t = 'one'; }</script>
                   <log expr="t"/>
                 </transition>
               </state>"#,
        );
        let expected = [
            &["3s", "true", "if true", "x", "y"][..],
            // Written in a branch.
            &["?", "3s"],
            // The first condition writes `t`: the second reads what it wrote.
            &["if ?", "if ?", "?", "?"],
            // A call may write anything, on the left of an assignment too.
            &["?", "?"],
            // Another block.
            &["?"],
            // A loop.
            &["?", "?"],
            // A send whose parameter writes `t`: none of its reads is
            // made at build time, whatever order its expressions run in,
            // and what follows does not know `t`.
            &["delay 1s", "delay ?", "delay ?"],
            // Written in a loop's body, by a `for ... in`, in a `switch`.
            &["?", "?", "?"],
        ]
        .concat();
        assert_eq!(seen, expected);
    }

    fn numeric(body: &str) -> Vec<(String, bool)> {
        let (chart, scripts) = front(body);
        let flags = super::numeric_vars(&chart, &scripts);
        scripts.vars.iter().map(|v| v.name.clone()).zip(flags).collect()
    }

    #[test]
    fn numbers_only_variables_are_numeric_to_a_fixed_point() {
        let vars = numeric(
            r#"<datamodel>
                 <data id="count" expr="0"/>
                 <data id="total" expr="count * 2"/>
                 <data id="label" expr="1"/>
                 <data id="copy" expr="0"/>
                 <data id="unset"/>
                 <data id="key" expr="0"/>
                 <data id="item" expr="0"/>
                 <data id="step" expr="0"/>
               </datamodel>
               <state id="s">
                 <onentry>
                   <assign location="count" expr="count + 1"/>
                   <script>total -= 1; label = 'x';</script>
                   <assign location="copy" expr="label + 1"/>
                   <script>for (key in {}) {} for (item of []) {} while (step &lt; 3) step++;</script>
                 </onentry>
               </state>"#,
        );
        // A loop's key or item may be anything.
        let expect = [
            ("count", true),
            ("total", true),
            ("label", false),
            ("copy", false),
            ("unset", false),
            ("key", false),
            ("item", false),
            ("step", true),
        ];
        for (name, numeric) in expect {
            assert!(vars.contains(&(name.to_string(), numeric)), "{name}: {vars:?}");
        }
    }

    #[test]
    fn counters_stepped_by_one_are_integral() {
        let (chart, scripts) = front(
            r#"<datamodel>
                 <data id="count" expr="0"/>
                 <data id="down" expr="-5"/>
                 <data id="copy" expr="0"/>
                 <data id="big" expr="9007199254740992"/>
                 <data id="half" expr="0"/>
                 <data id="leap" expr="0"/>
                 <data id="doubled" expr="1"/>
                 <data id="negated" expr="1"/>
                 <data id="minus_zero" expr="-0"/>
                 <data id="text" expr="'1'"/>
                 <data id="from_text" expr="0"/>
               </datamodel>
               <state id="s">
                 <onentry>
                   <assign location="count" expr="count + 1"/>
                   <script>down -= 1; down++; copy = count - -1; big = 1 + big; half = half + 0.5;
                     leap += 2; doubled = doubled * 2; negated = -negated; from_text = text - 1;</script>
                 </onentry>
               </state>"#,
        );
        let numeric = super::numeric_vars(&chart, &scripts);
        let integral = super::integral_vars(&chart, &scripts, &numeric);
        let vars: Vec<(&str, bool)> = scripts.vars.iter().map(|v| v.name.as_str()).zip(integral).collect();
        let expect = [
            ("count", true),
            ("down", true),
            ("copy", true),
            ("big", true),
            // Fractions, steps of more than one, products, negation (of
            // 0: -0), and what is not a number at all.
            ("half", false),
            ("leap", false),
            ("doubled", false),
            ("negated", false),
            ("minus_zero", false),
            ("text", false),
            ("from_text", false),
        ];
        for (name, integral) in expect {
            assert!(vars.contains(&(name, integral)), "{name}: {vars:?}");
        }
    }

    /// The chart of `body`, for the structural facts.
    fn chart(body: &str) -> crate::model::Chart {
        front(body).0
    }

    fn ids(chart: &crate::model::Chart, states: &[super::StateId]) -> Vec<String> {
        states.iter().map(|&s| chart.states[usize::from(s)].id.clone()).collect()
    }

    /// The transition whose source has id `source`, the first if several.
    fn from(chart: &crate::model::Chart, source: &str) -> usize {
        chart.transitions.iter().position(|t| chart.states[usize::from(t.source)].id == source).expect("a transition")
    }

    #[test]
    fn local_transitions_stay_below_the_parallel_state() {
        let c = chart(
            r#"<parallel id="p">
                 <state id="r1" initial="a">
                   <state id="a"><transition event="e" target="b"/><transition event="f"/></state>
                   <state id="b" initial="b1">
                     <state id="b1"><transition event="e" target="a"/></state>
                     <transition event="g" target="a"/>
                   </state>
                 </state>
                 <state id="r2" initial="c">
                   <state id="c"><transition event="e" target="out"/><transition event="f" target="done"/></state>
                   <final id="done"/>
                 </state>
               </parallel>
               <state id="out"/>"#,
        );
        // Within a region: the chain up to the domain.
        assert_eq!(super::local_exits(&c, from(&c, "a")).map(|e| ids(&c, &e)), Some(vec!["a".to_string()]));
        assert_eq!(
            super::local_exits(&c, from(&c, "b1")).map(|e| ids(&c, &e)),
            Some(vec!["b1".to_string(), "b".to_string()])
        );
        // Targetless: local, exits nothing.
        let targetless = c.transitions.iter().position(|t| t.targets.is_empty()).expect("a targetless transition");
        assert_eq!(super::local_exits(&c, targetless), Some(vec![]));
        // Leaving the parallel state, from a compound source, into a final state: not local.
        assert_eq!(super::local_exits(&c, from(&c, "c")), None);
        assert_eq!(super::local_exits(&c, from(&c, "b")), None);
        let into_final = c.transitions.iter().position(|t| ids(&c, &t.targets) == ["done"]).expect("into done");
        assert_eq!(super::local_exits(&c, into_final), None);
    }

    #[test]
    fn history_entries_cover_every_state_a_history_can_record() {
        let c = chart(
            r#"<state id="w" initial="s1">
                 <history id="shallow"><transition target="s2"/></history>
                 <history id="deep" type="deep"><transition target="s1"/></history>
                 <state id="s1"/>
                 <state id="s2" initial="i1"><state id="i1"/><state id="i2"/></state>
               </state>
               <state id="away">
                 <transition event="s" target="shallow"/>
                 <transition event="d" target="deep"/>
               </state>"#,
        );
        let to = |h: &str| c.transitions.iter().position(|t| ids(&c, &t.targets) == [h]).expect("a transition");
        let shallow = super::history_entry(&c, to("shallow")).expect("static");
        let recorded: Vec<(String, Vec<String>)> =
            shallow.recorded.iter().map(|(r, entry, _)| (ids(&c, &[*r])[0].clone(), ids(&c, entry))).collect();
        assert_eq!(
            recorded,
            [
                ("s1".to_string(), vec!["w".to_string(), "s1".to_string()]),
                ("s2".to_string(), vec!["w".to_string(), "s2".to_string(), "i1".to_string()]),
            ]
        );
        assert_eq!(ids(&c, &shallow.default.0), ["w", "s2", "i1"]);
        assert_eq!(ids(&c, &[shallow.parent]), ["w"]);
        let deep = super::history_entry(&c, to("deep")).expect("static");
        let recorded: Vec<String> = deep.recorded.iter().map(|(r, _, _)| ids(&c, &[*r])[0].clone()).collect();
        assert_eq!(recorded, ["s1", "i1", "i2"]);
        let (_, entry, _) = &deep.recorded[2];
        assert_eq!(ids(&c, entry), ["w", "s2", "i2"]);
        // The initial transition targets `w`, not a history state.
        assert!(super::history_entry(&c, 0).is_none());
    }

    fn reads_event(body: &str) -> bool {
        super::reads_event(&front(body).1)
    }

    #[test]
    fn event_reads_are_found_in_conditions_places_and_functions() {
        assert!(!reads_event(r#"<state id="s"><transition event="e" cond="1 == 1"/></state>"#));
        assert!(reads_event(r#"<state id="s"><transition event="e" cond="_event.name == 'e'"/></state>"#));
        assert!(reads_event(
            r#"<datamodel><data id="o" expr="{}"/></datamodel>
               <state id="s"><onentry><assign location="o[_event.name]" expr="1"/></onentry></state>"#
        ));
        assert!(reads_event(r#"<script>function f() { return _event; }</script><state id="s"/>"#));
    }

    fn content_reads_configuration(body: &str) -> bool {
        let (chart, scripts) = front(body);
        super::content_reads_configuration(&chart, &scripts)
    }

    #[test]
    fn configuration_reads_in_content_are_found_but_not_in_transition_conditions() {
        assert!(!content_reads_configuration(r#"<state id="s"><transition event="e" cond="In('s')"/></state>"#));
        assert!(content_reads_configuration(
            r#"<state id="s"><transition event="e"><if cond="In('s')"><log expr="1"/></if></transition></state>"#
        ));
        assert!(content_reads_configuration(r#"<state id="s"><onexit><log expr="In('s')"/></onexit></state>"#));
        assert!(content_reads_configuration(r#"<script>function f() { return In('s'); }</script><state id="s"/>"#));
    }

    #[test]
    fn foreach_and_idlocation_writes_keep_a_value() {
        let vars = numeric(
            r#"<datamodel><data id="i" expr="0"/><data id="id" expr="0"/><data id="xs" expr="[1]"/></datamodel>
               <state id="s"><onentry>
                 <foreach array="xs" item="i"/>
                 <send event="e" idlocation="id"/>
               </onentry></state>"#,
        );
        assert!(vars.iter().all(|(_, numeric)| !numeric), "{vars:?}");
    }
}
