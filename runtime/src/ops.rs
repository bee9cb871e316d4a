//! ECMAScript operators and the builtins the compiled subset may call.
//! Generated code calls these; every failure is an [`ExecError`], never a panic.
use crate::value::Counted;
use crate::Str;
use crate::{ExecError, Object, Shared, Value};

pub type Result<T> = std::result::Result<T, ExecError>;

#[inline]
pub fn add(a: Value, b: Value) -> Value {
    if let (Value::Number(x), Value::Number(y)) = (&a, &b) {
        return Value::number(x.get() + y.get());
    }
    add_slow(a, b)
}

fn add_slow(a: Value, b: Value) -> Value {
    let a = to_primitive(a);
    let b = to_primitive(b);
    if matches!(a, Value::String(_)) || matches!(b, Value::String(_)) {
        Value::String(crate::value::join(&[&a.js_str(), &b.js_str()]))
    } else {
        Value::number(a.to_number() + b.to_number())
    }
}

#[inline]
pub fn sub(a: Value, b: Value) -> Value {
    Value::number(a.to_number() - b.to_number())
}
#[inline]
pub fn mul(a: Value, b: Value) -> Value {
    Value::number(a.to_number() * b.to_number())
}
#[inline]
pub fn div(a: Value, b: Value) -> Value {
    Value::number(a.to_number() / b.to_number())
}
#[inline]
pub fn rem(a: Value, b: Value) -> Value {
    Value::number(rem_number(a.to_number(), b.to_number()))
}

/// `%` of two numbers, as JavaScript computes it.
#[inline]
pub fn rem_number(x: f64, y: f64) -> f64 {
    // Integers (the common case, counters) skip libm's fmod. i64 `%` keeps
    // the dividend's sign as JavaScript does.
    if let (Some(xi), Some(yi)) = (exact_i64(x), exact_i64(y)) {
        if let Some(r) = xi.checked_rem(yi) {
            // A non-zero remainder already has the dividend's sign; a zero
            // one takes it (-0 for a negative dividend). Or-ing in the
            // dividend's sign bit does both without a branch.
            let sign = x.to_bits() & (1 << 63);
            return f64::from_bits((r as f64).to_bits() | sign);
        }
    }
    rem_slow(x, y)
}

/// The limit of a counter: the compiler keeps a variable that only ever
/// holds integers stepped by one as an `i64` within ±2^53, where doubles
/// are exactly the integers (the compiler's `ir::integral_vars`).
const COUNTER_LIMIT: i64 = 1 << 53;

/// A counter stepped by `by` (1 or -1), as its `f64` would be: past ±2^53
/// the double addition rounds back to the end (`2^53 + 1` is a tie, and
/// goes to the even `2^53`), so the step stops there.
#[inline]
pub fn step(counter: i64, by: i64) -> i64 {
    // `by` is a constant where the compiler calls this: one bound to test.
    let next = counter + by;
    if by > 0 {
        next.min(COUNTER_LIMIT)
    } else {
        next.max(-COUNTER_LIMIT)
    }
}

/// `value` as a counter's `i64`, if it is an integer within ±2^53 and
/// not `-0`, which an `i64` cannot hold: what a host may set one to.
pub fn integral_number(value: &Value) -> Option<i64> {
    match *value {
        Value::Number(n)
            if n.get().fract() == 0.0
                && n.get().abs() <= COUNTER_LIMIT as f64
                && !(n.get() == 0.0 && n.get().is_sign_negative()) =>
        {
            Some(n.get() as i64)
        }
        _ => None,
    }
}

/// `x % divisor == k` (or `===`) for integer constants, as a condition:
/// `count % 2 == 0`. An integer dividend stays an integer throughout, and
/// the remainder's zero sign, which `==` cannot see, is not worked out.
/// The compiler passes only a non-zero `divisor` and integers that `f64`
/// holds exactly.
#[inline]
pub fn rem_is(x: f64, divisor: i64, k: i64) -> bool {
    match exact_i64(x) {
        // `wrapping_`: i64::MIN % -1 is 0, where `%` would overflow.
        Some(i) => i.wrapping_rem(divisor) == k,
        None => rem_slow(x, divisor as f64) == k as f64,
    }
}

#[cold]
#[inline(never)]
fn rem_slow(x: f64, y: f64) -> f64 {
    x % y
}

/// `x` as an i64 when it is an integer in i64's range.
#[inline(always)]
fn exact_i64(x: f64) -> Option<i64> {
    // SSE2's truncation gives i64::MIN for NaN and out-of-range input, so
    // one round trip decides (i64::MIN itself is exact), without the
    // saturation checks `as` makes.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    // SAFETY: the intrinsics need SSE2, which this cfg guarantees.
    let i = unsafe { std::arch::x86_64::_mm_cvttsd_si64(std::arch::x86_64::_mm_set_sd(x)) };
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    let i = x as i64;
    (i as f64 == x).then_some(i)
}

/// A `<send>`'s delay expression's value as a duration. The text is
/// borrowed where the value is a string, as delays are.
pub fn delay(value: &Value) -> Result<std::time::Duration> {
    let text = value.js_str();
    crate::parse_duration(&text)
        .ok_or_else(|| ExecError::new(crate::ErrorKind::Send, format!("invalid delay '{text}'")))
}

pub fn neg(a: Value) -> Value {
    Value::number(-a.to_number())
}
pub fn plus(a: Value) -> Value {
    Value::number(a.to_number())
}
#[inline]
pub fn not(a: Value) -> Value {
    Value::boolean(!a.truthy())
}

/// ToInt32: [`to_uint32`]'s bits, read signed.
fn to_int32(v: &Value) -> i32 {
    to_uint32(v.to_number()) as i32
}

pub fn bit_and(a: Value, b: Value) -> Value {
    Value::number(f64::from(to_int32(&a) & to_int32(&b)))
}
pub fn bit_or(a: Value, b: Value) -> Value {
    Value::number(f64::from(to_int32(&a) | to_int32(&b)))
}
pub fn bit_xor(a: Value, b: Value) -> Value {
    Value::number(f64::from(to_int32(&a) ^ to_int32(&b)))
}
pub fn bit_not(a: Value) -> Value {
    Value::number(f64::from(!to_int32(&a)))
}
pub fn shl(a: Value, b: Value) -> Value {
    Value::number(f64::from(to_int32(&a).wrapping_shl(to_int32(&b) as u32 & 31)))
}
pub fn shr(a: Value, b: Value) -> Value {
    Value::number(f64::from(to_int32(&a).wrapping_shr(to_int32(&b) as u32 & 31)))
}
pub fn ushr(a: Value, b: Value) -> Value {
    Value::number(f64::from((to_int32(&a) as u32).wrapping_shr(to_int32(&b) as u32 & 31)))
}

fn to_primitive(v: Value) -> Value {
    match v {
        Value::Object(_) => Value::String(crate::static_str!("[object Object]")),
        Value::Array(_) | Value::Function(_) => Value::from(v.to_js_string()),
        other => other,
    }
}

/// `===`
#[inline]
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.get() == y.get(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Object(x), Value::Object(y)) => Counted::ptr_eq(x, y),
        (Value::Array(x), Value::Array(y)) => Counted::ptr_eq(x, y),
        (Value::Function(x), Value::Function(y)) => std::ptr::eq(*x, *y),
        _ => false,
    }
}

/// `==` (the abstract equality comparison).
#[inline]
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.get() == y.get(),
        // Request ids, states, flags: what charts compare most.
        (Value::String(x), Value::String(y)) => x == y,
        _ => loose_eq_slow(a, b),
    }
}

fn loose_eq_slow(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Undefined | Null, Undefined | Null) => true,
        (Undefined | Null, _) | (_, Undefined | Null) => false,
        (Number(_), String(_)) | (String(_), Number(_)) => a.to_number() == b.to_number(),
        (Bool(_), _) => loose_eq(&Value::number(a.to_number()), b),
        (_, Bool(_)) => loose_eq(a, &Value::number(b.to_number())),
        (Object(_) | Array(_), Number(_) | String(_)) => loose_eq(&to_primitive(a.clone()), b),
        (Number(_) | String(_), Object(_) | Array(_)) => loose_eq(a, &to_primitive(b.clone())),
        _ => strict_eq(a, b),
    }
}

