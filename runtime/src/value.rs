//! A JavaScript-like value: what the ECMAScript datamodel needs, with the
//! language's own equality, truthiness and number formatting.
use crate::Str;
use std::fmt;

pub use counted::{Borrowed, Counted, Shared};

/// How objects and arrays are shared. A session's values live on one
/// thread, as a JavaScript realm's do: counted by a plain integer (our own
/// `Rc`) and borrowed through a `RefCell`, with no atomic instruction (an
/// uncontended atomic update costs about 20 cycles, and a seed call made
/// 37 of them). With the
/// feature `sync` they are counted by `triomphe::Arc` and locked by a spin
/// lock instead, so values, events and sessions are `Send`.
#[cfg(not(feature = "sync"))]
mod counted {
    use std::alloc::Layout;
    use std::cell::{Cell, RefCell, RefMut};
    use std::fmt;
    use std::marker::PhantomData;
    use std::ptr::NonNull;

    /// The reference count of [`super::Value::Object`] and
    /// [`super::Value::Array`]: an `Rc` without a weak count (nothing holds
    /// a weak reference to a value), its box one of the thread's small
    /// blocks (see `blocks.rs`).
    pub struct Counted<T>(NonNull<CountedBox<T>>, PhantomData<CountedBox<T>>);

    struct CountedBox<T> {
        count: Cell<usize>,
        value: T,
    }

    impl<T> Counted<T> {
        #[inline]
        pub fn new(value: T) -> Self {
            let block = crate::blocks::allocate(Layout::new::<CountedBox<T>>()).cast::<CountedBox<T>>();
            // SAFETY: a fresh block with the box's size and alignment.
            unsafe { block.as_ptr().write(CountedBox { count: Cell::new(1), value }) };
            Counted(block, PhantomData)
        }

        /// Whether the two are the same object, as `===` asks.
        #[inline]
        pub fn ptr_eq(a: &Self, b: &Self) -> bool {
            a.0 == b.0
        }

        #[inline]
        fn count(&self) -> &Cell<usize> {
            // SAFETY: the box lives while any `Counted` of it does.
            unsafe { &self.0.as_ref().count }
        }

        /// The last count is gone: drops the value, gives back the block.
        #[cold]
        #[inline(never)]
        fn free(&mut self) {
            // SAFETY: no other `Counted` points at the box; it was made by
            // `new` from a block of this layout.
            unsafe {
                std::ptr::drop_in_place(&mut (*self.0.as_ptr()).value);
                crate::blocks::release(self.0.cast::<u8>(), Layout::new::<CountedBox<T>>());
            }
        }
    }

    impl<T> Clone for Counted<T> {
        #[inline]
        fn clone(&self) -> Self {
            let n = self.count().get().wrapping_add(1);
            if n == 0 {
                // As `Rc` does: only leaking `usize::MAX` clones gets here.
                std::process::abort();
            }
            self.count().set(n);
            Counted(self.0, PhantomData)
        }
    }

    impl<T> Drop for Counted<T> {
        #[inline]
        fn drop(&mut self) {
            let n = self.count().get() - 1;
            self.count().set(n);
            if n == 0 {
                self.free();
            }
        }
    }

    impl<T> std::ops::Deref for Counted<T> {
        type Target = T;
        #[inline]
        fn deref(&self) -> &T {
            // SAFETY: the box lives while any `Counted` of it does, and its
            // value is only ever borrowed shared through one.
            unsafe { &self.0.as_ref().value }
        }
    }

