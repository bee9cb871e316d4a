//! Stage 3: every expression, condition, location and `<script>` body,
//! parsed with swc and lowered to a small typed IR. Identifiers resolve at
//! compile time: datamodel variables become slots ([`VarId`]), system
//! variables and builtins become dedicated nodes.
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::model::{Action, Chart, Datamodel, SourceKind};
use statements::{collect_fn_decls, collect_var_names, Breakable, CatchParam};
use swc_common::{BytePos, Spanned};
use swc_ecma_ast as js;
use swc_ecma_parser::{EsSyntax, Parser, StringInput, Syntax};

mod statements;

pub type VarId = usize;
/// A local variable or parameter of one compiled function.
pub type LocalId = usize;
/// An index into [`Scripts::functions`].
pub type FnId = usize;

/// Nesting deeper than this in one expression is rejected before parsing.
const MAX_NESTING: usize = 200;
/// Braces nested deeper than this are rejected before parsing: each level
/// of a nested statement costs the parser, the lowering, the generated
/// closures and the formatter far more stack than a level of an
/// expression, and 32 fit a 2 MiB thread with room to spare.
const MAX_BLOCK_NESTING: usize = 32;

#[derive(Debug)]
pub struct Var {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemVar {
    Event,
    SessionId,
    Name,
    IoProcessors,
    /// `_genesys`: the platform's object model (Genesys dialect).
    Genesys,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    StrictEq,
    StrictNe,
    Lt,
    Le,
    Gt,
    Ge,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    UShr,
    In,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Plus,
    Not,
    BitNot,
    TypeOf,
    Void,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logic {
    And,
    Or,
    Nullish,
}

#[derive(Clone, Debug)]
pub enum Expr {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Var(VarId),
    Local(LocalId),
    /// A compiled function as a value.
    Function(FnId),
    System(SystemVar),
    /// An identifier that names nothing: a `ReferenceError` when evaluated.
    Unbound(String),
    Array(Vec<Expr>),
    Object(Vec<(String, Expr)>),
    Member(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Logical(Logic, Box<Expr>, Box<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `place = value`, or `place op= value`.
    Assign(Box<Place>, Option<BinOp>, Box<Expr>),
    /// `++x`, `x--`...: (place, +1 or -1, prefix)
    Update(Box<Place>, f64, bool),
    Delete(Box<Place>),
    /// `In('id')` with a state known at compile time.
    InState(u16),
    /// `In(expr)` resolved at run time.
    InDynamic(Box<Expr>),
    CallGlobal(&'static str, Vec<Expr>),
    CallMethod(Box<Expr>, String, Vec<Expr>),
    /// A call of a function known at compile time.
    CallFunction(FnId, Vec<Expr>),
    /// A call of whatever the callee evaluates to.
    CallValue(Box<Expr>, Vec<Expr>),
    /// `value instanceof Array` (or `Object`, `Function`).
    InstanceOf(Box<Expr>, &'static str),
    Sequence(Vec<Expr>),
    /// Text that is not a valid expression: evaluating it raises `error.execution`.
    Invalid(String),
}

impl Expr {
    /// Evaluating it changes nothing: no assignment, update, delete or call
    /// anywhere in it. (Reads may still throw.) Generated code may then
    /// borrow another operand's variable across its evaluation. Looks only
    /// a few levels deep, so that deeply nested expressions stay linear
    /// and shallow on the stack: deeper ones count as having effects.
    pub fn is_effect_free(&self) -> bool {
        self.effect_free_within(6)
    }

    fn effect_free_within(&self, depth: u32) -> bool {
        let Some(depth) = depth.checked_sub(1) else { return false };
        let free = |e: &Expr| e.effect_free_within(depth);
        match self {
            Expr::Undefined
            | Expr::Null
            | Expr::Bool(_)
            | Expr::Number(_)
            | Expr::String(_)
            | Expr::Var(_)
            | Expr::Local(_)
            | Expr::Function(_)
            | Expr::System(_)
            | Expr::Unbound(_)
            | Expr::InState(_)
            | Expr::Invalid(_) => true,
            Expr::Array(items) | Expr::Sequence(items) => items.iter().all(free),
            Expr::Object(props) => props.iter().all(|(_, v)| free(v)),
            Expr::Member(o, _) | Expr::Unary(_, o) | Expr::InDynamic(o) | Expr::InstanceOf(o, _) => free(o),
            Expr::Index(a, b) | Expr::Binary(_, a, b) | Expr::Logical(_, a, b) => free(a) && free(b),
            Expr::Conditional(c, a, b) => free(c) && free(a) && free(b),
            Expr::Assign(..)
            | Expr::Update(..)
            | Expr::Delete(_)
            | Expr::CallGlobal(..)
            | Expr::CallMethod(..)
            | Expr::CallFunction(..)
            | Expr::CallValue(..) => false,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Place {
    Var(VarId),
    Local(LocalId),
    Member(Expr, String),
    Index(Expr, Expr),
    /// A system variable: assigning it is an error at run time (W3C 5.10).
    ReadOnly(SystemVar),
    Unbound(String),
    Invalid(String),
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Expr(Expr),
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    /// Only inside a [`Function`].
    Return(Expr),
    /// `while`, `do ... while` and `for (;;)`.
    Loop(Box<Loop>),
    /// `for (x in o)` and `for (x of a)`.
    Iterate(Box<Iterate>),
    Switch(Box<Switch>),
    /// Any other statement with a label, which `break label` leaves.
    Labeled(Box<Labeled>),
    /// Leaves the loop, `switch` or labeled statement at this [`Target`] depth.
    Break(Target),
    /// Goes on with the next iteration of the loop at this depth.
    Continue(Target),
    Throw(Expr),
    Try(Box<Try>),
}

/// `try { body } catch (param) { ... } finally { ... }`.
#[derive(Clone, Debug)]
pub struct Try {
    /// The [`Target`] depth at the `try`: jumps to statements below it
    /// leave the body.
    pub depth: Target,
    pub body: Vec<Stmt>,
    pub catch: Option<Catch>,
    /// Empty when there is no `finally`.
    pub finally: Vec<Stmt>,
    /// The jumps out of the body or the `catch`, in the order first seen.
    pub exits: Vec<Exit>,
}

#[derive(Clone, Debug)]
pub struct Catch {
    /// The local the caught value is bound to: in a function, one of its
    /// locals; in a top-level script, numbered within the script.
    pub param: Option<LocalId>,
    pub body: Vec<Stmt>,
}

/// A jump from inside a `try` to a statement outside it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Exit {
    Return,
    Break(Target),
    Continue(Target),
}

/// How many loops, `switch`es and labeled statements enclose a statement
/// within its script or function body: names the one a `break` or
/// `continue` leaves.
pub type Target = usize;

/// Which jumps reach a loop, `switch` or labeled statement: its label is
/// written out only where something uses it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Jumps {
    /// A `break` leaves it.
    pub broken: bool,
    /// A `continue` goes on with it (a loop).
    pub continued: bool,
}

/// A loop that tests a condition: `while (test)`, `do ... while (test)`
/// (the test after the body) or `for (; test; update)`.
#[derive(Clone, Debug)]
pub struct Loop {
    pub depth: Target,
    /// `None`: runs until a `break`, a `return` or an error.
    pub test: Option<Expr>,
    pub test_first: bool,
    pub body: Vec<Stmt>,
    /// Evaluated after the body, and after a `continue`.
    pub update: Option<Expr>,
    pub jumps: Jumps,
}

/// `for (target in object)`: the keys; `for (target of object)`: the items.
#[derive(Clone, Debug)]
pub struct Iterate {
    pub depth: Target,
    pub keys: bool,
    pub target: Place,
    pub object: Expr,
    pub body: Vec<Stmt>,
    pub jumps: Jumps,
}

/// `switch (discriminant) { case test: ... default: ... }`: the clauses in
/// source order, `None` for `default`.
#[derive(Clone, Debug)]
pub struct Switch {
    pub depth: Target,
    pub discriminant: Expr,
    pub cases: Vec<(Option<Expr>, Vec<Stmt>)>,
    pub jumps: Jumps,
}

/// A statement other than a loop or `switch` that has a label.
#[derive(Clone, Debug)]
pub struct Labeled {
    pub depth: Target,
    pub body: Vec<Stmt>,
    pub jumps: Jumps,
}

/// A function declared in a `<script>` or written as a function expression.
/// It sees its own locals and the datamodel; closures over another
/// function's locals are rejected at compile time.
#[derive(Clone, Debug, Default)]
pub struct Function {
    pub name: String,
    /// Parameters first, then `var`s of the body.
    pub locals: Vec<String>,
    pub params: usize,
    pub body: Vec<Stmt>,
    pub span: Span,
}

/// The lowered form of one [`crate::model::Source`].
#[derive(Clone, Debug)]
pub enum Lowered {
    Expr(Expr),
    Place(Place),
    Script(Vec<Stmt>),
}

#[derive(Debug)]
pub struct Scripts {
    pub vars: Vec<Var>,
    /// By [`crate::model::ExprId`].
    pub lowered: Vec<Lowered>,
    pub functions: Vec<Function>,
    /// The scripts of each invoked child chart, by [`Chart::children`] index.
    pub children: Vec<Scripts>,
}

impl Scripts {
    pub fn expr(&self, id: usize) -> &Expr {
        match &self.lowered[id] {
            Lowered::Expr(e) => e,
            _ => &Expr::Undefined,
        }
    }
    pub fn place(&self, id: usize) -> Place {
        match &self.lowered[id] {
            Lowered::Place(p) => p.clone(),
            _ => Place::Invalid("not a location".into()),
        }
    }
    pub fn script(&self, id: usize) -> &[Stmt] {
        match &self.lowered[id] {
            Lowered::Script(s) => s,
            _ => &[],
        }
    }
}

enum Parsed {
    Expr(Box<js::Expr>),
    Script(js::Script),
    /// A syntax error: (message, offset in the source text).
    Error(String, usize),
    /// A body that is not ECMAScript: a string value.
    Text,
}

pub fn lower(chart: &Chart, diags: &mut Diagnostics) -> Scripts {
    let parsed: Vec<Parsed> = chart.sources.iter().map(|s| parse_source(s.kind, &s.text)).collect();
    let mut vars: Vec<Var> = Vec::new();
    let declare = |vars: &mut Vec<Var>, name: &str, span: Span| {
        if !vars.iter().any(|v| v.name == name) {
            vars.push(Var { name: name.to_string(), span });
        }
    };
    for d in &chart.data {
        declare(&mut vars, &d.id, d.span);
    }
    // `var` in any <script> declares a session-global variable.
    for (i, p) in parsed.iter().enumerate() {
        if let Parsed::Script(script) = p {
            let mut names = Vec::new();
            collect_var_names(&script.body, &mut names);
            for name in names {
                declare(&mut vars, &name, Span::new(chart.sources[i].start, chart.sources[i].start));
            }
        }
    }
    // <foreach item/index> declare their variable when it is a plain identifier.
    let mut foreach_vars = Vec::new();
    for b in &chart.blocks {
        collect_foreach_vars(&b.actions, &mut foreach_vars);
    }
    for id in foreach_vars {
        let s = &chart.sources[id];
        let name = s.text.trim();
        if is_identifier(name) && !name.starts_with('_') {
            declare(&mut vars, name, Span::new(s.start, s.start + s.text.len()));
        }
    }
    // Function declarations are hoisted: any expression of the chart may
    // call a function a <script> declares.
    let mut functions: Vec<Function> = Vec::new();
    let mut declared: Vec<(String, FnId)> = Vec::new();
    let mut declarations = Vec::new();
    for (i, p) in parsed.iter().enumerate() {
        if let Parsed::Script(script) = p {
            let mut found = Vec::new();
            collect_fn_decls(&script.body, &mut found);
            for f in found {
                let name = f.ident.sym.to_string();
                let id = functions.len();
                functions.push(Function { name: name.clone(), ..Function::default() });
                if let Some(v) = vars.iter().find(|v| v.name == name) {
                    diags.push(
                        Diagnostic::error(
                            "E0206",
                            v.span,
                            format!("'{name}' is both a datamodel variable and a function"),
                        )
                        .with_help("a function declared in a <script> is a global name too; rename one of them"),
                    );
                }
                declared.retain(|(n, _)| *n != name);
                declared.push((name, id));
                declarations.push((i, f, id));
            }
        }
    }
    for (i, f, id) in declarations {
        let mut cx = Lowerer::new(chart, &vars, &declared, &mut *diags, &mut functions, i);
        let name = f.ident.sym.to_string();
        cx.function(Some(&name), &f.function.params, FnBody::Block(f.function.body.as_ref()), &f.function, Some(id));
    }
    let mut lowered = Vec::with_capacity(parsed.len());
    for (i, p) in parsed.iter().enumerate() {
        let source = &chart.sources[i];
        let mut cx = Lowerer::new(chart, &vars, &declared, &mut *diags, &mut functions, i);
        let out = match p {
            Parsed::Error(message, at) => {
                let at = source.offset((*at).min(source.text.len()));
                cx.diags.push(
                    Diagnostic::warning("W0201", Span::new(at, at + 1), format!("invalid ECMAScript: {message}"))
                        .with_help("the W3C rules make this raise error.execution each time it is evaluated"),
                );
                let msg = format!("invalid expression: {message}");
                match source.kind {
                    SourceKind::Location => Lowered::Place(Place::Invalid(msg)),
                    SourceKind::Script => Lowered::Script(vec![Stmt::Expr(Expr::Invalid(msg))]),
                    _ => Lowered::Expr(Expr::Invalid(msg)),
                }
            }
            Parsed::Text if source.kind == SourceKind::Document => Lowered::Expr(Expr::String(source.text.clone())),
            Parsed::Text => Lowered::Expr(Expr::String(normalize_space(&source.text))),
            Parsed::Expr(e) if source.kind == SourceKind::Location => Lowered::Place(cx.place(e)),
            Parsed::Expr(e) if source.kind == SourceKind::Body => {
                // A body is a value when it is a closed expression (JSON, a
                // literal); anything else is text, as `<content>foo</content>`.
                let mut scratch = Diagnostics::default();
                let mut no_functions = Vec::new();
                let mut quiet = Lowerer::new(chart, &vars, &declared, &mut scratch, &mut no_functions, i);
                let value = quiet.expr(e);
                if scratch.items.is_empty() && is_closed(&value) {
                    Lowered::Expr(value)
                } else {
                    Lowered::Expr(Expr::String(normalize_space(&source.text)))
                }
            }
            Parsed::Expr(e) => Lowered::Expr(cx.expr(e)),
            Parsed::Script(s) => Lowered::Script(cx.stmts(&s.body)),
        };
        lowered.push(out);
    }
    let children = chart
        .children
        .iter()
        .map(|child| {
            if child.file.is_none() {
                return lower(&child.chart, diags);
            }
            // A child from another file: its spans are not this chart's.
            let mut own = Diagnostics::default();
            let scripts = lower(&child.chart, &mut own);
            if let Some(first) = own.errors().next() {
                diags.error("E0305", child.span, format!("the invoked chart has an error: {}", first.message));
            }
            scripts
        })
        .collect();
    Scripts { vars, lowered, functions, children }
}

/// A text body becomes a space-normalized string (W3C B.2.2): runs of
/// white space collapse to one space, none at either end.
fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Built only from literals: no variable, call or assignment.
fn is_closed(e: &Expr) -> bool {
    match e {
        Expr::Undefined | Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) => true,
        Expr::Array(items) => items.iter().all(is_closed),
        Expr::Object(props) => props.iter().all(|(_, v)| is_closed(v)),
        Expr::Unary(UnOp::Neg | UnOp::Plus, a) => is_closed(a),
        _ => false,
    }
}

fn collect_foreach_vars(actions: &[Action], out: &mut Vec<usize>) {
    Action::walk(actions, &mut |a| {
        if let Action::Foreach { item, index, .. } = a {
            out.push(*item);
            out.extend(index);
        }
    });
}

pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// How deep brackets of any kind nest in `text`, and how deep braces do.
fn nesting_depth(text: &str) -> (usize, usize) {
    let (mut depth, mut max) = (0usize, 0usize);
    let (mut blocks, mut max_blocks) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
                if c == '{' {
                    blocks += 1;
                    max_blocks = max_blocks.max(blocks);
                }
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                if c == '}' {
                    blocks = blocks.saturating_sub(1);
                }
            }
            _ => {}
        }
    }
    (max, max_blocks)
}

fn parse_source(kind: SourceKind, text: &str) -> Parsed {
    if kind == SourceKind::Document {
        return Parsed::Text;
    }
    let (depth, blocks) = nesting_depth(text);
    if depth > MAX_NESTING {
        return Parsed::Error(format!("nested deeper than {MAX_NESTING} levels"), 0);
    }
    if blocks > MAX_BLOCK_NESTING {
        return Parsed::Error(format!("blocks nested deeper than {MAX_BLOCK_NESTING} levels"), 0);
    }
    // swc reserves position 0, so the text starts at 1.
    let input = StringInput::new(text, BytePos(1), BytePos(1 + text.len() as u32));
    let mut parser = Parser::new(Syntax::Es(EsSyntax::default()), input, None);
    let result = match kind {
        SourceKind::Script => parser.parse_script().map(Parsed::Script),
        SourceKind::Body if text.trim().is_empty() => return Parsed::Text,
        _ => parser.parse_expr().map(Parsed::Expr),
    };
    let recovered = parser.take_errors();
    match result {
        Ok(p) if recovered.is_empty() => {
            if kind != SourceKind::Script && !at_end(&mut parser) {
                if kind == SourceKind::Body {
                    return Parsed::Text;
                }
                return Parsed::Error("unexpected text after the expression".into(), 0);
            }
            p
        }
        _ if kind == SourceKind::Body => Parsed::Text,
        Ok(_) => {
            let e = &recovered[0];
            Parsed::Error(e.kind().msg().to_string(), (e.span().lo.0 as usize).saturating_sub(1))
        }
        Err(e) => Parsed::Error(e.kind().msg().to_string(), (e.span().lo.0 as usize).saturating_sub(1)),
    }
}

fn at_end(parser: &mut Parser<swc_ecma_parser::Lexer<'_>>) -> bool {
    parser.parse_expr().is_err() && parser.take_errors().is_empty()
}

struct Lowerer<'a, 'd> {
    chart: &'a Chart,
    vars: &'a [Var],
    /// Functions declared in the chart's scripts, visible everywhere.
    declared: &'a [(String, FnId)],
    diags: &'d mut Diagnostics,
    functions: &'d mut Vec<Function>,
    source_index: usize,
    /// The functions being lowered, innermost last.
    scopes: Vec<Scope>,
    /// The loops and `switch`es around the statement being lowered, in
    /// its script or function body, innermost last.
    breakables: Vec<Breakable>,
    /// The labels of the labeled statement being lowered.
    labels: Vec<String>,
    /// The `try`s around the statement being lowered, in its script or
    /// function body, innermost last: the jumps that leave each.
    tries: Vec<(Target, Vec<Exit>)>,
    /// The `catch` parameters in scope, innermost last.
    catch_params: Vec<CatchParam>,
    /// How many `catch` parameters the top-level script has numbered.
    script_locals: usize,
}

#[derive(Default)]
struct Scope {
    locals: Vec<String>,
    /// Function declarations of this body (and a named function
    /// expression's own name), callable without capturing anything.
    functions: Vec<(String, FnId)>,
    /// Names of enclosing functions' locals already reported as captured.
    captured: Vec<String>,
}

enum FnBody<'x> {
    Block(Option<&'x js::FunctionBody>),
    Expr(&'x js::Expr),
}

/// What an identifier names, innermost scope first.
enum Binding {
    Local(LocalId),
    /// A local of an enclosing function: a closure, which is not supported.
    Captured,
    Function(FnId),
    Var(VarId),
}

fn unsupported_help() -> &'static str {
    "scxmlc compiles a subset of ECMAScript: literals, variables, member access, operators, \
     assignments, `var`, `if`, loops, `switch`, `try`/`throw`, functions (without closures), \
     `typeof`, `In()` and the common builtins (String, Number, Math.*, JSON.*, string and array \
     methods)"
}

impl<'a, 'd> Lowerer<'a, 'd> {
    fn new(
        chart: &'a Chart,
        vars: &'a [Var],
        declared: &'a [(String, FnId)],
        diags: &'d mut Diagnostics,
        functions: &'d mut Vec<Function>,
        source_index: usize,
    ) -> Self {
        Lowerer {
            chart,
            vars,
            declared,
            diags,
            functions,
            source_index,
            scopes: Vec::new(),
            breakables: Vec::new(),
            labels: Vec::new(),
            tries: Vec::new(),
            catch_params: Vec::new(),
            script_locals: 0,
        }
    }

