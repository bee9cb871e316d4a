//! What compiled ECMAScript statements need beyond Rust's own control
//! flow: a bound on loop iterations, the sequences `for ... in` and
//! `for ... of` walk, and how `throw` and `try` carry values and jumps.
use crate::ops::Result;
use crate::value::Counted;
use crate::{ErrorKind, ExecError, Shared, Str, Value};
use std::cell::RefCell;

/// How many times one run of a loop may go round before it raises a
/// `RangeError` (and so `error.execution`). JavaScript sets no bound, but a
/// strategy that loops forever would hold its thread, and every session
/// on it, for good.
pub const LOOP_LIMIT: u32 = 10_000_000;

/// Counts one run of a loop against [`LOOP_LIMIT`].
pub struct LoopGuard(u32);

impl Default for LoopGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl LoopGuard {
    #[inline]
    pub fn new() -> Self {
        LoopGuard(LOOP_LIMIT)
    }

    /// One more iteration: an error once the limit is spent.
    #[inline]
    pub fn step(&mut self) -> Result<()> {
        match self.0.checked_sub(1) {
            Some(left) => {
                self.0 = left;
                Ok(())
            }
            None => Err(ExecError::new(ErrorKind::Range, format!("a loop went round more than {LOOP_LIMIT} times"))),
        }
    }
}

/// The keys `for (k in value)` visits, as strings: an object's own keys
/// in the order they were added, an array's or a string's indices, and
/// none for anything else (`null` and `undefined` included, as in
/// JavaScript). They are listed when the loop starts; one deleted before
/// its turn is skipped, and one added during the loop is not visited.
pub struct Keys {
    of: Value,
    keys: std::vec::IntoIter<Str>,
    /// Indices of an array or a string: `0..len` as the loop started.
    indices: std::ops::Range<usize>,
}

impl Keys {
    pub fn of(value: &Value) -> Keys {
        let (keys, len) = match value {
            Value::Object(o) => (o.borrow().iter().map(|(k, _)| Str::from(k)).collect(), 0),
            Value::Array(a) => (Vec::new(), a.borrow().len()),
            Value::String(s) => (Vec::new(), s.encode_utf16().count()),
            _ => (Vec::new(), 0),
        };
        Keys { of: value.clone(), keys: keys.into_iter(), indices: 0..len }
    }
}

impl Iterator for Keys {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        if let Some(i) = self.indices.next() {
            // An array that lost items since: their indices are gone.
            if let Value::Array(a) = &self.of {
                if i >= a.borrow().len() {
                    self.indices = 0..0;
                    return None;
                }
            }
            return Some(Value::from(i.to_string()));
        }
        let Value::Object(o) = &self.of else { return None };
        self.keys.by_ref().find(|k| o.borrow().contains(k)).map(Value::String)
    }
}

/// The items `for (x of value)` visits: an array's items, read as the loop
/// reaches them (so items pushed during the loop are visited), or a
/// string's characters. Anything else is not iterable: a `TypeError`.
pub enum Items {
    Array(Counted<Shared<Vec<Value>>>, usize),
    Chars(std::vec::IntoIter<Value>),
}

impl Items {
    pub fn of(value: &Value) -> Result<Items> {
        match value {
            Value::Array(a) => Ok(Items::Array(a.clone(), 0)),
            Value::String(s) => Ok(Items::Chars(
                s.chars().map(|c| Value::from(c.encode_utf8(&mut [0; 4]) as &str)).collect::<Vec<_>>().into_iter(),
            )),
            other => Err(ExecError::type_error(format!("{} is not iterable", other.type_of()))),
        }
    }
}

impl Iterator for Items {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self {
            Items::Array(a, i) => {
                let item = a.borrow().get(*i).cloned()?;
                *i += 1;
                Some(item)
            }
            Items::Chars(chars) => chars.next(),
        }
    }
}

/// How the body of a `try` (or of its `catch`), compiled to a closure,
/// ended: normally, or by a jump to a statement outside it, which the code
/// after the closure takes.
pub enum Flow {
    Normal,
    Return(Value),
    /// Leaves the loop, `switch` or labeled statement at this depth.
    Break(u32),
    /// Goes on with the loop at this depth.
    Continue(u32),
}

thread_local! {
    /// The value of the `throw` being propagated as an [`ExecError`] of
    /// kind [`ErrorKind::Thrown`]: a throw and the `catch` that takes it
    /// run in one call on one thread.
    static THROWN: RefCell<Option<Value>> = const { RefCell::new(None) };
}

