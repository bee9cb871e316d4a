//! Statements of a script or function body → [`Stmt`]s: blocks, `var`,
//! `if`, loops, `switch`, labels and their jumps, `throw` and `try`; and
//! which names a body declares (hoisting).
use super::{Catch, Exit, Expr, Iterate, Jumps, Labeled, LocalId, Loop, Lowerer, Place, Stmt, Switch, Target, Try};
use swc_common::Spanned;
use swc_ecma_ast as js;

pub(super) struct CatchParam {
    pub(super) name: String,
    /// How many functions enclose it: 0 in a top-level script.
    pub(super) depth: usize,
    pub(super) id: LocalId,
}

/// A statement `break` can leave.
pub(super) struct Breakable {
    labels: Vec<String>,
    kind: Breaks,
    jumps: Jumps,
}

/// What a [`Breakable`] is, for the jumps that may target it.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Breaks {
    /// A loop: the target of `break` and `continue`.
    Loop,
    /// A `switch`: the target of `break`.
    Switch,
    /// Another labeled statement: the target of `break label` only.
    Labeled,
}

impl Lowerer<'_, '_> {
    pub(super) fn stmts(&mut self, body: &[js::Stmt]) -> Vec<Stmt> {
        let mut out = Vec::new();
        for s in body {
            self.stmt(s, &mut out);
        }
        out
    }

    fn stmt(&mut self, s: &js::Stmt, out: &mut Vec<Stmt>) {
        // The labels of a loop or `switch` name it; those of any other
        // statement make a block `break label` leaves.
        let labels = std::mem::take(&mut self.labels);
        let names_itself = matches!(
            s,
            js::Stmt::While(_)
                | js::Stmt::DoWhile(_)
                | js::Stmt::For(_)
                | js::Stmt::ForIn(_)
                | js::Stmt::ForOf(_)
                | js::Stmt::Switch(_)
                | js::Stmt::Labeled(_)
        );
        if !labels.is_empty() && !names_itself {
            let (depth, jumps, body) = self.enclosing(labels, Breaks::Labeled, |cx| cx.body(s));
            out.push(Stmt::Labeled(Box::new(Labeled { depth, body, jumps })));
            return;
        }
        match s {
            js::Stmt::Expr(e) => out.push(Stmt::Expr(self.expr(&e.expr))),
            js::Stmt::Empty(_) => {}
            js::Stmt::Block(b) => {
                for s in &b.stmts {
                    self.stmt(s, out);
                }
            }
            js::Stmt::Decl(js::Decl::Var(v)) => self.var_decl(v, out),
            js::Stmt::If(i) => {
                let cond = self.expr(&i.test);
                let then = self.body(&i.cons);
                let otherwise = i.alt.as_ref().map_or_else(Vec::new, |alt| self.body(alt));
                out.push(Stmt::If(cond, then, otherwise));
            }
            // Hoisted: lowered with the chart's or the enclosing function's declarations.
            js::Stmt::Decl(js::Decl::Fn(f)) => {
                if f.function.is_generator || f.function.is_async {
                    self.unsupported(f.function.span, "generators and async functions");
                }
            }
            js::Stmt::Return(r) => {
                if self.scopes.is_empty() {
                    self.unsupported(r.span, "`return` outside a function");
                    return;
                }
                let value = r.arg.as_ref().map_or(Expr::Undefined, |e| self.expr(e));
                self.leave_tries(Exit::Return);
                out.push(Stmt::Return(value));
            }
            js::Stmt::Labeled(l) => {
                self.labels = labels;
                self.labels.push(l.label.sym.to_string());
                self.stmt(&l.body, out);
            }
            js::Stmt::While(w) => {
                let test = self.expr(&w.test);
                self.test_loop(labels, Some(test), true, &w.body, None, out);
            }
            js::Stmt::DoWhile(w) => {
                let test = self.expr(&w.test);
                self.test_loop(labels, Some(test), false, &w.body, None, out);
            }
            js::Stmt::For(f) => {
                match &f.init {
                    Some(js::VarDeclOrExpr::VarDecl(v)) => self.var_decl(v, out),
                    Some(js::VarDeclOrExpr::Expr(e)) => out.push(Stmt::Expr(self.expr(e))),
                    None => {}
                }
                let test = f.test.as_ref().map(|t| self.expr(t));
                let update = f.update.as_ref().map(|u| self.expr(u));
                self.test_loop(labels, test, true, &f.body, update, out);
            }
            js::Stmt::ForIn(f) => self.iterate(labels, true, &f.left, &f.right, &f.body, out),
            js::Stmt::ForOf(f) => {
                if f.is_await {
                    self.unsupported(f.span, "`for await`");
                }
                self.iterate(labels, false, &f.left, &f.right, &f.body, out);
            }
            js::Stmt::Switch(sw) => {
                let discriminant = self.expr(&sw.discriminant);
                let (depth, jumps, cases) = self.enclosing(labels, Breaks::Switch, |cx| {
                    sw.cases.iter().map(|c| (c.test.as_ref().map(|t| cx.expr(t)), cx.stmts(&c.cons))).collect()
                });
                out.push(Stmt::Switch(Box::new(Switch { depth, discriminant, cases, jumps })));
            }
            js::Stmt::Throw(t) => out.push(Stmt::Throw(self.expr(&t.arg))),
            js::Stmt::Try(t) => self.try_stmt(t, out),
            js::Stmt::Break(b) => {
                if let Some(target) = self.jump_target(b.label.as_ref(), false, b.span) {
                    out.push(Stmt::Break(target));
                }
            }
            js::Stmt::Continue(c) => {
                if let Some(target) = self.jump_target(c.label.as_ref(), true, c.span) {
                    out.push(Stmt::Continue(target));
                }
            }
            other => {
                self.unsupported(other.span(), "this statement");
            }
        }
    }