    fn binding(&self, name: &str) -> Option<Binding> {
        // A `catch` parameter shadows the locals of its function.
        let caught = |depth: usize| self.catch_params.iter().rev().find(|c| c.depth == depth && c.name == name);
        let local = |depth: usize, id: LocalId| {
            Some(if depth == self.scopes.len() { Binding::Local(id) } else { Binding::Captured })
        };
        for (depth, scope) in self.scopes.iter().enumerate().rev() {
            if let Some(c) = caught(depth + 1) {
                return local(depth + 1, c.id);
            }
            if let Some(i) = scope.locals.iter().position(|l| l == name) {
                return local(depth + 1, i);
            }
            if let Some((_, f)) = scope.functions.iter().rev().find(|(n, _)| n == name) {
                return Some(Binding::Function(*f));
            }
        }
        if let Some(c) = caught(0) {
            return local(0, c.id);
        }
        if let Some(v) = self.vars.iter().position(|v| v.name == name) {
            return Some(Binding::Var(v));
        }
        self.declared.iter().find(|(n, _)| n == name).map(|(_, f)| Binding::Function(*f))
    }

    fn is_bound(&self, name: &str) -> bool {
        self.binding(name).is_some()
    }

    /// Lowers a function's body into [`Scripts::functions`]; `reserved` is
    /// the id a hoisted declaration already has.
    fn function(
        &mut self,
        name: Option<&str>,
        params: &[js::Param],
        body: FnBody<'_>,
        whole: &dyn Spanned,
        reserved: Option<FnId>,
    ) -> FnId {
        let pats: Vec<&js::Pat> = params.iter().map(|p| &p.pat).collect();
        self.function_of(name, &pats, body, whole.span(), reserved)
    }

