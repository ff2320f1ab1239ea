//! The library's error type. The binary maps it to exit codes with [`Error::exit_code`].

use std::path::PathBuf;

use crate::expr::ParseError;

/// Everything that can go wrong, by kind, so that the command line can answer bad input with
/// exit code 2 and a caret, and everything else with 3.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A malformed expression (the message carries a caret under the position).
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// Bad input other than an expression: ranges, sizes, steps, option values.
    #[error("{0}")]
    Input(String),
    /// The request needs something the chosen adapter lacks (f64 on GL, for example).
    #[error("{0}")]
    Unsupported(String),
    /// An output path that cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No GPU adapter could be found or opened.
    #[error("{0}")]
    NoAdapter(String),
    /// The GPU failed: validation error, lost device, a map that never completed.
    #[error("GPU error: {0}")]
    Gpu(String),
    /// Mapping a buffer for reading failed.
    #[error("GPU buffer map failed: {0}")]
    Map(#[from] wgpu::BufferAsyncError),
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Input`] with the given message.
    pub fn input(msg: impl Into<String>) -> Error {
        Error::Input(msg.into())
    }

    /// The process exit code: 2 for bad input (including unwritable outputs and requests the
    /// adapter cannot serve), 3 for failures of the machine (no adapter, GPU errors).
    ///
    /// ```
    /// use gradfield::Error;
    /// assert_eq!(Error::input("n < 2").exit_code(), 2);
    /// assert_eq!(Error::Gpu("device lost".into()).exit_code(), 3);
    /// ```
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Parse(_) | Error::Input(_) | Error::Unsupported(_) | Error::Output { .. } => 2,
            Error::NoAdapter(_) | Error::Gpu(_) | Error::Map(_) => 3,
        }
    }
}
