//! The demo's progress lines: `[ n/N] what … ok 0.05s detail`, and a line every few seconds
//! while a step waits (for blocks, for the other party, …).

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::BoxError;

/// How often a waiting step says it is still waiting.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// Numbers and times the steps of one story.
#[derive(Debug)]
pub(super) struct Steps {
    total: usize,
    n: usize,
    started: Instant,
}

impl Steps {
    /// A story of `total` steps.
    pub(super) fn new(total: usize) -> Self {
        Steps { total, n: 0, started: Instant::now() }
    }

    /// Seconds since the story started.
    pub(super) fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Runs one step, printing its line; a step that takes long prints a progress line every
    /// few seconds.
    pub(super) fn step<T>(
        &mut self,
        what: &str,
        f: impl FnOnce() -> Result<T, BoxError>,
        detail: impl FnOnce(&T) -> String,
    ) -> Result<T, BoxError> {
        self.n += 1;
        let n = self.n;
        print!("[{n:>2}/{}] {what:<50}", self.total);
        let _ = std::io::stdout().flush();
        let start = Instant::now();
        let (done, finished) = mpsc::channel::<()>();
        let (result, waited) = std::thread::scope(|scope| {
            let ticker = scope.spawn(move || {
                let mut said = false;
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    finished.recv_timeout(PROGRESS_EVERY)
                {
                    println!();
                    print!("        … still waiting ({:.0} s)", start.elapsed().as_secs_f64());
                    let _ = std::io::stdout().flush();
                    said = true;
                }
                said
            });
            let result = f();
            drop(done);
            (result, ticker.join().unwrap_or(false))
        });
        if waited {
            println!();
            print!("[{n:>2}/{}] {what:<50}", self.total);
        }
        let took = start.elapsed().as_secs_f64();
        match result {
            Ok(v) => {
                println!(" ok   {took:>6.2}s  {}", detail(&v));
                Ok(v)
            }
            Err(e) => {
                println!(" FAIL {took:>6.2}s");
                Err(format!("step {n} ({what}): {e}").into())
            }
        }
    }
}