    fn function_of(
        &mut self,
        name: Option<&str>,
        params: &[&js::Pat],
        body: FnBody<'_>,
        span: swc_common::Span,
        reserved: Option<FnId>,
    ) -> FnId {
        let id = reserved.unwrap_or_else(|| {
            self.functions.push(Function::default());
            self.functions.len() - 1
        });
        let mut scope = Scope::default();
        for p in params {
            match p {
                js::Pat::Ident(i) => scope.locals.push(i.id.sym.to_string()),
                other => {
                    self.unsupported(other.span(), "destructuring, default and rest parameters");
                    scope.locals.push(String::new());
                }
            }
        }
        let param_count = scope.locals.len();
        let mut nested = Vec::new();
        if let FnBody::Block(Some(block)) = &body {
            let mut names = Vec::new();
            collect_var_names(&block.stmts, &mut names);
            for n in names {
                if !scope.locals.contains(&n) {
                    scope.locals.push(n);
                }
            }
            collect_fn_decls(&block.stmts, &mut nested);
        }
        if let Some(name) = name {
            if !scope.locals.iter().any(|l| l == name) {
                scope.functions.push((name.to_string(), id));
            }
        }
        let nested: Vec<(&js::FnDecl, FnId)> = nested
            .into_iter()
            .map(|f| {
                self.functions.push(Function::default());
                let nid = self.functions.len() - 1;
                scope.functions.push((f.ident.sym.to_string(), nid));
                (f, nid)
            })
            .collect();
        self.scopes.push(scope);
        // A `break` or `return` in a function cannot leave a loop or `try` around it.
        let enclosing = std::mem::take(&mut self.breakables);
        let tries = std::mem::take(&mut self.tries);
        for (f, nid) in nested {
            let n = f.ident.sym.to_string();
            self.function(
                Some(&n),
                &f.function.params,
                FnBody::Block(f.function.body.as_ref()),
                &f.function,
                Some(nid),
            );
        }
        let stmts = match body {
            FnBody::Block(Some(block)) => self.stmts(&block.stmts),
            FnBody::Block(None) => Vec::new(),
            FnBody::Expr(e) => vec![Stmt::Return(self.expr(e))],
        };
        self.breakables = enclosing;
        self.tries = tries;
        let scope = self.scopes.pop().unwrap_or_default();
        self.functions[id] = Function {
            name: name.unwrap_or("anonymous").to_string(),
            locals: scope.locals,
            params: param_count,
            body: stmts,
            span: self.span_of(span),
        };
        id
    }