    impl<T: fmt::Debug> fmt::Debug for Counted<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Debug::fmt(&**self, f)
        }
    }

    /// Interior mutability for objects and arrays shared by reference, as
    /// in JavaScript. Code that walks nested values uses
    /// [`Shared::try_borrow`], so a cyclic value is seen as a cycle instead
    /// of borrowing the same object twice.
    #[derive(Debug, Default)]
    pub struct Shared<T>(RefCell<T>);

    /// A borrow of a [`Shared`] value, released when dropped.
    pub type Borrowed<'a, T> = RefMut<'a, T>;

    impl<T> Shared<T> {
        pub fn new(value: T) -> Self {
            Shared(RefCell::new(value))
        }
        /// Every borrow is exclusive and short: a lookup or a store. The
        /// runtime never holds one while it evaluates an expression.
        #[inline]
        pub fn borrow(&self) -> Borrowed<'_, T> {
            self.0.borrow_mut()
        }
        #[inline]
        pub fn borrow_mut(&self) -> Borrowed<'_, T> {
            self.0.borrow_mut()
        }
        /// `None` while this value is already being walked (a cycle).
        #[inline]
        pub fn try_borrow(&self) -> Option<Borrowed<'_, T>> {
            self.0.try_borrow_mut().ok()
        }
        /// A look at the value that takes no borrow, for a read that
        /// runs nothing else while it looks (a path's walk); `None` while
        /// the value is borrowed.
        ///
        /// # Safety
        /// Nothing may borrow the value while the reference lives.
        #[inline]
        pub(crate) unsafe fn peek(&self) -> Option<&T> {
            // SAFETY: the caller's promise.
            unsafe { self.0.try_borrow_unguarded().ok() }
        }
    }
}

/// With the feature `sync`: values shared between threads.
#[cfg(feature = "sync")]
mod counted {
    use spin::mutex::{SpinMutex, SpinMutexGuard};

    /// The reference count of [`super::Value::Object`] and
    /// [`super::Value::Array`]: no weak count, as nothing holds a weak
    /// reference to a value, so dropping one is one atomic update, not two.
    pub type Counted<T> = triomphe::Arc<T>;

    /// Interior mutability that is `Send` and `Sync`. Code that walks
    /// nested values uses [`Shared::try_borrow`], so a cyclic value is seen
    /// as a cycle instead of locking the same object twice.
    ///
    /// A spin lock, not a `Mutex`: an object is nearly always reached by
    /// one session at a time, and each borrow is a lookup or a store.
    /// Taking it is one compare-and-swap and letting it go a plain store,
    /// where a `Mutex` pays a second atomic swap to look for sleepers. A
    /// thread that finds it taken yields its time slice, so a holder that
    /// was preempted gets to run. A panic while holding it releases it as
    /// the guard drops: there is no poisoning to recover from.
    #[derive(Debug, Default)]
    pub struct Shared<T>(SpinMutex<T, spin::relax::Yield>);

    /// A borrow of a [`Shared`] value, released when dropped.
    pub type Borrowed<'a, T> = SpinMutexGuard<'a, T, spin::relax::Yield>;

    impl<T> Shared<T> {
        pub fn new(value: T) -> Self {
            Shared(SpinMutex::new(value))
        }
        #[inline]
        pub fn borrow(&self) -> Borrowed<'_, T> {
            self.0.lock()
        }
        #[inline]
        pub fn borrow_mut(&self) -> Borrowed<'_, T> {
            self.0.lock()
        }
        /// `None` while this value is already being walked (a cycle).
        #[inline]
        pub fn try_borrow(&self) -> Option<Borrowed<'_, T>> {
            self.0.try_lock()
        }
    }
}