/// The abstract relational comparison; `None` when either side is NaN.
fn compare(a: Value, b: Value) -> Option<std::cmp::Ordering> {
    let a = to_primitive(a);
    let b = to_primitive(b);
    if let (Value::String(x), Value::String(y)) = (&a, &b) {
        // JavaScript compares UTF-16 code units.
        return Some(x.encode_utf16().cmp(y.encode_utf16()));
    }
    a.to_number().partial_cmp(&b.to_number())
}

#[inline]
pub fn lt(a: Value, b: Value) -> Value {
    Value::boolean(compare(a, b) == Some(std::cmp::Ordering::Less))
}
#[inline]
pub fn gt(a: Value, b: Value) -> Value {
    Value::boolean(compare(a, b) == Some(std::cmp::Ordering::Greater))
}
#[inline]
pub fn le(a: Value, b: Value) -> Value {
    Value::boolean(matches!(compare(a, b), Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)))
}
#[inline]
pub fn ge(a: Value, b: Value) -> Value {
    Value::boolean(matches!(compare(a, b), Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)))
}

pub fn type_of(a: &Value) -> Value {
    Value::from(a.type_of())
}

/// `key in object`
pub fn has_property(key: &Value, object: &Value) -> Result<Value> {
    match object {
        Value::Object(o) => Ok(Value::boolean(o.borrow().contains(&key.to_key()))),
        Value::Array(a) => {
            let key = key.to_key();
            let len = a.borrow().len();
            Ok(Value::boolean(&*key == "length" || array_index(&key).is_some_and(|i| i < len)))
        }
        other => Err(ExecError::type_error(format!(
            "cannot use 'in' operator to search for '{}' in {}",
            key.to_js_string(),
            other.to_js_string()
        ))),
    }
}

fn array_index(key: &str) -> Option<usize> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    key.parse::<usize>().ok()
}

/// `object[key]` / `object.key`. A string key is read in place: taking
/// it as an `Str` would be two atomic count updates.
pub fn get(object: &Value, key: &Value) -> Result<Value> {
    get_str(object, &key.js_str())
}

pub fn get_str(object: &Value, key: &str) -> Result<Value> {
    match object {
        Value::Undefined | Value::Null => {
            Err(ExecError::type_error(format!("cannot read property '{key}' of {}", object.to_js_string())))
        }
        Value::Object(o) => Ok(o.borrow().get(key).cloned().unwrap_or_default()),
        Value::Array(a) => {
            let a = a.borrow();
            if key == "length" {
                return Ok(Value::number(a.len() as f64));
            }
            Ok(array_index(key).and_then(|i| a.get(i).cloned()).unwrap_or_default())
        }
        Value::String(s) => {
            if key == "length" {
                return Ok(Value::number(s.encode_utf16().count() as f64));
            }
            Ok(array_index(key).and_then(|i| s.chars().nth(i)).map_or(Value::Undefined, |c| Value::from(c.to_string())))
        }
        Value::Function(f) if key == "name" => Ok(Value::from(f.name)),
        Value::Bool(_) | Value::Number(_) | Value::Function(_) => Ok(Value::Undefined),
    }
}

/// `object.k1.k2...kn`, a chain of reads such as
/// `_genesys.ixn.interactions[id].parties[p].device`, walked in place
/// (holding each object's lock, where objects are shared by threads)
/// rather than copying each link out of it: a copy of an object is a count
/// update, and its drop another. Only the value read last is copied. The
/// keys are worked out before the walk, so the compiler passes only keys
/// whose evaluation cannot fail or change anything.
pub fn get_path(object: &Value, keys: &[&str]) -> Result<Value> {
    let mut from = std::borrow::Cow::Borrowed(object);
    let mut keys = keys;
    loop {
        let mut reached = Value::Undefined;
        let steps = walk(&from, keys, &mut reached);
        let Some((key, rest)) = keys[steps..].split_first() else { return Ok(reached) };
        // The walk stopped at a link that is not an object, or whose lock
        // is held: by this walk (with `sync`, a chain that runs back into
        // itself), by another thread, or by a borrow outside the walk.
        // With every lock let go, that step is taken the copying way,
        // which also raises a read of `undefined`'s error.
        from = std::borrow::Cow::Owned(get_str(&reached, key)?);
        keys = rest;
    }
}

/// `a + b` as a property key, for a computed key of a path such as
/// `parties[id + '-1']`: two strings are joined on the stack when short,
/// not in a new string that the walk would free right after.
pub fn key_sum(a: &Value, b: &Value) -> Key {
    if let (Value::String(x), Value::String(y)) = (a, b) {
        let len = x.len() + y.len();
        if len <= KEY_INLINE {
            let mut text = [0; KEY_INLINE];
            text[..x.len()].copy_from_slice(x.as_bytes());
            text[x.len()..len].copy_from_slice(y.as_bytes());
            return Key(KeyText::Inline { len: len as u8, text });
        }
    }
    Key(KeyText::Shared(match add(a.clone(), b.clone()) {
        Value::String(s) => s,
        other => Str::from(other.js_str()),
    }))
}

const KEY_INLINE: usize = 46;

/// A property key worked out at run time; see [`key_sum`].
pub struct Key(KeyText);

/// Private, so that only [`key_sum`] fills an inline key.
enum KeyText {
    Inline { len: u8, text: [u8; KEY_INLINE] },
    Shared(Str),
}

impl std::ops::Deref for Key {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        match &self.0 {
            // SAFETY: `key_sum` laid two whole `&str`s end to end in the
            // first `len` bytes, and nothing else writes an inline key.
            KeyText::Inline { len, text } => unsafe { std::str::from_utf8_unchecked(&text[..usize::from(*len)]) },
            KeyText::Shared(s) => s,
        }
    }
}

/// Walks `keys` from `object` through objects it can lock, holding each
/// lock until the walk returns; leaves a copy of the value it reached in
/// `reached` and returns how many keys it walked. A small return value,
/// not the value itself: it passes back through every level.
#[cfg(feature = "sync")]
fn walk(object: &Value, keys: &[&str], reached: &mut Value) -> usize {
    const UNDEFINED: &Value = &Value::Undefined;
    if let (Some((key, rest)), Value::Object(o)) = (keys.split_first(), object) {
        // Even the last read only tries the lock: the walk may hold it.
        if let Some(fields) = o.try_borrow() {
            return 1 + walk(fields.get(key).unwrap_or(UNDEFINED), rest, reached);
        }
    }
    *reached = object.clone();
    0
}

/// Walks `keys` from `object` through objects nobody is borrowing; leaves
/// a copy of the value it reached in `reached` and returns how many keys
/// it walked. On one thread a walk only reads, so it looks without
/// taking borrows, in a loop rather than a call per link.
#[cfg(not(feature = "sync"))]
fn walk(object: &Value, keys: &[&str], reached: &mut Value) -> usize {
    const UNDEFINED: &Value = &Value::Undefined;
    let mut at = object;
    for (walked, key) in keys.iter().enumerate() {
        // SAFETY: between here and the copy below, the walk runs only
        // `Object::get`; nothing borrows any object while `at` lives.
        let fields = match at {
            Value::Object(o) => unsafe { o.peek() },
            _ => None,
        };
        let Some(fields) = fields else {
            *reached = at.clone();
            return walked;
        };
        at = fields.get(key).unwrap_or(UNDEFINED);
    }
    *reached = at.clone();
    keys.len()
}

/// `value instanceof Array` / `Object` / `Function`: the only
/// constructors a chart can name.
pub fn instance_of(value: &Value, class: &str) -> bool {
    match class {
        "Array" => matches!(value, Value::Array(_)),
        "Object" => matches!(value, Value::Object(_) | Value::Array(_) | Value::Function(_)),
        "Function" => matches!(value, Value::Function(_)),
        _ => false,
    }
}

/// `callee(args)` for a callee known only at run time. `data` is the
/// calling session's datamodel: a function compiled for another chart
/// cannot run on it (a `TypeError`, as a function of another realm).
pub fn call_value(
    callee: &Value,
    data: &mut dyn std::any::Any,
    core: &mut crate::Core,
    args: &[Value],
) -> Result<Value> {
    match callee {
        Value::Function(f) => (f.call)(data, core, args),
        other => Err(ExecError::type_error(format!("{} is not a function", other.to_js_string()))),
    }
}

