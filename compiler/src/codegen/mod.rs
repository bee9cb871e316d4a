//! Stage 5: model + lowered scripts → Rust tokens (quote). The output
//! implements `Chart` for a `Machine` whose `Data` has one field per
//! datamodel variable; each condition and block of executable content is a
//! function, and the chart's structure is static tables.
use crate::diagnostic::{Diagnostics, SourceFile};
use crate::ident::{camel, screaming, snake, Names};
use crate::model::{self, Action, BlockRole, Chart, StateKind, ValueSource};
use crate::script::{BinOp, Expr, FnId, Logic, Place, Scripts, SystemVar, UnOp};
use proc_macro2::{Ident, Literal, Span as PmSpan, TokenStream};
use quote::{format_ident, quote};
use scxmlc_runtime::ops as rt_ops;
use std::cell::{Cell, OnceCell};

mod statements;

pub struct Codegen<'a> {
    chart: &'a Chart,
    scripts: &'a Scripts,
    file: &'a SourceFile,
    rt: TokenStream,
    state_variants: Vec<Ident>,
    fields: Vec<Ident>,
    block_fns: Vec<Ident>,
    data_fns: Vec<Option<Ident>>,
    /// One Rust function per compiled ECMAScript function.
    script_fns: Vec<Ident>,
    /// The ECMAScript function whose body is being generated: its locals
    /// are Rust `let`s named after them.
    current_fn: Cell<Option<FnId>>,
    /// The [`crate::script::Try::depth`] of the innermost `try` whose body
    /// or `catch` is being generated (each is a closure): a jump to a
    /// statement outside it returns a [`scxmlc_runtime::control::Flow`].
    try_depth: Cell<Option<usize>>,
    /// Variables stored as numbers ([`crate::ir::numeric_vars`]): `f64`s,
    /// or `i64`s for those that are counters ([`crate::ir::integral_vars`]).
    numeric: Vec<bool>,
    integral: Vec<bool>,
    /// For each transition, its exit chain when it is local (see
    /// [`Self::local_transitions`]).
    local: Vec<Option<Vec<model::StateId>>>,
    /// The `Signal` constants of `Machine` (see [`Self::signal_table`]).
    signals: Vec<SignalConst>,
    /// Which transitions' conditions cannot fail ([`Self::cond_is_total`]).
    total_conds: OnceCell<Vec<bool>>,
    /// Which executable-content blocks cannot fail ([`Self::block_is_total`]).
    total_blocks: OnceCell<Vec<bool>>,
    /// Some executable content can read the configuration
    /// ([`crate::ir::content_reads_configuration`]): a generated microstep
    /// then changes it state by state, as the W3C algorithm does.
    reads_configuration: bool,
    /// One active atomic state at a time (`Chart::SINGLE_LEAF`): no
    /// parallel states, no invokes. The session then keeps the
    /// configuration as its innermost state (`Core::set_innermost`).
    single_leaf: bool,
    /// Each state's last descendant in document order
    /// ([`crate::ir::last_descendants`]).
    last_descendants: Vec<model::StateId>,
    derive_serde: bool,
}

/// A `Machine::NAME` signal constant: an event name known at build time
/// and the descriptor mask it matches.
struct SignalConst {
    name: String,
    konst: Ident,
    mask: u64,
}

fn ident(s: &str) -> Ident {
    Ident::new(s, PmSpan::call_site())
}

impl<'a> Codegen<'a> {
    pub fn new(chart: &'a Chart, scripts: &'a Scripts, file: &'a SourceFile, runtime_path: &str) -> Self {
        let numeric = crate::ir::numeric_vars(chart, scripts);
        let integral = crate::ir::integral_vars(chart, scripts, &numeric);
        Self::with_slots(chart, scripts, file, runtime_path, numeric, integral)
    }

    /// `numeric`: which variables are number slots ([`crate::ir::numeric_vars`]);
    /// `integral`: which of those are `i64` counters ([`crate::ir::integral_vars`]).
    fn with_slots(
        chart: &'a Chart,
        scripts: &'a Scripts,
        file: &'a SourceFile,
        runtime_path: &str,
        numeric: Vec<bool>,
        integral: Vec<bool>,
    ) -> Self {
        let rt: TokenStream = runtime_path.parse().unwrap_or_else(|_| quote!(::scxmlc_runtime));
        let mut variants = Names::reserving(&[]);
        let state_variants = chart.states.iter().skip(1).map(|s| ident(&variants.unique(camel(&s.id)))).collect();
        let mut fields = Names::reserving(&[]);
        let fields = scripts.vars.iter().map(|v| ident(&fields.unique(snake(&v.name)))).collect();
        let mut fns = Names::reserving(&["main"]);
        let state_snake = |s: model::StateId| snake(&chart.states[usize::from(s)].id);
        let block_fns = chart
            .blocks
            .iter()
            .map(|b| {
                let base = match b.role {
                    BlockRole::GlobalScript => "global_script".to_string(),
                    BlockRole::OnEntry(s) => format!("onentry_{}", state_snake(s)),
                    BlockRole::OnExit(s) => format!("onexit_{}", state_snake(s)),
                    BlockRole::Transition(t) => format!("transition_{t}"),
                    BlockRole::Initial(s) if chart.states[usize::from(s)].kind == StateKind::Root => {
                        "initial_scxml".to_string()
                    }
                    BlockRole::Initial(s) => format!("initial_{}", state_snake(s)),
                    BlockRole::HistoryDefault(s) => format!("history_default_{}", state_snake(s)),
                    BlockRole::Finalize(i) => format!("finalize_{i}"),
                };
                ident(&fns.unique(base))
            })
            .collect();
        let data_fns =
            chart.data.iter().map(|d| d.init.map(|_| ident(&fns.unique(format!("init_{}", snake(&d.id)))))).collect();
        let script_fns =
            scripts.functions.iter().map(|f| ident(&fns.unique(format!("fn_{}", snake(&f.name))))).collect();
        Codegen {
            chart,
            scripts,
            file,
            rt,
            state_variants,
            fields,
            block_fns,
            data_fns,
            script_fns,
            current_fn: Cell::new(None),
            try_depth: Cell::new(None),
            numeric,
            integral,
            local: Self::local_transitions(chart),
            signals: Self::signal_table(chart),
            total_conds: OnceCell::new(),
            total_blocks: OnceCell::new(),
            reads_configuration: crate::ir::content_reads_configuration(chart, scripts),
            single_leaf: chart.invokes.is_empty() && !chart.states.iter().any(|s| s.kind == StateKind::Parallel),
            last_descendants: crate::ir::last_descendants(chart),
            derive_serde: false,
        }
    }

    /// Derive serde's traits for `Data`.
    pub fn derive_serde(mut self, on: bool) -> Self {
        self.derive_serde = on;
        self
    }

    fn line(&self, offset: usize) -> String {
        let (line, _) = self.file.line_col(offset);
        let name = self.file.path().file_name().map_or_else(|| "chart".into(), |n| n.to_string_lossy().into_owned());
        format!("{name}:{line}")
    }