    fn span_of(&self, span: swc_common::Span) -> Span {
        let source = &self.chart.sources[self.source_index];
        let lo = (span.lo.0 as usize).saturating_sub(1).min(source.text.len());
        let hi = (span.hi.0 as usize).saturating_sub(1).min(source.text.len()).max(lo);
        Span::new(source.offset(lo), source.offset(hi))
    }

    fn unsupported(&mut self, span: swc_common::Span, what: &str) -> Expr {
        let span = self.span_of(span);
        self.diags.push(
            Diagnostic::error("E0200", span, format!("unsupported ECMAScript: {what}")).with_help(unsupported_help()),
        );
        Expr::Undefined
    }

    fn genesys(&self) -> bool {
        self.chart.dialect == crate::model::Dialect::Genesys
    }

    /// `_data.name` in the Genesys dialect: the datamodel variable itself.
    fn data_member(&mut self, m: &js::MemberExpr) -> Option<Expr> {
        if !self.genesys() {
            return None;
        }
        let (js::Expr::Ident(obj), js::MemberProp::Ident(prop)) = (&*m.obj, &m.prop) else { return None };
        if obj.sym != "_data" {
            return None;
        }
        Some(match self.vars.iter().position(|v| v.name == *prop.sym) {
            Some(v) => Expr::Var(v),
            None => {
                let span = self.span_of(m.span);
                self.diags.push(
                    Diagnostic::warning(
                        "W0200",
                        span,
                        format!("'_data.{}' is not declared in the datamodel", prop.sym),
                    )
                    .with_help("declare it with <data ID=\"...\"/>; reading it raises error.execution"),
                );
                Expr::Unbound(format!("_data.{}", prop.sym))
            }
        })
    }