/// [`call_value`] of a callee read at a property path (`o.handlers.busy`),
/// which names it when it is not a function.
pub fn call_path(
    callee: &Value,
    path: &str,
    data: &mut dyn std::any::Any,
    core: &mut crate::Core,
    args: &[Value],
) -> Result<Value> {
    match callee {
        Value::Function(_) => call_value(callee, data, core, args),
        _ => Err(ExecError::type_error(format!("{path} is not a function"))),
    }
}

/// The methods that call back into the chart (`items.map(f)`): they
/// need its data and core, as [`call_value`] does.
pub const CALLBACK_METHODS: &[&str] =
    &["map", "filter", "forEach", "some", "every", "find", "findIndex", "reduce", "sort", "replace"];

/// Calls one of [`CALLBACK_METHODS`]. An array's callback gets
/// `(item, index, array)` for each index below the length the call
/// started with that the array still has, so a callback may change it.
pub fn call_method_with(
    receiver: &Value,
    name: &str,
    args: Vec<Value>,
    data: &mut dyn std::any::Any,
    core: &mut crate::Core,
) -> Result<Value> {
    let callback = arg(&args, 0);
    let array = match receiver {
        Value::Array(a) => a,
        Value::String(s) if name == "replace" => return replace(s, &arg(&args, 0), &arg(&args, 1), data, core),
        Value::Undefined | Value::Null => {
            return Err(ExecError::type_error(format!("cannot read property '{name}' of {}", receiver.to_js_string())))
        }
        _ => return Err(ExecError::type_error(format!("{}.{name} is not a function", receiver.type_of()))),
    };
    if name == "sort" {
        return sort(array, &callback, data, core).map(|()| receiver.clone());
    }
    if !matches!(callback, Value::Function(_)) {
        return Err(ExecError::type_error(format!("{} is not a function", callback.to_js_string())));
    }
    let len = array.borrow().len();
    let item = |i: usize| array.borrow().get(i).cloned();
    let call = |data: &mut dyn std::any::Any, core: &mut crate::Core, v: Value, i: usize| {
        call_value(&callback, data, core, &[v, Value::number(i as f64), receiver.clone()])
    };
    if name == "reduce" {
        let mut indices = 0..len;
        let mut acc = match args.get(1) {
            Some(initial) => initial.clone(),
            None => match indices.by_ref().find_map(item) {
                Some(first) => first,
                None => return Err(ExecError::type_error("reduce of empty array with no initial value")),
            },
        };
        for i in indices {
            let Some(v) = item(i) else { break };
            acc = call_value(&callback, data, core, &[acc, v, Value::number(i as f64), receiver.clone()])?;
        }
        return Ok(acc);
    }
    let mut out = Vec::new();
    for i in 0..len {
        let Some(v) = item(i) else { break };
        let result = call(data, core, v.clone(), i)?;
        match name {
            "map" => out.push(result),
            "filter" if result.truthy() => out.push(v),
            "some" if result.truthy() => return Ok(Value::boolean(true)),
            "every" if !result.truthy() => return Ok(Value::boolean(false)),
            "find" if result.truthy() => return Ok(v),
            "findIndex" if result.truthy() => return Ok(Value::number(i as f64)),
            _ => {}
        }
    }
    Ok(match name {
        "map" | "filter" => Value::array(out),
        "some" => Value::boolean(false),
        "every" => Value::boolean(true),
        "findIndex" => Value::number(-1.0),
        _ => Value::Undefined,
    })
}

/// `s.replace(pattern, replacement)`: the first occurrence of the string
/// `pattern`, replaced by the string (with `$$`, `$&`, `` $` `` and `$'`)
/// or by what the function returns for `(match, offset, s)`.
fn replace(
    s: &Str,
    pattern: &Value,
    replacement: &Value,
    data: &mut dyn std::any::Any,
    core: &mut crate::Core,
) -> Result<Value> {
    let pattern = pattern.to_js_string();
    let Some(at) = s.find(&pattern) else { return Ok(Value::String(s.clone())) };
    let (before, after) = (&s[..at], &s[at + pattern.len()..]);
    let with = match replacement {
        Value::Function(_) => {
            let offset = Value::number(before.chars().count() as f64);
            let args = [Value::from(pattern.as_str()), offset, Value::String(s.clone())];
            call_value(replacement, data, core, &args)?.to_js_string()
        }
        other => {
            let template = other.to_js_string();
            let mut out = String::new();
            let mut chars = template.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, chars.peek()) {
                    ('$', Some('$')) => out.push('$'),
                    ('$', Some('&')) => out.push_str(&pattern),
                    ('$', Some('`')) => out.push_str(before),
                    ('$', Some('\'')) => out.push_str(after),
                    _ => {
                        out.push(c);
                        continue;
                    }
                }
                chars.next();
            }
            out
        }
    };
    Ok(Value::from(format!("{before}{with}{after}")))
}

/// `array.sort(compare)`, stable, in place. Without `compare` items sort
/// as strings, `undefined` last. A merge sort of its own: the comparator
/// may fail or be inconsistent, and neither may panic.
fn sort(
    array: &Counted<Shared<Vec<Value>>>,
    compare: &Value,
    data: &mut dyn std::any::Any,
    core: &mut crate::Core,
) -> Result<()> {
    if !compare.is_undefined() && !matches!(compare, Value::Function(_)) {
        return Err(ExecError::type_error("the comparison function must be a function or undefined"));
    }
    let mut items = std::mem::take(&mut *array.borrow_mut());
    let undefined = items.iter().filter(|v| v.is_undefined()).count();
    items.retain(|v| !v.is_undefined());
    let mut before = |a: &Value, b: &Value| -> Result<bool> {
        // Whether `b` goes strictly before `a`.
        Ok(match compare {
            Value::Function(_) => call_value(compare, data, core, &[a.clone(), b.clone()])?.to_number() > 0.0,
            _ => a.js_str().encode_utf16().cmp(b.js_str().encode_utf16()) == std::cmp::Ordering::Greater,
        })
    };
    let (mut items, failed) = match merge_sort(items, &mut before) {
        Ok(items) => (items, None),
        Err((items, e)) => (items, Some(e)),
    };
    items.extend(std::iter::repeat_n(Value::Undefined, undefined));
    // What the comparator put in meanwhile is overwritten.
    *array.borrow_mut() = items;
    failed.map_or(Ok(()), Err)
}

/// Sorts `items` stably; `after(a, b)` says `a` must come after `b`. On an
/// error, the items (in some order) and the error.
fn merge_sort(
    mut items: Vec<Value>,
    after: &mut impl FnMut(&Value, &Value) -> Result<bool>,
) -> std::result::Result<Vec<Value>, (Vec<Value>, ExecError)> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let right = items.split_off(items.len() / 2);
    let left = match merge_sort(items, after) {
        Ok(left) => left,
        Err((mut left, e)) => {
            left.extend(right);
            return Err((left, e));
        }
    };
    let right = match merge_sort(right, after) {
        Ok(right) => right,
        Err((mut right, e)) => {
            right.extend(left);
            return Err((right, e));
        }
    };
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        match after(l, r) {
            Ok(true) => out.extend(right.next()),
            Ok(false) => out.extend(left.next()),
            Err(e) => {
                out.extend(left.chain(right));
                return Err((out, e));
            }
        }
    }
    out.extend(left.chain(right));
    Ok(out)
}

/// `object[key] = value`, the key read in place as [`get`]'s.
pub fn set(object: &Value, key: &Value, value: Value) -> Result<()> {
    set_str(object, &key.js_str(), value)
}

pub fn set_str(object: &Value, key: &str, value: Value) -> Result<()> {
    match object {
        Value::Object(o) => {
            o.borrow_mut().set(key, value);
            Ok(())
        }
        Value::Array(a) => {
            let mut a = a.borrow_mut();
            if key == "length" {
                let n = value.to_number();
                if n < 0.0 || n.fract() != 0.0 || n > 4_294_967_295.0 {
                    return Err(ExecError::new(crate::ErrorKind::Type, "invalid array length"));
                }
                a.resize(n as usize, Value::Undefined);
                return Ok(());
            }
            match array_index(key) {
                // Bound growth: a chart may not allocate gigabytes with one index.
                Some(i) if i < a.len() + 1_000_000 => {
                    if i >= a.len() {
                        a.resize(i + 1, Value::Undefined);
                    }
                    a[i] = value;
                    Ok(())
                }
                _ => Err(ExecError::type_error(format!("unsupported array property '{key}'"))),
            }
        }
        Value::Undefined | Value::Null => {
            Err(ExecError::type_error(format!("cannot set property '{key}' of {}", object.to_js_string())))
        }
        // Primitives silently ignore property writes in sloppy mode.
        _ => Ok(()),
    }
}