    /// One statement (a loop's or a branch's body) as a list.
    fn body(&mut self, s: &js::Stmt) -> Vec<Stmt> {
        let mut out = Vec::new();
        self.stmt(s, &mut out);
        out
    }

    fn var_decl(&mut self, v: &js::VarDecl, out: &mut Vec<Stmt>) {
        if v.kind != js::VarDeclKind::Var && self.scopes.is_empty() {
            // let/const at the top of a script are global for the session too.
            let span = self.span_of(v.span);
            self.diags.warning("W0203", span, "`let`/`const` in <script> are treated as session-global `var`");
        }
        for d in &v.decls {
            let js::Pat::Ident(id) = &d.name else {
                self.unsupported(d.span, "destructuring declarations");
                continue;
            };
            if let Some(init) = &d.init {
                let place = self.place(&js::Expr::Ident(id.id.clone()));
                let value = self.expr(init);
                out.push(Stmt::Expr(Expr::Assign(Box::new(place), None, Box::new(value))));
            }
        }
    }

    /// Lowers what `lower` makes of a loop's, `switch`'s or labeled
    /// statement's body with the statement as the innermost target of
    /// jumps: its depth, the jumps that reach it, and the body.
    fn enclosing<T>(
        &mut self,
        labels: Vec<String>,
        kind: Breaks,
        lower: impl FnOnce(&mut Self) -> T,
    ) -> (Target, Jumps, T) {
        let depth = self.breakables.len();
        self.breakables.push(Breakable { labels, kind, jumps: Jumps::default() });
        let lowered = lower(self);
        let jumps = self.breakables.pop().map(|b| b.jumps).unwrap_or_default();
        (depth, jumps, lowered)
    }

    fn test_loop(
        &mut self,
        labels: Vec<String>,
        test: Option<Expr>,
        test_first: bool,
        body: &js::Stmt,
        update: Option<Expr>,
        out: &mut Vec<Stmt>,
    ) {
        let (depth, jumps, body) = self.enclosing(labels, Breaks::Loop, |cx| cx.body(body));
        out.push(Stmt::Loop(Box::new(Loop { depth, test, test_first, body, update, jumps })));
    }

