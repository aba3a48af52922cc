//! Errors of every layer: input validation, the socket, the kernel, decoding.
//!
//! One [`Error`] type carries a stable [`ErrorKind`], the kernel errno when
//! there is one, and the context a caller branches on: the operation, the
//! table and set, and the element that caused the failure.

use std::fmt;
use std::io;

/// What went wrong, in a form that is stable across releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The kernel rejected the request with this errno.
    Kernel(i32),
    /// An element literal or value is invalid; nothing was sent.
    InvalidElement,
    /// A name, option or other argument is invalid; nothing was sent.
    InvalidArgument,
    /// The running kernel lacks a message or attribute the request needs.
    NotSupported,
    /// The network namespace could not be opened or entered.
    Netns,
    /// The connection was closed before the call.
    Closed,
    /// A system call on the socket failed outside a kernel reply.
    Io(i32),
    /// A kernel reply could not be parsed.
    Decode,
    /// The receive queue overflowed, so the outcome of a batch is unknown.
    OutcomeUnknown,
    /// The ruleset kept changing while it was read.
    Interrupted,
    /// The batch was built for a ruleset generation that is no longer current.
    GenerationConflict,
    /// A bug in nftset, such as a caught panic; nothing more was sent.
    Internal,
}

impl ErrorKind {
    /// Stable code for callers: an errno name such as `EEXIST`, or `ERR_*`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Kernel(errno) | ErrorKind::Io(errno) => errno_name(errno),
            ErrorKind::InvalidElement => "ERR_INVALID_ELEMENT",
            ErrorKind::InvalidArgument => "ERR_INVALID_ARGUMENT",
            ErrorKind::NotSupported => "ERR_NOT_SUPPORTED",
            ErrorKind::Netns => "ERR_NETNS",
            ErrorKind::Closed => "ERR_CLOSED",
            ErrorKind::Decode => "ERR_DECODE",
            ErrorKind::OutcomeUnknown => "ERR_OUTCOME_UNKNOWN",
            ErrorKind::Interrupted => "ERR_INTERRUPTED",
            ErrorKind::GenerationConflict => "ERR_GENERATION_CONFLICT",
            ErrorKind::Internal => "ERR_INTERNAL",
        }
    }

    /// The errno behind this error, if any.
    pub fn errno(self) -> Option<i32> {
        match self {
            ErrorKind::Kernel(errno) | ErrorKind::Io(errno) => Some(errno),
            ErrorKind::GenerationConflict => Some(libc::ERESTART),
            _ => None,
        }
    }
}

/// Table, set and family an operation was aimed at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// Table family as nft spells it (`inet`, `ip`, ...).
    pub family: String,
    /// Table name.
    pub table: String,
    /// Set or map name, empty for table operations.
    pub set: String,
}

/// An error with its kind, message and the context needed to act on it.
///
/// The details are boxed so that `Result<T, Error>` stays one pointer wide
/// on the success path; fields are reached through `Deref`.
#[derive(Debug, Clone, thiserror::Error)]
pub struct Error(Box<ErrorInfo>);

/// The fields of an [`Error`].
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// Stable classification; see [`ErrorKind::code`].
    pub kind: ErrorKind,
    /// Human-readable description that names the value and the fix.
    pub message: String,
    /// Operation that failed, named after the nft verb (`add`, `delete`, ...).
    pub operation: Option<String>,
    /// Table and set the operation was aimed at.
    pub target: Option<Target>,
    /// Index of the failing element in the caller's list.
    pub element_index: Option<usize>,
    /// The failing element as the caller wrote it.
    pub element: Option<String>,
    /// 1-based line of the failing element, for elements read from a file.
    pub line: Option<usize>,
    /// Index of the other element, when two elements conflict.
    pub conflict_index: Option<usize>,
    /// The other element as the caller wrote it, when two elements conflict.
    pub conflict_element: Option<String>,
    /// Path of the invalid argument, such as `elements[3].timeout`.
    pub path: Option<String>,
    /// Index of the failing operation inside a transaction.
    pub operation_index: Option<usize>,
    /// The kernel's extended-ACK message, if it sent one.
    pub kernel_message: Option<String>,
    /// Index of the failing batch of a transaction that was split; the
    /// batches before it were applied.
    pub batch_index: Option<usize>,
    /// Number of batches a split transaction was cut into.
    pub batch_count: Option<usize>,
}

impl std::ops::Deref for Error {
    type Target = ErrorInfo;

    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    /// Creates an error of `kind` with a message and no context.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorInfo {
            kind,
            message: message.into(),
            operation: None,
            target: None,
            element_index: None,
            element: None,
            line: None,
            conflict_index: None,
            conflict_element: None,
            path: None,
            operation_index: None,
            kernel_message: None,
            batch_index: None,
            batch_count: None,
        }))
    }

    /// Creates an invalid-argument error for the argument at `path`.
    pub fn invalid_argument(path: impl Into<String>, message: impl Into<String>) -> Self {
        let mut error = Error::new(ErrorKind::InvalidArgument, message);
        error.path = Some(path.into());
        error
    }

    /// Creates an invalid-element error for element `index` of the input.
    pub fn invalid_element(
        index: usize,
        element: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let mut error = Error::new(ErrorKind::InvalidElement, message);
        error.element_index = Some(index);
        error.element = Some(element.into());
        error.path = Some(format!("elements[{index}]"));
        error
    }

    /// Wraps a failed system call, keeping its errno.
    pub fn io(call: &str, source: io::Error) -> Self {
        let errno = source.raw_os_error().unwrap_or(libc::EIO);
        Error::new(ErrorKind::Io(errno), format!("{call} failed: {source}"))
    }

    /// Stable code, such as `EEXIST` or `ERR_INVALID_ELEMENT`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// Attaches the operation name unless one is already set.
    pub fn with_operation(mut self, operation: &str) -> Self {
        self.operation.get_or_insert_with(|| operation.to_string());
        self
    }

    /// Attaches the target unless one is already set.
    pub fn with_target(mut self, target: &Target) -> Self {
        self.target.get_or_insert_with(|| target.clone());
        self
    }
}

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A kernel reply that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed netlink reply: {0}")]
pub struct DecodeError(pub String);

impl DecodeError {
    /// Describes what was malformed.
    pub fn new(message: impl Into<String>) -> Self {
        DecodeError(message.into())
    }
}

impl From<DecodeError> for Error {
    fn from(error: DecodeError) -> Self {
        Error::new(ErrorKind::Decode, error.to_string())
    }
}

/// Returns the symbolic name of an errno, such as `EEXIST`.
pub fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::E2BIG => "E2BIG",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::ENOTDIR => "ENOTDIR",
        libc::EINVAL => "EINVAL",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::ENOSPC => "ENOSPC",
        libc::ERANGE => "ERANGE",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOTEMPTY => "ENOTEMPTY",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::ERESTART => "ERESTART",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::EPROTONOSUPPORT => "EPROTONOSUPPORT",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::ENOBUFS => "ENOBUFS",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::ELOOP => "ELOOP",
        _ => "EUNKNOWN",
    }
}

/// Describes an errno the way strerror does, for messages.
pub fn errno_text(errno: i32) -> String {
    io::Error::from_raw_os_error(errno).to_string()
}
