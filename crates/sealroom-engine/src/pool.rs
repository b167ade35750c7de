//! A bounded pool of reusable buffers: one thread fills them, the thread it hands them
//! to gives them back, and no more than a fixed number ever exist, so memory stays
//! bounded however much data streams through.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};

/// The buffers one producer fills: at most `limit`, given back by its consumer.
pub(crate) struct Pool {
    back: Receiver<Vec<u8>>,
    made: usize,
    limit: usize,
    capacity: usize,
}

impl Pool {
    /// A pool of at most `limit` buffers of `capacity` bytes, and the sender through
    /// which the consumer gives them back.
    pub(crate) fn new(capacity: usize, limit: usize) -> (Pool, Sender<Vec<u8>>) {
        let (tx, rx) = mpsc::channel();
        let pool = Pool {
            back: rx,
            made: 0,
            limit,
            capacity,
        };
        (pool, tx)
    }

    /// A buffer to fill (its contents are stale): one given back, else a new one while
    /// fewer than the limit exist, else the next one given back, waiting for it. `None`
    /// when the consumer has gone.
    pub(crate) fn take(&mut self) -> Option<Vec<u8>> {
        match self.back.try_recv() {
            Ok(buf) => Some(buf),
            Err(_) if self.made < self.limit => {
                self.made += 1;
                Some(Vec::with_capacity(self.capacity))
            }
            Err(TryRecvError::Empty) => self.back.recv().ok(),
            Err(TryRecvError::Disconnected) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_more_than_the_limit_exist_and_given_back_buffers_are_reused() {
        let (mut pool, back) = Pool::new(16, 2);
        let a = pool.take().unwrap();
        let b = pool.take().unwrap();
        assert_eq!((a.capacity(), b.capacity()), (16, 16));
        let marker = a.as_ptr();
        back.send(a).unwrap();
        // Two exist: the third take waits for, and gets, the one given back.
        let c = pool.take().unwrap();
        assert_eq!(c.as_ptr(), marker);
        drop(back);
        drop((b, c));
        assert!(
            pool.take().is_none(),
            "a pool whose consumer left gives nothing"
        );
    }
}