    fn iterate(
        &mut self,
        labels: Vec<String>,
        keys: bool,
        head: &js::ForHead,
        object: &js::Expr,
        body: &js::Stmt,
        out: &mut Vec<Stmt>,
    ) {
        let target = match head {
            js::ForHead::VarDecl(v) => match v.decls.as_slice() {
                [js::VarDeclarator { name: js::Pat::Ident(id), init: None, .. }] => {
                    self.var_decl(v, out);
                    self.place(&js::Expr::Ident(id.id.clone()))
                }
                _ => {
                    self.unsupported(v.span, "a loop head declaring anything but one plain variable");
                    Place::Invalid("unsupported loop head".into())
                }
            },
            js::ForHead::Pat(p) => match &**p {
                js::Pat::Ident(id) => self.place(&js::Expr::Ident(id.id.clone())),
                js::Pat::Expr(e) => self.place(e),
                other => {
                    self.unsupported(other.span(), "destructuring in a loop head");
                    Place::Invalid("unsupported loop head".into())
                }
            },
            js::ForHead::UsingDecl(u) => {
                self.unsupported(u.span, "`using` declarations");
                Place::Invalid("unsupported loop head".into())
            }
        };
        let object = self.expr(object);
        let (depth, jumps, body) = self.enclosing(labels, Breaks::Loop, |cx| cx.body(body));
        out.push(Stmt::Iterate(Box::new(Iterate { depth, keys, target, object, body, jumps })));
    }

    /// Notes `exit` as a jump out of each `try` it leaves.
    fn leave_tries(&mut self, exit: Exit) {
        for (depth, exits) in &mut self.tries {
            let leaves = match exit {
                Exit::Return => true,
                Exit::Break(target) | Exit::Continue(target) => target < *depth,
            };
            if leaves && !exits.contains(&exit) {
                exits.push(exit);
            }
        }
    }

    fn try_stmt(&mut self, t: &js::TryStmt, out: &mut Vec<Stmt>) {
        let depth = self.breakables.len();
        self.tries.push((depth, Vec::new()));
        let body = self.stmts(&t.block.stmts);
        let catch = t.handler.as_ref().map(|h| {
            let param = match &h.param {
                None => None,
                Some(js::Pat::Ident(id)) => Some(self.catch_param(&id.id.sym)),
                Some(other) => {
                    self.unsupported(other.span(), "destructuring in `catch`");
                    None
                }
            };
            let body = self.stmts(&h.body.stmts);
            if param.is_some() {
                self.catch_params.pop();
            }
            Catch { param, body }
        });
        let exits = self.tries.pop().map(|(_, exits)| exits).unwrap_or_default();
        // `finally` runs where the `try` is: its jumps are plain ones.
        let finally = t.finalizer.as_ref().map_or_else(Vec::new, |f| self.stmts(&f.stmts));
        out.push(Stmt::Try(Box::new(Try { depth, body, catch, finally, exits })));
    }

    /// A local for a `catch` parameter, in scope until its block ends.
    fn catch_param(&mut self, name: &str) -> LocalId {
        let id = match self.scopes.last_mut() {
            // Named so that no identifier finds it among the locals.
            Some(scope) => {
                scope.locals.push(format!("{name} (caught)"));
                scope.locals.len() - 1
            }
            None => {
                self.script_locals += 1;
                self.script_locals - 1
            }
        };
        self.catch_params.push(CatchParam { name: name.to_string(), depth: self.scopes.len(), id });
        id
    }