/// `delete object[key]`
pub fn delete(object: &Value, key: &Value) -> Result<Value> {
    match object {
        Value::Object(o) => {
            // `delete` is true whether or not the property existed.
            o.borrow_mut().remove(&key.to_key());
            Ok(Value::boolean(true))
        }
        Value::Undefined | Value::Null => Err(ExecError::type_error("cannot delete property of undefined")),
        _ => Ok(Value::boolean(true)),
    }
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_default()
}

/// Calls a method on a value: the compiler only emits names it knows this
/// function implements, so an unknown one is a `TypeError` for the receiver's type.
pub fn call_method(receiver: &Value, name: &str, args: Vec<Value>) -> Result<Value> {
    match (receiver, name) {
        (Value::Array(a), "concat") => {
            let mut out = a.borrow().clone();
            for v in args {
                match v {
                    Value::Array(b) => out.extend(b.borrow().iter().cloned()),
                    other => out.push(other),
                }
            }
            Ok(Value::array(out))
        }
        (Value::Array(a), "push") => {
            let mut a = a.borrow_mut();
            a.extend(args);
            Ok(Value::number(a.len() as f64))
        }
        (Value::Array(a), "pop") => Ok(a.borrow_mut().pop().unwrap_or_default()),
        (Value::Array(a), "shift") => {
            let mut a = a.borrow_mut();
            Ok(if a.is_empty() { Value::Undefined } else { a.remove(0) })
        }
        (Value::Array(a), "unshift") => {
            let mut a = a.borrow_mut();
            a.splice(0..0, args);
            Ok(Value::number(a.len() as f64))
        }
        (Value::Array(a), "indexOf" | "lastIndexOf" | "includes") => {
            let needle = arg(&args, 0);
            let a = a.borrow();
            // `includes` finds NaN; the others compare with `===`.
            let same = |v: &Value| strict_eq(v, &needle) || (name == "includes" && is_nan(v) && is_nan(&needle));
            let pos = if name == "lastIndexOf" { a.iter().rposition(same) } else { a.iter().position(same) };
            Ok(match name {
                "includes" => Value::boolean(pos.is_some()),
                _ => Value::number(pos.map_or(-1.0, |p| p as f64)),
            })
        }
        (Value::Array(a), "reverse") => {
            a.borrow_mut().reverse();
            Ok(receiver.clone())
        }
        (Value::Array(a), "splice") => {
            let mut a = a.borrow_mut();
            let len = a.len();
            let start = relative_index(arg(&args, 0), len, 0);
            let count = match args.len() {
                0 => 0,
                1 => len - start,
                _ => (integer(arg(&args, 1)).max(0.0) as usize).min(len - start),
            };
            let removed: Vec<Value> = a.splice(start..start + count, args.into_iter().skip(2)).collect();
            Ok(Value::array(removed))
        }
        (Value::Array(a), "join") => {
            let sep = match arg(&args, 0) {
                Value::Undefined => ",".to_string(),
                s => s.to_js_string(),
            };
            let parts: Vec<String> = a
                .borrow()
                .iter()
                .map(|v| match v {
                    Value::Undefined | Value::Null => String::new(),
                    other => other.to_js_string(),
                })
                .collect();
            Ok(Value::from(parts.join(&sep)))
        }
        (Value::Array(a), "slice") => {
            let a = a.borrow();
            let (start, end) = slice_bounds(a.len(), &args);
            Ok(Value::array(a[start..end].to_vec()))
        }
        (Value::String(s), "indexOf" | "lastIndexOf" | "includes" | "startsWith" | "endsWith") => {
            let needle = arg(&args, 0).to_js_string();
            let chars: Vec<char> = s.chars().collect();
            let from = arg(&args, 1);
            let at = |i: usize| chars.iter().take(i).map(|c| c.len_utf8()).sum::<usize>();
            Ok(match name {
                "indexOf" | "includes" => {
                    let from = at(relative_start(from, chars.len(), 0));
                    let found = s[from..].find(&needle).map(|p| s[..from + p].chars().count());
                    match name {
                        "includes" => Value::boolean(found.is_some()),
                        _ => Value::number(found.map_or(-1.0, |p| p as f64)),
                    }
                }
                "lastIndexOf" => {
                    let until = at(relative_start(from, chars.len(), chars.len()));
                    let end = (until + needle.len()).min(s.len());
                    let end = (0..=end).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
                    Value::number(s[..end].rfind(&needle).map_or(-1.0, |p| s[..p].chars().count() as f64))
                }
                "startsWith" => Value::boolean(s[at(relative_start(from, chars.len(), 0))..].starts_with(&needle)),
                _ => Value::boolean(s[..at(relative_start(from, chars.len(), chars.len()))].ends_with(&needle)),
            })
        }
        (Value::String(s), "slice") => {
            let chars: Vec<char> = s.chars().collect();
            let (start, end) = slice_bounds(chars.len(), &args);
            Ok(Value::from(chars[start..end].iter().collect::<String>()))
        }
        (Value::String(s), "substring") => {
            // Negative means 0, and the bounds may come in either order.
            let chars: Vec<char> = s.chars().collect();
            let bound = |v: Value, default: usize| relative_start(v, chars.len(), default);
            let (a, b) = (bound(arg(&args, 0), 0), bound(arg(&args, 1), chars.len()));
            Ok(Value::from(chars[a.min(b)..a.max(b)].iter().collect::<String>()))
        }
        (Value::String(s), "substr") => {
            let chars: Vec<char> = s.chars().collect();
            let start = relative_index(arg(&args, 0), chars.len(), 0);
            let count = match arg(&args, 1) {
                Value::Undefined => chars.len() - start,
                n => (integer(n).max(0.0) as usize).min(chars.len() - start),
            };
            Ok(Value::from(chars[start..start + count].iter().collect::<String>()))
        }
        (Value::String(s), "charAt") => {
            let i = integer(arg(&args, 0));
            let c = if i >= 0.0 { s.chars().nth(i as usize) } else { None };
            Ok(Value::from(c.map(String::from).unwrap_or_default()))
        }
        (Value::String(s), "charCodeAt") => {
            let i = integer(arg(&args, 0));
            let unit = if i >= 0.0 { s.encode_utf16().nth(i as usize) } else { None };
            Ok(Value::number(unit.map_or(f64::NAN, f64::from)))
        }
        (Value::String(s), "trim") => Ok(Value::from(s.trim())),
        (Value::String(s), "trimStart") => Ok(Value::from(s.trim_start())),
        (Value::String(s), "trimEnd") => Ok(Value::from(s.trim_end())),
        (Value::String(s), "concat") => {
            let mut out = s.to_string();
            args.iter().for_each(|a| out.push_str(&a.js_str()));
            Ok(Value::from(out))
        }
        (Value::String(s), "repeat") => {
            let n = integer(arg(&args, 0));
            if !(0.0..=f64::from(u32::MAX)).contains(&n) || s.len() as f64 * n > MAX_STRING as f64 {
                return Err(ExecError::new(crate::ErrorKind::Range, format!("invalid count: {n}")));
            }
            Ok(Value::from(s.repeat(n as usize)))
        }
        (Value::String(s), "padStart" | "padEnd") => {
            let width = integer(arg(&args, 0)).min(MAX_STRING as f64);
            let fill = match arg(&args, 1) {
                Value::Undefined => " ".to_string(),
                f => f.to_js_string(),
            };
            let len = s.chars().count();
            if width <= len as f64 || fill.is_empty() {
                return Ok(receiver.clone());
            }
            let pad: String = fill.chars().cycle().take(width as usize - len).collect();
            Ok(Value::from(if name == "padStart" { pad + s } else { s.to_string() + &pad }))
        }
        (Value::String(s), "toUpperCase") => Ok(Value::from(s.to_uppercase())),
        (Value::String(s), "toLowerCase") => Ok(Value::from(s.to_lowercase())),
        (Value::String(s), "split") => {
            let limit = match arg(&args, 1) {
                Value::Undefined => usize::MAX,
                n => to_uint32(n.to_number()) as usize,
            };
            let parts = match arg(&args, 0) {
                // No separator: the whole string.
                Value::Undefined => vec![Value::String(s.clone())],
                sep => {
                    let sep = sep.to_js_string();
                    if sep.is_empty() {
                        s.chars().take(limit).map(|c| Value::from(c.to_string())).collect()
                    } else {
                        s.split(sep.as_str()).take(limit).map(Value::from).collect()
                    }
                }
            };
            Ok(Value::array(parts.into_iter().take(limit).collect()))
        }
        (Value::Undefined | Value::Null, _) => {
            Err(ExecError::type_error(format!("cannot read property '{name}' of {}", receiver.to_js_string())))
        }
        (Value::Number(n), "toString") if !arg(&args, 0).is_undefined() => {
            let radix = integer(arg(&args, 0));
            if !(2.0..=36.0).contains(&radix) {
                return Err(ExecError::new(crate::ErrorKind::Range, "toString() radix must be between 2 and 36"));
            }
            Ok(Value::from(to_radix(n.get(), radix as u32)))
        }
        (_, "toString") => Ok(Value::from(receiver.to_js_string())),
        (Value::Number(n), "toFixed") => {
            let digits = integer(arg(&args, 0));
            if !(0.0..=100.0).contains(&digits) {
                return Err(ExecError::new(crate::ErrorKind::Range, "toFixed() digits must be between 0 and 100"));
            }
            Ok(Value::from(to_fixed(n.get(), digits as usize)))
        }
        (Value::Object(o), "hasOwnProperty") => Ok(Value::boolean(o.borrow().contains(&arg(&args, 0).to_key()))),
        _ => Err(ExecError::type_error(format!("{}.{name} is not a function", receiver.type_of()))),
    }
}

