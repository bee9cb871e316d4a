//! The session's event queues. Most of a session's life is spent idle,
//! with both queues empty: an empty queue holds no buffer. It borrows one
//! from the thread's pool when an event arrives and hands it back when it
//! is released empty, so that a million idle sessions hold none, and a
//! busy thread still allocates nothing per event.

use crate::scratch::{self, Reuse};
use std::collections::VecDeque;

/// A first-in first-out queue whose buffer, while it is empty, goes back
/// to the thread's pool (see [`Queue::release`]). One word: the buffer is
/// boxed, and the box is pooled with it.
#[allow(clippy::box_collection)] // One word inline instead of four; the box is reused.
pub(crate) struct Queue<T>(Option<Box<VecDeque<T>>>);

impl<T> Queue<T>
where
    Box<VecDeque<T>>: Reuse,
{
    pub(crate) const fn new() -> Self {
        Queue(None)
    }

    #[inline]
    pub(crate) fn push_back(&mut self, item: T) {
        match &mut self.0 {
            Some(queue) => queue.push_back(item),
            None => self.borrow_buffer(item),
        }
    }

    /// Out of line: once per burst of events, not per event.
    #[cold]
    #[inline(never)]
    fn borrow_buffer(&mut self, item: T) {
        let mut queue: Box<VecDeque<T>> = scratch::lend();
        queue.push_back(item);
        self.0 = Some(queue);
    }

    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        self.0.as_mut()?.pop_front()
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|queue| queue.is_empty())
    }

    /// Hands an empty queue's buffer back to the pool; a queue with events
    /// keeps it.
    #[inline]
    pub(crate) fn release(&mut self) {
        if let Some(queue) = self.0.take_if(|queue| queue.is_empty()) {
            scratch::give_back(queue);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Queue;
    use crate::Event;

    #[test]
    fn an_empty_queue_holds_no_buffer_once_released() {
        let mut queue: Queue<Event> = Queue::new();
        assert!(queue.0.is_none());
        queue.push_back(Event::external("a"));
        queue.push_back(Event::external("b"));
        queue.release();
        assert_eq!(queue.pop_front().map(|e| e.name.to_string()).as_deref(), Some("a"));
        assert_eq!(queue.pop_front().map(|e| e.name.to_string()).as_deref(), Some("b"));
        assert!(queue.pop_front().is_none());
        queue.release();
        assert!(queue.0.is_none());
        // The next queue gets the pooled buffer back, with its room.
        let mut other: Queue<Event> = Queue::new();
        other.push_back(Event::external("c"));
        assert!(other.0.as_ref().is_some_and(|q| q.capacity() >= 2));
    }
}
