//! Stage 2: [`crate::ast::Document`] → [`Chart`]: states in document order with
//! resolved targets, transitions, executable content and the sources of
//! every expression, validated. All problems are collected, none is fatal
//! on its own.
use crate::ast::{Attribute, Document, Element};
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use std::collections::HashMap;
use std::path::Path;

pub const SCXML_NS: &str = "http://www.w3.org/2005/07/scxml";

pub type StateId = u16;
pub type ExprId = usize;
pub type BlockId = usize;

/// The same kinds the runtime's tables carry.
pub use scxmlc_runtime::StateKind;

/// Which SCXML the chart is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// W3C SCXML 1.0.
    #[default]
    W3c,
    /// Genesys Orchestration Server: module actions, `_data`, `_genesys`,
    /// expressions in `<send>` attributes, `<initial>` under `<scxml>`.
    Genesys,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datamodel {
    Ecmascript,
    Null,
}

#[derive(Debug)]
pub struct Chart {
    pub dialect: Dialect,
    pub name: Option<String>,
    pub datamodel: Datamodel,
    pub late_binding: bool,
    /// Index 0 is the `<scxml>` root; the rest in document order.
    pub states: Vec<State>,
    /// Index 0 is the document's initial transition.
    pub transitions: Vec<Transition>,
    pub blocks: Vec<Block>,
    pub data: Vec<DataDecl>,
    /// Every expression, condition, location and script body, by [`ExprId`].
    pub sources: Vec<Source>,
    /// `<invoke>` elements in document order.
    pub invokes: Vec<Invoke>,
    /// Charts started by `<invoke>`, compiled with this one.
    pub children: Vec<ChildChart>,
}

/// An SCXML child session started by `<invoke>`.
#[derive(Debug)]
pub struct Invoke {
    pub state: StateId,
    pub type_: Option<ValueSource>,
    pub id: Option<String>,
    pub idlocation: Option<ExprId>,
    pub namelist: Vec<(String, ExprId)>,
    pub params: Vec<Param>,
    pub autoforward: bool,
    pub finalize: Option<BlockId>,
    pub child: InvokeChild,
    pub span: Span,
}

/// Which compiled chart an `<invoke>` starts.
#[derive(Debug)]
pub enum InvokeChild {
    /// Named by `src` or given inline: an index into [`Chart::children`].
    Fixed(usize),
    /// Chosen when the invoke runs, by the string `expr` evaluates to
    /// (`srcexpr`, or `<content expr>`), among the charts that could be
    /// compiled ahead of time: (key, index into [`Chart::children`]).
    Dynamic { expr: ExprId, candidates: Vec<(String, usize)> },
}

/// A child chart: its model, and its own source when it came from `src`.
#[derive(Debug)]
pub struct ChildChart {
    pub chart: Chart,
    pub file: Option<crate::diagnostic::SourceFile>,
    /// Where the parent names it (for its errors).
    pub span: Span,
}