/// The longest string `repeat` and `padStart` make: JavaScript engines
/// stop near 2^29 characters too, and a strategy never needs one.
const MAX_STRING: usize = 1 << 28;

fn is_nan(v: &Value) -> bool {
    matches!(v, Value::Number(n) if n.get().is_nan())
}

/// ToUint32: modulo 2^32, so -1 is 4294967295; NaN and infinities are 0.
fn to_uint32(n: f64) -> u32 {
    if n.is_finite() {
        n.trunc().rem_euclid(4_294_967_296.0) as u32
    } else {
        0
    }
}

/// ToIntegerOrInfinity: NaN is 0, the rest truncated.
fn integer(v: Value) -> f64 {
    let n = v.to_number();
    if n.is_nan() {
        0.0
    } else {
        n.trunc()
    }
}

/// An index that counts from the end when negative, clamped to `0..=len`.
fn relative_index(v: Value, len: usize, default: usize) -> usize {
    if v.is_undefined() {
        return default;
    }
    let n = integer(v);
    if n < 0.0 {
        (len as f64 + n).max(0.0) as usize
    } else {
        n.min(len as f64) as usize
    }
}

/// A position clamped to `0..=len`, negative meaning 0.
fn relative_start(v: Value, len: usize, default: usize) -> usize {
    if v.is_undefined() {
        return default;
    }
    integer(v).clamp(0.0, len as f64) as usize
}

/// `n.toString(radix)` for an integer part and up to 20 fraction digits.
fn to_radix(n: f64, radix: u32) -> String {
    if !n.is_finite() || radix == 10 {
        return Value::number(n).to_js_string();
    }
    let digit = |d: u32| std::char::from_digit(d, radix).unwrap_or('0');
    let (mut whole, mut fraction) = (n.abs().trunc(), n.abs().fract());
    let mut digits = Vec::new();
    while whole >= 1.0 {
        digits.push(digit((whole % f64::from(radix)) as u32));
        whole = (whole / f64::from(radix)).trunc();
    }
    if digits.is_empty() {
        digits.push('0');
    }
    if n < 0.0 {
        digits.push('-');
    }
    let mut out: String = digits.into_iter().rev().collect();
    if fraction > 0.0 {
        out.push('.');
        for _ in 0..20 {
            fraction *= f64::from(radix);
            out.push(digit(fraction.trunc() as u32));
            fraction = fraction.fract();
            if fraction == 0.0 {
                break;
            }
        }
    }
    out
}

/// `n.toFixed(digits)`: rounded half away from zero on the number's exact
/// value (Rust's formatting rounds half to even).
fn to_fixed(n: f64, digits: usize) -> String {
    if !n.is_finite() || n.abs() >= 1e21 {
        return Value::number(n).to_js_string();
    }
    // An f64's exact decimal expansion ends within 1,074 digits.
    let exact = format!("{:.1100}", n.abs());
    let (whole, fraction) = exact.split_once('.').unwrap_or((&exact, ""));
    let (kept, rest) = fraction.split_at(digits.min(fraction.len()));
    let mut out: Vec<u8> = format!("{whole}{kept}").into_bytes();
    if rest.as_bytes().first().is_some_and(|d| *d >= b'5') {
        // Carry the rounding up through the digits.
        let mut i = out.len();
        loop {
            if i == 0 {
                out.insert(0, b'1');
                break;
            }
            i -= 1;
            if out[i] == b'9' {
                out[i] = b'0';
            } else {
                out[i] += 1;
                break;
            }
        }
    }
    let text = String::from_utf8(out).unwrap_or_default();
    let (whole, fraction) = text.split_at(text.len() - digits);
    // As JavaScript: `(-0.001).toFixed(2)` is "-0.00", `(-0).toFixed(2)` "0.00".
    let sign = if n < 0.0 { "-" } else { "" };
    if digits == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

fn slice_bounds(len: usize, args: &[Value]) -> (usize, usize) {
    let start = relative_index(arg(args, 0), len, 0);
    let end = relative_index(arg(args, 1), len, len);
    (start, end.max(start))
}

/// The global functions the compiler accepts by name.
pub fn call_global(name: &str, args: Vec<Value>) -> Result<Value> {
    let a0 = arg(&args, 0);
    match name {
        "String" => Ok(Value::from(if args.is_empty() { String::new() } else { a0.to_js_string() })),
        "Number" => Ok(Value::number(if args.is_empty() { 0.0 } else { a0.to_number() })),
        "Boolean" => Ok(Value::boolean(a0.truthy())),
        "isNaN" => Ok(Value::boolean(a0.to_number().is_nan())),
        "parseInt" => Ok(Value::number(parse_int(&a0.to_js_string(), arg(&args, 1)))),
        "isFinite" => Ok(Value::boolean(a0.to_number().is_finite())),
        "encodeURIComponent" => Ok(Value::from(encode_uri(&a0.js_str(), "-_.!~*'()"))),
        "encodeURI" => Ok(Value::from(encode_uri(&a0.js_str(), "-_.!~*'();/?:@&=+$,#"))),
        "decodeURIComponent" => decode_uri(&a0.js_str(), "").map(Value::from),
        "decodeURI" => decode_uri(&a0.js_str(), ";/?:@&=+$,#").map(Value::from),
        "Number.isInteger" => {
            Ok(Value::boolean(matches!(a0, Value::Number(n) if n.get().is_finite() && n.get().trunc() == n.get())))
        }
        "String.fromCharCode" => {
            // ToUint16: the low half of ToUint32.
            let units: Vec<u16> = args.iter().map(|a| to_uint32(a.to_number()) as u16).collect();
            Ok(Value::from(String::from_utf16_lossy(&units)))
        }
        "Math.pow" => Ok(Value::number(pow(a0.to_number(), arg(&args, 1).to_number()))),
        "Math.sqrt" => Ok(Value::number(a0.to_number().sqrt())),
        "Math.trunc" => Ok(Value::number(a0.to_number().trunc())),
        "Math.sign" => Ok(Value::number(match a0.to_number() {
            n if n > 0.0 => 1.0,
            n if n < 0.0 => -1.0,
            n => n,
        })),
        "Math.random" => Ok(Value::number(random())),
        "parseFloat" => Ok(Value::number(parse_float(&a0.to_js_string()))),
        "uneval" => Ok(Value::from(a0.uneval())),
        "JSON.stringify" => {
            if !matches!(arg(&args, 1), Value::Undefined | Value::Null) {
                return Err(ExecError::type_error("JSON.stringify: a replacer is not supported"));
            }
            let indent = match arg(&args, 2) {
                Value::Number(n) => " ".repeat(n.get().clamp(0.0, 10.0) as usize),
                Value::String(s) => s.chars().take(10).collect(),
                _ => String::new(),
            };
            Ok(a0.to_json_indented(&indent).map_or(Value::Undefined, Value::from))
        }
        "Object.values" | "Object.entries" => match a0 {
            Value::Object(o) => Ok(Value::array(
                o.borrow()
                    .iter()
                    .map(|(k, v)| match name {
                        "Object.values" => v.clone(),
                        _ => Value::array(vec![Value::from(k), v.clone()]),
                    })
                    .collect(),
            )),
            Value::Array(a) => Ok(Value::array(
                a.borrow()
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match name {
                        "Object.values" => v.clone(),
                        _ => Value::array(vec![Value::from(i.to_string()), v.clone()]),
                    })
                    .collect(),
            )),
            _ => Err(ExecError::type_error(format!("{name} called on non-object"))),
        },
        "Math.log" => Ok(Value::number(a0.to_number().ln())),
        "Math.exp" => Ok(Value::number(a0.to_number().exp())),
        "JSON.parse" => crate::json::parse(&a0.to_js_string())
            .ok_or_else(|| ExecError::new(crate::ErrorKind::Syntax, "JSON.parse: invalid JSON")),
        "Array.isArray" => Ok(Value::boolean(matches!(a0, Value::Array(_)))),
        // `Array(3)` is three empty slots (undefined here); `Array('a')`
        // and `Array(1, 2)` hold their arguments.
        "Array" => match (args.as_slice(), &a0) {
            ([_], Value::Number(n)) => {
                let n = n.get();
                if n < 0.0 || n.fract() != 0.0 || n > f64::from(u32::MAX) || n as usize > MAX_STRING {
                    return Err(ExecError::new(crate::ErrorKind::Range, "invalid array length"));
                }
                Ok(Value::array(vec![Value::Undefined; n as usize]))
            }
            _ => Ok(Value::array(args)),
        },
        // The value itself for objects; a new object for nothing. Wrapper
        // objects of primitives are not made: the primitive is returned.
        "Object" => Ok(match a0 {
            Value::Undefined | Value::Null => Value::object(),
            other => other,
        }),
        "Math.floor" => Ok(Value::number(a0.to_number().floor())),
        "Math.ceil" => Ok(Value::number(a0.to_number().ceil())),
        "Math.round" => Ok(Value::number((a0.to_number() + 0.5).floor())),
        "Math.abs" => Ok(Value::number(a0.to_number().abs())),
        "Math.max" => Ok(Value::number(args.iter().map(Value::to_number).fold(f64::NEG_INFINITY, nan_max))),
        "Math.min" => Ok(Value::number(args.iter().map(Value::to_number).fold(f64::INFINITY, nan_min))),
        "Object.keys" => match a0 {
            Value::Object(o) => Ok(Value::array(o.borrow().iter().map(|(k, _)| Value::from(k)).collect())),
            Value::Array(a) => Ok(Value::array((0..a.borrow().len()).map(|i| Value::from(i.to_string())).collect())),
            _ => Err(ExecError::type_error("Object.keys called on non-object")),
        },
        _ => Err(ExecError::type_error(format!("{name} is not a function"))),
    }
}

