//! Per-thread free lists of the small blocks values are made of: a
//! string's header and bytes, an object's or array's counted box. A seed
//! call makes and drops seven of them, and glibc's `malloc` and `free` cost
//! about 130 instructions a pair where a list's pop and push cost a few.
//!
//! A block is any size up to 128 bytes, rounded up to a multiple of 16 and
//! aligned to 16, and it is always allocated with that rounded layout: a
//! block may go back to the allocator from any thread, or after this
//! thread's lists are gone, and still be freed as it was made.
use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::cell::Cell;
use std::ptr::{null_mut, NonNull};

const STEP: usize = 16;
const CLASSES: usize = 8;
/// Blocks kept per size and thread; more go back to the allocator, so a
/// burst of values does not stay with the thread that dropped them.
const KEPT: u32 = 256;

/// A block waiting in a list: its first word links to the next.
struct Free {
    next: *mut Free,
}

struct Lists {
    heads: [Cell<*mut Free>; CLASSES],
    lens: [Cell<u32>; CLASSES],
}

impl Drop for Lists {
    fn drop(&mut self) {
        for (class, head) in self.heads.iter().enumerate() {
            let mut block = head.replace(null_mut());
            while !block.is_null() {
                // SAFETY: every block in the list was allocated with its
                // class's layout and is owned by the list alone.
                unsafe {
                    let next = (*block).next;
                    dealloc(block.cast(), layout_of(class));
                    block = next;
                }
            }
        }
    }
}

thread_local! {
    static LISTS: Lists = const {
        Lists { heads: [const { Cell::new(null_mut()) }; CLASSES], lens: [const { Cell::new(0) }; CLASSES] }
    };
}

/// The class of blocks that fits `layout`, if any.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    (layout.size() <= CLASSES * STEP && layout.align() <= STEP).then(|| layout.size().saturating_sub(1) / STEP)
}

#[inline]
fn layout_of(class: usize) -> Layout {
    // SAFETY: a non-zero multiple of 16 up to 128, aligned to 16 (a power
    // of two): a valid layout.
    unsafe { Layout::from_size_align_unchecked((class + 1) * STEP, STEP) }
}

/// A block for a value of `layout`: from this thread's list when one is
/// waiting there, from the allocator otherwise.
#[inline]
pub(crate) fn allocate(layout: Layout) -> NonNull<u8> {
    let Some(class) = class_of(layout) else { return from_allocator(layout) };
    let reused = LISTS
        .try_with(|lists| {
            let head = lists.heads[class].get();
            if head.is_null() {
                return None;
            }
            // SAFETY: a listed block is free and begins with its link.
            lists.heads[class].set(unsafe { (*head).next });
            lists.lens[class].set(lists.lens[class].get() - 1);
            NonNull::new(head.cast::<u8>())
        })
        .ok()
        .flatten();
    match reused {
        Some(block) => block,
        None => from_allocator(layout_of(class)),
    }
}

#[cold]
fn from_allocator(layout: Layout) -> NonNull<u8> {
    // SAFETY: no caller asks for zero bytes (a class is 16 at least; the
    // other layouts are of values with a count).
    match NonNull::new(unsafe { alloc(layout) }) {
        Some(block) => block,
        None => handle_alloc_error(layout),
    }
}

/// Gives back a block that [`allocate`] made for `layout`.
///
/// # Safety
/// `block` came from [`allocate`] with the same `layout`, and nothing uses
/// it any more.
#[inline]
pub(crate) unsafe fn release(block: NonNull<u8>, layout: Layout) {
    let Some(class) = class_of(layout) else {
        // SAFETY: made by the allocator with this layout (the caller's word).
        unsafe { dealloc(block.as_ptr(), layout) };
        return;
    };
    let kept = LISTS
        .try_with(|lists| {
            let len = lists.lens[class].get();
            if len >= KEPT {
                return false;
            }
            let free = block.as_ptr().cast::<Free>();
            // SAFETY: the block is at least 16 bytes, aligned to 16, and free.
            unsafe { free.write(Free { next: lists.heads[class].get() }) };
            lists.heads[class].set(free);
            lists.lens[class].set(len + 1);
            true
        })
        .unwrap_or(false);
    if !kept {
        // SAFETY: every block of this class was made with its class's layout.
        unsafe { dealloc(block.as_ptr(), layout_of(class)) };
    }
}

/// A value in a block of its own: a `Box` whose memory comes from the
/// thread's lists. For what a session makes and drops on every event.
pub(crate) struct BlockBox<T>(NonNull<T>, std::marker::PhantomData<T>);

