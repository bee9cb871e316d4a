//! [`Str`], the runtime's string: one pointer wide, immutable, reference
//! counted, and free to copy when it is one of the chart's literals.
//!
//! A string lives on the thread of the session that made it, as the
//! session's objects do: its count is a plain integer. With the feature
//! `sync` the count is atomic and a `Str` is `Send` and `Sync`.
use std::alloc::{handle_alloc_error, Layout};
use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::{size_of, MaybeUninit};
use std::ops::Deref;
use std::ptr::NonNull;

#[cfg(not(feature = "sync"))]
type Count = std::cell::Cell<usize>;
#[cfg(feature = "sync")]
type Count = std::sync::atomic::AtomicUsize;

/// What a string's pointer points at; its bytes follow. A static string
/// has the same layout ([`StaticStr`]) and its count is never touched.
#[repr(C)]
struct Header {
    /// The length in bytes, shifted left by one; the low bit marks a
    /// static string. Set once, so reading it never races.
    len_flag: usize,
    count: Count,
}

const STATIC: usize = 1;

/// A string literal laid out as a [`Str`] at compile time, by
/// [`static_str!`](crate::static_str).
#[doc(hidden)]
#[repr(C)]
pub struct StaticStr<const N: usize> {
    len_flag: usize,
    /// Where a heap string keeps its count; a static one has none.
    unused: usize,
    bytes: [u8; N],
}

impl<const N: usize> StaticStr<N> {
    /// `text` is `N` bytes long: the macro takes `N` from it, and a static
    /// made any other way fails to compile.
    pub const fn new(text: &str) -> Self {
        let text = text.as_bytes();
        assert!(text.len() == N, "a static string's length is its text's");
        let mut bytes = [0; N];
        let mut i = 0;
        while i < N {
            bytes[i] = text[i];
            i += 1;
        }
        StaticStr { len_flag: (N << 1) | STATIC, unused: 0, bytes }
    }
}

/// An immutable string, one pointer wide.
pub struct Str(NonNull<Header>);

// SAFETY: with `sync` the count is atomic and the bytes never change, as
// with `Arc<str>`.
#[cfg(feature = "sync")]
unsafe impl Send for Str {}
#[cfg(feature = "sync")]
unsafe impl Sync for Str {}

static EMPTY: StaticStr<0> = StaticStr::new("");

impl Str {
    /// The empty string: static, nothing allocated.
    #[inline]
    pub fn new() -> Str {
        Str::from_static(&EMPTY)
    }

    #[doc(hidden)]
    #[inline]
    pub const fn from_static<const N: usize>(text: &'static StaticStr<N>) -> Str {
        // SAFETY: a reference is not null. `StaticStr` begins as `Header`
        // does (`repr(C)`, two words), and its static bit keeps the count
        // from ever being read or written through this pointer.
        Str(unsafe { NonNull::new_unchecked(text as *const StaticStr<N> as *mut Header) })
    }

    /// A string of `len` bytes written by `fill`, allocated once.
    ///
    /// # Safety
    /// `fill` must write all `len` bytes, and they must be UTF-8.
    pub(crate) unsafe fn init_with_unchecked(len: usize, fill: impl FnOnce(&mut [MaybeUninit<u8>])) -> Str {
        if len == 0 {
            return Str::new();
        }
        // SAFETY: the header is written before anything reads it, and
        // `fill` writes the `len` bytes that follow it (the caller's promise).
        unsafe {
            let header = crate::blocks::allocate(Self::layout(len)).cast::<Header>().as_ptr();
            header.write(Header { len_flag: len << 1, count: Count::new(1) });
            let bytes = header.cast::<u8>().add(size_of::<Header>()).cast::<MaybeUninit<u8>>();
            fill(std::slice::from_raw_parts_mut(bytes, len));
            Str(NonNull::new_unchecked(header))
        }
    }

    fn layout(len: usize) -> Layout {
        // A `&str` is at most `isize::MAX` bytes, so only a string no
        // allocator could hold fails here.
        match len.checked_add(size_of::<Header>()).map(|size| Layout::from_size_align(size, align_of::<Header>())) {
            Some(Ok(layout)) => layout,
            _ => handle_alloc_error(Layout::new::<Header>()),
        }
    }

    #[inline]
    fn len_flag(&self) -> usize {
        // SAFETY: the pointer is live while `self` is, and `len_flag` is
        // written once, before the string is shared.
        unsafe { (*self.0.as_ptr()).len_flag }
    }

    #[inline]
    fn is_static(&self) -> bool {
        self.len_flag() & STATIC != 0
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        let len = self.len_flag() >> 1;
        // SAFETY: `len` UTF-8 bytes follow the header, in the same
        // allocation (or static), and never change.
        unsafe {
            let bytes = self.0.as_ptr().cast::<u8>().add(size_of::<Header>());
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(bytes, len))
        }
    }

    /// The string if the program spells it out, without a count to keep.
    #[inline]
    pub fn as_static(&self) -> Option<&'static str> {
        if self.is_static() {
            // SAFETY: a static string's bytes live for the whole program.
            Some(unsafe { std::mem::transmute::<&str, &'static str>(self.as_str()) })
        } else {
            None
        }
    }

    /// Whether the two are the same string in memory, not just equal.
    #[inline]
    pub fn ptr_eq(a: &Str, b: &Str) -> bool {
        a.0 == b.0
    }

    /// The count of a heap string; only ever called on one.
    #[inline]
    fn count(&self) -> &Count {
        // SAFETY: a heap string's header is a live `Header` that only
        // this count's operations change.
        unsafe { &(*self.0.as_ptr()).count }
    }
}