/// The global functions and methods [`call_global`] and [`call_method`]
/// implement; the compiler rejects calls of anything else.
pub const GLOBAL_FUNCTIONS: &[&str] = &[
    "String",
    "Number",
    "Boolean",
    "isNaN",
    "parseInt",
    "parseFloat",
    "isFinite",
    "encodeURIComponent",
    "encodeURI",
    "decodeURIComponent",
    "decodeURI",
    "Number.isInteger",
    "String.fromCharCode",
    "uneval",
    "JSON.stringify",
    "JSON.parse",
    "Array.isArray",
    "Array",
    "Object",
    "Math.floor",
    "Math.ceil",
    "Math.round",
    "Math.abs",
    "Math.max",
    "Math.min",
    "Math.pow",
    "Math.sqrt",
    "Math.trunc",
    "Math.sign",
    "Math.random",
    "Object.keys",
    "Object.values",
    "Object.entries",
    "Math.log",
    "Math.exp",
];
pub const METHODS: &[&str] = &[
    "concat",
    "push",
    "pop",
    "shift",
    "unshift",
    "indexOf",
    "lastIndexOf",
    "includes",
    "join",
    "slice",
    "splice",
    "reverse",
    "substring",
    "substr",
    "charAt",
    "charCodeAt",
    "startsWith",
    "endsWith",
    "trim",
    "trimStart",
    "trimEnd",
    "repeat",
    "padStart",
    "padEnd",
    "toUpperCase",
    "toLowerCase",
    "split",
    "toString",
    "toFixed",
    "hasOwnProperty",
];

fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// `parseInt(s, radix)`: radix 2 to 36, or 0/absent for 10 (16 after `0x`).
fn parse_int(s: &str, radix: Value) -> f64 {
    let t = s.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut radix = integer(radix) as i64 as u32;
    let hex = t.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    let t = if hex && (radix == 0 || radix == 16) {
        radix = 16;
        &t[2..]
    } else {
        t
    };
    if radix == 0 {
        radix = 10;
    }
    if !(2..=36).contains(&radix) {
        return f64::NAN;
    }
    let digits: Vec<u32> = t.chars().map_while(|c| c.to_digit(radix)).collect();
    if digits.is_empty() {
        return f64::NAN;
    }
    let n = digits.iter().fold(0.0, |n, d| n * f64::from(radix) + f64::from(*d));
    if neg {
        -n
    } else {
        n
    }
}

/// `encodeURIComponent` (`keep`: the marks it leaves) and `encodeURI`
/// (which also leaves the reserved characters): every other byte of the
/// UTF-8 text but ASCII letters and digits as `%XX`.
fn encode_uri(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `decodeURIComponent`, and `decodeURI` (whose `reserved` characters stay
/// escaped): `%XX` sequences as UTF-8, a `URIError` for a malformed one.
fn decode_uri(text: &str, reserved: &str) -> Result<String> {
    let malformed = || ExecError::new(crate::ErrorKind::Uri, "malformed URI sequence");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        // Two hex digits exactly (`from_str_radix` would take a sign).
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .ok_or_else(malformed)?;
        let b = u8::from_str_radix(hex, 16).map_err(|_| malformed())?;
        if b.is_ascii() && reserved.as_bytes().contains(&b) {
            out.extend_from_slice(&bytes[i..i + 3]);
        } else {
            out.push(b);
        }
        i += 3;
    }
    String::from_utf8(out).map_err(|_| malformed())
}

/// `Math.pow`: as `**`, where `1 ** NaN` and `(-1) ** ±Infinity` are NaN
/// (IEEE says 1).
fn pow(x: f64, y: f64) -> f64 {
    if y.is_nan() || (x.abs() == 1.0 && y.is_infinite()) {
        f64::NAN
    } else {
        x.powf(y)
    }
}

/// `Math.random`: xorshift64*, seeded per thread from the standard
/// library's random hash keys. Not for cryptography, as in JavaScript.
fn random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    thread_local! {
        static STATE: std::cell::Cell<u64> = std::cell::Cell::new(
            std::collections::hash_map::RandomState::new().build_hasher().finish() | 1,
        );
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        // The top 53 bits as a fraction in [0, 1).
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    })
}

fn parse_float(s: &str) -> f64 {
    let t = s.trim_start();
    let end = t
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_digit() || *c == '.' || ((*c == '-' || *c == '+') && *i == 0))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    t[..end].parse().unwrap_or(f64::NAN)
}

/// A fresh empty object, for object literals.
pub fn new_object() -> Value {
    Value::Object(Counted::new(Shared::new(Object::new())))
}

