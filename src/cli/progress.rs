//! A progress line on standard error while a long walk runs.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use stray::Progress;

const REFRESH: Duration = Duration::from_millis(120);

/// Runs `work`, showing the counters on a spinner line when `enabled`. The counters are polled
/// from a separate thread so the scan's hot path only bumps atomics.
pub fn while_running<T>(enabled: bool, counters: &Progress, work: impl FnOnce() -> T) -> T {
    if !enabled {
        return work();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let (finished, finish_signal) = mpsc::channel::<()>();
    let result = std::thread::scope(|scope| {
        let bar = &bar;
        scope.spawn(move || {
            // Wakes every REFRESH to redraw, and at once when the work is done.
            while let Err(mpsc::RecvTimeoutError::Timeout) = finish_signal.recv_timeout(REFRESH) {
                bar.set_message(format!(
                    "{} files, {:.1} MiB, {} hits",
                    counters.files.load(Ordering::Relaxed),
                    counters.bytes.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0),
                    counters.sightings.load(Ordering::Relaxed),
                ));
                bar.tick();
            }
        });
        let result = work();
        drop(finished);
        result
    });
    bar.finish_and_clear();
    result
}