impl<T> BlockBox<T> {
    #[inline]
    pub(crate) fn new(value: T) -> Self {
        let block = allocate(Layout::new::<T>()).cast::<T>();
        // SAFETY: a fresh block with `T`'s size and alignment.
        unsafe { block.as_ptr().write(value) };
        BlockBox(block, std::marker::PhantomData)
    }
}

impl<T> Drop for BlockBox<T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the box owns its value and its block, made by `new`.
        unsafe {
            std::ptr::drop_in_place(self.0.as_ptr());
            release(self.0.cast::<u8>(), Layout::new::<T>());
        }
    }
}

impl<T> std::ops::Deref for BlockBox<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the box owns a live value.
        unsafe { self.0.as_ref() }
    }
}

impl<T> std::ops::DerefMut for BlockBox<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the box owns a live value, borrowed through `&mut self`.
        unsafe { self.0.as_mut() }
    }
}

// SAFETY: as `Box<T>`: the box owns its value alone.
unsafe impl<T: Send> Send for BlockBox<T> {}

/// A binary max-heap (as `std`'s `BinaryHeap`) whose buffer is one of the
/// thread's blocks while it is small: a session's pending timers, usually
/// one or two, cost no call to the allocator. Its buffer doubles, from
/// room for two, into a new block (or an allocation, past 128 bytes).
pub(crate) struct BlockHeap<T> {
    buffer: NonNull<T>,
    len: u32,
    room: u32,
    owns: std::marker::PhantomData<T>,
}

// SAFETY: as `Vec<T>`: the heap owns its items alone.
unsafe impl<T: Send> Send for BlockHeap<T> {}

impl<T: Ord> BlockHeap<T> {
    pub(crate) const fn new() -> Self {
        BlockHeap { buffer: NonNull::dangling(), len: 0, room: 0, owns: std::marker::PhantomData }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    fn items(&mut self) -> &mut [T] {
        // SAFETY: the first `len` slots hold items (an empty slice while
        // the buffer is dangling).
        unsafe { std::slice::from_raw_parts_mut(self.buffer.as_ptr(), self.len()) }
    }

    /// The greatest item.
    #[inline]
    pub(crate) fn peek(&self) -> Option<&T> {
        if self.len == 0 {
            return None;
        }
        // SAFETY: slot 0 holds an item when there is one.
        Some(unsafe { self.buffer.as_ref() })
    }

    #[inline]
    pub(crate) fn push(&mut self, item: T) {
        if self.len == self.room {
            self.grow();
        }
        // SAFETY: `grow` made room for the slot at `len`.
        unsafe { self.buffer.as_ptr().add(self.len()).write(item) };
        self.len += 1;
        let items = self.items();
        let mut at = items.len() - 1;
        while at > 0 {
            let parent = (at - 1) / 2;
            if items[at] <= items[parent] {
                break;
            }
            items.swap(at, parent);
            at = parent;
        }
    }

    /// Takes the greatest item out.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: the slot at the old last index held an item, now no
        // longer counted.
        let last = unsafe { self.buffer.as_ptr().add(self.len()).read() };
        let Some(top) = self.items().first_mut() else { return Some(last) };
        let top = std::mem::replace(top, last);
        self.sift_down(0);
        Some(top)
    }

    fn sift_down(&mut self, mut at: usize) {
        let items = self.items();
        loop {
            let (left, right) = (2 * at + 1, 2 * at + 2);
            let mut largest = at;
            if left < items.len() && items[left] > items[largest] {
                largest = left;
            }
            if right < items.len() && items[right] > items[largest] {
                largest = right;
            }
            if largest == at {
                return;
            }
            items.swap(at, largest);
            at = largest;
        }
    }

    /// Keeps the items `keep` says yes to, in heap order again after.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let len = self.len();
        // Nothing is counted while items move: a panicking `keep` leaks
        // what is left instead of dropping anything twice.
        self.len = 0;
        let base = self.buffer.as_ptr();
        let mut kept = 0;
        for at in 0..len {
            // SAFETY: slots below `len` hold items, each read or dropped
            // once; `kept <= at`, so a kept item moves down into a slot
            // already emptied (or stays).
            unsafe {
                if keep(&*base.add(at)) {
                    std::ptr::copy(base.add(at), base.add(kept), 1);
                    kept += 1;
                } else {
                    std::ptr::drop_in_place(base.add(at));
                }
            }
        }
        self.len = kept as u32;
        for at in (0..kept / 2).rev() {
            self.sift_down(at);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let room = (2 * self.room).max(2);
        let layout = Self::layout(room);
        let buffer = allocate(layout).cast::<T>();
        if self.room > 0 {
            // SAFETY: the old buffer holds `len` items, moved (not copied)
            // into the new one, then given back with its own layout.
            unsafe {
                std::ptr::copy_nonoverlapping(self.buffer.as_ptr(), buffer.as_ptr(), self.len());
                release(self.buffer.cast(), Self::layout(self.room));
            }
        }
        self.buffer = buffer;
        self.room = room;
    }
}