/// `<foreach>` walks a shallow copy of its array, so the body may change the original.
pub fn iterate(array: &Value) -> Result<Vec<Value>> {
    match array {
        Value::Array(a) => Ok(a.borrow().clone()),
        other => Err(ExecError::type_error(format!("<foreach> needs an array, not {}", other.type_of()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `receiver.name(args)` shown as JSON (strings quoted).
    fn method(receiver: Value, name: &str, args: &[Value]) -> String {
        match call_method(&receiver, name, args.to_vec()) {
            Ok(v @ Value::Number(_)) => v.to_js_string(),
            Ok(v) => v.to_json().unwrap_or_else(|| "undefined".into()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn string_methods_count_and_clamp_as_javascript_does() {
        let s = || Value::from("héllo, world");
        let n = Value::number;
        for (name, args, expected) in [
            ("substring", vec![n(5.0), n(2.0)], r#""llo""#),
            ("substring", vec![n(-3.0)], r#""héllo, world""#),
            ("substr", vec![n(-5.0), n(3.0)], r#""wor""#),
            ("slice", vec![n(-5.0)], r#""world""#),
            // ToIntegerOrInfinity first: -1.5 is -1.
            ("slice", vec![n(-1.5)], r#""d""#),
            ("charAt", vec![n(1.0)], r#""é""#),
            ("charAt", vec![n(99.0)], r#""""#),
            ("charCodeAt", vec![n(1.0)], "233"),
            ("charCodeAt", vec![n(-1.0)], "NaN"),
            ("indexOf", vec![Value::from("o")], "4"),
            ("indexOf", vec![Value::from("o"), n(5.0)], "8"),
            ("lastIndexOf", vec![Value::from("o")], "8"),
            ("lastIndexOf", vec![Value::from("o"), n(7.0)], "4"),
            ("includes", vec![Value::from("lo, w")], "true"),
            ("startsWith", vec![Value::from("llo"), n(2.0)], "true"),
            ("endsWith", vec![Value::from("héllo"), n(5.0)], "true"),
            ("padStart", vec![n(14.0), Value::from("*")], r#""**héllo, world""#),
            ("padEnd", vec![n(3.0)], r#""héllo, world""#),
            ("repeat", vec![n(-1.0)], "RangeError: invalid count: -1"),
            ("concat", vec![n(1.0), Value::Null], r#""héllo, world1null""#),
        ] {
            assert_eq!(method(s(), name, &args), expected, "{name}{args:?}");
        }
        assert_eq!(method(Value::from("  a b "), "trim", &[]), r#""a b""#);
        assert_eq!(method(Value::from("ab"), "repeat", &[n(3.0)]), r#""ababab""#);
        assert_eq!(method(Value::from("a,b,c"), "split", &[Value::from(","), n(2.0)]), r#"["a","b"]"#);
        assert_eq!(method(Value::from("a,b"), "split", &[]), r#"["a,b"]"#);
        // The limit is a ToUint32: -1 is no limit at all.
        assert_eq!(method(Value::from("a,b"), "split", &[Value::from(","), n(-1.0)]), r#"["a","b"]"#);
        assert_eq!(method(Value::from(""), "split", &[Value::from("x"), n(-1.0)]), r#"[""]"#);
        assert_eq!(method(n(255.0), "toString", &[n(16.0)]), r#""ff""#);
        assert_eq!(method(n(-5.5), "toString", &[n(2.0)]), r#""-101.1""#);
        assert_eq!(method(n(1.0), "toString", &[n(1.0)]), "RangeError: toString() radix must be between 2 and 36");
    }

    #[test]
    fn array_methods_change_their_array_as_javascript_does() {
        let n = Value::number;
        let array = Value::array(vec![n(1.0), n(2.0), n(3.0), n(4.0), n(5.0)]);
        assert_eq!(method(array.clone(), "splice", &[n(1.0), n(2.0), Value::from("x")]), "[2,3]");
        assert_eq!(array.to_json().as_deref(), Some(r#"[1,"x",4,5]"#));
        assert_eq!(method(array.clone(), "splice", &[n(-1.0)]), "[5]");
        assert_eq!(method(array.clone(), "unshift", &[n(0.0)]), "4");
        assert_eq!(method(array.clone(), "reverse", &[]), r#"[4,"x",1,0]"#);
        assert_eq!(method(array.clone(), "lastIndexOf", &[n(1.0)]), "2");
        let nan = Value::array(vec![n(f64::NAN)]);
        assert_eq!(method(nan.clone(), "includes", &[n(f64::NAN)]), "true");
        assert_eq!(method(nan, "indexOf", &[n(f64::NAN)]), "-1");
    }

    #[test]
    fn globals_parse_and_compute_as_javascript_does() {
        let call = |name: &str, args: &[Value]| {
            call_global(name, args.to_vec()).map_or_else(|e| e.to_string(), |v| v.to_js_string())
        };
        let (n, s) = (Value::number, Value::from);
        for (name, args, expected) in [
            ("parseInt", vec![s(" -0x1F")], "-31"),
            ("parseInt", vec![s("ff"), n(16.0)], "255"),
            ("parseInt", vec![s("101"), n(2.0)], "5"),
            ("parseInt", vec![s("12px")], "12"),
            ("parseInt", vec![s("9"), n(8.0)], "NaN"),
            ("parseInt", vec![s("1"), n(37.0)], "NaN"),
            ("Math.pow", vec![n(2.0), n(10.0)], "1024"),
            ("Math.pow", vec![n(1.0), n(f64::NAN)], "NaN"),
            ("Math.sign", vec![n(-3.0)], "-1"),
            ("Math.trunc", vec![n(-4.7)], "-4"),
            ("Number.isInteger", vec![n(5.0)], "true"),
            ("Number.isInteger", vec![s("5")], "false"),
            ("String.fromCharCode", vec![n(72.0), n(105.0)], "Hi"),
            ("String.fromCharCode", vec![n(65536.0 + 72.0), n(-65536.0 + 105.0)], "Hi"),
            ("isFinite", vec![s("12")], "true"),
            ("encodeURIComponent", vec![s("a b&c/é")], "a%20b%26c%2F%C3%A9"),
            ("encodeURI", vec![s("http://x/a b?q=é#f")], "http://x/a%20b?q=%C3%A9#f"),
            ("decodeURIComponent", vec![s("a%20b%26c%2F%C3%A9")], "a b&c/é"),
            ("decodeURI", vec![s("a%20b%26c%2F")], "a b%26c%2F"),
            ("decodeURIComponent", vec![s("%E0%A4%A")], "URIError: malformed URI sequence"),
            ("decodeURIComponent", vec![s("%C3")], "URIError: malformed URI sequence"),
            ("decodeURIComponent", vec![s("%+1")], "URIError: malformed URI sequence"),
            ("JSON.stringify", vec![Value::object_from([("a", n(1.0))]), Value::Null, n(2.0)], "{\n  \"a\": 1\n}"),
            (
                "JSON.stringify",
                vec![Value::array(vec![n(1.0), Value::array(vec![])]), Value::Null, s("\t")],
                "[\n\t1,\n\t[]\n]",
            ),
            ("Object.entries", vec![Value::object_from([("a", n(1.0))])], "a,1"),
            ("Array", vec![n(3.0)], ",,"),
            ("Array", vec![s("a")], "a"),
            ("Array", vec![n(1.0), n(2.0)], "1,2"),
            ("Array", vec![n(-1.0)], "RangeError: invalid array length"),
        ] {
            assert_eq!(call(name, &args), expected, "{name}{args:?}");
        }
        for _ in 0..1000 {
            let r = call_global("Math.random", Vec::new()).map(|v| v.to_number()).unwrap_or(-1.0);
            assert!((0.0..1.0).contains(&r), "{r}");
        }
    }

    #[test]
    fn bitwise_operands_wrap_modulo_two_to_the_32() {
        let or0 = |x: f64| bit_or(Value::number(x), Value::number(0.0)).to_number();
        // 2^32 + 5, -1, 2^31 (the sign bit), 2^64 (a multiple of 2^32), NaN.
        for (x, expected) in [(4_294_967_301.0, 5.0), (-1.0, -1.0), (2_147_483_648.0, -2_147_483_648.0)] {
            assert_eq!(or0(x), expected, "{x} | 0");
        }
        assert_eq!(or0(18_446_744_073_709_551_616.0), 0.0);
        assert_eq!(or0(f64::NAN), 0.0);
    }

    #[test]
    fn to_fixed_rounds_the_exact_value_half_away_from_zero() {
        for (x, digits, expected) in [
            (2.5, 0, "3"),
            (0.125, 2, "0.13"),
            (1.005, 2, "1.00"),
            (-1.5, 0, "-2"),
            (-0.0001, 2, "-0.00"),
            (-0.0, 2, "0.00"),
            (9.995, 2, "9.99"),
            (99.5, 0, "100"),
            (1234.5678, 1, "1234.6"),
            (1e21, 2, "1e+21"),
            (f64::NAN, 2, "NaN"),
        ] {
            assert_eq!(to_fixed(x, digits), expected, "({x}).toFixed({digits})");
        }
    }

    #[test]
    fn counters_step_as_doubles_do() {
        let top = 1i64 << 53;
        for x in [0, 1, -1, 41, -41, top - 2, top - 1, top, 1 - top, -top] {
            for by in [1, -1] {
                let expected = x as f64 + by as f64;
                assert_eq!(step(x, by) as f64, expected, "{x} + {by}");
            }
        }
    }

    #[test]
    fn counters_take_only_integers() {
        for n in [3.0, -7.0, 0.0, (1u64 << 53) as f64, -((1u64 << 53) as f64)] {
            assert_eq!(integral_number(&Value::number(n)), Some(n as i64));
        }
        for n in [-0.0, 0.5, f64::NAN, f64::INFINITY, (1u64 << 54) as f64] {
            assert_eq!(integral_number(&Value::number(n)), None, "{n}");
        }
        assert_eq!(integral_number(&Value::from("1")), None);
    }

    #[test]
    fn a_path_reads_as_its_steps_do() {
        let json = r#"{"ixn": {"interactions": {"i1": {"parties": {"i1-1": {"device": "d1"}}, "list": [5, 6]}}}}"#;
        let root = crate::json::parse(json).unwrap_or_default();
        let steps = |keys: &[&str]| keys.iter().try_fold(root.clone(), |v, k| get_str(&v, k));
        for keys in [
            &["ixn", "interactions", "i1", "parties", "i1-1", "device"][..],
            &["ixn", "interactions", "i1", "list", "1"],
            &["ixn", "interactions", "i1", "list", "length"],
            &["ixn", "interactions", "i1", "parties", "i1-1", "device", "length"],
            &["ixn", "missing"],
            &["ixn", "missing", "device"],
            &["ixn", "interactions", "i2", "parties"],
            &[],
        ] {
            let (path, steps) = (get_path(&root, keys), steps(keys));
            let same = match (&path, &steps) {
                (Ok(a), Ok(b)) => strict_eq(a, b),
                (Err(a), Err(b)) => a.to_string() == b.to_string(),
                _ => false,
            };
            assert!(same, "{keys:?}: {path:?} against {steps:?}");
        }
        // A chain that runs back into itself: the object locked up the walk
        // is read again, without waiting on itself.
        let me = Value::object();
        let _ = set_str(&me, "me", me.clone());
        let _ = set_str(&me, "x", Value::from(7));
        let value = get_path(&me, &["me", "me", "me", "x"]);
        assert_eq!(value.ok().map(|v| v.to_number()), Some(7.0));
        let _ = delete(&me, &Value::from("me"));
    }

    #[test]
    fn remainders_keep_the_dividends_sign_as_javascript_does() {
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        for (x, y, r) in [
            (5.0, 2.0, 1.0),
            (-5.0, 2.0, -1.0),
            (5.0, -2.0, 1.0),
            (4.0, 2.0, 0.0),
            (-4.0, 2.0, -0.0),
            (-0.0, 3.0, -0.0),
            (5.5, 2.0, 1.5),
            (-5.5, 2.0, -1.5),
            (1.0, 0.0, f64::NAN),
            (f64::INFINITY, 2.0, f64::NAN),
            (3.0, f64::INFINITY, 3.0),
            (i64::MIN as f64, -1.0, -0.0),
            (1e300, 3.0, 1e300 % 3.0),
            // Out of i64's range, NaN and the edges of the range take the
            // slow path or the exact one, never a wrong truncation.
            (-1e300, 7.0, -1e300 % 7.0),
            (9.3e18, 10.0, 9.3e18 % 10.0),
            (f64::NAN, 2.0, f64::NAN),
            (7.0, f64::NAN, f64::NAN),
            (i64::MIN as f64, 3.0, i64::MIN as f64 % 3.0),
            (9_223_372_036_854_775_808.0, 3.0, 9_223_372_036_854_775_808.0 % 3.0),
            (2.0, 1e300, 2.0),
        ] {
            assert!(same(rem_number(x, y), r), "{x} % {y} = {} not {r}", rem_number(x, y));
        }
    }

    #[test]
    fn rem_is_agrees_with_comparing_rem_number() {
        let dividends = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            4.0,
            -5.0,
            5.5,
            -5.5,
            1e300,
            -1e300,
            9.3e18,
            i64::MIN as f64,
            9_223_372_036_854_775_808.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MAX,
            -f64::MAX,
            1.8e19,
            -2.5e25,
            f64::MIN_POSITIVE / 4.0,
        ];
        for x in dividends {
            for divisor in [1, 2, 3, 7, -1, -2, 1000, -999_999_937, 1 << 53, -(1 << 53)] {
                // The true remainder among the ks, so that a match is tested too.
                let r = rem_number(x, divisor as f64);
                for k in [0, 1, -1, 2, -3, if r.is_finite() { r as i64 } else { 0 }] {
                    let expected = r == k as f64;
                    assert_eq!(rem_is(x, divisor, k), expected, "{x} % {divisor} == {k}");
                }
            }
        }
    }

    #[test]
    fn a_summed_key_reads_as_the_sum_does() {
        let long = "x".repeat(KEY_INLINE);
        let values = [
            Value::from("ixn-1"),
            Value::from("-1"),
            Value::from(""),
            Value::from("é€"),
            Value::from(long.as_str()),
            Value::from(7),
            Value::from(0.5),
            Value::Undefined,
            Value::Null,
            Value::boolean(true),
            Value::object(),
        ];
        for a in &values {
            for b in &values {
                let sum = add(a.clone(), b.clone());
                assert_eq!(&*key_sum(a, b), &*sum.js_str(), "{a:?} + {b:?}");
            }
        }
    }

    #[test]
    fn plus_concatenates_or_adds() {
        assert!(strict_eq(&add(Value::from(1), Value::from(2)), &Value::from(3)));
        assert!(strict_eq(&add(Value::from("a"), Value::from(1)), &Value::from("a1")));
        assert!(strict_eq(&add(Value::Undefined, Value::from(1)).type_of().into(), &Value::from("number")));
    }

    #[test]
    fn loose_equality_follows_the_spec() {
        assert!(loose_eq(&Value::from("123"), &Value::from(123)));
        assert!(loose_eq(&Value::Null, &Value::Undefined));
        assert!(!loose_eq(&Value::Null, &Value::from(0)));
        assert!(loose_eq(&Value::boolean(true), &Value::from(1)));
        assert!(!strict_eq(&Value::from("1"), &Value::from(1)));
    }

    #[test]
    fn member_access_on_undefined_is_a_type_error() {
        assert!(get_str(&Value::Undefined, "x").is_err());
        assert!(set_str(&Value::Null, "x", Value::Null).is_err());
        assert!(get_str(&Value::object(), "x").is_ok_and(|v| v.is_undefined()));
    }

    #[test]
    fn remainder_keeps_javascript_signs() {
        let r = |a: f64, b: f64| match rem(Value::number(a), Value::number(b)) {
            Value::Number(n) => n.get(),
            _ => f64::NAN,
        };
        assert_eq!(r(7.0, 2.0), 1.0);
        assert_eq!(r(-7.0, 2.0), -1.0);
        assert_eq!(r(7.0, -2.0), 1.0);
        assert!(r(-4.0, 2.0) == 0.0 && r(-4.0, 2.0).is_sign_negative());
        assert!(r(0.0, 2.0) == 0.0);
        assert!(r(5.0, 0.0).is_nan());
        assert_eq!(r(5.5, 2.0), 1.5);
        assert_eq!(r(1e300, 7.0), 1e300 % 7.0);
    }

    #[test]
    fn concat_flattens_one_level() {
        let a = Value::array(vec![Value::from(1)]);
        let r = call_method(&Value::array(vec![]), "concat", vec![a, Value::array(vec![Value::from(4)])]);
        assert_eq!(r.map(|v| v.to_js_string()).ok().as_deref(), Some("1,4"));
    }
}