    /// The statement a `break` (`continuing`: a `continue`) leaves: the
    /// innermost loop (or `switch`, for `break`), or the one `label` names.
    fn jump_target(&mut self, label: Option<&js::Ident>, continuing: bool, span: swc_common::Span) -> Option<Target> {
        let found = self.breakables.iter().rposition(|b| match label {
            Some(l) => b.labels.iter().any(|n| *n == *l.sym),
            None => b.kind == Breaks::Loop || (b.kind == Breaks::Switch && !continuing),
        });
        let keyword = if continuing { "continue" } else { "break" };
        match found {
            Some(depth) if continuing && self.breakables[depth].kind != Breaks::Loop => {
                self.unsupported(span, "`continue` with the label of a statement that is not a loop");
                None
            }
            Some(depth) => {
                let jumps = &mut self.breakables[depth].jumps;
                if continuing {
                    jumps.continued = true;
                } else {
                    jumps.broken = true;
                }
                self.leave_tries(if continuing { Exit::Continue(depth) } else { Exit::Break(depth) });
                Some(depth)
            }
            None => {
                let what = match label {
                    Some(l) => format!("`{keyword} {}` outside a statement labeled so", l.sym),
                    None => format!("`{keyword}` outside a loop or `switch`"),
                };
                self.unsupported(span, &what);
                None
            }
        }
    }
}

/// Calls `f` on each statement of a script or function body that a
/// declaration is hoisted from: the top level and every statement nested
/// in it, but not the bodies of the functions it declares.
fn for_each_hoisted<'s>(stmts: &'s [js::Stmt], f: &mut impl FnMut(&'s js::Stmt)) {
    for s in stmts {
        f(s);
        let body: &[js::Stmt] = match s {
            js::Stmt::Block(b) => &b.stmts,
            js::Stmt::If(i) => {
                for_each_hoisted(std::slice::from_ref(&*i.cons), f);
                i.alt.as_deref().map_or(&[], std::slice::from_ref)
            }
            js::Stmt::While(w) => std::slice::from_ref(&*w.body),
            js::Stmt::DoWhile(w) => std::slice::from_ref(&*w.body),
            js::Stmt::For(l) => std::slice::from_ref(&*l.body),
            js::Stmt::ForIn(l) => std::slice::from_ref(&*l.body),
            js::Stmt::ForOf(l) => std::slice::from_ref(&*l.body),
            js::Stmt::Labeled(l) => std::slice::from_ref(&*l.body),
            js::Stmt::Switch(sw) => {
                sw.cases.iter().for_each(|c| for_each_hoisted(&c.cons, f));
                &[]
            }
            js::Stmt::Try(t) => {
                for_each_hoisted(&t.block.stmts, f);
                if let Some(h) = &t.handler {
                    for_each_hoisted(&h.body.stmts, f);
                }
                t.finalizer.as_ref().map_or(&[], |b| &b.stmts[..])
            }
            _ => &[],
        };
        for_each_hoisted(body, f);
    }
}

/// The names `var` (or `let`/`const`) declares in a body, loop heads
/// included.
pub(super) fn collect_var_names(stmts: &[js::Stmt], out: &mut Vec<String>) {
    let mut names = |v: &js::VarDecl| {
        out.extend(v.decls.iter().filter_map(|d| match &d.name {
            js::Pat::Ident(id) => Some(id.id.sym.to_string()),
            _ => None,
        }))
    };
    for_each_hoisted(stmts, &mut |s| match s {
        js::Stmt::Decl(js::Decl::Var(v)) => names(v),
        js::Stmt::For(js::ForStmt { init: Some(js::VarDeclOrExpr::VarDecl(v)), .. }) => names(v),
        js::Stmt::ForIn(js::ForInStmt { left: js::ForHead::VarDecl(v), .. })
        | js::Stmt::ForOf(js::ForOfStmt { left: js::ForHead::VarDecl(v), .. }) => names(v),
        _ => {}
    });
}

/// The function declarations of a body.
pub(super) fn collect_fn_decls<'s>(stmts: &'s [js::Stmt], out: &mut Vec<&'s js::FnDecl>) {
    for_each_hoisted(stmts, &mut |s| {
        if let js::Stmt::Decl(js::Decl::Fn(f)) = s {
            out.push(f);
        }
    });
}