#[cold]
fn count_overflow() -> ! {
    // As `Rc` and `Arc` do: only leaking `usize::MAX` clones gets here.
    std::process::abort()
}

impl Clone for Str {
    #[inline]
    fn clone(&self) -> Str {
        if !self.is_static() {
            #[cfg(not(feature = "sync"))]
            {
                let count = self.count();
                let n = count.get().wrapping_add(1);
                if n == 0 {
                    count_overflow();
                }
                count.set(n);
            }
            #[cfg(feature = "sync")]
            if self.count().fetch_add(1, std::sync::atomic::Ordering::Relaxed) > isize::MAX as usize {
                count_overflow();
            }
        }
        Str(self.0)
    }
}

impl Drop for Str {
    #[inline]
    fn drop(&mut self) {
        if self.is_static() {
            return;
        }
        #[cfg(not(feature = "sync"))]
        let last = {
            let count = self.count();
            let n = count.get() - 1;
            count.set(n);
            n == 0
        };
        #[cfg(feature = "sync")]
        let last = {
            use std::sync::atomic::{fence, Ordering};
            let last = self.count().fetch_sub(1, Ordering::Release) == 1;
            if last {
                fence(Ordering::Acquire);
            }
            last
        };
        if last {
            free(self.0, self.len_flag() >> 1);
        }
    }
}

#[cold]
#[inline(never)]
fn free(header: NonNull<Header>, len: usize) {
    // SAFETY: the last count is gone, so nothing else points here; the
    // layout is the one it was allocated with.
    unsafe { crate::blocks::release(header.cast::<u8>(), Str::layout(len)) }
}

impl Default for Str {
    fn default() -> Str {
        Str::new()
    }
}

impl Deref for Str {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Str {
    fn from(text: &str) -> Str {
        let fill = |buf: &mut [MaybeUninit<u8>]| {
            // SAFETY: `buf` is `text.len()` bytes, freshly allocated.
            unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), buf.as_mut_ptr().cast::<u8>(), text.len()) }
        };
        // SAFETY: `fill` copies all of `text`'s UTF-8 bytes.
        unsafe { Str::init_with_unchecked(text.len(), fill) }
    }
}

impl From<String> for Str {
    fn from(text: String) -> Str {
        Str::from(text.as_str())
    }
}

impl From<&String> for Str {
    fn from(text: &String) -> Str {
        Str::from(text.as_str())
    }
}

impl From<std::borrow::Cow<'_, str>> for Str {
    fn from(text: std::borrow::Cow<'_, str>) -> Str {
        Str::from(&*text)
    }
}

impl From<Str> for String {
    fn from(text: Str) -> String {
        text.as_str().to_owned()
    }
}

impl PartialEq for Str {
    #[inline]
    fn eq(&self, other: &Str) -> bool {
        Str::ptr_eq(self, other) || self.as_str() == other.as_str()
    }
}

impl Eq for Str {}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Str> for str {
    fn eq(&self, other: &Str) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Str> for &str {
    fn eq(&self, other: &Str) -> bool {
        *self == other.as_str()
    }
}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Str) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// Hashes as the `str` does, so a map keyed by `Str` is searched by `&str`.
impl Hash for Str {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A [`Str`] from a string literal, laid out at compile time: no
/// allocation, and no count to keep when it is copied or dropped.
#[macro_export]
macro_rules! static_str {
    ($text:expr) => {{
        const TEXT: &str = $text;
        static STR: $crate::string::StaticStr<{ TEXT.len() }> = $crate::string::StaticStr::new(TEXT);
        $crate::Str::from_static(&STR)
    }};
}

#[cfg(test)]
mod tests {
    use super::Str;
    use std::collections::HashMap;

    fn count_of(text: &Str) -> usize {
        #[cfg(not(feature = "sync"))]
        return text.count().get();
        #[cfg(feature = "sync")]
        return text.count().load(std::sync::atomic::Ordering::Relaxed);
    }

    #[test]
    fn static_and_heap_strings_read_alike() {
        let literal = crate::static_str!("queued");
        let made = Str::from(String::from("queu") + "ed");
        assert_eq!(literal, made);
        assert_eq!((literal.as_str(), made.as_str()), ("queued", "queued"));
        assert_eq!((literal.as_static(), made.as_static()), (Some("queued"), None));
        assert!(!Str::ptr_eq(&literal, &made));
        assert_eq!(format!("{literal}|{made:?}"), "queued|\"queued\"");
        assert_eq!(crate::static_str!(""), Str::new());
        assert_eq!(Str::from("").as_static(), Some(""), "an empty string allocates nothing");
        assert_eq!(crate::static_str!("é✓").len(), 5);
    }

    #[test]
    fn clones_share_until_the_last_is_dropped() {
        let first = Str::from("call-1-2");
        let copies: Vec<Str> = (0..5).map(|_| first.clone()).collect();
        assert_eq!(count_of(&first), 6);
        assert!(copies.iter().all(|c| Str::ptr_eq(c, &first)));
        drop(copies);
        assert_eq!(count_of(&first), 1);
        let second = first.clone();
        drop(first);
        assert_eq!(second.as_str(), "call-1-2", "the bytes outlive the first owner");
    }

    #[test]
    fn a_map_keyed_by_str_is_searched_by_str() {
        let mut map = HashMap::new();
        map.insert(Str::from("req-7"), 7);
        map.insert(crate::static_str!("req-8"), 8);
        assert_eq!((map.get("req-7"), map.get("req-8"), map.get("req-9")), (Some(&7), Some(&8), None));
        let mut sorted = vec![Str::from("b"), crate::static_str!("a"), Str::from("c")];
        sorted.sort();
        assert_eq!(sorted, ["a", "b", "c"]);
    }
}
