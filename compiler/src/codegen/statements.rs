//! Statements → Rust: loops with labels where jumps use them, `switch`
//! as a choice and fall-through, `try` as closures whose jumps out come
//! back as a `Flow`.
use super::{number, Codegen};
use crate::script::{BinOp, Exit, Expr, Iterate, Jumps, Loop, Place, Stmt, Switch, Try};
use proc_macro2::{Literal, Span as PmSpan, TokenStream};
use quote::{format_ident, quote};

impl Codegen<'_> {
    pub(super) fn stmts(&self, stmts: &[Stmt]) -> TokenStream {
        let items = stmts.iter().map(|s| match s {
            Stmt::Expr(Expr::Assign(place, None, value)) => self.assignment(place, Some(value)),
            // `i++` as a statement (a loop's update): its old value unused.
            // A number slot takes `i + 1`, with the assignment's fast paths.
            Stmt::Expr(update @ Expr::Update(place, delta, _)) => match **place {
                Place::Var(v) if self.numeric[v] => {
                    let sum = Expr::Binary(BinOp::Add, Box::new(Expr::Var(v)), Box::new(Expr::Number(*delta)));
                    self.assignment(place, Some(&sum))
                }
                Place::Var(_) | Place::Local(_) => {
                    let rt = &self.rt;
                    let (value, delta) = (self.read_place(place), number(*delta));
                    self.store(place, quote!(#rt::Value::number((#value).to_number() + #delta)))
                }
                _ => {
                    let e = self.expr(update);
                    quote!(let _ = #e;)
                }
            },
            Stmt::Expr(e) => {
                let e = self.expr(e);
                quote!(let _ = #e;)
            }
            Stmt::If(c, a, b) => {
                let c = self.condition(c);
                let a = self.stmts(a);
                if b.is_empty() {
                    quote!(if #c { #a })
                } else {
                    let b = self.stmts(b);
                    quote!(if #c { #a } else { #b })
                }
            }
            Stmt::Return(e) => {
                let e = self.expr(e);
                self.return_value(e)
            }
            Stmt::Throw(e) => {
                let (rt, e) = (&self.rt, self.expr(e));
                quote!(return Err(#rt::control::throw(#e));)
            }
            Stmt::Try(t) => self.try_stmt(t),
            Stmt::Loop(l) => self.test_loop(l),
            Stmt::Iterate(i) => self.iterate(i),
            Stmt::Switch(sw) => self.switch(sw),
            Stmt::Labeled(l) => {
                let exit = exit_label(l.depth, l.jumps);
                let body = self.stmts(&l.body);
                quote!(#exit { #body })
            }
            Stmt::Break(depth) => self.jump(*depth, false),
            Stmt::Continue(depth) => self.jump(*depth, true),
        });
        quote!(#(#items)*)
    }

    /// `return value`, from the function or from a `try`'s closure in it.
    fn return_value(&self, value: TokenStream) -> TokenStream {
        let rt = &self.rt;
        match self.try_depth.get() {
            Some(_) => quote!(return Ok(#rt::control::Flow::Return(#value));),
            None => quote!(return Ok(#value);),
        }
    }

    /// `break` (`continuing`: `continue`) to the statement at `depth`.
    fn jump(&self, depth: usize, continuing: bool) -> TokenStream {
        let rt = &self.rt;
        let leaves_try = self.try_depth.get().is_some_and(|t| depth < t);
        match (leaves_try, continuing) {
            (true, false) => {
                let depth = Literal::u32_unsuffixed(depth as u32);
                quote!(return Ok(#rt::control::Flow::Break(#depth));)
            }
            (true, true) => {
                let depth = Literal::u32_unsuffixed(depth as u32);
                quote!(return Ok(#rt::control::Flow::Continue(#depth));)
            }
            (false, false) => {
                let exit = jump_label("exit", depth);
                quote!(break #exit;)
            }
            (false, true) => {
                let next = jump_label("next", depth);
                quote!(break #next;)
            }
        }
    }

    /// The body and the `catch` of a `try` run as closures, so that an
    /// error `?` raises in them ends the closure, not the function; the
    /// `finally` statements run after both, and then the jump the body or
    /// `catch` made, or the error neither caught.
    fn try_stmt(&self, t: &Try) -> TokenStream {
        let rt = &self.rt;
        let flow = format_ident!("try{}_flow", t.depth);
        let result = quote!(Result<#rt::control::Flow, #rt::ExecError>);
        let outer = self.try_depth.replace(Some(t.depth));
        let body = self.stmts(&t.body);
        let catch = t.catch.as_ref().map(|c| {
            let bind = c.param.map(|p| {
                let p = self.local(p);
                quote!(let mut #p = #rt::control::caught(error);)
            });
            let body = self.stmts(&c.body);
            quote! {
                let #flow = match #flow {
                    Err(error) => (|| -> #result {
                        #bind
                        #body
                        Ok(#rt::control::Flow::Normal)
                    })(),
                    flow => flow,
                };
            }
        });
        self.try_depth.set(outer);
        let finally = self.stmts(&t.finally);
        let then = if t.exits.is_empty() {
            quote!(#flow?;)
        } else {
            let arms = t.exits.iter().map(|exit| match exit {
                Exit::Return => {
                    let ret = self.return_value(quote!(value));
                    quote!(#rt::control::Flow::Return(value) => { #ret })
                }
                Exit::Break(d) => {
                    let jump = self.jump(*d, false);
                    let d = Literal::u32_unsuffixed(*d as u32);
                    quote!(#rt::control::Flow::Break(#d) => { #jump })
                }
                Exit::Continue(d) => {
                    let jump = self.jump(*d, true);
                    let d = Literal::u32_unsuffixed(*d as u32);
                    quote!(#rt::control::Flow::Continue(#d) => { #jump })
                }
            });
            quote! {
                match #flow? {
                    #(#arms)*
                    _ => {}
                }
            }
        };
        quote!({
            let #flow = (|| -> #result {
                #body
                Ok(#rt::control::Flow::Normal)
            })();
            #catch
            #finally
            #then
        })
    }

    /// A loop's body, in a block a `continue` leaves when it has one.
    fn loop_body(&self, depth: usize, body: &[Stmt], jumps: Jumps) -> TokenStream {
        let body = self.stmts(body);
        if jumps.continued {
            let next = jump_label("next", depth);
            quote!(#next: { #body })
        } else {
            body
        }
    }

    /// `while`, `do ... while` and `for (;;)`, each iteration counted
    /// against [`scxmlc_runtime::control::LoopGuard`].
    fn test_loop(&self, l: &Loop) -> TokenStream {
        let rt = &self.rt;
        let exit = jump_label("exit", l.depth);
        let guard = format_ident!("loop{}_guard", l.depth);
        let test = l.test.as_ref().filter(|t| !matches!(t, Expr::Bool(true)));
        // The test leaves the loop by its label too.
        let label = exit_label(l.depth, Jumps { broken: l.jumps.broken || test.is_some(), ..l.jumps });
        let test = test.map(|t| {
            let c = self.condition(t);
            quote!(if !(#c) { break #exit; })
        });
        let (before, after) = if l.test_first { (test, None) } else { (None, test) };
        let body = self.loop_body(l.depth, &l.body, l.jumps);
        let update = l.update.as_ref().map(|u| self.stmts(std::slice::from_ref(&Stmt::Expr(u.clone()))));
        quote!({
            let mut #guard = #rt::control::LoopGuard::new();
            #label loop {
                #before
                #guard.step()?;
                #body
                #after
                #update
            }
        })
    }

    /// `for (k in o)` over [`scxmlc_runtime::control::Keys`], `for (x of a)`
    /// over [`scxmlc_runtime::control::Items`].
    fn iterate(&self, i: &Iterate) -> TokenStream {
        let rt = &self.rt;
        let exit = exit_label(i.depth, i.jumps);
        let guard = format_ident!("loop{}_guard", i.depth);
        let item = format_ident!("loop{}_item", i.depth);
        let object = self.expr(&i.object);
        let start =
            if i.keys { quote!(#rt::control::Keys::of(&#object)) } else { quote!(#rt::control::Items::of(&#object)?) };
        let store = self.store(&i.target, quote!(#item));
        let body = self.loop_body(i.depth, &i.body, i.jumps);
        quote!({
            let mut #guard = #rt::control::LoopGuard::new();
            #exit for #item in #start {
                #guard.step()?;
                #store
                #body
            }
        })
    }

    /// Runs the clauses from the first whose test is strictly equal to the
    /// discriminant (else from `default`), falling through to the end or
    /// to a `break`.
    fn switch(&self, sw: &Switch) -> TokenStream {
        let rt = &self.rt;
        let exit = exit_label(sw.depth, sw.jumps);
        let value = format_ident!("switch{}_value", sw.depth);
        let from = format_ident!("switch{}_from", sw.depth);
        let discriminant = self.expr(&sw.discriminant);
        let fallback = sw.cases.iter().position(|(test, _)| test.is_none()).unwrap_or(sw.cases.len());
        let fallback = Literal::usize_unsuffixed(fallback);
        // Tests in source order, the first that matches decides.
        let choice =
            sw.cases.iter().enumerate().rev().fold(quote!(#fallback), |otherwise, (i, (test, _))| match test {
                Some(test) => {
                    let test = self.expr(test);
                    let i = Literal::usize_unsuffixed(i);
                    quote!(if #rt::ops::strict_eq(&#value, &#test) { #i } else { #otherwise })
                }
                None => otherwise,
            });
        let clauses = sw.cases.iter().enumerate().filter(|(_, (_, body))| !body.is_empty()).map(|(i, (_, body))| {
            let body = self.stmts(body);
            let i = Literal::usize_unsuffixed(i);
            quote!(if #from <= #i { #body })
        });
        quote!(#exit {
            let #value = #discriminant;
            let #from: usize = #choice;
            #(#clauses)*
        })
    }
}

/// The label of a loop or `switch` (`exit`) or of a loop's body (`next`),
/// by how deep it is in its script or function.
fn jump_label(what: &str, depth: usize) -> syn::Lifetime {
    syn::Lifetime::new(&format!("'{what}{depth}"), PmSpan::call_site())
}

/// `'exitN:` before a statement a `break` leaves; nothing if none does.
fn exit_label(depth: usize, jumps: Jumps) -> Option<TokenStream> {
    jumps.broken.then(|| {
        let exit = jump_label("exit", depth);
        quote!(#exit:)
    })
}
