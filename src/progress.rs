//! Progress bars for long runs (indicatif), drawn on stderr only when it is a terminal and
//! the user did not ask for quiet or JSON output. Without the `progress` feature nothing is
//! drawn and indicatif is not compiled in.

#[cfg(feature = "progress")]
use std::io::IsTerminal;
#[cfg(feature = "progress")]
use std::time::Duration;

#[cfg(feature = "progress")]
use indicatif::{ProgressBar, ProgressStyle};

#[cfg(not(feature = "progress"))]
struct ProgressBar;

#[cfg(not(feature = "progress"))]
impl ProgressBar {
    fn inc(&self, _: u64) {}
    fn set_message(&self, _: String) {}
    fn finish_and_clear(&self) {}
}

/// Whether progress bars are shown.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// Bars on stderr when it is a terminal and `quiet` is false.
    pub fn new(quiet: bool) -> Progress {
        #[cfg(feature = "progress")]
        let enabled = !quiet && std::io::stderr().is_terminal();
        #[cfg(not(feature = "progress"))]
        let enabled = {
            let _ = quiet;
            false
        };
        Progress { enabled }
    }

    /// No bars (library use, tests).
    pub fn hidden() -> Progress {
        Progress { enabled: false }
    }

    /// Whether bars are drawn.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// A bar counting `len` items of `unit`.
    #[cfg(not(feature = "progress"))]
    pub fn bar(&self, _len: u64, _unit: &str) -> Bar {
        Bar(None)
    }

    /// A bar counting `len` items of `unit`.
    #[cfg(feature = "progress")]
    pub fn bar(&self, len: u64, unit: &str) -> Bar {
        if !self.enabled {
            return Bar(None);
        }
        let bar = ProgressBar::new(len);
        let template = format!(
            "{{spinner}} {{msg}} [{{bar:36}}] {{human_pos}}/{{human_len}} {unit} · {{elapsed}} (eta {{eta}})"
        );
        bar.set_style(
            ProgressStyle::with_template(&template)
                .expect("a valid template")
                .progress_chars("█▌ "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Bar(Some(bar))
    }
}

/// A progress bar, or nothing when bars are off.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// Advances by `n`.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    /// Sets the text before the bar.
    pub fn message(&self, msg: impl Into<String>) {
        if let Some(b) = &self.0 {
            b.set_message(msg.into());
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