/// Two words: the tag, and a payload that is a whole word in every
/// variant (a number's bits, a boolean as 0 or 1, a pointer). rustc then
/// gives `Value` its two-scalar ABI: a value is passed and returned in two
/// registers and moved as two 8-byte loads and stores. With a `bool` or
/// an `f64` payload it was an aggregate, moved with one 16-byte load that
/// stalled whenever it read a value just written as two 8-byte stores
/// (store forwarding needs the load inside one store): most of the seed
/// call's time went there (BENCHMARKS.md). `Option<Value>` is 16 bytes too.
#[derive(Clone, Debug, Default)]
#[repr(u64)]
pub enum Value {
    #[default]
    Undefined,
    Null,
    Bool(Truth),
    Number(Num),
    /// One pointer wide; the chart's string literals are static, not allocated.
    String(Str),
    /// Objects are shared by reference, as in JavaScript.
    Object(Counted<Shared<Object>>),
    Array(Counted<Shared<Vec<Value>>>),
    /// A function compiled from the chart's ECMAScript.
    Function(&'static Function),
}

/// The number in a [`Value::Number`], kept as its `f64`'s bits (see
/// [`Value`]). No `PartialEq`: JavaScript's `==` on numbers is the
/// `f64`'s (`-0 == 0`, `NaN != NaN`), so compare [`Num::get`]s.
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
pub struct Num(u64);

impl Num {
    #[inline(always)]
    pub const fn new(n: f64) -> Num {
        Num(n.to_bits())
    }
    #[inline(always)]
    pub const fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl std::fmt::Debug for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// The boolean in a [`Value::Bool`], a whole word (see [`Value`]).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct Truth(u64);

impl Truth {
    pub const TRUE: Truth = Truth(1);
    pub const FALSE: Truth = Truth(0);
    #[inline(always)]
    pub const fn new(b: bool) -> Truth {
        Truth(b as u64)
    }
    #[inline(always)]
    pub const fn get(self) -> bool {
        self.0 != 0
    }
}

impl std::fmt::Debug for Truth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// The signature every compiled function shares: the session's datamodel
/// (downcast to the chart's own `Data`), its core, the arguments.
pub type FunctionBody = fn(&mut dyn std::any::Any, &mut crate::Core, &[Value]) -> Result<Value, crate::ExecError>;

/// A function value: one `static` per function in the generated code, so
/// two values are the same function when they point at the same static.
pub struct Function {
    pub name: &'static str,
    pub call: FunctionBody,
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function {}()", self.name)
    }
}

/// An object with properties in insertion order (JSON and `uneval` print that order).
#[derive(Clone, Debug, Default)]
pub struct Object {
    entries: Entries,
}

/// Most objects a chart makes hold one or two properties (an answer's
/// `requestid` and `interactionid`, `{dn, switch}`): those live inside the
/// object's own allocation, so making one is one allocation, not two.
type Entries = smallvec::SmallVec<[(Str, Value); 2]>;

/// An object's entries, taken in order as they come: a push per entry
/// into room made once. `SmallVec`'s `collect` costs twice that on the
/// one- and two-entry objects charts make.
fn entries_of(entries: impl ExactSizeIterator<Item = (Str, Value)>) -> Entries {
    let mut out = Entries::with_capacity(entries.len());
    for entry in entries {
        out.push(entry);
    }
    out
}

impl Object {
    pub fn new() -> Self {
        Self::default()
    }
    /// An empty object with room for `n` properties.
    pub fn with_capacity(n: usize) -> Self {
        Object { entries: Entries::with_capacity(n) }
    }
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }
    pub fn contains(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| &**k == key)
    }
    pub fn set(&mut self, key: &str, value: Value) {
        match self.entries.iter_mut().find(|(k, _)| &**k == key) {
            Some((_, slot)) => *slot = value,
            None => self.entries.push((Str::from(key), value)),
        }
    }
    /// [`Self::set`] with a key already made: a static literal's costs nothing.
    pub fn insert(&mut self, key: Str, value: Value) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = value,
            None => self.entries.push((key, value)),
        }
    }
    /// [`Self::insert`] of a key the caller knows is not there yet (an
    /// answer's fixed fields): no lookup first.
    pub(crate) fn insert_new(&mut self, key: Str, value: Value) {
        debug_assert!(!self.contains(&key));
        self.entries.push((key, value));
    }
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(k, _)| &**k != key);
        before != self.entries.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Value {
    /// A number value: `Value::Number` of the `f64`.
    #[inline(always)]
    pub const fn number(n: f64) -> Value {
        Self::Number(Num::new(n))
    }

    /// A boolean value: `Value::Bool` of the `bool`.
    #[inline(always)]
    pub const fn boolean(b: bool) -> Value {
        Self::Bool(Truth::new(b))
    }

    pub fn object() -> Value {
        Value::Object(Counted::new(Shared::new(Object::new())))
    }

    pub fn object_from<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        // Exactly the room its entries need: a literal's object rarely grows.
        let entries = entries.into_iter();
        let mut object = Object::with_capacity(entries.size_hint().0);
        for (k, v) in entries {
            object.set(k, v);
        }
        Value::from(object)
    }

    /// An object literal, `{a: 1, b: x}`: its properties in order, a later
    /// duplicate replacing the earlier value in place, as in JavaScript.
    pub fn object_literal<const N: usize>(entries: [(Str, Value); N]) -> Value {
        // Nearly always distinct keys: the entries are then taken as they
        // are, without a lookup before each.
        let distinct = (1..N).all(|i| entries[..i].iter().all(|(k, _)| *k != entries[i].0));
        if distinct {
            // Each entry read where the caller wrote it, a word at a time:
            // moving the array into an iterator first copied it in 16-byte
            // loads that waited on the caller's 8-byte stores.
            let entries = std::mem::ManuallyDrop::new(entries);
            let mut out = Entries::with_capacity(N);
            for entry in entries.iter() {
                // SAFETY: each entry is read once and the array, in a
                // `ManuallyDrop`, never drops them: they move into `out`.
                out.push(unsafe { std::ptr::read(entry) });
            }
            return Value::from(Object { entries: out });
        }
        let mut object = Object::with_capacity(N);
        for (k, v) in entries {
            object.insert(k, v);
        }
        Value::from(object)
    }

    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Counted::new(Shared::new(items)))
    }

    pub fn string(s: &str) -> Value {
        Value::String(Str::from(s))
    }

    /// ECMAScript ToBoolean.
    #[inline]
    pub fn truthy(&self) -> bool {
        match self {
            Value::Undefined | Value::Null => false,
            Value::Bool(b) => b.get(),
            Value::Number(n) => n.get() != 0.0 && !n.get().is_nan(),
            Value::String(s) => !s.is_empty(),
            Value::Object(_) | Value::Array(_) | Value::Function(_) => true,
        }
    }

    /// ECMAScript ToNumber.
    #[inline]
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Undefined => f64::NAN,
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(b.get())),
            Value::Number(n) => n.get(),
            Value::String(s) => string_to_number(s),
            Value::Array(_) | Value::Object(_) => string_to_number(&self.to_js_string()),
            Value::Function(_) => f64::NAN,
        }
    }

    /// ECMAScript ToString.
    /// [`Self::to_js_string`], borrowed where the value already is that
    /// text (strings, `undefined`, booleans...): no allocation for them.
    pub fn js_str(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Value::String(s) => Cow::Borrowed(s),
            Value::Undefined => Cow::Borrowed("undefined"),
            Value::Null => Cow::Borrowed("null"),
            Value::Bool(Truth::TRUE) => Cow::Borrowed("true"),
            Value::Bool(_) => Cow::Borrowed("false"),
            Value::Object(_) => Cow::Borrowed("[object Object]"),
            other => Cow::Owned(other.to_js_string()),
        }
    }

    pub fn to_js_string(&self) -> String {
        match self {
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.get().to_string(),
            Value::Number(n) => format_number(n.get()),
            Value::String(s) => s.to_string(),
            Value::Object(_) => "[object Object]".into(),
            Value::Function(f) => format!("function {}() {{ [compiled code] }}", f.name),
            // A cyclic array prints as empty where it recurs, as in JavaScript.
            Value::Array(items) => items
                .try_borrow()
                .map(|items| {
                    items
                        .iter()
                        .map(|v| match v {
                            Value::Undefined | Value::Null => String::new(),
                            other => other.to_js_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default(),
        }
    }

    /// The property key this value names (ToPropertyKey).
    pub fn to_key(&self) -> Str {
        match self {
            Value::String(s) => s.clone(),
            other => Str::from(other.to_js_string()),
        }
    }

    pub fn type_of(&self) -> &'static str {
        match self {
            Value::Undefined => "undefined",
            Value::Null | Value::Object(_) | Value::Array(_) => "object",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Function(_) => "function",
        }
    }

    pub fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }

    /// Not an object, an array or a function: comparing it with another
    /// such value borrows nothing.
    pub fn is_primitive(&self) -> bool {
        !matches!(self, Value::Object(_) | Value::Array(_) | Value::Function(_))
    }

    /// A copy that shares nothing with `self` (for values crossing sessions or events).
    pub fn deep_clone(&self) -> Value {
        match self {
            // A cycle is cut: where a value recurs, the copy holds null.
            Value::Object(o) => match o.try_borrow() {
                Some(o) => {
                    // Keys are immutable strings: shared, not copied.
                    let entries = entries_of(o.entries.iter().map(|(k, v)| (k.clone(), v.deep_clone())));
                    Value::from(Object { entries })
                }
                None => Value::Null,
            },
            Value::Array(a) => match a.try_borrow() {
                Some(a) => Value::array(a.iter().map(Value::deep_clone).collect()),
                None => Value::Null,
            },
            other => other.clone(),
        }
    }

    /// `JSON.stringify`; `None` where JavaScript gives `undefined`.
    pub fn to_json(&self) -> Option<String> {
        self.to_json_indented("")
    }

    /// `JSON.stringify(value, null, indent)`: each item and entry on a
    /// line of its own, `indent` once more per level, when not empty.
    pub fn to_json_indented(&self, indent: &str) -> Option<String> {
        let mut out = String::new();
        self.write_json(&mut out, 0, indent).then_some(out)
    }

    fn write_json(&self, out: &mut String, depth: usize, indent: &str) -> bool {
        let new_line = |out: &mut String, level: usize| {
            if !indent.is_empty() {
                out.push('\n');
                (0..level).for_each(|_| out.push_str(indent));
            }
        };
        if depth > 256 {
            out.push_str("null");
            return true;
        }
        match self {
            Value::Undefined | Value::Function(_) => return false,
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if b.get() { "true" } else { "false" }),
            Value::Number(n) if n.get().is_finite() => out.push_str(&format_number(n.get())),
            Value::Number(_) => out.push_str("null"),
            Value::String(s) => write_quoted(out, s),
            Value::Array(items) => {
                // A cycle prints as null where it recurs (JavaScript throws).
                let Some(items) = items.try_borrow() else {
                    out.push_str("null");
                    return true;
                };
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    new_line(out, depth + 1);
                    if !v.write_json(out, depth + 1, indent) {
                        out.push_str("null");
                    }
                }
                if !items.is_empty() {
                    new_line(out, depth);
                }
                out.push(']');
            }
            Value::Object(o) => {
                let Some(o) = o.try_borrow() else {
                    out.push_str("null");
                    return true;
                };
                out.push('{');
                let mut first = true;
                for (k, v) in o.iter() {
                    let mark = out.len();
                    if !first {
                        out.push(',');
                    }
                    new_line(out, depth + 1);
                    write_quoted(out, k);
                    out.push_str(if indent.is_empty() { ":" } else { ": " });
                    if v.write_json(out, depth + 1, indent) {
                        first = false;
                    } else {
                        out.truncate(mark);
                    }
                }
                if !first {
                    new_line(out, depth);
                }
                out.push('}');
            }
        }
        true
    }

    /// SpiderMonkey's `uneval`: source text that evaluates to the value.
    pub fn uneval(&self) -> String {
        // Room for a small object: most grow no further.
        let mut out = String::with_capacity(128);
        self.write_source(&mut out, true, 0);
        out
    }

    fn write_source(&self, out: &mut String, top: bool, depth: usize) {
        if depth > 256 {
            out.push_str("null");
            return;
        }
        match self {
            Value::Undefined => out.push_str("(void 0)"),
            Value::String(s) => write_quoted(out, s),
            Value::Array(items) => {
                let Some(items) = items.try_borrow() else {
                    out.push_str("[]");
                    return;
                };
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_source(out, false, depth + 1);
                }
                out.push(']');
            }
            Value::Object(o) => {
                let Some(o) = o.try_borrow() else {
                    out.push_str("{}");
                    return;
                };
                if top {
                    out.push('(');
                }
                out.push('{');
                for (i, (k, v)) in o.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if is_identifier_name(k) {
                        out.push_str(k);
                    } else {
                        write_quoted(out, k);
                    }
                    out.push(':');
                    v.write_source(out, false, depth + 1);
                }
                out.push('}');
                if top {
                    out.push(')');
                }
            }
            other => out.push_str(&other.to_js_string()),
        }
    }
}

