//! Progress bars with indicatif (native targets).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::units::format_size;

/// A progress display; draws nothing when built with `enabled = false`.
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar that follows `verify`'s phases (items done of total, bytes hashed).
    pub fn verify(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let style = ProgressStyle::with_template(
                // wide_bar takes what the terminal width leaves, so the line
                // never wraps (a wrapped bar redraws as a scrolling mess).
                "{spinner} {msg} [{wide_bar}] {pos}/{len} {elapsed}",
            )
            .expect("valid template")
            .progress_chars("=> ");
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(style);
            bar
        });
        Bar { bar }
    }

    /// A spinner with a fixed message, for work that reports no progress.
    pub fn spinner(enabled: bool, message: &'static str) -> Self {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
            );
            bar.set_message(message);
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Bar { bar }
    }

    /// A callback for `VerifyOpts::progress`, or `None` when nothing is drawn
    /// (so verify does not even call back).
    pub fn verify_callback(&self) -> Option<impl Fn(&capcache::Progress) + Send + Sync + 'static> {
        let bar = self.bar.clone()?;
        Some(move |p: &capcache::Progress| {
            let label = super::phase_label(p.phase);
            if p.phase == capcache::Phase::VerifyContent {
                bar.set_message(format!("{label} ({} hashed)", format_size(p.bytes)));
            } else {
                bar.set_message(label);
            }
            // Both at once: set one by one, a phase change would draw
            // the new total against the old count for a moment.
            bar.update(|state| {
                state.set_len(p.total);
                state.set_pos(p.done);
            });
        })
    }

    /// Removes the display, leaving stderr clean for the report.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