#[derive(Debug)]
pub struct State {
    pub id: String,
    /// The chart gave no id; `id` was generated and cannot collide with one.
    pub generated_id: bool,
    pub kind: StateKind,
    pub parent: Option<StateId>,
    pub children: Vec<StateId>,
    pub history: Vec<StateId>,
    /// Compound: default initial targets. History: default transition targets.
    pub initial: Vec<StateId>,
    pub initial_exec: Option<BlockId>,
    pub onentry: Vec<BlockId>,
    pub onexit: Vec<BlockId>,
    pub transitions: Vec<usize>,
    pub donedata: Option<DoneData>,
    /// Indices into [`Chart::invokes`].
    pub invokes: Vec<usize>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Transition {
    pub source: StateId,
    pub targets: Vec<StateId>,
    /// Normalised descriptors: `foo.*` and `foo.` are `foo`.
    pub events: Vec<String>,
    pub cond: Option<ExprId>,
    pub internal: bool,
    pub exec: Option<BlockId>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Block {
    pub role: BlockRole,
    pub actions: Vec<Action>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockRole {
    GlobalScript,
    OnEntry(StateId),
    OnExit(StateId),
    Transition(usize),
    Initial(StateId),
    HistoryDefault(StateId),
    Finalize(usize),
}

#[derive(Debug)]
pub struct DataDecl {
    pub id: String,
    pub owner: StateId,
    pub init: Option<ExprId>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A value expression.
    Expr,
    /// A condition (`cond`).
    Cond,
    /// An assignable location.
    Location,
    /// A `<script>` body: statements.
    Script,
    /// A `<data>`/`<content>` body: a JSON or ECMAScript value, else a string.
    Body,
    /// An inline `<scxml>` document held as a value: its canonical XML text.
    Document,
}

#[derive(Debug)]
pub struct Source {
    pub kind: SourceKind,
    pub text: String,
    /// Where `text` starts in the chart.
    pub start: usize,
    pub(crate) escapes: Vec<(usize, usize)>,
    /// The text came from another file (`src=`): spans point at the element.
    pub external: Option<Span>,
}

impl Source {
    /// The chart position of a byte offset inside `text`.
    pub fn offset(&self, within: usize) -> usize {
        match self.external {
            Some(span) => span.start,
            None => crate::ast::source_offset(self.start, &self.escapes, within),
        }
    }
}

/// A value given either literally (`event="x"`) or as an expression (`eventexpr="..."`).
#[derive(Debug)]
pub enum ValueSource {
    Literal(String),
    Expr(ExprId),
}

#[derive(Debug)]
pub enum Action {
    Raise {
        event: String,
        span: Span,
    },
    Send(Box<Send>),
    Log {
        label: String,
        expr: Option<ExprId>,
        span: Span,
    },
    Assign {
        location: ExprId,
        value: Option<ExprId>,
        span: Span,
    },
    If {
        branches: Vec<(Option<ExprId>, Vec<Action>)>,
        span: Span,
    },
    Foreach {
        array: ExprId,
        item: ExprId,
        index: Option<ExprId>,
        body: Vec<Action>,
        span: Span,
    },
    Script {
        body: ExprId,
        span: Span,
    },
    Cancel {
        sendid: ValueSource,
        span: Span,
    },
    /// A vendor module action (Genesys `ixn:`, `queue:`, `dialog:`...).
    Platform(Box<PlatformAction>),
}

impl Action {
    /// Calls `f` on each action of `actions` and on those nested in its
    /// `<if>` branches and `<foreach>` bodies, in document order.
    pub fn walk<'a>(actions: &'a [Action], f: &mut impl FnMut(&'a Action)) {
        for a in actions {
            f(a);
            match a {
                Action::If { branches, .. } => {
                    for (_, body) in branches {
                        Action::walk(body, f);
                    }
                }
                Action::Foreach { body, .. } => Action::walk(body, f),
                _ => {}
            }
        }
    }
}

/// A module action: evaluated attributes become a request to the platform;
/// the answer comes back later as an event.
#[derive(Debug)]
pub struct PlatformAction {
    /// Canonical `prefix:name`, e.g. `ixn:detach`.
    pub action: String,
    /// Answer events are `<prefix>.<name>.done` and `error.<prefix>.<name>`.
    pub answer_prefix: String,
    pub attributes: Vec<(String, ValueSource)>,
    /// Where the platform's fresh request id is written.
    pub requestid: Option<ExprId>,
    /// Nested elements (`<queue:targets>`, `<dialog:prompt>`...), as data.
    pub children: Vec<PlatformAction>,
    /// We model this action; otherwise it is passed on as a generic request.
    pub known: bool,
    pub span: Span,
}

impl PlatformAction {
    /// `detach` of `ixn:detach`.
    fn short_name(&self) -> &str {
        self.action.split_once(':').map_or(&self.action, |(_, name)| name)
    }

    /// The event that answers success: `interaction.detach.done`.
    pub fn done_event(&self) -> String {
        format!("{}.{}.done", self.answer_prefix, self.short_name())
    }

    /// The event that answers failure: `error.interaction.detach`.
    pub fn error_event(&self) -> String {
        format!("error.{}.{}", self.answer_prefix, self.short_name())
    }
}

#[derive(Debug)]
pub struct Send {
    pub event: Option<ValueSource>,
    pub target: Option<ValueSource>,
    pub type_: Option<ValueSource>,
    pub id: Option<String>,
    pub idlocation: Option<ExprId>,
    pub delay: Option<ValueSource>,
    /// (name as written, its location read as an expression)
    pub namelist: Vec<(String, ExprId)>,
    pub params: Vec<Param>,
    pub content: Option<ExprId>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Param {
    pub name: String,
    pub value: ExprId,
    pub span: Span,
}

#[derive(Debug)]
pub struct DoneData {
    pub params: Vec<Param>,
    pub content: Option<ExprId>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct ModelOptions<'a> {
    /// Where `src` attributes resolve; `None` forbids them.
    pub base_dir: Option<&'a Path>,
    pub dialect: Dialect,
}

/// Builds the model; `None` only when the document is not an SCXML chart at all.
pub fn build(doc: &Document, options: ModelOptions<'_>, diags: &mut Diagnostics) -> Option<Chart> {
    let root = &doc.root;
    if root.local != "scxml" {
        diags.push(
            Diagnostic::error("E0100", root.span, format!("the root element is <{}>, not <scxml>", root.name))
                .with_help(
                    "an SCXML chart starts with <scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\">",
                ),
        );
        return None;
    }
    let mut b = Builder {
        chart: Chart {
            dialect: options.dialect,
            name: root.attr_value("name").map(str::to_string),
            datamodel: Datamodel::Ecmascript,
            late_binding: false,
            states: Vec::new(),
            transitions: Vec::new(),
            blocks: Vec::new(),
            data: Vec::new(),
            sources: Vec::new(),
            invokes: Vec::new(),
            children: Vec::new(),
        },
        pending_targets: Vec::new(),
        pending_initial: Vec::new(),
        ids: HashMap::new(),
        documents: Vec::new(),
        dynamic_invokes: Vec::new(),
        diags,
        options,
    };
    match root.attr("datamodel").map(|a| (a, a.value.as_str())) {
        None | Some((_, "ecmascript")) => {}
        Some((_, "null")) => b.chart.datamodel = Datamodel::Null,
        Some((a, other)) => b.diags.push(
            Diagnostic::error("E0103", a.span, format!("datamodel '{other}' is not supported"))
                .with_help("scxmlc compiles the 'ecmascript' and 'null' datamodels"),
        ),
    }
    match root.attr("binding").map(|a| (a, a.value.as_str())) {
        None | Some((_, "early")) => {}
        Some((_, "late")) => b.chart.late_binding = true,
        Some((a, other)) => b.diags.error("E0104", a.span, format!("binding must be 'early' or 'late', not '{other}'")),
    }
    // The initial transition is transition 0; its targets are resolved with the rest.
    b.chart.transitions.push(Transition {
        source: 0,
        targets: Vec::new(),
        events: Vec::new(),
        cond: None,
        internal: true,
        exec: None,
        span: root.span,
    });
    b.state(root, None, StateKind::Root);
    b.resolve();
    b.resolve_dynamic_invokes();
    Some(b.chart)
}

struct Builder<'a, 'd> {
    chart: Chart,
    /// (transition, target ids as written, span of the attribute)
    pending_targets: Vec<(usize, String, Span)>,
    /// (compound state, initial ids as written, span)
    pending_initial: Vec<(StateId, String, Span)>,
    ids: HashMap<String, StateId>,
    /// Inline `<scxml>` documents in `<assign>`/`<data>`: (XML text, child).
    documents: Vec<(String, usize)>,
    /// `<invoke>`s whose child is chosen at run time, and by what.
    dynamic_invokes: Vec<(usize, DynamicBy)>,
    diags: &'d mut Diagnostics,
    options: ModelOptions<'a>,
}

#[derive(Clone, Copy)]
enum DynamicBy {
    SrcExpr,
    ContentExpr,
}

/// The `'file:...'` / `"file:..."` string literals of a source text, with
/// the offset of each literal's first character.
fn file_literals(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for quote in ['\'', '"'] {
        let opener = format!("{quote}file:");
        let mut from = 0;
        while let Some(i) = text[from..].find(&opener) {
            let start = from + i + 1;
            match text[start..].find(quote) {
                Some(len) => {
                    let literal = &text[start..start + len];
                    if !literal.contains(['\\', '\n']) {
                        out.push((literal.to_string(), start));
                    }
                    from = start + len + 1;
                }
                None => break,
            }
        }
    }
    out
}

fn is_scxml(el: &Element) -> bool {
    el.namespace.as_deref().is_none_or(|ns| ns == SCXML_NS)
}

impl Builder<'_, '_> {
    fn state(&mut self, el: &Element, parent: Option<StateId>, kind: StateKind) -> Option<StateId> {
        let index = self.chart.states.len();
        let index = match StateId::try_from(index) {
            Ok(i) if i < StateId::MAX => i,
            _ => {
                if index == usize::from(StateId::MAX) {
                    self.diags.error("E0105", el.span, "more than 65534 states: split the chart");
                }
                return None;
            }
        };
        let (id, generated_id) = match el.attr("id") {
            Some(a) if kind != StateKind::Root => {
                if self.ids.contains_key(&a.value) {
                    self.diags.push(
                        Diagnostic::error("E0101", a.span, format!("duplicate state id '{}'", a.value))
                            .with_help("state ids must be unique in a document"),
                    );
                } else {
                    self.ids.insert(a.value.clone(), index);
                }
                (a.value.clone(), false)
            }
            _ if kind == StateKind::Root => (String::new(), true),
            _ => (format!("#state{index}"), true),
        };
        self.chart.states.push(State {
            id,
            generated_id,
            kind,
            parent,
            children: Vec::new(),
            history: Vec::new(),
            initial: Vec::new(),
            initial_exec: None,
            onentry: Vec::new(),
            onexit: Vec::new(),
            transitions: Vec::new(),
            donedata: None,
            invokes: Vec::new(),
            span: el.span,
        });
        if let Some(p) = parent {
            match kind {
                StateKind::ShallowHistory | StateKind::DeepHistory => {
                    self.chart.states[usize::from(p)].history.push(index)
                }
                _ => self.chart.states[usize::from(p)].children.push(index),
            }
        }
        let mut initial_element: Option<&Element> = None;
        for child in el.elements() {
            if !is_scxml(child) {
                self.diags.warning(
                    "W0100",
                    child.span,
                    format!("<{}> is in a namespace scxmlc does not know; it is ignored", child.name),
                );
                continue;
            }
            match (kind, child.local.as_str()) {
                (StateKind::ShallowHistory | StateKind::DeepHistory, "transition") => {
                    self.history_default(child, index);
                }
                (StateKind::ShallowHistory | StateKind::DeepHistory, _) => self.unexpected(child, el),
                (_, "onentry") => {
                    let b = self.block(child, BlockRole::OnEntry(index));
                    self.chart.states[usize::from(index)].onentry.push(b);
                }
                (_, "onexit") => {
                    let b = self.block(child, BlockRole::OnExit(index));
                    self.chart.states[usize::from(index)].onexit.push(b);
                }
                (StateKind::Final, "donedata") => {
                    let dd = self.donedata(child);
                    self.chart.states[usize::from(index)].donedata = Some(dd);
                }
                (StateKind::Final, _) => self.unexpected(child, el),
                (StateKind::Root, "script") => {
                    let b = self.script_block(child, BlockRole::GlobalScript);
                    self.chart.states[0].onentry.push(b);
                }
                (_, "state") => {
                    let has_children = child
                        .elements()
                        .any(|c| is_scxml(c) && matches!(c.local.as_str(), "state" | "parallel" | "final"));
                    let k = if has_children { StateKind::Compound } else { StateKind::Atomic };
                    self.state(child, Some(index), k);
                }
                (_, "parallel") => {
                    self.state(child, Some(index), StateKind::Parallel);
                }
                (_, "final") => {
                    self.state(child, Some(index), StateKind::Final);
                }
                (StateKind::Root, "initial") if self.options.dialect == Dialect::Genesys => {
                    if initial_element.is_some() {
                        self.diags.error("E0107", child.span, "a state has at most one <initial>");
                    }
                    initial_element = Some(child);
                }
                (StateKind::Root, "transition" | "history" | "initial") => self.unexpected(child, el),
                (_, "history") => {
                    let k = match child.attr("type").map(|a| (a, a.value.as_str())) {
                        None | Some((_, "shallow")) => StateKind::ShallowHistory,
                        Some((_, "deep")) => StateKind::DeepHistory,
                        Some((a, other)) => {
                            self.diags.error(
                                "E0106",
                                a.span,
                                format!("history type must be 'shallow' or 'deep', not '{other}'"),
                            );
                            StateKind::ShallowHistory
                        }
                    };
                    self.state(child, Some(index), k);
                }
                (_, "transition") => self.transition(child, index),
                (_, "initial") => {
                    if initial_element.is_some() {
                        self.diags.error("E0107", child.span, "a state has at most one <initial>");
                    }
                    initial_element = Some(child);
                }
                (_, "datamodel") => self.datamodel(child, index),
                (_, "invoke") => self.invoke(child, index),
                (_, "donedata") => self.unexpected(child, el),
                _ => self.unexpected(child, el),
            }
        }
        let state = &self.chart.states[usize::from(index)];
        let has_children = !state.children.is_empty();
        let initial_attr = el.attr("initial");
        match (initial_attr, initial_element) {
            (Some(_), Some(i)) => {
                self.diags.error(
                    "E0107",
                    i.span,
                    "a state cannot have both an 'initial' attribute and an <initial> element",
                );
            }
            (Some(a), None) if !has_children && kind != StateKind::Root => {
                self.diags.error("E0108", a.span, "'initial' on a state without child states");
            }
            (Some(a), None) => self.pending_initial.push((index, a.value.clone(), a.span)),
            (None, Some(i)) => self.initial_element(i, index),
            (None, None) => {}
        }
        if kind == StateKind::Root {
            if initial_element.is_some() {
                // <initial> under <scxml> (Genesys): its transition is the document's.
                let exec = self.chart.states[0].initial_exec.take();
                self.chart.transitions[0].exec = exec;
                if let Some((_, ids, span)) = self.pending_initial.iter().find(|(s, _, _)| *s == 0).cloned() {
                    self.pending_targets.push((0, ids, span));
                }
            }
            if let Some(a) = initial_attr {
                // <scxml initial="..."> sets the document's initial transition.
                self.pending_targets.push((0, a.value.clone(), a.span));
                self.pending_initial.retain(|(s, _, _)| *s != 0);
            }
        }
        if matches!(kind, StateKind::ShallowHistory | StateKind::DeepHistory)
            && self.chart.states[usize::from(index)].initial.is_empty()
            && !el.elements().any(|c| c.local == "transition")
        {
            self.diags.push(
                Diagnostic::error("E0109", el.span, "<history> needs a default <transition>")
                    .with_help("the default transition says which state to enter when no history is recorded yet"),
            );
        }
        Some(index)
    }

    fn invoke(&mut self, el: &Element, state: StateId) {
        let type_ = self.value_source(el, "type", "typeexpr");
        if let Some(ValueSource::Literal(t)) = &type_ {
            if !matches!(t.trim_end_matches('/'), "http://www.w3.org/TR/scxml" | "scxml") {
                self.diags.error(
                    "E0302",
                    el.span,
                    format!("<invoke type=\"{t}\"> is not supported: only SCXML children"),
                );
                return;
            }
        }
        let (id, idlocation) = match (el.attr("id"), el.attr("idlocation")) {
            (Some(a), None) => (Some(a.value.clone()), None),
            (None, Some(l)) => (None, Some(self.source(l, SourceKind::Location))),
            (None, None) => (None, None),
            (Some(a), Some(_)) => {
                self.diags.error("E0130", a.span, "<invoke> takes 'id' or 'idlocation', not both");
                return;
            }
        };
        let namelist = self.namelist(el);
        let mut params = Vec::new();
        let mut content: Option<&Element> = None;
        let mut finalize_el: Option<&Element> = None;
        for c in el.elements() {
            match c.local.as_str() {
                "param" => params.extend(self.param(c)),
                "content" => content = Some(c),
                "finalize" => finalize_el = Some(c),
                _ => self.unexpected(c, el),
            }
        }
        let index = self.chart.invokes.len();
        let srcexpr = el.attr("srcexpr");
        let child = match (el.attr("src"), srcexpr, content) {
            (Some(src), None, None) => self.child_from_file(&src.value, src.span).map(|c| self.add_child(c)),
            (None, Some(e), None) => {
                self.dynamic_invokes.push((index, DynamicBy::SrcExpr));
                Some(InvokeChild::Dynamic { expr: self.source(e, SourceKind::Expr), candidates: Vec::new() })
            }
            (None, None, Some(c)) => match (c.elements().find(|e| e.local == "scxml"), c.attr("expr")) {
                (Some(root), None) => {
                    let doc = Document { root: root.clone() };
                    let options = ModelOptions { base_dir: self.options.base_dir, dialect: self.options.dialect };
                    build(&doc, options, self.diags)
                        .map(|chart| self.add_child(ChildChart { chart, file: None, span: root.span }))
                }
                (None, Some(e)) => {
                    self.dynamic_invokes.push((index, DynamicBy::ContentExpr));
                    Some(InvokeChild::Dynamic { expr: self.source(e, SourceKind::Expr), candidates: Vec::new() })
                }
                _ => {
                    self.diags.error("E0304", c.span, "<invoke><content> must hold an <scxml> chart, or take 'expr'");
                    None
                }
            },
            (None, None, None) => {
                self.diags.error(
                    "E0304",
                    el.span,
                    "<invoke> needs a child chart: src=\"file:...\", srcexpr, or <content>",
                );
                None
            }
            _ => {
                self.diags.error("E0304", el.span, "<invoke> takes one of src, srcexpr and <content>");
                None
            }
        };
        let Some(child) = child else { return };
        let finalize = finalize_el.map(|f| self.block(f, BlockRole::Finalize(index)));
        self.chart.invokes.push(Invoke {
            state,
            type_,
            id,
            idlocation,
            namelist,
            params,
            autoforward: el.attr_value("autoforward") == Some("true"),
            finalize,
            child,
            span: el.span,
        });
        self.chart.states[usize::from(state)].invokes.push(index);
    }

    fn add_child(&mut self, child: ChildChart) -> InvokeChild {
        self.chart.children.push(child);
        InvokeChild::Fixed(self.chart.children.len() - 1)
    }

    /// The charts a run-time choice can start: for `srcexpr`, every chart a
    /// `'file:...'` string literal of this chart names (a name no literal
    /// spells cannot be compiled ahead of time); for `<content expr>`,
    /// every `<scxml>` document the chart holds in `<assign>` or `<data>`.
    fn resolve_dynamic_invokes(&mut self) {
        if self.dynamic_invokes.is_empty() {
            return;
        }
        let mut files: Vec<(String, usize)> = Vec::new();
        if self.dynamic_invokes.iter().any(|(_, by)| matches!(by, DynamicBy::SrcExpr)) {
            let mut literals: Vec<(String, usize)> = Vec::new();
            for s in &self.chart.sources {
                for (literal, at) in file_literals(&s.text) {
                    if !literals.iter().any(|(l, _)| *l == literal) {
                        literals.push((literal, s.offset(at)));
                    }
                }
            }
            for (literal, at) in literals {
                let exists = self
                    .options
                    .base_dir
                    .is_some_and(|base| base.join(literal.strip_prefix("file:").unwrap_or(&literal)).is_file());
                if exists {
                    if let Some(child) = self.child_from_file(&literal, Span::new(at, at + literal.len())) {
                        self.chart.children.push(child);
                        files.push((literal, self.chart.children.len() - 1));
                    }
                }
            }
        }
        for (index, by) in std::mem::take(&mut self.dynamic_invokes) {
            let (found, what) = match by {
                DynamicBy::SrcExpr => {
                    (files.clone(), "no 'file:...' string literal of this chart names a readable chart")
                }
                DynamicBy::ContentExpr => {
                    (self.documents.clone(), "no <assign> or <data> of this chart holds an <scxml> document")
                }
            };
            let span = self.chart.invokes[index].span;
            if found.is_empty() {
                self.diags.push(
                    Diagnostic::warning("W0303", span, format!("this <invoke> can start no chart: {what}")).with_help(
                        "scxmlc compiles children ahead of time; running this invoke raises error.execution",
                    ),
                );
            }
            if let InvokeChild::Dynamic { candidates, .. } = &mut self.chart.invokes[index].child {
                *candidates = found;
            }
        }
    }

    /// An `<scxml>` document held as a value: compiled as a chart a
    /// `<content expr>` may start, and valued as its XML text.
    fn inline_document(&mut self, holder: &Element, root: &Element) -> Option<ExprId> {
        if let Some(t) = holder.text().filter(|t| !t.text.trim().is_empty()) {
            self.diags.error("E0132", t.span, "text beside an inline <scxml> document");
            return None;
        }
        let doc = Document { root: root.clone() };
        let options = ModelOptions { base_dir: self.options.base_dir, dialect: self.options.dialect };
        let chart = build(&doc, options, self.diags)?;
        let key = root.to_xml();
        self.chart.children.push(ChildChart { chart, file: None, span: root.span });
        self.documents.push((key.clone(), self.chart.children.len() - 1));
        Some(self.push_source(SourceKind::Document, key, root.span.start, Vec::new()))
    }

    fn child_from_file(&mut self, src: &str, span: Span) -> Option<ChildChart> {
        let Some(base) = self.options.base_dir else {
            self.diags.error("E0123", span, "'src' needs the chart's folder: compile it from a file");
            return None;
        };
        let path = base.join(src.strip_prefix("file:").unwrap_or(src));
        let file = match crate::load(&path) {
            Ok(f) => f,
            Err(_) => {
                self.diags.error("E0123", span, format!("cannot read the invoked chart '{}'", path.display()));
                return None;
            }
        };
        // The child is checked on its own; its problems are reported at the `src` attribute.
        let mut child_diags = Diagnostics::default();
        let chart =
            crate::parse::parse(&file.text, crate::parse::ParseOptions::default(), &mut child_diags).and_then(|doc| {
                let options = ModelOptions { base_dir: path.parent(), dialect: self.options.dialect };
                build(&doc, options, &mut child_diags)
            });
        if let Some(first) = child_diags.errors().next() {
            let (line, col) = file.line_col(first.span.start);
            self.diags.error(
                "E0305",
                span,
                format!("the invoked chart {}:{line}:{col} has an error: {}", path.display(), first.message),
            );
            return None;
        }
        chart.map(|chart| ChildChart { chart, file: Some(file), span })
    }

    fn unexpected(&mut self, child: &Element, parent: &Element) {
        self.diags.error("E0110", child.span, format!("<{}> is not allowed inside <{}>", child.name, parent.name));
    }

    fn history_default(&mut self, t: &Element, history: StateId) {
        if t.attr("event").is_some() || t.attr("cond").is_some() {
            self.diags.error("E0109", t.span, "a history's default transition has no 'event' or 'cond'");
        }
        let Some(target) = t.attr("target") else {
            self.diags.error("E0109", t.span, "a history's default transition needs a 'target'");
            return;
        };
        let block = self.block(t, BlockRole::HistoryDefault(history));
        self.chart.states[usize::from(history)].initial_exec = Some(block);
        self.pending_initial.push((history, target.value.clone(), target.span));
    }

    fn initial_element(&mut self, el: &Element, state: StateId) {
        let transitions: Vec<&Element> = el.elements().filter(|c| c.local == "transition").collect();
        let [t] = transitions.as_slice() else {
            self.diags.error("E0107", el.span, "<initial> must hold exactly one <transition>");
            return;
        };
        if t.attr("event").is_some() || t.attr("cond").is_some() {
            self.diags.error("E0107", t.span, "the transition in <initial> has no 'event' or 'cond'");
        }
        match t.attr("target") {
            Some(a) => self.pending_initial.push((state, a.value.clone(), a.span)),
            None => self.diags.error("E0107", t.span, "the transition in <initial> needs a 'target'"),
        }
        let block = self.block(t, BlockRole::Initial(state));
        self.chart.states[usize::from(state)].initial_exec = Some(block);
    }

    fn transition(&mut self, el: &Element, source: StateId) {
        let index = self.chart.transitions.len();
        let events = match el.attr("event") {
            Some(a) => {
                let events: Vec<String> = a.value.split_whitespace().map(normalise_descriptor).collect();
                for e in &events {
                    if !is_valid_descriptor(e) {
                        self.diags.error("E0111", a.span, format!("'{e}' is not a valid event descriptor"));
                    }
                }
                if events.is_empty() {
                    self.diags.error(
                        "E0111",
                        a.span,
                        "an empty 'event' attribute: remove it for an eventless transition",
                    );
                }
                events
            }
            None => Vec::new(),
        };
        let cond = el.attr("cond").map(|a| self.source(a, SourceKind::Cond));
        let internal = match el.attr("type").map(|a| (a, a.value.as_str())) {
            None | Some((_, "external")) => false,
            Some((_, "internal")) => true,
            Some((a, other)) => {
                self.diags.error(
                    "E0112",
                    a.span,
                    format!("transition type must be 'internal' or 'external', not '{other}'"),
                );
                false
            }
        };
        if let Some(a) = el.attr("target") {
            self.pending_targets.push((index, a.value.clone(), a.span));
        }
        self.chart.transitions.push(Transition {
            source,
            targets: Vec::new(),
            events,
            cond,
            internal,
            exec: None,
            span: el.span,
        });
        self.chart.states[usize::from(source)].transitions.push(index);
        if el.elements().next().is_some() {
            let block = self.block(el, BlockRole::Transition(index));
            self.chart.transitions[index].exec = Some(block);
        }
    }

    fn datamodel(&mut self, el: &Element, owner: StateId) {
        for d in el.elements() {
            if d.local != "data" {
                self.unexpected(d, el);
                continue;
            }
            let Some(id) = d.attr("id").or_else(|| d.attr("ID")) else {
                self.diags.error("E0120", d.span, "<data> needs an 'id'");
                continue;
            };
            let document = d.elements().find(|e| e.local == "scxml");
            let init = match (d.attr("expr"), d.attr("src"), d.text().filter(|t| !t.text.trim().is_empty())) {
                (None, None, _) if document.is_some() => document.and_then(|root| self.inline_document(d, root)),
                (Some(e), None, None) => Some(self.source(e, SourceKind::Expr)),
                (None, Some(src), None) => self.external_source(src, d, SourceKind::Body),
                (None, None, Some(t)) => Some(self.push_source(SourceKind::Body, t.text, t.span.start, t.escapes)),
                (None, None, None) => None,
                _ => {
                    self.diags.error("E0121", d.span, "<data> takes at most one of 'expr', 'src' and content");
                    None
                }
            };
            self.chart.data.push(DataDecl { id: id.value.clone(), owner, init, span: id.span });
        }
    }

    fn donedata(&mut self, el: &Element) -> DoneData {
        let mut dd = DoneData { params: Vec::new(), content: None };
        for c in el.elements() {
            match c.local.as_str() {
                "param" => {
                    if let Some(p) = self.param(c) {
                        dd.params.push(p);
                    }
                }
                "content" => dd.content = self.content(c),
                _ => self.unexpected(c, el),
            }
        }
        if dd.content.is_some() && !dd.params.is_empty() {
            self.diags.error("E0122", el.span, "<donedata> takes either <content> or <param>s, not both");
        }
        dd
    }

    fn source(&mut self, a: &Attribute, kind: SourceKind) -> ExprId {
        self.push_source(kind, a.value.clone(), a.span.start, a.escapes.clone())
    }

    fn push_source(&mut self, kind: SourceKind, text: String, start: usize, escapes: Vec<(usize, usize)>) -> ExprId {
        self.chart.sources.push(Source { kind, text, start, escapes, external: None });
        self.chart.sources.len() - 1
    }

    fn external_source(&mut self, src: &Attribute, el: &Element, kind: SourceKind) -> Option<ExprId> {
        let Some(base) = self.options.base_dir else {
            self.diags.error("E0123", src.span, "'src' needs the chart's folder: compile it from a file");
            return None;
        };
        let rel = src.value.strip_prefix("file:").unwrap_or(&src.value);
        let path = base.join(rel);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                self.chart.sources.push(Source {
                    kind,
                    text,
                    start: src.span.start,
                    escapes: Vec::new(),
                    external: Some(src.span),
                });
                Some(self.chart.sources.len() - 1)
            }
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    "E0123",
                    src.span,
                    format!("cannot read '{}' for <{}>: {e}", path.display(), el.name),
                ));
                None
            }
        }
    }

    fn value_source(&mut self, el: &Element, literal: &str, expr: &str) -> Option<ValueSource> {
        match (el.attr(literal), el.attr(expr)) {
            (Some(a), Some(_)) => {
                self.diags.error("E0130", a.span, format!("<{}> takes '{literal}' or '{expr}', not both", el.name));
                None
            }
            (Some(a), None) => Some(ValueSource::Literal(a.value.clone())),
            (None, Some(a)) => Some(ValueSource::Expr(self.source(a, SourceKind::Expr))),
            (None, None) => None,
        }
    }

    /// A `namelist` attribute: each name, read as an expression where it stands.
    fn namelist(&mut self, el: &Element) -> Vec<(String, ExprId)> {
        let Some(a) = el.attr("namelist") else { return Vec::new() };
        let mut names = Vec::new();
        let mut searched = 0;
        for name in a.value.split_whitespace() {
            let offset = a.value[searched..].find(name).map_or(0, |i| i + searched);
            searched = offset + name.len();
            let start = crate::ast::source_offset(a.span.start, &a.escapes, offset);
            names.push((name.to_string(), self.push_source(SourceKind::Expr, name.to_string(), start, Vec::new())));
        }
        names
    }

    fn param(&mut self, el: &Element) -> Option<Param> {
        let Some(name) = el.attr("name") else {
            self.diags.error("E0131", el.span, "<param> needs a 'name'");
            return None;
        };
        let value = match (el.attr("expr"), el.attr("location")) {
            (Some(e), None) => self.source(e, SourceKind::Expr),
            (None, Some(l)) => self.source(l, SourceKind::Expr),
            (Some(_), Some(_)) => {
                self.diags.error("E0131", el.span, "<param> takes 'expr' or 'location', not both");
                return None;
            }
            (None, None) => {
                self.diags.error("E0131", el.span, "<param> needs 'expr' or 'location'");
                return None;
            }
        };
        Some(Param { name: name.value.clone(), value, span: el.span })
    }

    fn content(&mut self, el: &Element) -> Option<ExprId> {
        match (el.attr("expr"), el.text()) {
            (Some(e), None) => Some(self.source(e, SourceKind::Expr)),
            (Some(e), Some(t)) if t.text.trim().is_empty() => Some(self.source(e, SourceKind::Expr)),
            (Some(_), Some(_)) => {
                self.diags.error("E0132", el.span, "<content> takes 'expr' or a body, not both");
                None
            }
            (None, Some(t)) => {
                if el.elements().next().is_some() {
                    self.diags.error(
                        "E0132",
                        el.span,
                        "XML markup inside <content> is not supported; write JSON or text",
                    );
                    return None;
                }
                Some(self.push_source(SourceKind::Body, t.text, t.span.start, t.escapes))
            }
            (None, None) => {
                if el.elements().next().is_some() {
                    self.diags.error(
                        "E0132",
                        el.span,
                        "XML markup inside <content> is not supported; write JSON or text",
                    );
                    return None;
                }
                Some(self.push_source(SourceKind::Body, String::new(), el.span.end, Vec::new()))
            }
        }
    }

    fn block(&mut self, el: &Element, role: BlockRole) -> BlockId {
        let actions = self.actions(el);
        self.chart.blocks.push(Block { role, actions, span: el.span });
        self.chart.blocks.len() - 1
    }

    fn script_block(&mut self, el: &Element, role: BlockRole) -> BlockId {
        let actions = self.script(el).into_iter().collect();
        self.chart.blocks.push(Block { role, actions, span: el.span });
        self.chart.blocks.len() - 1
    }

    fn script(&mut self, el: &Element) -> Option<Action> {
        let body = match (el.attr("src"), el.text()) {
            (Some(src), None) => self.external_source(src, el, SourceKind::Script)?,
            (Some(_), Some(_)) => {
                self.diags.error("E0133", el.span, "<script> takes 'src' or a body, not both");
                return None;
            }
            (None, Some(t)) => self.push_source(SourceKind::Script, t.text, t.span.start, t.escapes),
            (None, None) => return None,
        };
        Some(Action::Script { body, span: el.span })
    }

    fn actions(&mut self, el: &Element) -> Vec<Action> {
        let mut out = Vec::new();
        let children: Vec<&Element> = el.elements().collect();
        let mut i = 0;
        while i < children.len() {
            let c = children[i];
            i += 1;
            if !is_scxml(c) {
                let module = c.namespace.as_deref().and_then(crate::genesys::module);
                match module {
                    Some(m) if self.options.dialect == Dialect::Genesys => {
                        let action = self.platform_action(c, m, true);
                        out.push(Action::Platform(Box::new(action)));
                    }
                    _ => self.diags.warning(
                        "W0100",
                        c.span,
                        format!("<{}> is in a namespace scxmlc does not know; it is ignored", c.name),
                    ),
                }
                continue;
            }
            if let Some(a) = self.action(c) {
                out.push(a);
            }
        }
        out
    }

    fn action(&mut self, c: &Element) -> Option<Action> {
        let span = c.span;
        Some(match c.local.as_str() {
            "raise" => {
                let Some(event) = c.attr("event") else {
                    self.diags.error("E0140", span, "<raise> needs an 'event'");
                    return None;
                };
                Action::Raise { event: event.value.clone(), span }
            }
            "log" => Action::Log {
                label: c.attr_value("label").unwrap_or("").to_string(),
                // An empty `expr` logs the label alone.
                expr: c.attr("expr").filter(|a| !a.value.trim().is_empty()).map(|a| self.source(a, SourceKind::Expr)),
                span,
            },
            "assign" => {
                let Some(location) = c.attr("location") else {
                    self.diags.error("E0141", span, "<assign> needs a 'location'");
                    return None;
                };
                let location = self.source(location, SourceKind::Location);
                if let Some(root) = c.elements().find(|e| e.local == "scxml") {
                    let value = self.inline_document(c, root);
                    return Some(Action::Assign { location, value, span });
                }
                let value = match (c.attr("expr"), c.text().filter(|t| !t.text.trim().is_empty())) {
                    (Some(e), None) => Some(self.source(e, SourceKind::Expr)),
                    (None, Some(t)) => Some(self.push_source(SourceKind::Body, t.text, t.span.start, t.escapes)),
                    (None, None) => None,
                    (Some(_), Some(_)) => {
                        self.diags.error("E0141", span, "<assign> takes 'expr' or a body, not both");
                        return None;
                    }
                };
                Action::Assign { location, value, span }
            }
            "script" => return self.script(c),
            "if" => {
                let mut branches = vec![(Some(self.cond_of(c)?), Vec::new())];
                for child in c.elements() {
                    match child.local.as_str() {
                        "elseif" => branches.push((Some(self.cond_of(child)?), Vec::new())),
                        "else" => branches.push((None, Vec::new())),
                        _ => {
                            if let Some(a) = self.action(child) {
                                if let Some(last) = branches.last_mut() {
                                    last.1.push(a);
                                }
                            }
                        }
                    }
                }
                Action::If { branches, span }
            }
            "foreach" => {
                let (Some(array), Some(item)) = (c.attr("array"), c.attr("item")) else {
                    self.diags.error("E0142", span, "<foreach> needs 'array' and 'item'");
                    return None;
                };
                let array = self.source(array, SourceKind::Expr);
                let item = self.source(item, SourceKind::Location);
                let index = c.attr("index").map(|a| self.source(a, SourceKind::Location));
                let body = self.actions(c);
                Action::Foreach { array, item, index, body, span }
            }
            "cancel" => {
                let Some(sendid) = self.value_source(c, "sendid", "sendidexpr") else {
                    self.diags.error("E0143", span, "<cancel> needs 'sendid' or 'sendidexpr'");
                    return None;
                };
                Action::Cancel { sendid, span }
            }
            "send" => Action::Send(Box::new(self.send(c)?)),
            "elseif" | "else" => {
                self.diags.error("E0110", span, format!("<{}> outside <if>", c.name));
                return None;
            }
            _ => {
                self.diags.push(
                    Diagnostic::error("E0144", span, format!("<{}> is not executable content scxmlc supports", c.name))
                        .with_help("executable content is raise, send, log, assign, if, foreach, script and cancel"),
                );
                return None;
            }
        })
    }

    fn platform_action(&mut self, c: &Element, module: &crate::genesys::Module, top: bool) -> PlatformAction {
        let spec = crate::genesys::action_spec(module.name, &c.local);
        if top && spec.is_none() {
            self.diags.push(
                Diagnostic::warning("W0300", c.span, format!("<{}> is not an action scxmlc models", c.name))
                    .with_help("it is sent to the platform as a generic request with its evaluated attributes"),
            );
        }
        if let Some(spec) = spec {
            for required in spec.required {
                if c.attr(required).is_none() {
                    self.diags.error("E0301", c.span, format!("<{}> needs '{required}'", c.name));
                }
            }
        }
        let mut attributes = Vec::new();
        let mut requestid = None;
        for a in &c.attributes {
            if a.name == "xmlns" || a.name.starts_with("xmlns:") {
                continue;
            }
            if a.name == "requestid" {
                requestid = Some(self.source(a, SourceKind::Location));
                continue;
            }
            let literal = spec.is_some_and(|s| s.literal.contains(&a.name.as_str()))
                || crate::genesys::LITERAL_CHILD_ATTRIBUTES.contains(&(c.local.as_str(), a.name.as_str()));
            let value = if literal {
                ValueSource::Literal(a.value.clone())
            } else {
                ValueSource::Expr(self.source(a, SourceKind::Expr))
            };
            attributes.push((a.name.clone(), value));
        }
        let children = c
            .elements()
            .filter_map(|child| {
                let m = child.namespace.as_deref().and_then(crate::genesys::module)?;
                Some(self.platform_action(child, m, false))
            })
            .collect();
        PlatformAction {
            action: format!("{}:{}", module.prefix, c.local),
            answer_prefix: spec.map_or(module.name, |s| s.answer_prefix).to_string(),
            attributes,
            requestid,
            children,
            known: spec.is_some(),
            span: c.span,
        }
    }

    fn cond_of(&mut self, c: &Element) -> Option<ExprId> {
        match c.attr("cond") {
            Some(a) => Some(self.source(a, SourceKind::Cond)),
            None => {
                self.diags.error("E0145", c.span, format!("<{}> needs a 'cond'", c.name));
                None
            }
        }
    }

    fn send(&mut self, c: &Element) -> Option<Send> {
        let mut event = self.value_source(c, "event", "eventexpr");
        let mut target = self.value_source(c, "target", "targetexpr");
        let mut type_ = self.value_source(c, "type", "typeexpr");
        let mut delay = self.value_source(c, "delay", "delayexpr");
        if self.options.dialect == Dialect::Genesys {
            // ORS evaluates these attributes: `event="'X'"`, `delay="'33s'"`.
            for (slot, name) in
                [(&mut event, "event"), (&mut target, "target"), (&mut type_, "type"), (&mut delay, "delay")]
            {
                if let (Some(ValueSource::Literal(_)), Some(a)) = (&*slot, c.attr(name)) {
                    *slot = Some(ValueSource::Expr(self.source(a, SourceKind::Expr)));
                }
            }
        }
        let (id, idlocation) = match (c.attr("id"), c.attr("idlocation")) {
            (Some(a), Some(_)) => {
                self.diags.error("E0130", a.span, "<send> takes 'id' or 'idlocation', not both");
                (None, None)
            }
            (Some(a), None) => (Some(a.value.clone()), None),
            (None, Some(l)) => (None, Some(self.source(l, SourceKind::Location))),
            (None, None) => (None, None),
        };
        if let (Some(_), Some(ValueSource::Literal(t))) = (&delay, &target) {
            if t == "#_internal" {
                self.diags.error("E0146", c.span, "a <send> to '#_internal' cannot be delayed");
            }
        }
        let namelist = self.namelist(c);
        let mut params = Vec::new();
        let mut content = None;
        for child in c.elements() {
            match child.local.as_str() {
                "param" => params.extend(self.param(child)),
                "content" => content = self.content(child),
                _ => self.unexpected(child, c),
            }
        }
        if content.is_some() && (!params.is_empty() || !namelist.is_empty()) {
            self.diags.error("E0147", c.span, "<send> takes <content> or 'namelist'/<param>, not both");
        }
        if event.is_none() {
            self.diags.error("E0148", c.span, "<send> needs 'event' or 'eventexpr'");
            return None;
        }
        Some(Send { event, target, type_, id, idlocation, delay, namelist, params, content, span: c.span })
    }

    fn resolve_ids(&mut self, ids: &str, span: Span) -> Vec<StateId> {
        let mut out = Vec::new();
        for id in ids.split_whitespace() {
            match self.ids.get(id) {
                Some(&s) => {
                    if !out.contains(&s) {
                        out.push(s)
                    }
                }
                None => {
                    let mut known: Vec<&str> = self.ids.keys().map(String::as_str).collect();
                    known.sort_unstable();
                    let suggestion =
                        known.iter().min_by_key(|k| edit_distance(k, id)).filter(|k| edit_distance(k, id) <= 2);
                    let mut d = Diagnostic::error("E0102", span, format!("unknown state '{id}'"));
                    if let Some(s) = suggestion {
                        d = d.with_help(format!("did you mean '{s}'?"));
                    }
                    self.diags.push(d);
                }
            }
        }
        if ids.split_whitespace().next().is_none() {
            self.diags.error("E0102", span, "an empty target list");
        }
        out
    }

    fn is_descendant(&self, a: StateId, b: StateId) -> bool {
        let mut s = self.chart.states[usize::from(a)].parent;
        while let Some(p) = s {
            if p == b {
                return true;
            }
            s = self.chart.states[usize::from(p)].parent;
        }
        false
    }

    fn resolve(&mut self) {
        for (t, ids, span) in std::mem::take(&mut self.pending_targets) {
            let targets = self.resolve_ids(&ids, span);
            self.chart.transitions[t].targets = targets;
        }
        for (s, ids, span) in std::mem::take(&mut self.pending_initial) {
            let targets = self.resolve_ids(&ids, span);
            let kind = self.chart.states[usize::from(s)].kind;
            let scope = match kind {
                StateKind::ShallowHistory | StateKind::DeepHistory => {
                    self.chart.states[usize::from(s)].parent.unwrap_or(0)
                }
                _ => s,
            };
            for &t in &targets {
                if !self.is_descendant(t, scope) {
                    let what = if scope == s { "the state" } else { "the history's parent" };
                    self.diags.error(
                        "E0108",
                        span,
                        format!(
                            "initial target '{}' is not a descendant of {what}",
                            self.chart.states[usize::from(t)].id
                        ),
                    );
                }
            }
            self.chart.states[usize::from(s)].initial = targets;
        }
        // Default initial states: the first child in document order.
        for i in 0..self.chart.states.len() {
            let st = &self.chart.states[i];
            if matches!(st.kind, StateKind::Compound | StateKind::Root) && st.initial.is_empty() {
                if let Some(&first) = st.children.first() {
                    self.chart.states[i].initial = vec![first];
                }
            }
        }
        if self.chart.transitions[0].targets.is_empty() {
            let initial = self.chart.states[0].initial.clone();
            if initial.is_empty() {
                self.diags.error("E0100", self.chart.states[0].span, "the chart has no states");
            }
            self.chart.transitions[0].targets = initial;
        }
    }
}

/// `foo.*` and `foo.` mean `foo` (W3C 3.12.1).
fn normalise_descriptor(d: &str) -> String {
    // The suite writes a bare `.*` for "any event".
    if d == ".*" {
        return "*".to_string();
    }
    let d = d.strip_suffix(".*").unwrap_or(d);
    let d = d.strip_suffix('.').unwrap_or(d);
    d.to_string()
}

fn is_valid_descriptor(d: &str) -> bool {
    d == "*" || (!d.is_empty() && d.split('.').all(|t| !t.is_empty() && !t.contains(['*', '"', '\'', '<', '>'])))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