fn is_identifier_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

fn write_quoted(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Runs of characters that need no escape are copied whole; every byte
    // that does is ASCII, so slicing at it keeps UTF-8 boundaries.
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            b if b < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[run..i]);
        match escape {
            Some(escape) => out.push_str(escape),
            None => out.push_str(&format!("\\u{:04x}", b)),
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// The pieces joined into one string, allocated once at its exact size:
/// the ids and event names made on every request and send.
pub(crate) fn join(parts: &[&str]) -> Str {
    let len = parts.iter().map(|p| p.len()).sum();
    if len == 0 {
        return Str::new();
    }
    let fill = |buf: &mut [std::mem::MaybeUninit<u8>]| {
        let mut at = buf.as_mut_ptr().cast::<u8>();
        for part in parts.iter().filter(|p| !p.is_empty()) {
            // SAFETY: the parts' lengths add up to the buffer's, so each
            // copy stays inside it; a `&str` never overlaps a new buffer.
            unsafe {
                copy_short(part.as_ptr(), at, part.len());
                at = at.add(part.len());
            }
        }
    };
    // SAFETY: `fill` writes every one of the `len` bytes (the parts'
    // lengths add up to it), and strings laid end to end are UTF-8. The
    // checked `init_with` would zero the buffer first and validate it after.
    unsafe { Str::init_with_unchecked(len, fill) }
}

/// Copies `len` bytes from `src` to `dst`, as `copy_nonoverlapping`, with
/// no call for the short parts of ids (`session-`, `-req`, a few digits):
/// two overlapping word copies each, where `memcpy`'s set-up costs more
/// than the copy.
///
/// # Safety
/// As `copy_nonoverlapping`: `len` bytes readable at `src`, writable at
/// `dst`, the two apart.
#[inline(always)]
unsafe fn copy_short(src: *const u8, dst: *mut u8, len: usize) {
    use std::ptr::{read_unaligned, write_unaligned};
    // SAFETY: each pair of reads and writes covers `0..len` exactly, its
    // two halves overlapping in the middle, within the caller's bounds.
    unsafe {
        match len {
            8..=16 => {
                let (head, tail) = (read_unaligned(src.cast::<u64>()), read_unaligned(src.add(len - 8).cast::<u64>()));
                write_unaligned(dst.cast::<u64>(), head);
                write_unaligned(dst.add(len - 8).cast::<u64>(), tail);
            }
            4..=7 => {
                let (head, tail) = (read_unaligned(src.cast::<u32>()), read_unaligned(src.add(len - 4).cast::<u32>()));
                write_unaligned(dst.cast::<u32>(), head);
                write_unaligned(dst.add(len - 4).cast::<u32>(), tail);
            }
            1..=3 => {
                let (head, tail) = (src.read(), src.add(len - 1).read());
                dst.add(len / 2).write(src.add(len / 2).read());
                dst.write(head);
                dst.add(len - 1).write(tail);
            }
            _ => std::ptr::copy_nonoverlapping(src, dst, len),
        }
    }
}

/// `n` in decimal, written into `buf`: numbering ids without `format!`,
/// two digits at a time.
pub(crate) fn decimal(n: u64, buf: &mut itoa::Buffer) -> &str {
    buf.format(n)
}

/// ECMAScript StringToNumber, for the decimal, hex and Infinity forms.
pub(crate) fn string_to_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return 0.0;
    }
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).map_or(f64::NAN, |v| v as f64);
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    // Rust accepts "inf"/"nan"; JavaScript does not.
    if t.chars().any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// Number::prototype.toString() for radix 10.
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n == 0.0 {
        return "0".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    // Rust's `{:e}` gives the shortest digits that round-trip, as JavaScript requires.
    let sci = format!("{:e}", n.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n_pos = exp + 1;
    let body = if k <= n_pos && n_pos <= 21 {
        format!("{digits}{}", "0".repeat((n_pos - k) as usize))
    } else if 0 < n_pos && n_pos <= 21 {
        format!("{}.{}", &digits[..n_pos as usize], &digits[n_pos as usize..])
    } else if -6 < n_pos && n_pos <= 0 {
        format!("0.{}{digits}", "0".repeat((-n_pos) as usize))
    } else {
        let e = n_pos - 1;
        let e_sign = if e >= 0 { "+" } else { "-" };
        if k == 1 {
            format!("{digits}e{e_sign}{}", e.abs())
        } else {
            format!("{}.{}e{e_sign}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    format!("{sign}{body}")
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_js_string())
    }
}

impl From<bool> for Value {
    #[inline]
    fn from(b: bool) -> Self {
        Value::boolean(b)
    }
}
impl From<f64> for Value {
    #[inline]
    fn from(n: f64) -> Self {
        Value::number(n)
    }
}
impl From<i32> for Value {
    #[inline]
    fn from(n: i32) -> Self {
        Value::number(f64::from(n))
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(Str::from(s))
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Str::from(s))
    }
}
impl From<Str> for Value {
    fn from(s: Str) -> Self {
        Value::String(s)
    }
}
/// A new object value, shared from here on as JavaScript objects are.
impl From<Object> for Value {
    fn from(object: Object) -> Self {
        Value::Object(Counted::new(Shared::new(object)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_literals_later_duplicate_replaces_the_value_in_place() {
        let keys = |v: &Value| match v {
            Value::Object(o) => o.borrow().iter().map(|(k, v)| format!("{k}={}", v.to_js_string())).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let n = |x: f64| Value::number(x);
        let distinct = Value::object_literal([(crate::static_str!("a"), n(1.0)), (crate::static_str!("b"), n(2.0))]);
        assert_eq!(keys(&distinct), ["a=1", "b=2"]);
        let a = Str::from("a");
        let repeated = Value::object_literal([(a.clone(), n(1.0)), (crate::static_str!("b"), n(2.0)), (a, n(3.0))]);
        assert_eq!(keys(&repeated), ["a=3", "b=2"]);
    }

    #[test]
    fn ids_are_joined_and_numbered_without_format() {
        let mut buf = itoa::Buffer::new();
        assert_eq!(decimal(0, &mut buf), "0");
        assert_eq!(decimal(907, &mut buf), "907");
        assert_eq!(decimal(u64::MAX, &mut buf), u64::MAX.to_string());
        assert_eq!(&*join(&["session-1", "-req", "12"]), "session-1-req12");
        assert_eq!(&*join(&["é", "", "ü"]), "éü");
        assert_eq!(&*join(&[]), "");
        let long = "ж".repeat(200);
        assert_eq!(&*join(&[&long, "-", &long]), format!("{long}-{long}"));
        // Every length the short copies handle, and past them, between
        // others: each part lands whole, where the one before it ended.
        let text: String = ('a'..='z').chain('A'..='Z').collect();
        for len in 0..=20 {
            let part = &text[..len];
            assert_eq!(&*join(&["<", part, ">", part]), format!("<{part}>{part}"), "{len}");
        }
    }

    #[test]
    fn a_value_is_two_words() {
        // Every datamodel slot, queued event and object property holds one.
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::size_of::<Option<Value>>(), 16);
    }

    #[test]
    fn numbers_print_as_javascript_does() {
        for (n, s) in [
            (1.0, "1"),
            (-0.0, "0"),
            (0.5, "0.5"),
            (1.5e-7, "1.5e-7"),
            (123456789.0, "123456789"),
            (1e21, "1e+21"),
            (0.000001, "0.000001"),
            (1.0 / 3.0, "0.3333333333333333"),
            (-42.25, "-42.25"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(format_number(n), s, "{n}");
        }
    }

    #[test]
    fn strings_convert_to_numbers() {
        assert_eq!(string_to_number(" 12 "), 12.0);
        assert_eq!(string_to_number(""), 0.0);
        assert_eq!(string_to_number("0x10"), 16.0);
        assert!(string_to_number("inf").is_nan());
        assert!(string_to_number("abc").is_nan());
    }

    #[test]
    fn uneval_matches_spidermonkey() {
        let v = Value::object_from([("interactionid", Value::from("ixn-1"))]);
        assert_eq!(v.uneval(), r#"({interactionid:"ixn-1"})"#);
        assert_eq!(Value::from("x").uneval(), r#""x""#);
        assert_eq!(Value::from("é\"\\\n\u{1}ü").uneval(), r#""é\"\\\n\u0001ü""#);
        let a = Value::array(vec![Value::from(1), Value::from("a")]);
        assert_eq!(a.uneval(), r#"[1, "a"]"#);
    }

    #[test]
    fn cyclic_values_print_and_copy_without_locking_up() {
        let a = Value::array(vec![Value::from(1)]);
        let _ = crate::ops::set_str(&a, "1", a.clone());
        assert_eq!(a.to_js_string(), "1,");
        assert_eq!(a.to_json().as_deref(), Some("[1,null]"));
        assert_eq!(a.uneval(), "[1, []]");
        let o = Value::object();
        let _ = crate::ops::set_str(&o, "me", o.clone());
        assert_eq!(o.to_json().as_deref(), Some(r#"{"me":null}"#));
        assert!(matches!(o.deep_clone(), Value::Object(_)));
        // Break the cycles so the test does not leak.
        let _ = crate::ops::set_str(&a, "length", Value::from(1));
        let _ = crate::ops::delete(&o, &Value::from("me"));
    }

    #[test]
    fn a_counted_value_is_dropped_once_with_its_last_count() {
        struct Dropped<'a>(&'a std::cell::Cell<u32>);
        impl Drop for Dropped<'_> {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let drops = std::cell::Cell::new(0);
        let first = Counted::new(Dropped(&drops));
        let copies: Vec<_> = (0..3).map(|_| first.clone()).collect();
        assert!(copies.iter().all(|c| Counted::ptr_eq(c, &first)));
        assert!(!Counted::ptr_eq(&first, &Counted::new(Dropped(&drops))));
        assert_eq!(drops.get(), 1, "only the other value was dropped");
        drop(copies);
        assert_eq!(drops.get(), 1);
        drop(first);
        assert_eq!(drops.get(), 2);
    }

    #[cfg(feature = "sync")]
    #[test]
    fn an_object_shared_by_threads_loses_no_update() {
        let counter = Value::array(vec![Value::from(0)]);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let Value::Array(shared) = counter.clone() else { unreachable!() };
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        let mut items = shared.borrow_mut();
                        let n = items[0].to_number();
                        items[0] = Value::from(n + 1.0);
                    }
                })
            })
            .collect();
        let finished = threads.into_iter().map(|t| t.join()).filter(Result::is_ok).count();
        assert_eq!(finished, 4, "a thread panicked");
        assert_eq!(crate::ops::get_str(&counter, "0").ok().map(|v| v.to_number()), Some(40_000.0));
    }

    #[cfg(feature = "sync")]
    #[test]
    fn values_and_sessions_can_move_between_threads() {
        fn assert_send<T: Send>() {}
        assert_send::<Value>();
        assert_send::<crate::Event>();
        assert_send::<crate::Core>();
    }

    #[test]
    fn json_skips_undefined_members() {
        let v = Value::object_from([("a", Value::from(1)), ("b", Value::Undefined), ("c", Value::Null)]);
        assert_eq!(v.to_json().as_deref(), Some(r#"{"a":1,"c":null}"#));
    }
}
