//! Optional per-stage timing of a forward pass, for benchmarks. The clock is
//! wall time by default; benchmarks on a shared machine can pass a
//! thread-CPU-time clock instead ([`StageTimer::with_clock`]).

use std::time::{Duration, Instant};

/// Accumulates the time since the previous lap into named stages.
#[derive(Debug, Clone)]
pub struct StageTimer {
    on: bool,
    clock: fn() -> Duration,
    last: Duration,
    /// Stages in first-seen order with their total time.
    pub stages: Vec<(String, Duration)>,
}

fn wall() -> Duration {
    thread_local!(static EPOCH: Instant = Instant::now());
    EPOCH.with(|e| e.elapsed())
}

impl StageTimer {
    /// A running wall-clock timer.
    pub fn new() -> Self {
        StageTimer::with_clock(wall)
    }

    /// A running timer reading `clock` (any monotonic time source).
    pub fn with_clock(clock: fn() -> Duration) -> Self {
        StageTimer {
            on: true,
            clock,
            last: clock(),
            stages: Vec::new(),
        }
    }

    /// A timer that records nothing.
    pub fn off() -> Self {
        StageTimer {
            on: false,
            clock: wall,
            last: Duration::ZERO,
            stages: Vec::new(),
        }
    }

    /// Add the time since the previous lap to `stage`.
    pub fn lap(&mut self, stage: &str) {
        if !self.on {
            return;
        }
        let now = (self.clock)();
        let dt = now.saturating_sub(self.last);
        self.last = now;
        match self.stages.iter_mut().find(|(n, _)| n == stage) {
            Some((_, t)) => *t += dt,
            None => self.stages.push((stage.to_string(), dt)),
        }
    }
}

impl Default for StageTimer {
    fn default() -> Self {
        StageTimer::new()
    }
}