    fn null_datamodel(&self) -> bool {
        self.chart.datamodel == Datamodel::Null
    }

    fn ident(&mut self, name: &str, span: swc_common::Span) -> Expr {
        match self.binding(name) {
            Some(Binding::Local(l)) => return Expr::Local(l),
            Some(Binding::Var(v)) => return Expr::Var(v),
            Some(Binding::Function(f)) => return Expr::Function(f),
            Some(Binding::Captured) => {
                let scope = self.scopes.last_mut();
                if scope.as_ref().is_some_and(|s| s.captured.iter().any(|c| c == name)) {
                    return Expr::Undefined;
                }
                if let Some(scope) = scope {
                    scope.captured.push(name.to_string());
                }
                let span = self.span_of(span);
                self.diags.push(
                    Diagnostic::error(
                        "E0200",
                        span,
                        format!("unsupported ECMAScript: a nested function using '{name}' of the function around it"),
                    )
                    .with_help("closures are not supported: pass the value as an argument"),
                );
                return Expr::Undefined;
            }
            None => {}
        }
        match name {
            "_event" => Expr::System(SystemVar::Event),
            "_sessionid" => Expr::System(SystemVar::SessionId),
            "_name" => Expr::System(SystemVar::Name),
            "_ioprocessors" => Expr::System(SystemVar::IoProcessors),
            "_genesys" if self.genesys() => Expr::System(SystemVar::Genesys),
            "_data" if self.genesys() => {
                let span = self.span_of(span);
                self.diags.push(
                    Diagnostic::error("E0204", span, "`_data` is only supported as `_data.<name>`")
                        .with_help("name the variable: `_data.ixnid`"),
                );
                Expr::Undefined
            }
            "undefined" => Expr::Undefined,
            "NaN" => Expr::Number(f64::NAN),
            "Infinity" => Expr::Number(f64::INFINITY),
            _ => {
                let span = self.span_of(span);
                self.diags.push(
                    Diagnostic::warning("W0200", span, format!("'{name}' is not declared in the datamodel"))
                        .with_help("declare it with <data id=\"...\"/>; reading it raises error.execution"),
                );
                Expr::Unbound(name.to_string())
            }
        }
    }

    fn place(&mut self, e: &js::Expr) -> Place {
        match e {
            js::Expr::Paren(p) => self.place(&p.expr),
            js::Expr::Ident(id) => match self.ident(&id.sym, id.span) {
                Expr::Var(v) => Place::Var(v),
                Expr::Local(l) => Place::Local(l),
                Expr::System(s) => Place::ReadOnly(s),
                Expr::Unbound(n) => Place::Unbound(n),
                _ => Place::Invalid(format!("cannot assign to '{}'", id.sym)),
            },
            js::Expr::Member(m) => {
                match self.data_member(m) {
                    Some(Expr::Var(v)) => return Place::Var(v),
                    Some(Expr::Unbound(n)) => return Place::Unbound(n),
                    _ => {}
                }
                let object = self.expr(&m.obj);
                match &m.prop {
                    js::MemberProp::Ident(name) => Place::Member(object, name.sym.to_string()),
                    js::MemberProp::Computed(c) => Place::Index(object, self.expr(&c.expr)),
                    js::MemberProp::PrivateName(p) => {
                        self.unsupported(p.span, "private names");
                        Place::Invalid("private name".into())
                    }
                }
            }
            other => {
                let span = self.span_of(other.span());
                self.diags.push(
                    Diagnostic::warning("W0202", span, "this is not an assignable location")
                        .with_help("a location is a variable or a member of one, like `x`, `x.y` or `x[0]`"),
                );
                Place::Invalid("not an assignable location".into())
            }
        }
    }

