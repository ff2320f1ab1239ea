//! The library's error type, by meaning. The binary maps each kind to an exit code with
//! [`Error::exit_code`]: the caller's mistakes (2) apart from the machine's failures (3).

use std::path::PathBuf;

use crate::expr::ParseError;

/// Everything that can go wrong, by what it means for the caller.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A malformed expression (the message carries a caret under the position).
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// Bad input other than an expression: ranges, sizes, steps, option values.
    #[error("{0}")]
    Input(String),
    /// The request needs something the chosen device lacks (f64 on GL, for example).
    #[error("{0}")]
    Unsupported(String),
    /// An output target that cannot be used: a path that cannot be created, a folder that is
    /// not writable, a target that is not a regular file.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing failed part-way through (a full disk, an I/O error): the machine's failure,
    /// not the target's.
    #[error("writing {} failed: {source}", path.display())]
    Write {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No GPU adapter could be found or opened.
    #[error("{0}")]
    NoAdapter(String),
    /// The GPU failed: a validation error, a lost device, a map that never completed.
    #[error("GPU error: {0}")]
    Device(String),
    /// The run was interrupted by a signal (the number is the signal's).
    #[error(
        "interrupted by {}; temporary files were removed and every output left as it was",
        signal_name(*.0)
    )]
    Interrupted(i32),
    /// A bug in gradfield: an invariant that should hold did not.
    #[error("internal error (a bug in gradfield, please report it): {0}")]
    Internal(String),
}

/// SIGINT, SIGTERM or `signal N`.
fn signal_name(signal: i32) -> String {
    match signal {
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        s => format!("signal {s}"),
    }
}

/// A number for a message: as written where short, in scientific notation where Rust's plain
/// form would spell out hundreds of digits.
///
/// ```
/// use gradfield::error::num;
/// assert_eq!(num(0.25), "0.25");
/// assert_eq!(num(1e300), "1e300");
/// assert_eq!(num(-3e-320), "-3e-320");
/// ```
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && a.is_finite() && !(1e-5..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Input`] with the given message.
    pub fn input(msg: impl Into<String>) -> Error {
        Error::Input(msg.into())
    }

    /// An [`Error::Device`] with the given message.
    pub fn device(msg: impl Into<String>) -> Error {
        Error::Device(msg.into())
    }

    /// An [`Error::Internal`] with the given message.
    pub fn internal(msg: impl Into<String>) -> Error {
        Error::Internal(msg.into())
    }

    /// The process exit code: 2 for the caller's mistakes (bad input, an unusable output
    /// target, a request the device cannot serve), 3 for failures of the machine (no adapter,
    /// GPU errors, failed writes) and for internal errors, 128 + the signal's number when
    /// interrupted (130 for SIGINT, 143 for SIGTERM).
    ///
    /// ```
    /// use gradfield::Error;
    /// assert_eq!(Error::input("n < 2").exit_code(), 2);
    /// assert_eq!(Error::device("device lost").exit_code(), 3);
    /// assert_eq!(Error::Interrupted(2).exit_code(), 130);
    /// ```
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Parse(_) | Error::Input(_) | Error::Unsupported(_) | Error::Output { .. } => 2,
            Error::Write { .. } | Error::NoAdapter(_) | Error::Device(_) | Error::Internal(_) => 3,
            Error::Interrupted(signal) => 128u8.saturating_add(*signal as u8),
        }
    }
}