    fn state_ref(&self, s: model::StateId) -> TokenStream {
        if s == 0 {
            quote!(0)
        } else {
            let v = &self.state_variants[usize::from(s) - 1];
            quote!(State::#v as u16)
        }
    }

    fn var_field(&self, v: usize) -> &Ident {
        &self.fields[v]
    }

    fn local(&self, l: usize) -> Ident {
        let name = self.current_fn.get().and_then(|f| self.scripts.functions[f].locals.get(l));
        // A top-level script's only locals are its `catch` parameters.
        let base = snake(name.map_or("caught", |n| n.as_str()));
        // `match` is `match_`: `match_0`, not `match__0`.
        let joint = if base.ends_with('_') { "" } else { "_" };
        format_ident!("{base}{joint}{l}")
    }

    /// The `static` that is a function's value.
    fn function_static(f: FnId) -> Ident {
        format_ident!("FUNCTION_{}", f)
    }

    fn script_functions(&self, attrs: &TokenStream) -> Vec<TokenStream> {
        let rt = &self.rt;
        let mut out = Vec::new();
        for (i, f) in self.scripts.functions.iter().enumerate() {
            self.current_fn.set(Some(i));
            let name = &self.script_fns[i];
            let value = Self::function_static(i);
            let locals: Vec<TokenStream> = (0..f.locals.len())
                .map(|l| {
                    let local = self.local(l);
                    let index = Literal::usize_unsuffixed(l);
                    if l < f.params {
                        quote!(let mut #local = args.get(#index).cloned().unwrap_or_default();)
                    } else {
                        quote!(let mut #local = #rt::Value::Undefined;)
                    }
                })
                .collect();
            let body = self.stmts(&f.body);
            self.current_fn.set(None);
            let params = f.locals[..f.params].join(", ");
            let doc = format!(" `function {}({params})` ({})", f.name, self.line(f.span.start));
            let js_name = &f.name;
            out.push(quote! {
                #[doc = #doc]
                #attrs
                fn #name(d: &mut Data, core: &mut #rt::Core, args: &[#rt::Value]) -> Result<#rt::Value, #rt::ExecError> {
                    core.enter_call()?;
                    let result = (|| -> Result<#rt::Value, #rt::ExecError> {
                        #(#locals)*
                        #body
                        Ok(#rt::Value::Undefined)
                    })();
                    core.leave_call();
                    result
                }
                #[allow(dead_code)]
                static #value: #rt::Function = #rt::Function {
                    name: #js_name,
                    call: |data, core, args| match data.downcast_mut::<Data>() {
                        Some(d) => #name(d, core, args),
                        None => Err(#rt::ExecError::type_error("a function of another chart cannot run in this one")),
                    },
                };
            });
        }
        out
    }

    pub fn generate(&self, _diags: &mut Diagnostics) -> TokenStream {
        let rt = &self.rt;
        let states = self.states();
        let data = self.data_struct();
        let tables = self.tables();
        let functions = self.functions();
        let chart_impl = self.chart_impl();
        let signals = self.signal_consts();
        let children = self.children();
        quote! {
            #states
            #data
            /// A chart instance: its datamodel. Run it in a session: `Machine::session()`.
            #[derive(Debug, Default)]
            pub struct Machine {
                pub data: Data,
            }
            impl Machine {
                pub fn new() -> Self {
                    Self::default()
                }
                #signals
                /// A new session of this chart, not yet started.
                pub fn session() -> #rt::Session<Machine> {
                    #rt::Session::new(Machine::new())
                }
            }
            #tables
            #chart_impl
            #functions
            #children
        }
    }

    /// Each invoked chart as a nested module, and one function per
    /// `<invoke>` that evaluates its type, id location and parameters.
    fn children(&self) -> TokenStream {
        let rt = &self.rt;
        let mut out = Vec::new();
        for (i, child) in self.chart.children.iter().enumerate() {
            let module = format_ident!("child_{}", i);
            let file = child.file.as_ref().unwrap_or(self.file);
            let scripts = &self.scripts.children[i];
            // A child's variables can be set by its parent's <param>s to
            // any value: they stay `Value`s.
            let all_values = vec![false; scripts.vars.len()];
            let tokens =
                Codegen::with_slots(&child.chart, scripts, file, &self.rt.to_string(), all_values.clone(), all_values)
                    .generate(&mut Diagnostics::default());
            out.push(quote! {
                #[allow(dead_code, unreachable_code, unused_variables, clippy::all)]
                pub mod #module {
                    #tokens
                }
            });
        }
        for (i, inv) in self.chart.invokes.iter().enumerate() {
            let f = format_ident!("invoke_{}", i);
            let start_child = match &inv.child {
                model::InvokeChild::Fixed(c) => {
                    let module = format_ident!("child_{}", c);
                    quote!(Box::new(#rt::Session::new(#module::Machine::new())))
                }
                model::InvokeChild::Dynamic { expr, candidates } => {
                    let e = self.expr(self.scripts.expr(*expr));
                    let arms = candidates.iter().map(|(key, c)| {
                        let module = format_ident!("child_{}", c);
                        quote!(#key => Box::new(#rt::Session::new(#module::Machine::new())),)
                    });
                    quote!({
                        let chosen = (#e).to_js_string();
                        let child: Box<dyn #rt::Invoked> = match chosen.as_str() {
                            #(#arms)*
                            _ => return Err(#rt::ExecError::new(
                                #rt::ErrorKind::Invoke,
                                format!("no chart compiled into this one is '{}'", chosen),
                            )),
                        };
                        child
                    })
                }
            };
            let check_type = match &inv.type_ {
                Some(ValueSource::Expr(e)) => {
                    let e = self.expr(self.scripts.expr(*e));
                    quote! {
                        let type_ = (#e).to_js_string();
                        if !#rt::is_scxml_invoke_type(&type_) {
                            return Err(#rt::ExecError::new(#rt::ErrorKind::Invoke, format!("unsupported invoke type '{}'", type_)));
                        }
                    }
                }
                _ => quote!(),
            };
            let store_id = match inv.idlocation {
                Some(loc) => self.store(&self.scripts.place(loc), quote!(#rt::Value::from(invokeid))),
                None => quote!(),
            };
            let vars = inv
                .namelist
                .iter()
                .map(|(name, e)| (name.as_str(), self.expr(self.scripts.expr(*e))))
                .chain(inv.params.iter().map(|p| (p.name.as_str(), self.expr(self.scripts.expr(p.value)))))
                .map(|(name, v)| quote!(vars.push((#name, #v));));
            let doc = format!(" Starts the child of the <invoke> at {}", self.line(inv.span.start));
            out.push(quote! {
                #[doc = #doc]
                #[allow(unused_variables, unused_mut, unused_assignments, unreachable_code, clippy::all)]
                fn #f(d: &mut Data, core: &mut #rt::Core, invokeid: &str) -> Result<#rt::InvokeStart, #rt::ExecError> {
                    #check_type
                    #store_id
                    let mut vars: Vec<(&'static str, #rt::Value)> = Vec::new();
                    #(#vars)*
                    Ok(#rt::InvokeStart { child: #start_child, vars })
                }
            });
        }
        quote!(#(#out)*)
    }

    fn states(&self) -> TokenStream {
        let variants = self.chart.states.iter().enumerate().skip(1).map(|(i, s)| {
            let v = &self.state_variants[i - 1];
            let doc = format!(" `{}` ({})", s.id, self.line(s.span.start));
            let index = Literal::u16_unsuffixed(i as u16);
            quote!(#[doc = #doc] #v = #index)
        });
        let all = &self.state_variants;
        let ids = self.chart.states.iter().skip(1).map(|s| s.id.as_str());
        quote! {
            /// The chart's states, in document order.
            #[repr(u16)]
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum State {
                #(#variants,)*
            }
            impl State {
                pub const ALL: &'static [State] = &[#(State::#all),*];
                /// The id the chart gives this state.
                pub fn id(self) -> &'static str {
                    const IDS: &[&str] = &[#(#ids),*];
                    IDS[self as usize - 1]
                }
            }
        }
    }

    fn data_struct(&self) -> TokenStream {
        let rt = &self.rt;
        let fields = self.scripts.vars.iter().enumerate().map(|(i, v)| {
            let f = &self.fields[i];
            let doc = format!(" `{}` ({})", v.name, self.line(v.span.start));
            if self.integral[i] {
                quote!(#[doc = #doc] #[doc = " A counter: only ever an integer, so stored as one."] pub #f: i64)
            } else if self.numeric[i] {
                quote!(#[doc = #doc] #[doc = " Only ever a number, so stored unboxed."] pub #f: f64)
            } else {
                quote!(#[doc = #doc] pub #f: #rt::Value)
            }
        });
        let serde =
            if self.derive_serde { quote!(#[derive(::serde::Serialize, ::serde::Deserialize)]) } else { quote!() };
        quote! {
            /// The datamodel: one slot per variable.
            #[derive(Debug, Default)]
            #serde
            pub struct Data {
                #(#fields,)*
            }
        }
    }

    fn tables(&self) -> TokenStream {
        let rt = &self.rt;
        let mut items = Vec::new();
        let mut state_names = Vec::new();
        let last_descendants = &self.last_descendants;
        for (i, s) in self.chart.states.iter().enumerate() {
            let name = format_ident!("STATE_{}", i);
            let kind = match s.kind {
                StateKind::Root => quote!(Root),
                StateKind::Atomic => quote!(Atomic),
                StateKind::Compound => quote!(Compound),
                StateKind::Parallel => quote!(Parallel),
                StateKind::Final => quote!(Final),
                StateKind::ShallowHistory => quote!(ShallowHistory),
                StateKind::DeepHistory => quote!(DeepHistory),
            };
            let id = &s.id;
            let parent = match s.parent {
                Some(p) => self.state_ref(p),
                None => quote!(#rt::NO_STATE),
            };
            let last_descendant = self.state_ref(last_descendants[i]);
            let children = s.children.iter().map(|&c| self.state_ref(c));
            let history = s.history.iter().map(|&c| self.state_ref(c));
            let initial = s.initial.iter().map(|&c| self.state_ref(c));
            let initial_exec = opt_u32(s.initial_exec);
            let onentry = s.onentry.iter().map(|&b| Literal::u32_unsuffixed(b as u32));
            let onexit = s.onexit.iter().map(|&b| Literal::u32_unsuffixed(b as u32));
            let transitions = s.transitions.iter().map(|&t| Literal::u32_unsuffixed(t as u32));
            let has_donedata = s.donedata.is_some();
            let doc = if i == 0 {
                format!(" The `<scxml>` root ({})", self.line(s.span.start))
            } else {
                format!(" `{}` ({})", s.id, self.line(s.span.start))
            };
            items.push(quote! {
                #[doc = #doc]
                const #name: #rt::StateInfo = #rt::StateInfo {
                    id: #id,
                    kind: #rt::StateKind::#kind,
                    parent: #parent,
                    last_descendant: #last_descendant,
                    children: &[#(#children),*],
                    history: &[#(#history),*],
                    initial: &[#(#initial),*],
                    initial_exec: #initial_exec,
                    onentry: &[#(#onentry),*],
                    onexit: &[#(#onexit),*],
                    transitions: &[#(#transitions),*],
                    has_donedata: #has_donedata,
                };
            });
            state_names.push(name);
        }
        let mut transition_names = Vec::new();
        for (i, t) in self.chart.transitions.iter().enumerate() {
            let name = format_ident!("TRANSITION_{}", i);
            let source = self.state_ref(t.source);
            let targets = t.targets.iter().map(|&c| self.state_ref(c));
            let events = &t.events;
            let has_cond = t.cond.is_some();
            let internal = t.internal;
            let exec = opt_u32(t.exec);
            let domain = match crate::ir::static_domain(self.chart, i) {
                Some(d) => self.state_ref(d),
                None => quote!(#rt::NO_STATE),
            };
            let (entry, default_entry) = match crate::ir::static_entry(self.chart, i) {
                Some((states, default)) => {
                    let states = states.iter().map(|&s| self.state_ref(s));
                    let default = default.iter().map(|&s| self.state_ref(s));
                    (quote!(Some(&[#(#states),*])), quote!(&[#(#default),*]))
                }
                None => (quote!(None), quote!(&[])),
            };
            let local = self.local[i].is_some();
            let ids = |v: &[model::StateId]| {
                v.iter().map(|&s| self.chart.states[usize::from(s)].id.as_str()).collect::<Vec<_>>().join(" ")
            };
            let doc = if i == 0 {
                format!(" Initial transition to `{}` ({})", ids(&t.targets), self.line(t.span.start))
            } else {
                let on = if events.is_empty() { String::new() } else { format!(" on `{}`", events.join(" ")) };
                let to = if t.targets.is_empty() {
                    "(targetless)".to_string()
                } else {
                    format!("→ `{}`", ids(&t.targets))
                };
                let source_id = &self.chart.states[usize::from(t.source)].id;
                format!(" `{source_id}` {to}{on} ({})", self.line(t.span.start))
            };
            items.push(quote! {
                #[doc = #doc]
                const #name: #rt::TransitionInfo = #rt::TransitionInfo {
                    source: #source,
                    targets: &[#(#targets),*],
                    events: &[#(#events),*],
                    has_cond: #has_cond,
                    internal: #internal,
                    exec: #exec,
                    domain: #domain,
                    entry: #entry,
                    default_entry: #default_entry,
                    local: #local,
                };
            });
            transition_names.push(name);
        }
        quote! {
            #(#items)*
            const STATES: &[#rt::StateInfo] = &[#(#state_names),*];
            const TRANSITIONS: &[#rt::TransitionInfo] = &[#(#transition_names),*];
        }
    }

    /// Transition selection as a `match` on an active atomic state: each
    /// arm tries the transitions of the state and its ancestors in document
    /// order, conditions inline. For charts with one active atomic state at
    /// a time it also takes the transition (see [`Self::inline_microstep`]);
    /// for the others the runtime calls it once per active atomic state.
    /// The chart's event descriptors, each a bit of the mask an event name
    /// maps to, when the selection is generated; `None` when it is not
    /// (more than 64 descriptors, or too much code).
    fn compiled_descriptors(chart: &Chart) -> Option<Vec<&str>> {
        // Each leaf repeats its ancestors' transitions: bound the code size.
        let candidates: usize = chart
            .states
            .iter()
            .filter(|s| matches!(s.kind, StateKind::Atomic | StateKind::Final))
            .map(|s| {
                let mut n = s.transitions.len();
                let mut p = s.parent;
                while let Some(a) = p {
                    n += chart.states[usize::from(a)].transitions.len();
                    p = chart.states[usize::from(a)].parent;
                }
                n
            })
            .sum();
        let mut descriptors: Vec<&str> = Vec::new();
        for t in chart.transitions.iter() {
            for e in &t.events {
                if e != "*" && !descriptors.contains(&e.as_str()) {
                    descriptors.push(e);
                }
            }
        }
        (candidates <= 20_000 && descriptors.len() <= 64).then_some(descriptors)
    }

    /// One `Signal` constant per event descriptor and per name a `<raise>`
    /// gives (`Machine::TICK`), its mask worked out here: for hosts that
    /// send those events without data, and for the raises themselves
    /// ([`Self::action`]). None when the selection is not generated.
    fn signal_table(chart: &Chart) -> Vec<SignalConst> {
        let Some(descriptors) = Self::compiled_descriptors(chart) else { return Vec::new() };
        let mut names: Vec<&str> = descriptors.clone();
        for block in &chart.blocks {
            Action::walk(&block.actions, &mut |a| {
                if let Action::Raise { event, .. } = a {
                    if !names.contains(&event.as_str()) {
                        names.push(event);
                    }
                }
            });
        }
        let mut consts = Names::reserving(&[]);
        names
            .into_iter()
            .map(|name| SignalConst {
                name: name.to_string(),
                konst: ident(&consts.unique(screaming(name))),
                mask: descriptors
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| scxmlc_runtime::event_matches(d, name))
                    .fold(0, |mask, (i, _)| mask | 1 << i),
            })
            .collect()
    }

    /// The `Machine::NAME` constant for the event `name`, if there is one:
    /// what a `<raise>` of it queues.
    fn signal_named(&self, name: &str) -> Option<&SignalConst> {
        self.signals.iter().find(|s| s.name == name)
    }

    fn signal_consts(&self) -> TokenStream {
        let rt = &self.rt;
        let consts = self.signals.iter().map(|SignalConst { name, konst, mask }| {
            let mask = syn::LitInt::new(&format!("{mask:#x}"), proc_macro2::Span::call_site());
            let doc = format!(" The event `{name}` without data, for `Session::process_signal`.");
            quote! {
                #[doc = #doc]
                pub const #konst: #rt::Signal<Machine> = #rt::Signal::from_parts(#name, #mask);
            }
        });
        quote!(#(#consts)*)
    }

    fn select_fn(&self) -> TokenStream {
        let rt = &self.rt;
        let single_leaf = self.single_leaf;
        let Some(descriptors) = Self::compiled_descriptors(self.chart) else { return quote!() };
        let bit = |d: &str| -> u64 { 1u64 << descriptors.iter().position(|x| *x == d).unwrap_or(0) };
        // The bits a transition's event descriptors test.
        let bits = |events: &[String]| events.iter().map(|e| bit(e)).fold(0, |a, b| a | b);
        // Statements the inlined microsteps may add, in all.
        let budget = Cell::new(50_000usize);
        // `all` builds the arms of `select_all`, which collects transitions
        // instead of returning the first.
        let arms = |eventless: bool, all: bool| -> Vec<TokenStream> {
            let mut arms = Vec::new();
            for (i, state) in self.chart.states.iter().enumerate() {
                if !matches!(state.kind, StateKind::Atomic | StateKind::Final) {
                    continue;
                }
                let mut tries = Vec::new();
                let mut s = Some(i as model::StateId);
                while let Some(current) = s {
                    let st = &self.chart.states[usize::from(current)];
                    for &t in &st.transitions {
                        let tr = &self.chart.transitions[t];
                        if tr.events.is_empty() != eventless {
                            continue;
                        }
                        // The event test (none for eventless and `*`), then the condition.
                        let mut tests = Vec::new();
                        if !eventless && !tr.events.iter().any(|e| e == "*") {
                            let bits = Literal::u64_unsuffixed(bits(&tr.events));
                            tests.push(quote!(event & #bits != 0));
                        }
                        if tr.cond.is_some() {
                            let f = format_ident!("cond_{}", t);
                            tests.push(if self.cond_is_total(t) {
                                quote!(#f(d, core))
                            } else {
                                quote!(match #f(d, core) {
                                    Ok(holds) => holds,
                                    Err(e) => {
                                        core.raise_error("error.execution", &e, None);
                                        false
                                    }
                                })
                            });
                        }
                        let test = if tests.is_empty() { quote!(true) } else { quote!(#(#tests)&&*) };
                        let take =
                            if single_leaf { self.inline_microstep(i as model::StateId, t, &budget) } else { None };
                        let local = self.local[t].is_some();
                        let t = Literal::u32_unsuffixed(t as u32);
                        let take = match (take, all) {
                            (Some(take), _) => take,
                            (None, false) => quote!(return #rt::Step::Select(#t);),
                            // Only ever selected from its own source: never twice.
                            (None, true) if local => quote!(enabled.push(#t); continue;),
                            (None, true) => quote! {
                                all_local = false;
                                if !enabled.contains(&#t) {
                                    enabled.push(#t);
                                }
                                continue;
                            },
                        };
                        tries.push(quote!(if #test { #take }));
                    }
                    s = st.parent;
                }
                if !tries.is_empty() {
                    let leaf = Self::leaf_const(&self.state_variants[i - 1]);
                    arms.push(quote!(#leaf => { #(#tries)* }));
                }
            }
            if eventless && single_leaf {
                // Nothing active yet (the innermost state is the root): the
                // document's initial transition, which starts the session.
                let take = self.inline_microstep(0, 0, &budget).unwrap_or_else(|| quote!(return #rt::Step::Select(0);));
                arms.push(quote!(0 => { #take }));
            }
            arms
        };
        // Match arms need constants: one per atomic state.
        let consts: Vec<TokenStream> = self
            .chart
            .states
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(i, st)| {
                if !matches!(st.kind, StateKind::Atomic | StateKind::Final) {
                    return None;
                }
                let variant = &self.state_variants[i - 1];
                let name = Self::leaf_const(variant);
                Some(quote!(const #name: u16 = State::#variant as u16;))
            })
            .collect();
        // One active atomic state: `select` for it, taking the microstep
        // itself where it can. More than one: `select_all` for all of them
        // in one call (the runtime then never calls `select`).
        // The transitions tried for each active atomic state, event or not.
        let dispatch = |all: bool| {
            let with_event = arms(false, all);
            let eventless = arms(true, all);
            quote! {
                match event {
                    Some(event) => match leaf {
                        #(#with_event)*
                        _ => {}
                    },
                    None => match leaf {
                        #(#eventless)*
                        _ => {}
                    },
                }
            }
        };
        // `#[inline]`: the session's step lives in the host's crate (it is
        // generic over the chart), so without it every event pays a call
        // across crates into `select`.
        let selection = if single_leaf {
            let dispatch = dispatch(false);
            quote! {
                #[allow(unused_variables, non_upper_case_globals)]
                #[inline]
                fn select(&mut self, core: &mut #rt::Core, leaf: u16, event: Option<u64>, report: bool) -> #rt::Step {
                    #(#consts)*
                    let d = &mut self.data;
                    #dispatch
                    #rt::Step::None
                }
            }
        } else {
            let dispatch = dispatch(true);
            quote! {
                #[allow(unused_variables, unused_mut, non_upper_case_globals)]
                fn select_all(&mut self, core: &mut #rt::Core, event: Option<u64>, enabled: &mut Vec<u32>) -> bool {
                    #(#consts)*
                    let d = &mut self.data;
                    let mut all_local = true;
                    let mut leaves = #rt::ActiveAmong::new(core, Self::ATOMIC_STATES);
                    while let Some(leaf) = leaves.next_in(core) {
                        #dispatch
                    }
                    all_local
                }
            }
        };
        // A few descriptors are a few comparisons: inlined where an event
        // is taken, they cost no call.
        let inline_mask = if descriptors.len() <= 8 { quote!(#[inline]) } else { quote!() };
        let mask_tests = descriptors.iter().enumerate().map(|(i, d)| {
            let bit = Literal::u64_unsuffixed(1u64 << i);
            quote!(if #rt::event_matches(#d, name) { mask |= #bit; })
        });
        // The names the chart itself spells (its descriptors, its raises)
        // are most of the events it sees: their masks, worked out here,
        // cost one comparison of the name.
        let exact_masks = self.signals.iter().map(|SignalConst { name, mask, .. }| {
            let mask = syn::LitInt::new(&format!("{mask:#x}"), proc_macro2::Span::call_site());
            quote!(#name => return #mask,)
        });
        let mut atomic_words = vec![0u64; self.chart.states.len().div_ceil(64)];
        for (i, st) in self.chart.states.iter().enumerate() {
            if matches!(st.kind, StateKind::Atomic | StateKind::Final) {
                atomic_words[i / 64] |= 1 << (i % 64);
            }
        }
        // For each state, from its transitions and its ancestors': whether
        // an eventless transition may leave it (asked of leaves only), and
        // the descriptors it may take an event by (all bits for a `*`).
        let mut eventless_words = vec![0u64; atomic_words.len()];
        let mut handled = vec![0u64; self.chart.states.len()];
        for (i, st) in self.chart.states.iter().enumerate() {
            let leaf = matches!(st.kind, StateKind::Atomic | StateKind::Final);
            let mut s = Some(st);
            while let Some(state) = s {
                for &t in &state.transitions {
                    let events = &self.chart.transitions[t].events;
                    if events.is_empty() && leaf {
                        eventless_words[i / 64] |= 1 << (i % 64);
                    }
                    handled[i] |= if events.iter().any(|e| e == "*") { u64::MAX } else { bits(events) };
                }
                s = state.parent.map(|p| &self.chart.states[usize::from(p)]);
            }
        }
        let handled = single_leaf.then(|| {
            let words = handled.iter().map(|&w| syn::LitInt::new(&format!("{w:#x}"), proc_macro2::Span::call_site()));
            quote!(const HANDLED_EVENTS: &'static [u64] = &[#(#words),*];)
        });
        let words = |words: Vec<u64>| -> Vec<syn::LitInt> {
            words.iter().map(|&w| syn::LitInt::new(&format!("{w:#x}"), proc_macro2::Span::call_site())).collect()
        };
        let (atomic_words, eventless_words) = (words(atomic_words), words(eventless_words));
        quote! {
            const COMPILED_SELECT: bool = true;
            const ATOMIC_STATES: &'static [u64] = &[#(#atomic_words),*];
            const EVENTLESS_STATES: Option<&'static [u64]> = Some(&[#(#eventless_words),*]);
            #handled
            const SINGLE_LEAF: bool = #single_leaf;

            #[allow(unused_variables, unused_mut)]
            #inline_mask
            fn event_mask(name: &str) -> u64 {
                match name {
                    #(#exact_masks)*
                    _ => {}
                }
                let mut mask = 0;
                #(#mask_tests)*
                mask
            }

            #selection
        }
    }

    /// Transition `t` taken from the active atomic state `leaf`, as
    /// straight-line code: the exit chain up to the domain (`<onexit>`), the
    /// transition's content, the static entry set (`<onentry>`, `<initial>`
    /// content), recording history on the way (the chain says what each
    /// history keeps). `None` when the microstep needs the runtime: a final
    /// state to enter, an entry set known only at run time, late binding,
    /// or the code-size budget spent.
    fn inline_microstep(&self, leaf: model::StateId, t: usize, budget: &Cell<usize>) -> Option<TokenStream> {
        let rt = &self.rt;
        if self.chart.late_binding {
            return None;
        }
        let tr = &self.chart.transitions[t];
        let content = self.run_blocks(tr.exec.as_slice());
        if tr.targets.is_empty() {
            return Some(quote!(#(#content)* return #rt::Step::Taken;));
        }
        let domain = crate::ir::static_domain(self.chart, t)?;
        let exits = crate::ir::chain_to(self.chart, leaf, domain);
        let taken = |(code, leaf): (TokenStream, model::StateId)| {
            let step = match self.chart.states[usize::from(leaf)].kind {
                StateKind::Final => {
                    let leaf = Self::leaf_const(&self.state_variants[usize::from(leaf) - 1]);
                    quote!(Final(#leaf))
                }
                _ => quote!(Taken),
            };
            quote!(#code return #rt::Step::#step;)
        };
        // The entry: one static set, or for a history target, one per state
        // it can have recorded, picked after the exits (which may record it).
        let (entry_code, entered) = match crate::ir::static_entry(self.chart, t) {
            Some((entry, defaults)) => (taken(self.enter_set(&entry, &defaults, None)?), entry.len()),
            None => {
                let h = crate::ir::history_entry(self.chart, t)?;
                let mut entered = 0;
                let mut arms = Vec::new();
                for (recorded, entry, defaults) in &h.recorded {
                    let code = taken(self.enter_set(entry, defaults, None)?);
                    entered += entry.len();
                    let recorded = self.state_ref(*recorded);
                    arms.push(quote!(if recorded == Some(#recorded) { #code }));
                }
                let history_content = self.chart.states[usize::from(h.history)].initial_exec.map(|b| (h.parent, b));
                let default = taken(self.enter_set(&h.default.0, &h.default.1, history_content)?);
                entered += h.default.0.len();
                let history = self.state_ref(h.history);
                (quote!(let recorded = core.recorded_history(#history); #(#arms)* #default), entered)
            }
        };
        let cost = exits.len() + entered + content.len() + 1;
        if cost > budget.get() {
            return None;
        }
        budget.set(budget.get() - cost);
        let exit_code = self.exit_chain(leaf, &exits);
        let t = Literal::u32_unsuffixed(t as u32);
        Some(quote! {
            // An observer that wants each state change gets the runtime's microstep.
            if report {
                return #rt::Step::Select(#t);
            }
            #exit_code
            #(#content)*
            #entry_code
        })
    }

    /// Calls to the functions of executable-content blocks; a failing block
    /// raises `error.execution` and the next one runs.
    fn run_blocks(&self, blocks: &[model::BlockId]) -> Vec<TokenStream> {
        blocks
            .iter()
            .map(|&b| {
                let f = &self.block_fns[b];
                if self.block_is_total(b) {
                    return quote!(#f(d, core););
                }
                quote!(if let Err(e) = #f(d, core) {
                    core.raise_error("error.execution", &e, None);
                })
            })
            .collect()
    }

    /// Block `b`'s generated code cannot fail ([`is_total`]): its function
    /// returns nothing, with no error to test for.
    fn block_is_total(&self, b: model::BlockId) -> bool {
        self.total_blocks.get_or_init(|| {
            self.outside_functions(|| {
                self.chart.blocks.iter().map(|block| is_total(&self.actions(&block.actions))).collect()
            })
        })[b]
    }

    /// `generate` run as for code outside any script function, as
    /// conditions and blocks are, whatever is being generated now.
    fn outside_functions<T>(&self, generate: impl FnOnce() -> T) -> T {
        let inside = self.current_fn.replace(None);
        let out = generate();
        self.current_fn.set(inside);
        out
    }

    /// Exits `exits`, the chain from the active atomic state `leaf` up to a
    /// transition's domain: each state records its history states (deep:
    /// `leaf`; shallow: the child exited before), runs `<onexit>`, leaves.
    fn exit_chain(&self, leaf: model::StateId, exits: &[model::StateId]) -> TokenStream {
        let code = exits.iter().enumerate().map(|(i, &state)| {
            let st = &self.chart.states[usize::from(state)];
            let records = st.history.iter().map(|&h| {
                let kept = if self.chart.states[usize::from(h)].kind == StateKind::DeepHistory || i == 0 {
                    leaf
                } else {
                    exits[i - 1]
                };
                let (h, kept) = (self.state_ref(h), self.state_ref(kept));
                quote!(core.record_history(#h, #kept);)
            });
            let blocks = self.run_blocks(&st.onexit);
            let leave = if !self.single_leaf {
                let state = self.state_ref(state);
                quote!(core.deactivate(#state);)
            } else if self.reads_configuration {
                // The exited state's parent is the innermost active state now.
                let parent = self.state_ref(st.parent.unwrap_or(0));
                quote!(core.set_innermost(#parent);)
            } else {
                // Nothing reads the configuration before the entry's end,
                // which sets it.
                quote!()
            };
            quote!(#(#records)* #(#blocks)* #leave)
        });
        quote!(#(#code)*)
    }

    /// Enters a static entry set in document order (each state, then its
    /// `<onentry>`, its `<initial>` content when entered by default, and
    /// the default history content attached to it), and names the last
    /// atomic state entered. `None` when a final state is entered: the
    /// runtime raises its done events.
    fn enter_set(
        &self,
        entry: &[model::StateId],
        defaults: &[model::StateId],
        history_content: Option<(model::StateId, model::BlockId)>,
    ) -> Option<(TokenStream, model::StateId)> {
        // A final state inside a compound one raises done events: the
        // runtime enters it. One at the top ends the session, which the
        // runtime finishes after the entry (see `Step::Final`).
        let is_final = |e: model::StateId| self.chart.states[usize::from(e)].kind == StateKind::Final;
        if entry.iter().any(|&e| is_final(e) && !self.is_top_level(e)) {
            return None;
        }
        let new_leaf = *entry
            .iter()
            .rev()
            .find(|&&e| matches!(self.chart.states[usize::from(e)].kind, StateKind::Atomic | StateKind::Final))?;
        let code = entry.iter().enumerate().map(|(i, &state)| {
            let st = &self.chart.states[usize::from(state)];
            let mut blocks = self.run_blocks(&st.onentry);
            if defaults.contains(&state) {
                blocks.extend(self.run_blocks(st.initial_exec.as_slice()));
            }
            if let Some((_, block)) = history_content.filter(|&(parent, _)| parent == state) {
                blocks.extend(self.run_blocks(&[block]));
            }
            let join = if !self.single_leaf {
                let state = self.state_ref(state);
                quote!(core.activate(#state);)
            } else if self.reads_configuration {
                let state = self.state_ref(state);
                quote!(core.set_innermost(#state);)
            } else if i == 0 {
                // The whole microstep's change, in one store: nothing
                // reads the configuration halfway (see `exit_chain`).
                let leaf = self.state_ref(new_leaf);
                quote!(core.set_innermost(#leaf);)
            } else {
                quote!()
            };
            quote!(#join #(#blocks)*)
        });
        Some((quote!(#(#code)*), new_leaf))
    }

    /// For each transition, its exit chain if it is local and the chart
    /// combines transitions in its microsteps: a parallel chart whose
    /// states' entries and exits do nothing but run content (no invokes, no
    /// late-bound data).
    fn local_transitions(chart: &Chart) -> Vec<Option<Vec<model::StateId>>> {
        let eligible = chart.invokes.is_empty()
            && !chart.late_binding
            && chart.states.iter().any(|s| s.kind == StateKind::Parallel);
        (0..chart.transitions.len())
            .map(|t| if eligible && t > 0 { crate::ir::local_exits(chart, t) } else { None })
            .collect()
    }

    /// `Chart::local_microstep`: for the local transitions (see
    /// [`crate::ir::local_exits`]) of a parallel chart, whose microsteps
    /// combine several transitions, each one's exits, content and entries,
    /// as `match` arms of the three passes. Exits with no `<onexit>` and
    /// entries with no `<onentry>` only change configuration bits: when no
    /// content reads the configuration, they join the content's pass.
    fn local_steps(&self) -> TokenStream {
        let rt = &self.rt;
        struct Local {
            t: Literal,
            exits: TokenStream,
            content: Vec<TokenStream>,
            entries: TokenStream,
        }
        let mut locals = Vec::new();
        let (mut exit_content, mut entry_content) = (false, false);
        for (t, exits) in self.local.iter().enumerate() {
            let Some(exits) = exits else { continue };
            let tr = &self.chart.transitions[t];
            // A targetless local transition runs its content only.
            let (entry, defaults) = match tr.targets.is_empty() {
                true => (Vec::new(), Vec::new()),
                false => match crate::ir::static_entry(self.chart, t) {
                    Some(entry) => entry,
                    None => continue,
                },
            };
            let entries = match entry.is_empty() {
                true => quote!(),
                false => match self.enter_set(&entry, &defaults, None) {
                    Some((entries, _)) => entries,
                    None => continue,
                },
            };
            exit_content |= exits.iter().any(|&s| !self.chart.states[usize::from(s)].onexit.is_empty());
            entry_content |= entry.iter().any(|&s| {
                let st = &self.chart.states[usize::from(s)];
                !st.onentry.is_empty() || (defaults.contains(&s) && st.initial_exec.is_some())
            });
            locals.push(Local {
                t: Literal::u32_unsuffixed(t as u32),
                exits: self.exit_chain(tr.source, exits),
                content: self.run_blocks(tr.exec.as_slice()),
                entries,
            });
        }
        let exits_apart = exit_content || self.reads_configuration;
        let entries_apart = entry_content || self.reads_configuration;
        let pass = |arms: Vec<TokenStream>, reverse: bool| {
            if arms.is_empty() {
                return quote!();
            }
            let order = if reverse { quote!(.rev()) } else { quote!() };
            quote! {
                for &t in transitions.iter() #order {
                    match t {
                        #(#arms)*
                        _ => {}
                    }
                }
            }
        };
        let arms = |f: &dyn Fn(&Local) -> TokenStream| -> Vec<TokenStream> {
            locals
                .iter()
                .filter_map(|l| {
                    let code = f(l);
                    let t = &l.t;
                    (!code.is_empty()).then(|| quote!(#t => { #code }))
                })
                .collect()
        };
        let exit_pass = if exits_apart { pass(arms(&|l| l.exits.clone()), true) } else { quote!() };
        let entry_pass = if entries_apart { pass(arms(&|l| l.entries.clone()), false) } else { quote!() };
        let content_pass = pass(
            arms(&|l| {
                let exits = if exits_apart { quote!() } else { l.exits.clone() };
                let entries = if entries_apart { quote!() } else { l.entries.clone() };
                let content = &l.content;
                quote!(#exits #(#content)* #entries)
            }),
            false,
        );
        quote! {
            const LOCAL_STEPS: bool = true;
            #[allow(unused_variables)]
            fn local_microstep(&mut self, core: &mut #rt::Core, transitions: &[u32]) {
                let d = &mut self.data;
                #exit_pass
                #content_pass
                #entry_pass
            }
        }
    }

    /// A child of `<scxml>`.
    fn is_top_level(&self, s: model::StateId) -> bool {
        self.chart.states[usize::from(s)]
            .parent
            .is_some_and(|p| self.chart.states[usize::from(p)].kind == StateKind::Root)
    }

    fn leaf_const(variant: &Ident) -> Ident {
        format_ident!("AT_{}", variant)
    }

    fn chart_impl(&self) -> TokenStream {
        let rt = &self.rt;
        let name = match &self.chart.name {
            Some(n) => quote!(Some(#n)),
            None => quote!(None),
        };
        let late = self.chart.late_binding;
        let has_eventless = crate::ir::has_eventless(self.chart);
        let reads_event = crate::ir::reads_event(self.scripts);
        // A `<raise>` of a name known here is queued as a signal
        // (`Core::raise_signal`). Whether a step taken whole by the
        // generated code can leave an internal event queued
        // (`Chart::QUIET_STEPS`): only by raising, sending, asking the
        // platform, invoking, entering a final state inside another, or an
        // error in a condition, a block or late data.
        let (mut raises_signals, mut queues_nothing) = (false, true);
        for block in &self.chart.blocks {
            Action::walk(&block.actions, &mut |a| {
                if let Action::Raise { event, .. } = a {
                    raises_signals |= self.signal_named(event).is_some();
                }
                queues_nothing &= !matches!(a, Action::Raise { .. } | Action::Send(_) | Action::Platform(_));
            });
        }
        let quiet_steps = queues_nothing
            && !late
            && self.chart.invokes.is_empty()
            && self.chart.states.iter().all(|s| s.kind != StateKind::Final || s.parent == Some(0))
            && (0..self.chart.blocks.len()).all(|b| self.block_is_total(b))
            && (0..self.chart.transitions.len())
                .all(|t| self.chart.transitions[t].cond.is_none() || self.cond_is_total(t));
        let invoke_infos = self.chart.invokes.iter().map(|inv| {
            let state = self.state_ref(inv.state);
            let id = match &inv.id {
                Some(id) => quote!(Some(#id)),
                None => quote!(None),
            };
            let autoforward = inv.autoforward;
            let finalize = opt_u32(inv.finalize);
            quote!(#rt::InvokeInfo { state: #state, id: #id, autoforward: #autoforward, finalize: #finalize })
        });
        let set_var_arms = self.scripts.vars.iter().enumerate().map(|(i, v)| {
            let f = &self.fields[i];
            let name = &v.name;
            if self.integral[i] {
                // What the chart proves of the variable holds of the host's value too.
                quote!(#name => match #rt::ops::integral_number(&value) {
                    Some(n) => { self.data.#f = n; true }
                    None => false,
                })
            } else if self.numeric[i] {
                quote!(#name => match value {
                    #rt::Value::Number(n) => { self.data.#f = n.get(); true }
                    _ => false,
                })
            } else {
                quote!(#name => { self.data.#f = value; true })
            }
        });
        let invoke_arms = (0..self.chart.invokes.len()).map(|i| {
            let f = format_ident!("invoke_{}", i);
            let i = Literal::u32_unsuffixed(i as u32);
            quote!(#i => #f(d, core, invokeid),)
        });
        // init_data: per owning state, in document order.
        let mut owners: Vec<model::StateId> = self.chart.data.iter().map(|d| d.owner).collect();
        // In state order, as the runtime initialised them one state after another.
        owners.sort_unstable();
        owners.dedup();
        let data_states = owners.iter().map(|&owner| Literal::u16_unsuffixed(owner));
        let init_arms = owners.iter().map(|&owner| {
            let inits = self.chart.data.iter().enumerate().filter(|(_, d)| d.owner == owner).filter_map(|(i, d)| {
                let v = self.scripts.vars.iter().position(|v| v.name == d.id)?;
                let f = self.var_field(v);
                let func = self.data_fns[i].as_ref()?;
                // A counter starts at an integer literal: exact.
                let value = if self.integral[v] {
                    quote!(v.to_number() as i64)
                } else if self.numeric[v] {
                    quote!(v.to_number())
                } else {
                    quote!(v)
                };
                Some(quote! {
                    match #func(d, core) {
                        Ok(v) => d.#f = #value,
                        Err(e) => core.raise_error("error.execution", &e, None),
                    }
                })
            });
            let owner = Literal::u16_unsuffixed(owner);
            quote!(#owner => { #(#inits)* })
        });
        let cond_arms = self.chart.transitions.iter().enumerate().filter(|(_, t)| t.cond.is_some()).map(|(i, _)| {
            let f = format_ident!("cond_{}", i);
            let call = if self.cond_is_total(i) { quote!(Ok(#f(d, core))) } else { quote!(#f(d, core)) };
            let i = Literal::u32_unsuffixed(i as u32);
            quote!(#i => #call)
        });
        let exec_arms = self.block_fns.iter().enumerate().map(|(i, f)| {
            let call = if self.block_is_total(i) { quote!({ #f(d, core); Ok(()) }) } else { quote!(#f(d, core)) };
            let i = Literal::u32_unsuffixed(i as u32);
            quote!(#i => #call)
        });
        let select = self.select_fn();
        let local_steps = if self.local.iter().any(Option::is_some) { self.local_steps() } else { quote!() };
        let done_arms = self.chart.states.iter().enumerate().filter(|(_, s)| s.donedata.is_some()).map(|(i, _)| {
            let f = format_ident!("donedata_{}", i);
            let i = Literal::u16_unsuffixed(i as u16);
            quote!(#i => #f(d, core))
        });
        quote! {
            impl #rt::Chart for Machine {
                const STATES: &'static [#rt::StateInfo] = STATES;
                const TRANSITIONS: &'static [#rt::TransitionInfo] = TRANSITIONS;
                const NAME: Option<&'static str> = #name;
                const LATE_BINDING: bool = #late;
                const DATA_STATES: Option<&'static [u16]> = Some(&[#(#data_states),*]);
                const HAS_EVENTLESS: bool = #has_eventless;
                const READS_EVENT: bool = #reads_event;
                const RAISES_SIGNALS: bool = #raises_signals;
                const QUIET_STEPS: bool = #quiet_steps;
                const INVOKES: &'static [#rt::InvokeInfo] = &[#(#invoke_infos),*];
                #select
                #local_steps

                #[allow(unused_variables)]
                fn set_var(&mut self, name: &str, value: #rt::Value) -> bool {
                    match name {
                        #(#set_var_arms)*
                        _ => false,
                    }
                }

                #[allow(unused_variables)]
                fn invoke(&mut self, core: &mut #rt::Core, invoke: u32, invokeid: &str) -> Result<#rt::InvokeStart, #rt::ExecError> {
                    let d = &mut self.data;
                    match invoke {
                        #(#invoke_arms)*
                        _ => Err(#rt::ExecError::new(#rt::ErrorKind::Invoke, "no such invoke")),
                    }
                }

                #[allow(unused_variables)]
                fn init_data(&mut self, core: &mut #rt::Core, state: u16) {
                    let d = &mut self.data;
                    match state {
                        #(#init_arms)*
                        _ => {}
                    }
                }

                #[allow(unused_variables)]
                fn cond(&mut self, core: &mut #rt::Core, transition: u32) -> Result<bool, #rt::ExecError> {
                    let d = &mut self.data;
                    match transition {
                        #(#cond_arms,)*
                        _ => Ok(true),
                    }
                }

                #[allow(unused_variables)]
                fn exec(&mut self, core: &mut #rt::Core, block: u32) -> Result<(), #rt::ExecError> {
                    let d = &mut self.data;
                    match block {
                        #(#exec_arms,)*
                        _ => Ok(()),
                    }
                }

                #[allow(unused_variables)]
                fn done_data(&mut self, core: &mut #rt::Core, state: u16) -> Result<#rt::Value, #rt::ExecError> {
                    let d = &mut self.data;
                    match state {
                        #(#done_arms,)*
                        _ => Ok(#rt::Value::Undefined),
                    }
                }
            }
        }
    }

    fn functions(&self) -> TokenStream {
        let rt = &self.rt;
        // Generated code must not panic on chart behaviour: every failure is
        // an ExecError. The deny list keeps it so.
        let attrs = quote! {
            #[allow(unused_variables, unused_mut, unused_assignments, unreachable_code, clippy::all)]
            #[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
        };
        let mut out = self.script_functions(&attrs);
        for (i, d) in self.chart.data.iter().enumerate() {
            let (Some(f), Some(init)) = (&self.data_fns[i], d.init) else {
                continue;
            };
            let e = self.expr(self.scripts.expr(init));
            let doc = format!(" Initial value of `{}` ({})", d.id, self.line(d.span.start));
            out.push(quote! {
                #[doc = #doc]
                #attrs
                fn #f(d: &mut Data, core: &mut #rt::Core) -> Result<#rt::Value, #rt::ExecError> {
                    Ok(#e)
                }
            });
        }
        for (i, t) in self.chart.transitions.iter().enumerate() {
            let Some(cond) = t.cond else { continue };
            let f = format_ident!("cond_{}", i);
            let e = self.condition(self.scripts.expr(cond));
            let doc = format!(" Condition of transition {i} ({})", self.line(t.span.start));
            out.push(if self.cond_is_total(i) {
                quote! {
                    #[doc = #doc]
                    #attrs
                    #[inline]
                    fn #f(d: &mut Data, core: &mut #rt::Core) -> bool {
                        #e
                    }
                }
            } else {
                quote! {
                    #[doc = #doc]
                    #attrs
                    fn #f(d: &mut Data, core: &mut #rt::Core) -> Result<bool, #rt::ExecError> {
                        Ok(#e)
                    }
                }
            });
        }
        for (i, b) in self.chart.blocks.iter().enumerate() {
            let f = &self.block_fns[i];
            let body = self.actions(&b.actions);
            let what = match b.role {
                BlockRole::GlobalScript => "Top-level <script>".to_string(),
                BlockRole::OnEntry(s) => {
                    format!("<onentry> of `{}`", self.chart.states[usize::from(s)].id)
                }
                BlockRole::OnExit(s) => {
                    format!("<onexit> of `{}`", self.chart.states[usize::from(s)].id)
                }
                BlockRole::Transition(t) => format!("Executable content of transition {t}"),
                BlockRole::Initial(s) if self.chart.states[usize::from(s)].kind == StateKind::Root => {
                    "<initial> content of <scxml>".to_string()
                }
                BlockRole::Initial(s) => format!("<initial> content of `{}`", self.chart.states[usize::from(s)].id),
                BlockRole::HistoryDefault(s) => {
                    format!("Default history content of `{}`", self.chart.states[usize::from(s)].id)
                }
                BlockRole::Finalize(i) => format!("<finalize> of invoke {i}"),
            };
            let doc = format!(" {what} ({})", self.line(b.span.start));
            out.push(if self.block_is_total(i) {
                quote! {
                    #[doc = #doc]
                    #attrs
                    #[inline]
                    fn #f(d: &mut Data, core: &mut #rt::Core) {
                        #body
                    }
                }
            } else {
                quote! {
                    #[doc = #doc]
                    #attrs
                    fn #f(d: &mut Data, core: &mut #rt::Core) -> Result<(), #rt::ExecError> {
                        #body
                        Ok(())
                    }
                }
            });
        }
        for (i, s) in self.chart.states.iter().enumerate() {
            let Some(dd) = &s.donedata else { continue };
            let f = format_ident!("donedata_{}", i);
            let value = self.payload(&[], &dd.params, dd.content);
            let doc = format!(" <donedata> of `{}`", s.id);
            out.push(quote! {
                #[doc = #doc]
                #attrs
                fn #f(d: &mut Data, core: &mut #rt::Core) -> Result<#rt::Value, #rt::ExecError> {
                    Ok(#value)
                }
            });
        }
        quote!(#(#out)*)
    }

    /// Event data from a namelist and params, or from content.
    fn payload(&self, namelist: &[(String, usize)], params: &[model::Param], content: Option<usize>) -> TokenStream {
        self.payload_of(namelist, params, content, false)
    }

    /// With `with_raw`, `(data, raw)`: the raw form keeps duplicate names.
    fn payload_of(
        &self,
        namelist: &[(String, usize)],
        params: &[model::Param],
        content: Option<usize>,
        with_raw: bool,
    ) -> TokenStream {
        let rt = &self.rt;
        if let Some(c) = content {
            let value = self.expr(self.scripts.expr(c));
            if !with_raw {
                return value;
            }
            return quote!({
                let data = #value;
                let raw = #rt::raw_content(&data);
                (data, raw)
            });
        }
        if namelist.is_empty() && params.is_empty() {
            return if with_raw { quote!((#rt::Value::Undefined, None)) } else { quote!(#rt::Value::Undefined) };
        }
        let entries = namelist
            .iter()
            .map(|(name, id)| (name.as_str(), self.expr(self.scripts.expr(*id))))
            .chain(params.iter().map(|p| (p.name.as_str(), self.expr(self.scripts.expr(p.value)))))
            .map(|(k, v)| quote!(params.add(#k, #v);));
        let finish = if with_raw { quote!(params.finish()) } else { quote!(params.data()) };
        quote!({
            let mut params = #rt::Params::new();
            #(#entries)*
            #finish
        })
    }

    fn actions(&self, actions: &[Action]) -> TokenStream {
        let items = actions.iter().map(|a| self.action(a));
        quote!(#(#items)*)
    }

    fn value_string(&self, v: &ValueSource) -> TokenStream {
        match v {
            ValueSource::Literal(s) => quote!(::std::string::String::from(#s)),
            ValueSource::Expr(e) => {
                let e = self.expr(self.scripts.expr(*e));
                quote!((#e).to_js_string())
            }
        }
    }

    fn action(&self, a: &Action) -> TokenStream {
        let rt = &self.rt;
        match a {
            Action::Raise { event, .. } => match self.signal_named(event) {
                // Queued with its mask: never matched by name.
                Some(SignalConst { konst, .. }) => quote!(core.raise_signal(&Machine::#konst);),
                None => quote!(core.raise(#event);),
            },
            Action::Log { label, expr, .. } => {
                let Some(e) = expr else {
                    return quote!(core.log(#label, &#rt::Value::from("")););
                };
                let e = self.scripts.expr(*e);
                let value = self.expr(e);
                // A line nobody reads is not built: only what could fail
                // (raising error.execution) or change something is evaluated.
                let effects = self.effects(e);
                let unread = if effects.is_empty() { quote!() } else { quote!(else { #effects }) };
                quote! {
                    if core.logs_read() {
                        let value = #value;
                        core.log(#label, &value);
                    } #unread
                }
            }
            Action::Assign { location, value, .. } => {
                self.assignment(&self.scripts.place(*location), value.map(|v| self.scripts.expr(v)))
            }
            Action::If { branches, .. } => {
                let mut out = TokenStream::new();
                let mut first = true;
                for (cond, body) in branches {
                    // A condition worked out at build time: a branch that
                    // cannot be taken is left out, one that must ends the chain.
                    let cond = cond.map(|c| self.scripts.expr(c));
                    if matches!(cond, Some(Expr::Bool(false))) {
                        continue;
                    }
                    let body = self.actions(body);
                    match cond.filter(|c| !matches!(c, Expr::Bool(true))) {
                        Some(c) => {
                            let c = self.condition(c);
                            out.extend(if first { quote!(if #c { #body }) } else { quote!(else if #c { #body }) });
                        }
                        None => {
                            out.extend(if first { quote!({ #body }) } else { quote!(else { #body }) });
                            break;
                        }
                    }
                    first = false;
                }
                out
            }
            Action::Foreach { array, item, index, body, .. } => {
                let array = self.expr(self.scripts.expr(*array));
                let item_place = self.scripts.place(*item);
                let check = self.check_place(&item_place);
                let store_item = self.store(&item_place, quote!(item));
                let store_index = match index {
                    Some(i) => {
                        let place = self.scripts.place(*i);
                        let check = self.check_place(&place);
                        let store = self.store(&place, quote!(#rt::Value::number(index as f64)));
                        quote!(#check #store)
                    }
                    None => quote!(),
                };
                let body = self.actions(body);
                quote!({
                    let items = #rt::ops::iterate(&#array)?;
                    #check
                    for (index, item) in items.into_iter().enumerate() {
                        #store_item
                        #store_index
                        #body
                    }
                })
            }
            Action::Script { body, .. } => self.stmts(self.scripts.script(*body)),
            Action::Cancel { sendid, .. } => {
                let id = self.value_string(sendid);
                quote!(core.cancel(&#id);)
            }
            Action::Send(s) => self.send(s),
            Action::Platform(p) => {
                let (name, prefix) = (&p.action, &p.answer_prefix);
                let (done, error) = (p.done_event(), p.error_event());
                let request = self.platform_request(p);
                let call = quote! {
                    core.platform_request(
                        &#rt::Action { name: #name, answer_prefix: #prefix, done: #done, error: #error },
                        attributes,
                    )
                };
                // The id moves into its location: a copy would be an atomic
                // count update, and dropping the original another.
                let store = match p.requestid {
                    Some(loc) => {
                        let store = self.store(&self.scripts.place(loc), quote!(#rt::Value::String(requestid)));
                        quote!(let requestid = #call; #store)
                    }
                    None => quote!(#call;),
                };
                quote!({
                    let attributes = #request;
                    #store
                })
            }
        }
    }

    /// The evaluated attributes of a module action, and its children as
    /// `children: [{element, ...attributes}]`.
    fn platform_request(&self, p: &model::PlatformAction) -> TokenStream {
        let rt = &self.rt;
        let count = p.attributes.len() + usize::from(!p.children.is_empty());
        let attrs = p.attributes.iter().map(|(name, value)| {
            let v = match value {
                ValueSource::Literal(s) => quote!(#rt::string!(#s)),
                ValueSource::Expr(e) => self.expr(self.scripts.expr(*e)),
            };
            quote!(attributes.push((#name, #v));)
        });
        let children = if p.children.is_empty() {
            quote!()
        } else {
            let items = p.children.iter().map(|c| {
                let element = &c.action;
                let inner = self.platform_request(c);
                quote!({
                    let object = #rt::Value::object();
                    #rt::ops::set_str(&object, "element", #rt::string!(#element))?;
                    for (k, v) in #inner {
                        #rt::ops::set_str(&object, k, v)?;
                    }
                    object
                })
            });
            quote!(attributes.push(("children", #rt::Value::array(vec![#(#items),*])));)
        };
        quote!({
            let mut attributes = #rt::Attributes::with_capacity(#count);
            #(#attrs)*
            #children
            attributes
        })
    }

    fn send(&self, s: &model::Send) -> TokenStream {
        let rt = &self.rt;
        // A constant name is borrowed for the event's whole life: no
        // allocation. The Genesys dialect writes one as an expression,
        // `event="'done'"`.
        let constant = match &s.event {
            Some(ValueSource::Literal(name)) => Some(name),
            Some(ValueSource::Expr(e)) => match self.scripts.expr(*e) {
                Expr::String(name) => Some(name),
                _ => None,
            },
            None => None,
        };
        let event = match (constant, &s.event) {
            (Some(name), _) => quote!(#rt::Name::from_static(#name)),
            (None, Some(v)) => {
                let v = self.value_string(v);
                quote!(#rt::Name::from(#v))
            }
            (None, None) => quote!(#rt::Name::default()),
        };
        let opt = |v: &Option<ValueSource>| match v {
            Some(v) => {
                let v = self.value_string(v);
                quote!(Some(#v))
            }
            None => quote!(None),
        };
        let target = opt(&s.target);
        let type_ = opt(&s.type_);
        // A delay written as a constant is read here, not on every send.
        let constant_delay = |text: &str| match scxmlc_runtime::parse_duration(text) {
            Some(d) => {
                let micros = Literal::u64_unsuffixed(d.as_micros() as u64);
                quote!(Some(::std::time::Duration::from_micros(#micros)))
            }
            None => {
                let msg = format!("invalid delay '{text}'");
                quote!(return Err(#rt::ExecError::new(#rt::ErrorKind::Send, #msg)))
            }
        };
        let delay = match &s.delay {
            None => quote!(None),
            Some(ValueSource::Literal(text)) => constant_delay(text),
            Some(ValueSource::Expr(e)) => match self.scripts.expr(*e) {
                Expr::String(text) => constant_delay(text),
                e => {
                    let e = self.expr(e);
                    quote!(Some(#rt::ops::delay(&(#e))?))
                }
            },
        };
        let data = self.payload_of(&s.namelist, &s.params, s.content, true);
        let id = match (&s.id, s.idlocation) {
            (Some(id), _) => quote!(Some(#rt::static_str!(#id))),
            (None, Some(loc)) => {
                let store = self.store(&self.scripts.place(loc), quote!(#rt::Value::String(id.clone())));
                quote!({
                    let id = core.next_send_id();
                    #store
                    Some(id)
                })
            }
            (None, None) => quote!(None),
        };
        // The common timeout: a named event, nothing else, to this session.
        let bare = s.target.is_none()
            && s.type_.is_none()
            && s.id.is_none()
            && s.idlocation.is_none()
            && s.namelist.is_empty()
            && s.params.is_empty()
            && s.content.is_none();
        if let Some(name) = constant.filter(|_| bare) {
            return quote!({
                let delay = #delay;
                core.send_self(#name, delay);
            });
        }
        quote!({
            let event = #event;
            let target = #target;
            let type_ = #type_;
            let delay = #delay;
            let (data, raw) = #data;
            let id = #id;
            core.send(#rt::SendRequest { event, target, type_, id, delay, data, raw })?;
        })
    }

    /// `place = value` (`undefined` when `None`) as a statement: its
    /// value unused, so not copied. A number into an unboxed slot is plain
    /// `f64` or `i64` code.
    fn assignment(&self, place: &Place, value: Option<&Expr>) -> TokenStream {
        let rt = &self.rt;
        if let (Place::Var(v), Some(e)) = (place, value) {
            let (v, f) = (*v, self.var_field(*v));
            if self.integral[v] && self.is_integral(e) {
                let n = self.integer_expr(e);
                return quote!(d.#f = #n;);
            }
            if self.numeric[v] && self.is_numeric(e) {
                let n = self.number_expr_bare(e);
                return quote!(d.#f = #n;);
            }
        }
        let value = match value {
            Some(v) => self.expr(v),
            None => quote!(#rt::Value::Undefined),
        };
        match place {
            // Nothing to evaluate on the left: the value goes straight in.
            Place::Var(_) | Place::Local(_) => self.store(place, value),
            _ => {
                let store = self.store(place, quote!(value));
                quote!({
                    let value = #value;
                    #store
                })
            }
        }
    }

    /// A call of whatever `callee` evaluates to; one read at a property
    /// path names that path when it is not a function.
    #[inline(never)]
    fn call_value(&self, callee: &Expr, args: &[Expr]) -> TokenStream {
        let rt = &self.rt;
        let path = self.property_path(callee).filter(|_| matches!(callee, Expr::Member(..)));
        let callee = self.expr(callee);
        let n = Literal::usize_unsuffixed(args.len());
        let args = args.iter().map(|a| self.expr(a));
        let call = match path {
            Some(path) => quote!(#rt::ops::call_path(&callee, #path, d, core, &args)?),
            None => quote!(#rt::ops::call_value(&callee, d, core, &args)?),
        };
        quote!({
            let callee = #callee;
            let args: [#rt::Value; #n] = [#(#args),*];
            #call
        })
    }

    /// `_genesys.session.setTenant`, `handlers.busy`: the source text of a
    /// chain of named properties from a variable.
    fn property_path(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Member(o, key) => Some(format!("{}.{key}", self.property_path(o)?)),
            Expr::Var(v) => Some(self.scripts.vars[*v].name.clone()),
            Expr::System(s) => Some(system_name(*s).to_string()),
            _ => None,
        }
    }

    /// Out of [`Self::expr`], whose frame each level of a nested
    /// expression costs.
    #[inline(never)]
    fn call_method(&self, recv: &Expr, name: &str, args: &[Expr]) -> TokenStream {
        let rt = &self.rt;
        let recv = self.expr(recv);
        let args = args.iter().map(|a| self.expr(a));
        if rt_ops::CALLBACK_METHODS.contains(&name) {
            // The callback may change the chart's data: the receiver and
            // arguments are values before it runs.
            quote!({
                let receiver = #recv;
                let args = vec![#(#args),*];
                #rt::ops::call_method_with(&receiver, #name, args, d, core)?
            })
        } else {
            quote!(#rt::ops::call_method(&#recv, #name, vec![#(#args),*])?)
        }
    }

    /// Fails early for a location that can never be assigned.
    fn check_place(&self, p: &Place) -> TokenStream {
        match p {
            Place::Var(_) | Place::Local(_) | Place::Member(..) | Place::Index(..) => quote!(),
            other => self.store(other, quote!(())),
        }
    }

    /// Stores `value` (an expression of type Value) into a place.
    fn store(&self, p: &Place, value: TokenStream) -> TokenStream {
        let rt = &self.rt;
        match p {
            Place::Var(v) => {
                let f = self.var_field(*v);
                if self.integral[*v] {
                    // Exact: what is stored into a counter is an integer
                    // within 2^53 ([`crate::ir::integral_vars`]).
                    quote!(d.#f = (#value).to_number() as i64;)
                } else if self.numeric[*v] {
                    quote!(d.#f = (#value).to_number();)
                } else {
                    quote!(d.#f = #value;)
                }
            }
            Place::Local(l) => {
                let l = self.local(*l);
                quote!(#l = #value;)
            }
            Place::Member(o, k) => {
                let o = self.expr(o);
                quote!(#rt::ops::set_str(&#o, #k, #value)?;)
            }
            Place::Index(o, k) => {
                let o = self.expr(o);
                let k = self.expr(k);
                quote!(#rt::ops::set(&#o, &#k, #value)?;)
            }
            Place::ReadOnly(s) => {
                let msg = format!("{} is read-only", system_name(*s));
                quote!(return Err(#rt::ExecError::invalid_location(#msg));)
            }
            Place::Unbound(n) => {
                let msg = format!("cannot assign to undeclared '{n}'");
                quote!(return Err(#rt::ExecError::invalid_location(#msg));)
            }
            Place::Invalid(msg) => quote!(return Err(#rt::ExecError::invalid_location(#msg));),
        }
    }

    fn read_place(&self, p: &Place) -> TokenStream {
        match p {
            Place::Var(v) => self.expr(&Expr::Var(*v)),
            Place::Local(l) => self.expr(&Expr::Local(*l)),
            Place::Member(o, k) => self.expr(&Expr::Member(Box::new(o.clone()), k.clone())),
            Place::Index(o, k) => self.expr(&Expr::Index(Box::new(o.clone()), Box::new(k.clone()))),
            Place::ReadOnly(s) => self.expr(&Expr::System(*s)),
            Place::Unbound(n) => self.expr(&Expr::Unbound(n.clone())),
            Place::Invalid(m) => self.expr(&Expr::Invalid(m.clone())),
        }
    }

    fn binary(&self, op: BinOp, a: TokenStream, b: TokenStream) -> TokenStream {
        let rt = &self.rt;
        let f = |name: &str| {
            let name = ident(name);
            quote!(#rt::ops::#name(#a, #b))
        };
        match op {
            BinOp::Add => f("add"),
            BinOp::Sub => f("sub"),
            BinOp::Mul => f("mul"),
            BinOp::Div => f("div"),
            BinOp::Rem => f("rem"),
            BinOp::Lt => f("lt"),
            BinOp::Le => f("le"),
            BinOp::Gt => f("gt"),
            BinOp::Ge => f("ge"),
            BinOp::BitAnd => f("bit_and"),
            BinOp::BitOr => f("bit_or"),
            BinOp::BitXor => f("bit_xor"),
            BinOp::Shl => f("shl"),
            BinOp::Shr => f("shr"),
            BinOp::UShr => f("ushr"),
            BinOp::Eq => quote!(#rt::Value::boolean(#rt::ops::loose_eq(&#a, &#b))),
            BinOp::Ne => quote!(#rt::Value::boolean(!#rt::ops::loose_eq(&#a, &#b))),
            BinOp::StrictEq => quote!(#rt::Value::boolean(#rt::ops::strict_eq(&#a, &#b))),
            BinOp::StrictNe => quote!(#rt::Value::boolean(!#rt::ops::strict_eq(&#a, &#b))),
            BinOp::In => quote!(#rt::ops::has_property(&#a, &#b)?),
        }
    }

    /// `e` where the generated code takes a `&Value`: a variable's slot
    /// itself instead of a copy of it (a copy of a string or object is an
    /// atomic reference-count update, and its drop another).
    fn operand(&self, e: &Expr) -> TokenStream {
        match e {
            Expr::Var(v) if !self.numeric[*v] => {
                let f = self.var_field(*v);
                quote!(d.#f)
            }
            Expr::Local(l) => {
                let l = self.local(*l);
                quote!(#l)
            }
            _ => self.expr(e),
        }
    }

    /// `a op b` for an operator that takes its operands by reference (out
    /// of [`Self::expr`], whose frame each nesting level pays for).
    fn by_reference(&self, op: BinOp, a: &Expr, b: &Expr) -> TokenStream {
        let a = if b.is_effect_free() { self.operand(a) } else { self.expr(a) };
        self.binary(op, a, self.operand(b))
    }

    /// `o.k`: `_event.k`, `_event.data.k` and `_genesys.k` read where the
    /// value lies, `o` borrowed where it is a variable (out of
    /// [`Self::expr`], whose frame each nesting level pays for).
    fn member(&self, o: &Expr, k: &str) -> TokenStream {
        let rt = &self.rt;
        match o {
            Expr::System(SystemVar::Event) => quote!(core.event_field(#k)?),
            Expr::System(SystemVar::Genesys) => quote!(core.genesys_field(#k)?),
            _ if is_event_data(o) => {
                quote!(core.event_data_field(#k)?)
            }
            _ => {
                let o = self.operand(o);
                quote!(#rt::ops::get_str(&#o, #k)?)
            }
        }
    }

    /// `a.b[c].d...`, three reads or more, as one `ops::get_path` that
    /// copies no link of the chain but the last. Its keys are evaluated
    /// before the walk, so a computed key must be one whose evaluation
    /// cannot fail or change anything; a chain with another key starts
    /// above it. The innermost read is the base, read as alone
    /// (`_genesys.ixn`, `_event.data.k` where they lie).
    #[inline(never)]
    fn path(&self, e: &Expr) -> Option<TokenStream> {
        let rt = &self.rt;
        let mut keys = Vec::new();
        let mut base = e;
        loop {
            let (object, key) = match base {
                Expr::Member(o, k) => (o, quote!(#k)),
                // A sum (`id + '-1'`) is joined on the stack where short.
                Expr::Index(o, k) if Self::quiet_key(k) => match &**k {
                    Expr::Binary(BinOp::Add, a, b) => {
                        let (a, b) = (self.operand(a), self.operand(b));
                        (o, quote!(&*#rt::ops::key_sum(&#a, &#b)))
                    }
                    _ => {
                        let k = self.operand(k);
                        (o, quote!(&*#k.js_str()))
                    }
                },
                _ => break,
            };
            if !matches!(**object, Expr::Member(..) | Expr::Index(..)) {
                break;
            }
            keys.push(key);
            base = object;
        }
        if keys.len() < 2 {
            return None;
        }
        let base = match base {
            // The walk starts at the model itself.
            Expr::Member(o, k) if matches!(**o, Expr::System(SystemVar::Genesys)) => {
                keys.push(quote!(#k));
                quote!(core.genesys_model())
            }
            // One read: `path` declines it, as `expr` reads it alone.
            other => {
                let base = self.expr(other);
                quote!(&#base)
            }
        };
        keys.reverse();
        Some(quote!(#rt::ops::get_path(#base, &[#(#keys),*])?))
    }

    /// A key whose evaluation cannot fail or change anything: literals,
    /// variables, and `+` of those.
    fn quiet_key(k: &Expr) -> bool {
        match k {
            Expr::String(_) | Expr::Number(_) | Expr::Var(_) | Expr::Local(_) => true,
            Expr::Binary(BinOp::Add, a, b) => Self::quiet_key(a) && Self::quiet_key(b),
            _ => false,
        }
    }

    /// `o[k]`: both borrowed where they are variables (`o` only when
    /// evaluating `k` cannot change it).
    fn index(&self, o: &Expr, k: &Expr) -> TokenStream {
        let rt = &self.rt;
        let o = if k.is_effect_free() { self.operand(o) } else { self.expr(o) };
        let k = self.operand(k);
        quote!(#rt::ops::get(&#o, &#k)?)
    }

    /// An expression of [`crate::ir::is_numeric`] form as plain `f64` arithmetic.
    fn number_expr(&self, e: &Expr) -> TokenStream {
        let inner = self.number_expr_bare(e);
        match e {
            // `%` is a call: no parentheses needed.
            Expr::Binary(BinOp::Rem, ..) => inner,
            Expr::Binary(..) | Expr::Unary(UnOp::Neg, _) => quote!((#inner)),
            // `-(n as f64)`, and `(n as f64) < x`, which would read as generics.
            Expr::Var(v) if self.integral[*v] => quote!((#inner)),
            _ => inner,
        }
    }

    /// [`Self::number_expr`] without parentheses around the outermost operation.
    fn number_expr_bare(&self, e: &Expr) -> TokenStream {
        let rt = &self.rt;
        match e {
            Expr::Number(n) => number(*n),
            Expr::Var(v) if self.integral[*v] => {
                let f = self.var_field(*v);
                quote!(d.#f as f64)
            }
            Expr::Var(v) if self.numeric[*v] => {
                let f = self.var_field(*v);
                quote!(d.#f)
            }
            Expr::Unary(UnOp::Neg, a) => {
                let a = self.number_expr(a);
                quote!(-#a)
            }
            Expr::Unary(UnOp::Plus, a) => self.number_expr_bare(a),
            Expr::Binary(BinOp::Rem, a, b) => {
                let a = self.number_expr_bare(a);
                let b = self.number_expr_bare(b);
                quote!(#rt::ops::rem_number(#a, #b))
            }
            Expr::Binary(op, a, b) => {
                let a = self.number_expr(a);
                let b = self.number_expr(b);
                match op {
                    BinOp::Add => quote!(#a + #b),
                    BinOp::Sub => quote!(#a - #b),
                    BinOp::Mul => quote!(#a * #b),
                    _ => quote!(#a / #b),
                }
            }
            other => {
                let e = self.expr(other);
                quote!((#e).to_number())
            }
        }
    }

    fn is_numeric(&self, e: &Expr) -> bool {
        crate::ir::is_numeric(e, &self.numeric)
    }

    fn is_integral(&self, e: &Expr) -> bool {
        crate::ir::is_integral(e, &self.integral)
    }

    /// An expression of [`crate::ir::is_integral`] form as `i64` code.
    fn integer_expr(&self, e: &Expr) -> TokenStream {
        let rt = &self.rt;
        match e {
            Expr::Var(v) => {
                let f = self.var_field(*v);
                quote!(d.#f)
            }
            _ => match (crate::ir::integral_step(e, &self.integral), crate::ir::integer_literal(e)) {
                (Some((Expr::Var(v), step)), _) => {
                    let f = self.var_field(*v);
                    let step = integer(step);
                    quote!(#rt::ops::step(d.#f, #step))
                }
                (_, Some(n)) => integer(n),
                // Not a form `is_integral` accepts: the number, truncated.
                _ => {
                    let n = self.number_expr(e);
                    quote!(#n as i64)
                }
            },
        }
    }

    /// Two sides that are counters or integer literals, not both literals:
    /// compared as `i64`s, exactly as the `f64`s would be.
    fn is_integer_comparison(&self, a: &Expr, b: &Expr) -> bool {
        let literal = |e: &Expr| crate::ir::integer_literal(e).is_some();
        self.is_integral(a) && self.is_integral(b) && !(literal(a) && literal(b))
    }

    fn is_number_comparison(&self, e: &Expr) -> bool {
        matches!(e, Expr::Binary(
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne | BinOp::StrictEq | BinOp::StrictNe,
            a,
            b,
        ) if self.is_numeric(a) && self.is_numeric(b))
    }

    /// What evaluating `e` for its value does besides computing it: the
    /// parts that can fail or have effects, evaluated; the total, pure
    /// operations on their results (literals, variable reads, operators
    /// other than `in`, `uneval` and `String`), skipped. Empty when `e`
    /// cannot fail and changes nothing.
    fn effects(&self, e: &Expr) -> TokenStream {
        match e {
            Expr::Undefined | Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) => quote!(),
            Expr::Var(_) | Expr::Local(_) | Expr::System(_) => quote!(),
            // `_event.k` and `_genesys.k` read fields of objects that are
            // always there (`Core::event_field`, `Core::genesys_field`).
            Expr::Member(o, _) if matches!(**o, Expr::System(SystemVar::Event | SystemVar::Genesys)) => quote!(),
            Expr::Unary(_, a) => self.effects(a),
            Expr::Binary(op, a, b) if *op != BinOp::In => {
                let (a, b) = (self.effects(a), self.effects(b));
                quote!(#a #b)
            }
            Expr::CallGlobal(name, args) if matches!(*name, "uneval" | "String") => {
                let args = args.iter().map(|a| self.effects(a));
                quote!(#(#args)*)
            }
            other => {
                let e = self.expr(other);
                quote!(let _ = #e;)
            }
        }
    }

    /// An expression's truth value as a Rust `bool`: a comparison of
    /// numbers is compared as `f64`s, anything else is a `Value` tested for
    /// truthiness.
    fn condition(&self, e: &Expr) -> TokenStream {
        if let Some(test) = self.remainder_test(e) {
            return test;
        }
        if let Some(test) = self.event_data_test(e) {
            return test;
        }
        let rt = &self.rt;
        match e {
            // A truth value of `a && b` is both operands' truth values
            // and-ed, the right one evaluated only when the left is true:
            // Rust's `&&`, with no `Value` in between. So is `||`.
            Expr::Logical(op @ (Logic::And | Logic::Or), a, b) => {
                let grouped = |x: &Expr| {
                    let c = self.condition(x);
                    match x {
                        Expr::Logical(Logic::Or, ..) if *op == Logic::And => quote!((#c)),
                        _ => c,
                    }
                };
                let (a, b) = (grouped(a), grouped(b));
                if *op == Logic::And {
                    quote!(#a && #b)
                } else {
                    quote!(#a || #b)
                }
            }
            Expr::Unary(UnOp::Not, a) => {
                let c = self.condition(a);
                match **a {
                    Expr::Logical(..) | Expr::Binary(..) => quote!(!(#c)),
                    _ => quote!(!#c),
                }
            }
            Expr::Binary(op @ (BinOp::Eq | BinOp::Ne | BinOp::StrictEq | BinOp::StrictNe), a, b)
                if !self.is_number_comparison(e) =>
            {
                let x = if b.is_effect_free() { self.operand(a) } else { self.expr(a) };
                let y = self.operand(b);
                match op {
                    BinOp::Eq => quote!(#rt::ops::loose_eq(&#x, &#y)),
                    BinOp::Ne => quote!(!#rt::ops::loose_eq(&#x, &#y)),
                    BinOp::StrictEq => quote!(#rt::ops::strict_eq(&#x, &#y)),
                    _ => quote!(!#rt::ops::strict_eq(&#x, &#y)),
                }
            }
            Expr::Binary(op, a, b) if self.is_number_comparison(e) && self.is_integer_comparison(a, b) => {
                let (a, b) = (self.integer_expr(a), self.integer_expr(b));
                let cmp = Self::comparison(*op);
                quote!(#a #cmp #b)
            }
            Expr::Binary(op, a, b) if self.is_number_comparison(e) => {
                let (a, b) = (self.number_expr(a), self.number_expr(b));
                let cmp = Self::comparison(*op);
                quote!(#a #cmp #b)
            }
            // A test worked out at build time (`ir::propagate_constants`).
            Expr::Bool(b) => quote!(#b),
            // A variable's truth value, read in place: no copy.
            Expr::Var(v) if !self.numeric[*v] => {
                let f = self.var_field(*v);
                quote!(d.#f.truthy())
            }
            Expr::Local(l) => {
                let l = self.local(*l);
                quote!(#l.truthy())
            }
            _ => {
                let e = self.expr(e);
                quote!((#e).truthy())
            }
        }
    }

    /// `_event.data.k == x` (`===`, `!=`, `!==`; either way round), where
    /// reading `x` cannot fail or change anything, compared where the
    /// field lies (`Core::event_data_field_eq`).
    fn event_data_test(&self, e: &Expr) -> Option<TokenStream> {
        let Expr::Binary(op @ (BinOp::Eq | BinOp::Ne | BinOp::StrictEq | BinOp::StrictNe), a, b) = e else {
            return None;
        };
        let (key, other) = self.event_data_comparison(a, b)?;
        let compare = match op {
            BinOp::StrictEq | BinOp::StrictNe => quote!(event_data_field_strict_eq),
            _ => quote!(event_data_field_eq),
        };
        let not = matches!(op, BinOp::Ne | BinOp::StrictNe).then(|| quote!(!));
        Some(quote!(#not core.#compare(#key, &#other)?))
    }

    /// The key and the other side, borrowed, of [`Self::event_data_test`]'s form.
    fn event_data_comparison(&self, a: &Expr, b: &Expr) -> Option<(String, TokenStream)> {
        let field = |e: &Expr| match e {
            Expr::Member(o, k) if is_event_data(o) => Some(k.clone()),
            _ => None,
        };
        let plain = |e: &Expr| {
            matches!(
                e,
                Expr::Var(_)
                    | Expr::Local(_)
                    | Expr::String(_)
                    | Expr::Number(_)
                    | Expr::Bool(_)
                    | Expr::Null
                    | Expr::Undefined
            )
        };
        match (field(a), field(b)) {
            (Some(k), _) if plain(b) => Some((k, self.operand(b))),
            (_, Some(k)) if plain(a) => Some((k, self.operand(a))),
            _ => None,
        }
    }

    /// Transition `t` has a condition that cannot fail: its function
    /// returns a plain `bool`, with no error to test for.
    fn cond_is_total(&self, t: usize) -> bool {
        // Asked for each leaf that tries the transition: worked out once.
        self.total_conds.get_or_init(|| {
            self.outside_functions(|| {
                let total = |c| is_total(&self.condition(self.scripts.expr(c)));
                self.chart.transitions.iter().map(|tr| tr.cond.is_some_and(total)).collect()
            })
        })[t]
    }

    /// `x % c == k` (`===`, `!=`, `!==`; either side) for a number `x` and
    /// integer constants `c` (not 0) and `k`, as `ops::rem_is`: the common
    /// parity test kept in integers.
    fn remainder_test(&self, e: &Expr) -> Option<TokenStream> {
        let Expr::Binary(op @ (BinOp::Eq | BinOp::StrictEq | BinOp::Ne | BinOp::StrictNe), a, b) = e else {
            return None;
        };
        let (x, divisor, k) = match (&**a, &**b) {
            (Expr::Binary(BinOp::Rem, x, c), Expr::Number(k)) | (Expr::Number(k), Expr::Binary(BinOp::Rem, x, c)) => {
                match **c {
                    Expr::Number(c) if c != 0.0 => (x, crate::ir::exact_integer(c)?, crate::ir::exact_integer(*k)?),
                    _ => return None,
                }
            }
            _ => return None,
        };
        if !self.is_numeric(x) {
            return None;
        }
        let rt = &self.rt;
        let (divisor, k) = (integer(divisor), integer(k));
        if let Expr::Var(v) = **x {
            if self.integral[v] {
                // A counter: the remainder in integers, whose sign (a `-0`
                // where JavaScript has one) `==` cannot see.
                let f = self.var_field(v);
                let cmp = if matches!(op, BinOp::Ne | BinOp::StrictNe) { quote!(!=) } else { quote!(==) };
                return Some(quote!(d.#f.wrapping_rem(#divisor) #cmp #k));
            }
        }
        let x = self.number_expr_bare(x);
        let not = matches!(op, BinOp::Ne | BinOp::StrictNe).then(|| quote!(!));
        Some(quote!(#not #rt::ops::rem_is(#x, #divisor, #k)))
    }

    fn comparison(op: BinOp) -> TokenStream {
        match op {
            BinOp::Lt => quote!(<),
            BinOp::Le => quote!(<=),
            BinOp::Gt => quote!(>),
            BinOp::Ge => quote!(>=),
            BinOp::Eq | BinOp::StrictEq => quote!(==),
            _ => quote!(!=),
        }
    }

    /// A numeric expression, or a comparison of two, as `f64` code wrapped
    /// in a `Value`. Kept out of [`Self::expr`] so that its stack frame,
    /// paid at every level of a deeply nested expression, stays small.
    #[inline(never)]
    fn typed_number_expr(&self, e: &Expr) -> TokenStream {
        let rt = &self.rt;
        match e {
            Expr::Binary(op, a, b) if self.is_number_comparison(e) => {
                let a = self.number_expr(a);
                let b = self.number_expr(b);
                let cmp = Self::comparison(*op);
                quote!(#rt::Value::boolean(#a #cmp #b))
            }
            _ => {
                let n = self.number_expr_bare(e);
                quote!(#rt::Value::number(#n))
            }
        }
    }

    fn expr(&self, e: &Expr) -> TokenStream {
        let rt = &self.rt;
        match e {
            Expr::Binary(..) | Expr::Unary(..) if self.is_numeric(e) || self.is_number_comparison(e) => {
                self.typed_number_expr(e)
            }
            Expr::Undefined => quote!(#rt::Value::Undefined),
            Expr::Null => quote!(#rt::Value::Null),
            Expr::Bool(b) => quote!(#rt::Value::boolean(#b)),
            Expr::Number(n) => {
                let n = number(*n);
                quote!(#rt::Value::number(#n))
            }
            Expr::String(s) => quote!(#rt::string!(#s)),
            Expr::Var(v) if self.integral[*v] => {
                let f = self.var_field(*v);
                quote!(#rt::Value::number(d.#f as f64))
            }
            Expr::Var(v) if self.numeric[*v] => {
                let f = self.var_field(*v);
                quote!(#rt::Value::number(d.#f))
            }
            Expr::Var(v) => {
                let f = self.var_field(*v);
                quote!(d.#f.clone())
            }
            Expr::Local(l) => {
                let l = self.local(*l);
                quote!(#l.clone())
            }
            Expr::Function(f) => {
                let f = Self::function_static(*f);
                quote!(#rt::Value::Function(&#f))
            }
            Expr::CallFunction(f, args) => {
                let f = &self.script_fns[*f];
                let n = Literal::usize_unsuffixed(args.len());
                let args = args.iter().map(|a| self.expr(a));
                quote!({
                    let args: [#rt::Value; #n] = [#(#args),*];
                    #f(d, core, &args)?
                })
            }
            Expr::CallValue(callee, args) => self.call_value(callee, args),
            Expr::InstanceOf(e, class) => {
                let e = self.expr(e);
                quote!(#rt::Value::boolean(#rt::ops::instance_of(&#e, #class)))
            }
            Expr::System(s) => match s {
                SystemVar::Event => quote!(core.event()),
                SystemVar::SessionId => quote!(core.session_id()),
                // Known when the chart is compiled: a static string.
                SystemVar::Name => match &self.chart.name {
                    Some(name) => quote!(#rt::string!(#name)),
                    None => quote!(#rt::Value::Undefined),
                },
                SystemVar::IoProcessors => quote!(core.io_processors()),
                SystemVar::Genesys => quote!(core.genesys()),
            },
            Expr::Unbound(n) => quote!(Err::<#rt::Value, _>(#rt::ExecError::reference(#n))?),
            Expr::Invalid(msg) => quote!(Err::<#rt::Value, _>(#rt::ExecError::syntax(#msg))?),
            Expr::Array(items) => {
                let items = items.iter().map(|i| self.expr(i));
                quote!(#rt::Value::array(vec![#(#items),*]))
            }
            Expr::Object(props) => {
                let props = props.iter().map(|(k, v)| {
                    let v = self.expr(v);
                    quote!((#rt::static_str!(#k), #v))
                });
                quote!(#rt::Value::object_literal([#(#props),*]))
            }
            Expr::Member(o, k) => self.path(e).unwrap_or_else(|| self.member(o, k)),
            Expr::Index(o, k) => self.path(e).unwrap_or_else(|| self.index(o, k)),
            Expr::Unary(op, a) => {
                let a = self.expr(a);
                match op {
                    UnOp::Neg => quote!(#rt::ops::neg(#a)),
                    UnOp::Plus => quote!(#rt::ops::plus(#a)),
                    UnOp::Not => quote!(#rt::ops::not(#a)),
                    UnOp::BitNot => quote!(#rt::ops::bit_not(#a)),
                    UnOp::TypeOf => quote!(#rt::ops::type_of(&#a)),
                    UnOp::Void => quote!({
                        let _ = #a;
                        #rt::Value::Undefined
                    }),
                }
            }
            // Comparisons take their operands by reference: a variable is
            // borrowed, not copied (the left one only when evaluating the
            // right one cannot change it).
            Expr::Binary(op @ (BinOp::Eq | BinOp::Ne | BinOp::StrictEq | BinOp::StrictNe | BinOp::In), a, b) => {
                self.by_reference(*op, a, b)
            }
            Expr::Binary(op, a, b) => self.binary(*op, self.expr(a), self.expr(b)),
            Expr::Logical(op, a, b) => {
                let a = self.expr(a);
                let b = self.expr(b);
                match op {
                    Logic::And => quote!({
                        let left = #a;
                        if left.truthy() { #b } else { left }
                    }),
                    Logic::Or => quote!({
                        let left = #a;
                        if left.truthy() { left } else { #b }
                    }),
                    Logic::Nullish => quote!({
                        let left = #a;
                        if matches!(left, #rt::Value::Undefined | #rt::Value::Null) { #b } else { left }
                    }),
                }
            }
            Expr::Conditional(c, a, b) => {
                let c = self.expr(c);
                let a = self.expr(a);
                let b = self.expr(b);
                quote!(if (#c).truthy() { #a } else { #b })
            }
            Expr::Assign(place, op, value) => {
                let value = self.expr(value);
                let value = match op {
                    None => value,
                    Some(op) => self.binary(*op, self.read_place(place), value),
                };
                let store = self.store(place, quote!(value.clone()));
                quote!({
                    let value = #value;
                    #store
                    value
                })
            }
            Expr::Update(place, delta, prefix) => {
                let old = self.read_place(place);
                let delta = number(*delta);
                let store = self.store(place, quote!(new.clone()));
                let result = if *prefix { quote!(new) } else { quote!(old) };
                quote!({
                    let old = #rt::Value::number((#old).to_number());
                    let new = #rt::Value::number(old.to_number() + #delta);
                    #store
                    #result
                })
            }
            Expr::Delete(place) => match &**place {
                Place::Member(o, k) => {
                    let o = self.expr(o);
                    quote!(#rt::ops::delete(&#o, &#rt::string!(#k))?)
                }
                Place::Index(o, k) => {
                    let o = self.expr(o);
                    let k = self.expr(k);
                    quote!(#rt::ops::delete(&#o, &#k)?)
                }
                Place::Var(_) | Place::Local(_) | Place::ReadOnly(_) => quote!(#rt::Value::boolean(false)),
                _ => quote!(#rt::Value::boolean(true)),
            },
            Expr::InState(s) if self.single_leaf => {
                // The configuration is a chain: one range test, no table.
                let last = self.state_ref(self.last_descendants[usize::from(*s)]);
                let s = self.state_ref(*s);
                quote!(#rt::Value::boolean(core.chain_holds(#s, #last)))
            }
            Expr::InState(s) => {
                let s = self.state_ref(*s);
                quote!(#rt::Value::boolean(core.is_active(#s)))
            }
            Expr::InDynamic(e) => {
                let e = self.expr(e);
                quote!(#rt::Value::boolean(core.is_active_id(&(#e).to_js_string())))
            }
            Expr::CallGlobal(name, args) => {
                let args = args.iter().map(|a| self.expr(a));
                quote!(#rt::ops::call_global(#name, vec![#(#args),*])?)
            }
            Expr::CallMethod(recv, name, args) => self.call_method(recv, name, args),
            Expr::Sequence(items) => {
                let (last, init) = match items.split_last() {
                    Some((last, init)) => (self.expr(last), init),
                    None => (quote!(#rt::Value::Undefined), &[][..]),
                };
                let init = init.iter().map(|i| self.expr(i));
                quote!({
                    #(let _ = #init;)*
                    #last
                })
            }
        }
    }
}

fn system_name(s: SystemVar) -> &'static str {
    match s {
        SystemVar::Event => "_event",
        SystemVar::SessionId => "_sessionid",
        SystemVar::Name => "_name",
        SystemVar::IoProcessors => "_ioprocessors",
        SystemVar::Genesys => "_genesys",
    }
}

/// Generated expression code that cannot fail: no `?` and no `return`
/// anywhere in it, so it evaluates to its value or not at all.
fn is_total(code: &TokenStream) -> bool {
    code.clone().into_iter().all(|tree| match tree {
        proc_macro2::TokenTree::Punct(p) => p.as_char() != '?',
        proc_macro2::TokenTree::Ident(i) => i != "return",
        proc_macro2::TokenTree::Group(g) => is_total(&g.stream()),
        proc_macro2::TokenTree::Literal(_) => true,
    })
}

/// `_event.data`, whose fields the core reads where they lie.
fn is_event_data(e: &Expr) -> bool {
    matches!(e, Expr::Member(event, data) if matches!(**event, Expr::System(SystemVar::Event)) && data == "data")
}

/// An i64 literal; a negative one as `-` and its magnitude, as Rust
/// parses it.
fn integer(n: i64) -> TokenStream {
    let lit = Literal::u64_unsuffixed(n.unsigned_abs());
    if n < 0 {
        quote!(-#lit)
    } else {
        quote!(#lit)
    }
}

fn number(n: f64) -> TokenStream {
    if n.is_nan() {
        quote!(f64::NAN)
    } else if n.is_infinite() {
        if n > 0.0 {
            quote!(f64::INFINITY)
        } else {
            quote!(f64::NEG_INFINITY)
        }
    } else if n < 0.0 || (n == 0.0 && n.is_sign_negative()) {
        let lit = Literal::f64_unsuffixed(-n);
        quote!(-#lit)
    } else {
        let lit = Literal::f64_unsuffixed(n);
        quote!(#lit)
    }
}

fn opt_u32(v: Option<usize>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::u32_unsuffixed(v as u32);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}