    fn exprs(&mut self, args: &[js::ExprOrSpread]) -> Vec<Expr> {
        args.iter()
            .map(|a| if let Some(s) = a.spread { self.unsupported(s, "spread arguments") } else { self.expr(&a.expr) })
            .collect()
    }

    fn expr(&mut self, e: &js::Expr) -> Expr {
        match e {
            js::Expr::Paren(p) => self.expr(&p.expr),
            js::Expr::Lit(lit) => match lit {
                js::Lit::Str(s) => Expr::String(s.value.to_string_lossy().into_owned()),
                js::Lit::Bool(b) => Expr::Bool(b.value),
                js::Lit::Null(_) => Expr::Null,
                js::Lit::Num(n) => Expr::Number(n.value),
                js::Lit::BigInt(b) => self.unsupported(b.span, "BigInt literals"),
                js::Lit::Regex(r) => self.unsupported(r.span, "regular expressions"),
                other => self.unsupported(other.span(), "this literal"),
            },
            js::Expr::Ident(id) => self.ident(&id.sym, id.span),
            js::Expr::Array(a) => Expr::Array(
                a.elems
                    .iter()
                    .map(|el| match el {
                        None => Expr::Undefined,
                        Some(js::ExprOrSpread { spread: Some(s), .. }) => self.unsupported(*s, "spread elements"),
                        Some(el) => self.expr(&el.expr),
                    })
                    .collect(),
            ),
            js::Expr::Object(o) => {
                let mut props = Vec::new();
                for p in &o.props {
                    match p {
                        js::PropOrSpread::Prop(p) => match &**p {
                            js::Prop::KeyValue(kv) => {
                                let key = match &kv.key {
                                    js::PropName::Ident(i) => i.sym.to_string(),
                                    js::PropName::Str(s) => s.value.to_string_lossy().into_owned(),
                                    js::PropName::Num(n) => runtime_number(n.value),
                                    other => {
                                        self.unsupported(other.span(), "computed property names");
                                        continue;
                                    }
                                };
                                let value = self.expr(&kv.value);
                                props.push((key, value));
                            }
                            js::Prop::Shorthand(id) => {
                                let value = self.ident(&id.sym, id.span);
                                props.push((id.sym.to_string(), value));
                            }
                            other => {
                                self.unsupported(other.span(), "methods and accessors in object literals");
                            }
                        },
                        js::PropOrSpread::Spread(s) => {
                            self.unsupported(s.dot3_token, "object spread");
                        }
                    }
                }
                Expr::Object(props)
            }
            js::Expr::Member(m) => {
                if let Some(e) = self.data_member(m) {
                    return e;
                }
                // Namespaced builtins (`Math.PI`) read as constants.
                if let (js::Expr::Ident(obj), js::MemberProp::Ident(prop)) = (&*m.obj, &m.prop) {
                    if obj.sym == "Math" && !self.is_bound("Math") {
                        match &*prop.sym {
                            "PI" => return Expr::Number(std::f64::consts::PI),
                            "E" => return Expr::Number(std::f64::consts::E),
                            _ => {}
                        }
                    }
                }
                let object = self.expr(&m.obj);
                match &m.prop {
                    js::MemberProp::Ident(name) => Expr::Member(Box::new(object), name.sym.to_string()),
                    js::MemberProp::Computed(c) => Expr::Index(Box::new(object), Box::new(self.expr(&c.expr))),
                    js::MemberProp::PrivateName(p) => self.unsupported(p.span, "private names"),
                }
            }
            js::Expr::Unary(u) => {
                let op = match u.op {
                    js::UnaryOp::Minus => UnOp::Neg,
                    js::UnaryOp::Plus => UnOp::Plus,
                    js::UnaryOp::Bang => UnOp::Not,
                    js::UnaryOp::Tilde => UnOp::BitNot,
                    js::UnaryOp::TypeOf => {
                        // `typeof x` of an undeclared x is "undefined", not an error.
                        if let js::Expr::Ident(id) = &*u.arg {
                            if !self.is_bound(&id.sym)
                                && !matches!(&*id.sym, "_event" | "_sessionid" | "_name" | "_ioprocessors")
                            {
                                return Expr::String("undefined".into());
                            }
                        }
                        UnOp::TypeOf
                    }
                    js::UnaryOp::Void => UnOp::Void,
                    js::UnaryOp::Delete => return Expr::Delete(Box::new(self.place(&u.arg))),
                };
                Expr::Unary(op, Box::new(self.expr(&u.arg)))
            }
            js::Expr::Update(u) => {
                let delta = if u.op == js::UpdateOp::PlusPlus { 1.0 } else { -1.0 };
                Expr::Update(Box::new(self.place(&u.arg)), delta, u.prefix)
            }
            js::Expr::Bin(b) => {
                use js::BinaryOp as B;
                let logic = match b.op {
                    B::LogicalAnd => Some(Logic::And),
                    B::LogicalOr => Some(Logic::Or),
                    B::NullishCoalescing => Some(Logic::Nullish),
                    _ => None,
                };
                let left = self.expr(&b.left);
                let right = self.expr(&b.right);
                if let Some(l) = logic {
                    return Expr::Logical(l, Box::new(left), Box::new(right));
                }
                let op = match b.op {
                    B::Add => BinOp::Add,
                    B::Sub => BinOp::Sub,
                    B::Mul => BinOp::Mul,
                    B::Div => BinOp::Div,
                    B::Mod => BinOp::Rem,
                    B::EqEq => BinOp::Eq,
                    B::NotEq => BinOp::Ne,
                    B::EqEqEq => BinOp::StrictEq,
                    B::NotEqEq => BinOp::StrictNe,
                    B::Lt => BinOp::Lt,
                    B::LtEq => BinOp::Le,
                    B::Gt => BinOp::Gt,
                    B::GtEq => BinOp::Ge,
                    B::BitAnd => BinOp::BitAnd,
                    B::BitOr => BinOp::BitOr,
                    B::BitXor => BinOp::BitXor,
                    B::LShift => BinOp::Shl,
                    B::RShift => BinOp::Shr,
                    B::ZeroFillRShift => BinOp::UShr,
                    B::In => BinOp::In,
                    B::InstanceOf => {
                        let class = match &*b.right {
                            js::Expr::Ident(c) if !self.is_bound(&c.sym) => match &*c.sym {
                                "Array" => Some("Array"),
                                "Object" => Some("Object"),
                                "Function" => Some("Function"),
                                _ => None,
                            },
                            _ => None,
                        };
                        return match class {
                            Some(class) => Expr::InstanceOf(Box::new(left), class),
                            None => self.unsupported(b.right.span(), "instanceof other than Array, Object or Function"),
                        };
                    }
                    B::Exp => return self.unsupported(b.span, "the ** operator"),
                    B::LogicalAnd | B::LogicalOr | B::NullishCoalescing => return Expr::Undefined,
                };
                Expr::Binary(op, Box::new(left), Box::new(right))
            }
            js::Expr::Cond(c) => Expr::Conditional(
                Box::new(self.expr(&c.test)),
                Box::new(self.expr(&c.cons)),
                Box::new(self.expr(&c.alt)),
            ),
            js::Expr::Assign(a) => {
                use js::AssignOp as A;
                let op = match a.op {
                    A::Assign => None,
                    A::AddAssign => Some(BinOp::Add),
                    A::SubAssign => Some(BinOp::Sub),
                    A::MulAssign => Some(BinOp::Mul),
                    A::DivAssign => Some(BinOp::Div),
                    A::ModAssign => Some(BinOp::Rem),
                    A::BitAndAssign => Some(BinOp::BitAnd),
                    A::BitOrAssign => Some(BinOp::BitOr),
                    A::BitXorAssign => Some(BinOp::BitXor),
                    A::LShiftAssign => Some(BinOp::Shl),
                    A::RShiftAssign => Some(BinOp::Shr),
                    A::ZeroFillRShiftAssign => Some(BinOp::UShr),
                    _ => return self.unsupported(a.span, "this assignment operator"),
                };
                let place = match &a.left {
                    js::AssignTarget::Simple(js::SimpleAssignTarget::Ident(id)) => {
                        self.place(&js::Expr::Ident(id.id.clone()))
                    }
                    js::AssignTarget::Simple(js::SimpleAssignTarget::Member(m)) => {
                        self.place(&js::Expr::Member(m.clone()))
                    }
                    js::AssignTarget::Simple(js::SimpleAssignTarget::Paren(p)) => self.place(&p.expr),
                    other => {
                        self.unsupported(other.span(), "destructuring assignment");
                        Place::Invalid("destructuring".into())
                    }
                };
                Expr::Assign(Box::new(place), op, Box::new(self.expr(&a.right)))
            }
            js::Expr::Call(c) => self.call(c),
            js::Expr::Seq(s) => Expr::Sequence(s.exprs.iter().map(|e| self.expr(e)).collect()),
            js::Expr::Fn(f) => Expr::Function(self.function_expr(f)),
            js::Expr::Arrow(a) => Expr::Function(self.arrow(a)),
            js::Expr::New(n) => self.new_builtin(n).unwrap_or_else(|| self.unsupported(n.span, "`new`")),
            js::Expr::This(t) => self.unsupported(t.span, "`this`"),
            js::Expr::Tpl(t) => self.template(t),
            js::Expr::OptChain(o) => self.unsupported(o.span, "optional chaining"),
            other => self.unsupported(other.span(), "this kind of expression"),
        }
    }

