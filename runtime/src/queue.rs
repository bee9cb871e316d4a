//! The session's event queues. Most of a session's life is spent idle,
//! with both queues empty: an empty queue holds no buffer. It borrows one
//! from the thread's pool when an event arrives and hands it back when it
//! is released empty, so that a million idle sessions hold none, and a
//! busy thread still allocates nothing per event.

use crate::scratch::{self, Reuse};
use std::collections::VecDeque;

/// A first-in first-out queue whose buffer, while it is empty, goes back
/// to the thread's pool (see [`Queue::release`]).
pub(crate) struct Queue<T>(VecDeque<T>);

impl<T> Queue<T>
where
    VecDeque<T>: Reuse,
{
    pub(crate) const fn new() -> Self {
        Queue(VecDeque::new())
    }

    #[inline]
    pub(crate) fn push_back(&mut self, item: T) {
        if self.0.capacity() == 0 {
            self.borrow_buffer();
        }
        self.0.push_back(item);
    }

    /// Out of line: once per burst of events, not per event.
    #[cold]
    #[inline(never)]
    fn borrow_buffer(&mut self) {
        self.0 = scratch::lend();
    }

    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        self.0.pop_front()
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Hands an empty queue's buffer back to the pool; a queue with events
    /// keeps it.
    #[inline]
    pub(crate) fn release(&mut self) {
        if self.0.is_empty() && self.0.capacity() != 0 {
            scratch::give_back(std::mem::take(&mut self.0));
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
        assert_eq!(queue.0.capacity(), 0);
        queue.push_back(Event::external("a"));
        queue.push_back(Event::external("b"));
        queue.release();
        assert_eq!(queue.pop_front().map(|e| e.name.to_string()).as_deref(), Some("a"));
        assert_eq!(queue.pop_front().map(|e| e.name.to_string()).as_deref(), Some("b"));
        assert!(queue.pop_front().is_none());
        queue.release();
        assert_eq!(queue.0.capacity(), 0);
        // The next queue gets the pooled buffer back.
        let mut other: Queue<Event> = Queue::new();
        other.push_back(Event::external("c"));
        assert!(other.0.capacity() >= 2);
    }
}