impl<T> BlockHeap<T> {
    fn layout(room: u32) -> Layout {
        match Layout::array::<T>(room as usize) {
            Ok(layout) => layout,
            Err(_) => handle_alloc_error(Layout::new::<T>()),
        }
    }
}

impl<T> Drop for BlockHeap<T> {
    fn drop(&mut self) {
        if self.room == 0 {
            return;
        }
        // SAFETY: the first `len` slots hold items; the buffer was made
        // with room for `room` of them.
        unsafe {
            std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(self.buffer.as_ptr(), self.len as usize));
            release(self.buffer.cast(), Self::layout(self.room));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{allocate, class_of, release, KEPT, LISTS};
    use std::alloc::Layout;

    fn waiting(class: usize) -> u32 {
        LISTS.with(|lists| lists.lens[class].get())
    }

    #[test]
    fn a_block_given_back_is_the_next_one_handed_out() {
        let layout = Layout::new::<[u64; 5]>();
        let class = class_of(layout).unwrap_or_default();
        assert_eq!(class, 2, "40 bytes round up to 48");
        let first = allocate(layout);
        let before = waiting(class);
        // SAFETY: made just above with this layout, and unused.
        unsafe { release(first, layout) };
        assert_eq!(waiting(class), before + 1);
        // A value of another size in the same class takes the same block.
        let other = Layout::new::<[u8; 33]>();
        let second = allocate(other);
        assert_eq!(second, first);
        assert_eq!(waiting(class), before);
        // SAFETY: as above.
        unsafe { release(second, other) };
    }

    #[test]
    fn the_heap_gives_back_its_items_greatest_first() {
        let mut heap = super::BlockHeap::new();
        let mut expected = Vec::new();
        // A spread of values pushed in a scrambled order, with repeats.
        for i in 0..40u32 {
            let item = (i * 7919) % 23;
            heap.push(item);
            expected.push(item);
            assert_eq!(heap.peek(), expected.iter().max());
        }
        heap.retain(|&item| item % 3 != 0);
        expected.retain(|&item| item % 3 != 0);
        assert_eq!(heap.len(), expected.len());
        expected.sort_unstable_by(|a, b| b.cmp(a));
        let popped: Vec<u32> = std::iter::from_fn(|| heap.pop()).collect();
        assert_eq!(popped, expected);
        assert_eq!((heap.pop(), heap.peek()), (None, None));
    }

    #[test]
    fn the_heap_drops_each_item_once() {
        let drops = std::rc::Rc::new(std::cell::Cell::new(0));
        #[derive(PartialEq, Eq, PartialOrd, Ord)]
        struct Counted(u32, std::rc::Rc<std::cell::Cell<u32>>);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.1.set(self.1.get() + 1);
            }
        }
        let mut heap = super::BlockHeap::new();
        for i in 0..9 {
            heap.push(Counted(i, drops.clone()));
        }
        heap.retain(|c| c.0 % 2 == 0);
        assert_eq!(drops.get(), 4);
        drop(heap.pop());
        assert_eq!(drops.get(), 5);
        drop(heap);
        assert_eq!(drops.get(), 9);
    }

    #[test]
    fn lists_keep_a_bounded_number_and_large_blocks_bypass_them() {
        let layout = Layout::new::<[u128; 8]>();
        let blocks: Vec<_> = (0..KEPT + 10).map(|_| allocate(layout)).collect();
        for block in blocks {
            // SAFETY: each made above with this layout, and unused.
            unsafe { release(block, layout) };
        }
        assert_eq!(waiting(7), KEPT);
        let large = Layout::new::<[u8; 129]>();
        assert_eq!(class_of(large), None);
        let block = allocate(large);
        // SAFETY: as above.
        unsafe { release(block, large) };
        assert_eq!(waiting(7), KEPT);
    }
}