    /// `` `a${x}b` ``: `'a' + x + 'b'`, a string from its first part on.
    fn template(&mut self, t: &js::Tpl) -> Expr {
        let part = |q: &js::TplElement| match &q.cooked {
            Some(text) => Expr::String(text.to_string_lossy().into_owned()),
            // An invalid escape, allowed only in tagged templates.
            None => Expr::Invalid("invalid escape in a template literal".into()),
        };
        let mut quasis = t.quasis.iter();
        let mut out = quasis.next().map_or(Expr::String(String::new()), part);
        for (e, q) in t.exprs.iter().zip(quasis) {
            let e = self.expr(e);
            out = Expr::Binary(BinOp::Add, Box::new(out), Box::new(e));
            out = Expr::Binary(BinOp::Add, Box::new(out), Box::new(part(q)));
        }
        out
    }

    /// `new Error(message)` (or `TypeError`, `RangeError`...): an object
    /// with the error's `name` and `message`, for `throw`; `new Array(...)`
    /// and `new Object(...)`.
    fn new_builtin(&mut self, n: &js::NewExpr) -> Option<Expr> {
        const ERRORS: &[&str] = &["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError"];
        let js::Expr::Ident(id) = &*n.callee else { return None };
        if self.is_bound(&id.sym) {
            return None;
        }
        let args = n.args.as_deref().unwrap_or_default();
        // `new Array(...)` and `new Object()` are the functions called.
        if let Some(global) = scxmlc_builtin(&id.sym).filter(|g| matches!(*g, "Array" | "Object")) {
            return Some(match args {
                [] if *global == *"Array" => Expr::Array(Vec::new()),
                [] => Expr::Object(Vec::new()),
                _ => Expr::CallGlobal(global, self.exprs(args)),
            });
        }
        if !ERRORS.contains(&&*id.sym) {
            return None;
        }
        let message = match args {
            [] => Expr::String(String::new()),
            [first, ..] => Expr::CallGlobal("String", vec![self.expr(&first.expr)]),
        };
        Some(Expr::Object(vec![("name".into(), Expr::String(id.sym.to_string())), ("message".into(), message)]))
    }

