//! Buffers the generic microstep algorithm borrows for the length of one
//! step: pooled per thread rather than kept per session, so that a million
//! idle sessions hold none, and steady-state steps still allocate nothing.

use std::cell::{Cell, RefCell};
use std::ops::{Deref, DerefMut};
use std::thread::LocalKey;

/// Buffers kept per type and thread: enough for a session whose step runs
/// an invoked child's step, which borrows its own.
const POOLED: usize = 4;

/// A buffer type with a per-thread pool.
pub(crate) trait Reuse: Default + 'static {
    fn pool() -> &'static LocalKey<Pool<Self>>;
    /// Empties the buffer, keeping its capacity.
    fn reset(&mut self);
}

/// One thread's buffers of a type. The last one handed back waits in a
/// slot of its own: a session lends and returns one buffer per event, and
/// a slot taken and refilled costs a few loads and stores, where the
/// list's borrow flag and length cost several times that.
pub(crate) struct Pool<T> {
    last: Cell<Option<T>>,
    rest: RefCell<Vec<T>>,
}

impl<T> Pool<T> {
    pub(crate) const fn new() -> Self {
        Pool { last: Cell::new(None), rest: RefCell::new(Vec::new()) }
    }
}

/// Declares the pool of each buffer type.
macro_rules! reuse {
    ($($ty:ty => $reset:expr;)*) => {$(
        impl $crate::scratch::Reuse for $ty {
            fn pool() -> &'static ::std::thread::LocalKey<$crate::scratch::Pool<Self>> {
                thread_local!(static POOL: $crate::scratch::Pool<$ty> = const { $crate::scratch::Pool::new() });
                &POOL
            }
            fn reset(&mut self) {
                let reset: fn(&mut Self) = $reset;
                reset(self)
            }
        }
    )*};
}
pub(crate) use reuse;

reuse! {
    Vec<u16> => Vec::clear;
    Vec<(u32, Option<(u16, u16)>)> => Vec::clear;
}

/// An empty buffer from this thread's pool, returned to it when dropped.
pub(crate) fn take<T: Reuse>() -> Borrowed<T> {
    Borrowed(lend())
}

/// An empty buffer from this thread's pool, for the caller to hand back
/// with [`give_back`] (or to free); a new one if the pool has none.
pub(crate) fn lend<T: Reuse>() -> T {
    T::pool()
        .try_with(|pool| pool.last.take().or_else(|| pool.rest.borrow_mut().pop()))
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Empties `buffer` and keeps it in this thread's pool, if there is room.
pub(crate) fn give_back<T: Reuse>(mut buffer: T) {
    buffer.reset();
    // A thread being torn down has no pool: the buffer is just freed.
    let _ = T::pool().try_with(|pool| {
        if let Some(older) = pool.last.replace(Some(buffer)) {
            let mut rest = pool.rest.borrow_mut();
            if rest.len() < POOLED - 1 {
                rest.push(older);
            }
        }
    });
}

/// A pooled buffer, for the length of a step.
pub(crate) struct Borrowed<T: Reuse>(T);

impl<T: Reuse> Drop for Borrowed<T> {
    fn drop(&mut self) {
        give_back(std::mem::take(&mut self.0));
    }
}

impl<T: Reuse> Deref for Borrowed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Reuse> DerefMut for Borrowed<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::take;

    #[test]
    fn a_returned_buffer_comes_back_empty_with_its_room() {
        let room = {
            let mut b = take::<Vec<u16>>();
            b.extend(0..100);
            b.capacity()
        };
        let b = take::<Vec<u16>>();
        assert!(b.is_empty());
        assert_eq!(b.capacity(), room);
    }

    #[test]
    fn a_thread_keeps_up_to_pooled_buffers() {
        use super::{give_back, lend, POOLED};
        let buffers: Vec<Vec<u16>> = (0..POOLED + 2)
            .map(|_| {
                let mut b: Vec<u16> = lend();
                b.reserve(10);
                b
            })
            .collect();
        buffers.into_iter().for_each(give_back);
        let again: Vec<Vec<u16>> = (0..POOLED + 2).map(|_| lend()).collect();
        assert_eq!(again.iter().filter(|b| b.capacity() >= 10).count(), POOLED);
        assert!(again.iter().all(|b| b.is_empty()));
    }

    #[test]
    fn nested_borrows_get_distinct_buffers() {
        let mut outer = take::<Vec<u16>>();
        outer.push(1);
        let mut inner = take::<Vec<u16>>();
        inner.push(2);
        assert_eq!((&outer[..], &inner[..]), (&[1][..], &[2][..]));
    }
}
