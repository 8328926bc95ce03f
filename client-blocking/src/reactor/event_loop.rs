//! The reactor thread: admits connections, runs those that are ready or due, sleeps in the
//! poll until the next event or due time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, TryRecvError};

use super::{Source, Submission, Task, EVENTS, WAKER};
use crate::driver::{Shared, Step};
use crate::error::Error;

struct Entry {
    task: Box<dyn Task>,
    source: Source,
    shared: Arc<Shared>,
    /// When it asked to run next.
    due: Option<Instant>,
    /// Whether it is in the run queue.
    queued: bool,
}

/// The reactor thread's state.
pub(super) struct Loop {
    poll: mio::Poll,
    submissions: Receiver<Submission>,
    notices: Receiver<usize>,
    live: Arc<AtomicUsize>,
    tasks: HashMap<usize, Entry>,
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    queue: VecDeque<usize>,
}

impl Loop {
    pub(super) fn new(
        poll: mio::Poll,
        submissions: Receiver<Submission>,
        notices: Receiver<usize>,
        live: Arc<AtomicUsize>,
    ) -> Self {
        Loop {
            poll,
            submissions,
            notices,
            live,
            tasks: HashMap::new(),
            timers: BinaryHeap::new(),
            queue: VecDeque::new(),
        }
    }

    pub(super) fn run(mut self) {
        let mut events = mio::Events::with_capacity(EVENTS);
        loop {
            let open = self.admit();
            if !open && self.tasks.is_empty() {
                return;
            }
            while let Ok(token) = self.notices.try_recv() {
                self.enqueue(token);
            }
            let now = Instant::now();
            while let Some(Reverse((due, token))) = self.timers.peek().copied() {
                if due > now {
                    break;
                }
                self.timers.pop();
                if let Some(entry) = self.tasks.get_mut(&token).filter(|e| e.due == Some(due)) {
                    entry.due = None;
                    self.enqueue(token);
                }
            }
            // Each queued connection runs once; one with more to do goes to the back.
            for _ in 0..self.queue.len() {
                if let Some(token) = self.queue.pop_front() {
                    self.run_one(token);
                }
            }
            if !self.admit() && self.tasks.is_empty() {
                return;
            }
            // Measured from now, after the runs: a due time that passed while they ran is zero.
            let timeout = if self.queue.is_empty() {
                let now = Instant::now();
                self.timers.peek().map(|Reverse((due, _))| due.saturating_duration_since(now))
            } else {
                Some(std::time::Duration::ZERO)
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.fail_all(&e);
                    return;
                }
            }
            for event in &events {
                if event.token() != WAKER {
                    let token = event.token().0;
                    if let Some(entry) = self.tasks.get_mut(&token) {
                        entry.task.mark_readable();
                    }
                    self.enqueue(token);
                }
            }
        }
    }

    /// Registers new connections; whether any [`Reactor`] handle is left.
    fn admit(&mut self) -> bool {
        loop {
            let Submission { token, task, mut source, shared } = match self.submissions.try_recv() {
                Ok(s) => s,
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            };
            if let Err(e) = source.register(self.poll.registry(), mio::Token(token)) {
                self.live.fetch_sub(1, Ordering::Relaxed);
                finish(task, Error::WebSocket(Box::new(e.into())));
                continue;
            }
            let entry = Entry { task, source, shared, due: None, queued: false };
            self.tasks.insert(token, entry);
            self.enqueue(token);
        }
    }

    fn enqueue(&mut self, token: usize) {
        if let Some(entry) = self.tasks.get_mut(&token) {
            if !entry.queued {
                entry.queued = true;
                self.queue.push_back(token);
            }
        }
    }

    fn run_one(&mut self, token: usize) {
        let Some(entry) = self.tasks.get_mut(&token) else {
            return;
        };
        entry.queued = false;
        entry.shared.notified.store(false, Ordering::Release);
        let step = panic::catch_unwind(AssertUnwindSafe(|| entry.task.step()))
            .unwrap_or_else(|p| Step::Ended(Error::Panicked(panic_message(p.as_ref()))));
        match step {
            Step::Again => {
                entry.queued = true;
                self.queue.push_back(token);
            }
            Step::Idle(due) => {
                if entry.due != Some(due) {
                    entry.due = Some(due);
                    self.timers.push(Reverse((due, token)));
                    self.compact_timers();
                }
            }
            Step::Ended(cause) => {
                if let Some(mut entry) = self.tasks.remove(&token) {
                    entry.source.deregister(self.poll.registry());
                    self.live.fetch_sub(1, Ordering::Relaxed);
                    finish(entry.task, cause);
                }
            }
        }
    }

    /// Drops superseded due times once they outnumber the live ones.
    fn compact_timers(&mut self) {
        if self.timers.len() > 4 * self.tasks.len() + 64 {
            self.timers =
                self.tasks.iter().filter_map(|(t, e)| Some(Reverse((e.due?, *t)))).collect();
        }
    }

    fn fail_all(&mut self, e: &io::Error) {
        for (_, mut entry) in self.tasks.drain() {
            entry.source.deregister(self.poll.registry());
            self.live.fetch_sub(1, Ordering::Relaxed);
            let cause = io::Error::new(e.kind(), e.to_string());
            finish(entry.task, Error::WebSocket(Box::new(cause.into())));
        }
    }
}

/// Ends a connection; a panic in its handler's last callbacks is contained too.
fn finish(task: Box<dyn Task>, cause: Error) {
    if let Err(p) = panic::catch_unwind(AssertUnwindSafe(|| task.finish(cause))) {
        log::error!("a connection panicked while ending: {}", panic_message(p.as_ref()));
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