    fn call(&mut self, c: &js::CallExpr) -> Expr {
        let js::Callee::Expr(callee) = &c.callee else {
            return self.unsupported(c.span, "`super` and `import` calls");
        };
        match &**callee {
            js::Expr::Ident(id) if &*id.sym == "In" => {
                let [arg] = c.args.as_slice() else {
                    return self.unsupported(c.span, "In() takes one state id");
                };
                let state_id = match &*arg.expr {
                    js::Expr::Lit(js::Lit::Str(s)) => Some(s.value.to_string_lossy().into_owned()),
                    // The null datamodel writes the id bare: In(s1).
                    js::Expr::Ident(i) if self.null_datamodel() || !self.is_bound(&i.sym) => Some(i.sym.to_string()),
                    _ => None,
                };
                match state_id {
                    Some(id) => match self.chart.states.iter().position(|s| s.id == id && !s.generated_id) {
                        Some(i) => Expr::InState(i as u16),
                        None => {
                            let span = self.span_of(arg.expr.span());
                            self.diags.error("E0203", span, format!("In(): no state has the id '{id}'"));
                            Expr::Bool(false)
                        }
                    },
                    None => Expr::InDynamic(Box::new(self.expr(&arg.expr))),
                }
            }
            js::Expr::Ident(id) if self.is_bound(&id.sym) => {
                let callee = self.ident(&id.sym, id.span);
                let args = self.exprs(&c.args);
                match callee {
                    Expr::Function(f) => Expr::CallFunction(f, args),
                    other => Expr::CallValue(Box::new(other), args),
                }
            }
            js::Expr::Fn(f) => {
                let f = self.function_expr(f);
                Expr::CallFunction(f, self.exprs(&c.args))
            }
            js::Expr::Paren(p) if matches!(&*p.expr, js::Expr::Fn(_) | js::Expr::Arrow(_)) => {
                let f = match &*p.expr {
                    js::Expr::Fn(f) => self.function_expr(f),
                    js::Expr::Arrow(a) => self.arrow(a),
                    _ => return Expr::Undefined,
                };
                Expr::CallFunction(f, self.exprs(&c.args))
            }
            js::Expr::Ident(id) => {
                let name = &*id.sym;
                match scxmlc_builtin(name) {
                    Some(global) => {
                        let args = self.exprs(&c.args);
                        Expr::CallGlobal(global, args)
                    }
                    None => self.unsupported(id.span, &format!("calling '{name}' (not a known builtin)")),
                }
            }
            js::Expr::Member(m) => {
                let js::MemberProp::Ident(method) = &m.prop else {
                    return self.unsupported(m.span, "computed method calls");
                };
                if let js::Expr::Ident(ns) = &*m.obj {
                    if !self.is_bound(&ns.sym) {
                        let full = format!("{}.{}", ns.sym, method.sym);
                        if let Some(global) = scxmlc_builtin(&full) {
                            let args = self.exprs(&c.args);
                            return Expr::CallGlobal(global, args);
                        }
                        if matches!(&*ns.sym, "Math" | "JSON" | "Object" | "Array" | "Date" | "String" | "Number") {
                            return self.unsupported(m.span, &format!("'{full}' (not a supported builtin)"));
                        }
                    }
                }
                let name = method.sym.to_string();
                // The receiver first: its own problems (a regex literal) say more.
                let receiver = self.expr(&m.obj);
                let known = [scxmlc_runtime::ops::METHODS, scxmlc_runtime::ops::CALLBACK_METHODS];
                if !known.iter().any(|names| names.contains(&name.as_str())) {
                    // A module function of the platform's object model
                    // (`_genesys.statistic.sData(...)`): whatever the
                    // platform put there, called; nothing there raises
                    // error.execution, as on the platform.
                    if self.genesys() && is_genesys_path(&receiver) {
                        let args = self.exprs(&c.args);
                        return Expr::CallValue(Box::new(Expr::Member(Box::new(receiver), name)), args);
                    }
                    let span = self.span_of(method.span);
                    self.diags.push(
                        Diagnostic::error("E0200", span, format!("unsupported ECMAScript: the method '{name}'"))
                            .with_help(format!(
                                "scxmlc knows the common string, array and number methods; if '{name}' is a \
                                 function the chart keeps in an object, read it first: `var f = o.{name}; f(...)`"
                            )),
                    );
                    return Expr::Undefined;
                }
                let args = self.exprs(&c.args);
                Expr::CallMethod(Box::new(receiver), name, args)
            }
            other => {
                let callee = self.expr(other);
                Expr::CallValue(Box::new(callee), self.exprs(&c.args))
            }
        }
    }

    fn function_expr(&mut self, f: &js::FnExpr) -> FnId {
        if f.function.is_generator || f.function.is_async {
            self.unsupported(f.function.span, "generators and async functions");
        }
        let name = f.ident.as_ref().map(|i| i.sym.to_string());
        self.function(name.as_deref(), &f.function.params, FnBody::Block(f.function.body.as_ref()), &f.function, None)
    }

    fn arrow(&mut self, a: &js::ArrowExpr) -> FnId {
        if a.is_generator || a.is_async {
            self.unsupported(a.span, "generators and async functions");
        }
        let params: Vec<&js::Pat> = a.params.iter().collect();
        let body = match &*a.body {
            js::ArrowFunctionBody::FunctionBody(b) => FnBody::Block(Some(b)),
            js::ArrowFunctionBody::Expr(e) => FnBody::Expr(e),
        };
        self.function_of(None, &params, body, a.span, None)
    }
}

/// `_genesys` or a property path below it.
fn is_genesys_path(e: &Expr) -> bool {
    match e {
        Expr::System(SystemVar::Genesys) => true,
        Expr::Member(o, _) | Expr::Index(o, _) => is_genesys_path(o),
        _ => false,
    }
}

/// A global function the runtime implements, by name.
fn scxmlc_builtin(name: &str) -> Option<&'static str> {
    scxmlc_runtime::ops::GLOBAL_FUNCTIONS.iter().copied().find(|g| *g == name)
}

/// How JavaScript prints a number used as a property key.
fn runtime_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