/// `throw value`: the error that carries it to a `catch`, or, uncaught,
/// into `error.execution` (whose data is `name: message` for an error
/// object, else the value as a string).
pub fn throw(value: Value) -> ExecError {
    let message = match (member(&value, "name"), member(&value, "message")) {
        (name, Some(message)) => format!("{}: {message}", name.as_deref().unwrap_or("Error")),
        _ => value.to_js_string(),
    };
    THROWN.with(|t| *t.borrow_mut() = Some(value));
    ExecError::new(ErrorKind::Thrown, message)
}

fn member(value: &Value, key: &str) -> Option<String> {
    match value {
        Value::Object(o) => o.borrow().get(key).filter(|v| !v.is_undefined()).map(Value::to_js_string),
        _ => None,
    }
}

/// What `catch (e)` binds: the thrown value, or for an error of the
/// runtime (a `TypeError`...) an object with its `name` and `message`.
pub fn caught(error: ExecError) -> Value {
    if error.kind == ErrorKind::Thrown {
        if let Some(value) = THROWN.with(|t| t.borrow_mut().take()) {
            return value;
        }
    }
    Value::object_from([("name", Value::from(error.kind.js_name())), ("message", Value::from(error.message))])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(next: impl FnMut() -> Option<Value>) -> Vec<String> {
        std::iter::from_fn(next).map(|v| v.to_js_string()).collect()
    }

    #[test]
    fn keys_are_listed_at_the_start_and_skip_deleted_ones() {
        let object = Value::object_from([("a", Value::from(1.0)), ("b", Value::from(2.0)), ("c", Value::from(3.0))]);
        let mut keys = Keys::of(&object);
        assert_eq!(keys.next().map(|k| k.to_js_string()).as_deref(), Some("a"));
        let Value::Object(o) = &object else { unreachable!() };
        o.borrow_mut().remove("b");
        o.borrow_mut().set("d", Value::Null);
        assert_eq!(strings(|| keys.next()), ["c"]);

        let array = Value::array(vec![Value::Null, Value::Null, Value::Null]);
        let mut keys = Keys::of(&array);
        assert_eq!(keys.next().map(|k| k.to_js_string()).as_deref(), Some("0"));
        let Value::Array(a) = &array else { unreachable!() };
        a.borrow_mut().truncate(1);
        assert!(keys.next().is_none());

        assert_eq!(
            strings({
                let mut k = Keys::of(&Value::from("hé"));
                move || k.next()
            }),
            ["0", "1"]
        );
        assert!(Keys::of(&Value::Undefined).next().is_none());
        assert!(Keys::of(&Value::Null).next().is_none());
        assert!(Keys::of(&Value::from(4.0)).next().is_none());
    }

    #[test]
    fn items_of_an_array_are_read_as_the_loop_reaches_them() {
        let array = Value::array(vec![Value::from(1.0)]);
        let Ok(mut items) = Items::of(&array) else { unreachable!("an array is iterable") };
        assert_eq!(items.next().map(|v| v.to_number()), Some(1.0));
        let Value::Array(a) = &array else { unreachable!() };
        a.borrow_mut().push(Value::from(2.0));
        assert_eq!(items.next().map(|v| v.to_number()), Some(2.0));
        assert!(items.next().is_none());

        let Ok(mut chars) = Items::of(&Value::from("a€")) else { unreachable!("a string is iterable") };
        assert_eq!(strings(|| chars.next()), ["a", "€"]);
        for not_iterable in [Value::Undefined, Value::Null, Value::from(1.0), Value::object()] {
            assert_eq!(Items::of(&not_iterable).err().map(|e| e.kind), Some(ErrorKind::Type));
        }
    }

    #[test]
    fn a_thrown_value_reaches_its_catch_and_runtime_errors_become_objects() {
        let object = Value::object_from([("code", Value::from(7.0))]);
        let error = throw(object.clone());
        assert_eq!(error.to_string(), "[object Object]");
        assert!(crate::ops::strict_eq(&caught(error), &object), "the same object");
        assert_eq!(throw(Value::from("busy")).to_string(), "busy");
        let named = Value::object_from([("name", Value::from("RoutingError")), ("message", Value::from("no agent"))]);
        assert_eq!(throw(named).to_string(), "RoutingError: no agent");

        let error = caught(ExecError::type_error("x is not a function"));
        assert_eq!(crate::ops::get_str(&error, "name").map(|v| v.to_js_string()), Ok("TypeError".into()));
        assert_eq!(crate::ops::get_str(&error, "message").map(|v| v.to_js_string()), Ok("x is not a function".into()));
    }

    #[test]
    fn a_loop_guard_stops_after_the_limit() {
        let mut guard = LoopGuard::new();
        for _ in 0..LOOP_LIMIT {
            assert!(guard.step().is_ok());
        }
        let Err(err) = guard.step() else { unreachable!("the limit is spent") };
        assert_eq!(err.kind, ErrorKind::Range);
        assert!(err.message.contains("10000000"), "{}", err.message);
    }
}
