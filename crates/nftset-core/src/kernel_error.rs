//! Turning kernel error replies into errors that name what failed.
//!
//! A batch error carries the sequence number of the failing message and,
//! with extended ACK, the offset of the offending attribute in it. The
//! message is looked up by sequence number, and the offset is matched to
//! the element nest that contains it, which leads back to the caller's
//! operation and element.

use crate::attr::Attrs;
use crate::batch::{Batch, MessageInfo};
use crate::client::BatchFailure;
use crate::error::{errno_name, errno_text, Error, ErrorKind, Target};
use crate::reply::Ack;
use crate::sys::*;
use crate::transaction::{Op, Verb};

/// Appended to every batch error: the kernel applies all or nothing.
pub const NOTHING_APPLIED: &str =
    "Nothing was applied: the kernel rolled back the whole transaction.";

/// Why a single request failed.
#[derive(Debug)]
pub enum Failure {
    /// The kernel answered with an error.
    Kernel {
        /// The error reply.
        ack: Ack,
        /// The request, to find the attribute the offset points at.
        request: Vec<u8>,
    },
    /// A local failure.
    Local(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Local(error)
    }
}

impl Failure {
    /// Builds the error for a failed read request.
    pub fn into_error(self, operation: &str, target: &Target, _hint: Option<&str>) -> Error {
        let (ack, request) = match self {
            Failure::Local(error) => return error.with_operation(operation).with_target(target),
            Failure::Kernel { ack, request } => (ack, request),
        };
        let attr = ack.offset.and_then(|offset| attribute_at(&request, offset));
        let message = match (ack.errno, attr) {
            (libc::ENOENT, Some(NFTA_SET_TABLE)) => {
                format!("table {} {} not found", target.family, target.table)
            }
            (libc::ENOENT, Some(NFTA_SET_NAME)) | (libc::ENOENT, None)
                if !target.set.is_empty() =>
            {
                format!(
                    "set {} not found in table {} {}",
                    target.set, target.family, target.table
                )
            }
            (libc::ENOENT, _) => format!("table {} {} not found", target.family, target.table),
            (libc::EPERM, _) => permission_text(),
            (errno, _) => format!(
                "{operation} failed: {} ({})",
                errno_text(errno),
                errno_name(errno)
            ),
        };
        kernel(ack, message, operation, target)
    }
}

fn kernel(ack: Ack, message: String, operation: &str, target: &Target) -> Error {
    let mut error = Error::new(ErrorKind::Kernel(ack.errno), message);
    error.operation = Some(operation.to_string());
    error.target = Some(target.clone());
    error.kernel_message = ack.message;
    error
}

fn permission_text() -> String {
    "permission denied: nf_tables needs CAP_NET_ADMIN in the network namespace (run as root, \
     or inside a user and network namespace you own)"
        .to_string()
}

/// Finds the attribute type at `offset` bytes from the start of `message`,
/// looking one level deep into the attributes after the `nfgenmsg`.
fn attribute_at(message: &[u8], offset: u32) -> Option<u16> {
    let start = NLMSG_HDRLEN + NFGENMSG_LEN;
    let attrs = Attrs::with_base(message.get(start..)?, start);
    attrs
        .filter_map(Result::ok)
        .find(|attr| attr.offset == offset as usize)
        .map(|attr| attr.ty)
}

/// Which element nest of an element-list message contains `offset`.
fn element_at(message: &[u8], offset: u32) -> Option<usize> {
    let start = NLMSG_HDRLEN + NFGENMSG_LEN;
    let offset = offset as usize;
    for attr in Attrs::with_base(message.get(start..)?, start).filter_map(Result::ok) {
        if attr.ty != NFTA_SET_ELEM_LIST_ELEMENTS {
            continue;
        }
        for (index, nest) in attr.nested().filter_map(Result::ok).enumerate() {
            let end = nest.offset + NLA_HDRLEN + nest.payload.len();
            if (nest.offset..end).contains(&offset) {
                return Some(index);
            }
        }
    }
    None
}

/// What the caller's side knows about a batch, to name failing elements.
pub struct BatchContext<'a> {
    /// The batch as sent.
    pub batch: &'a Batch,
    /// The operations it was built from.
    pub ops: &'a [Op],
    /// Size limit of each set involved, for `ENFILE` messages.
    pub set_size: &'a dyn Fn(usize) -> Option<u32>,
}

/// Builds the error for a batch that did not commit.
pub fn describe_batch_failure(failure: BatchFailure, context: &BatchContext<'_>) -> Error {
    match failure {
        BatchFailure::Local(error) => error,
        BatchFailure::Rejected { errors, .. } => {
            let first = errors
                .into_iter()
                .next()
                .expect("a rejected batch has at least one error");
            describe_ack(first, context)
        }
    }
}

fn describe_ack(ack: Ack, context: &BatchContext<'_>) -> Error {
    let batch = context.batch;
    let Some(info) = batch.message_by_seq(ack.seq) else {
        let message = match ack.errno {
            libc::EPERM => permission_text(),
            libc::ERESTART => {
                let mut error = Error::new(
                    ErrorKind::GenerationConflict,
                    format!(
                        "the ruleset changed since the generation this transaction was built for. \
                         {NOTHING_APPLIED}"
                    ),
                );
                error.kernel_message = ack.message;
                return error;
            }
            errno => format!(
                "the kernel rejected the transaction: {} ({})",
                errno_text(errno),
                errno_name(errno)
            ),
        };
        let mut error = Error::new(
            ErrorKind::Kernel(ack.errno),
            format!("{message}. {NOTHING_APPLIED}"),
        );
        error.kernel_message = ack.message;
        return error;
    };
    let op = &context.ops[info.operation];
    let target = op.target();
    let bytes = batch.message_bytes(info);
    let element = ack
        .offset
        .and_then(|offset| element_at(bytes, offset))
        .map(|nest| batch.element_origins()[info.first_element + nest] as usize);
    let attr = ack.offset.and_then(|offset| attribute_at(bytes, offset));
    let shown = element.and_then(|index| op.elements().and_then(|list| list.display(index)));
    let text = explain(&ack, op, info, &target, attr, shown.as_deref(), context);

    let mut error = Error::new(
        ErrorKind::Kernel(ack.errno),
        format!("{text}. {NOTHING_APPLIED}"),
    );
    error.operation = Some(op.name().to_string());
    error.operation_index = Some(info.operation);
    error.target = Some(target);
    error.kernel_message = ack.message;
    if let (Some(index), Some(shown)) = (element, shown) {
        error.element_index = Some(index);
        error.element = Some(shown);
        error.line = op.elements().and_then(|list| list.line(index));
    }
    if destroy_unsupported(ack.errno, info.command) {
        error.kind = ErrorKind::NotSupported;
        error.message = format!(
            "{} needs Linux 6.3 or later (NFT_MSG_DESTROY*); this kernel is {}. {NOTHING_APPLIED}",
            op.name(),
            kernel_release()
        );
    }
    error
}

fn explain(
    ack: &Ack,
    op: &Op,
    info: &MessageInfo,
    target: &Target,
    attr: Option<u16>,
    element: Option<&str>,
    context: &BatchContext<'_>,
) -> String {
    let set = format!("{} {} {}", target.family, target.table, target.set);
    let table = format!("{} {}", target.family, target.table);
    let quoted = element.map(|text| format!("element \"{text}\""));
    let is_element_list = matches!(
        info.command,
        NFT_MSG_NEWSETELEM | NFT_MSG_DELSETELEM | NFT_MSG_DESTROYSETELEM
    );
    match (ack.errno, op) {
        (libc::ENOENT, _) if is_element_list && attr == Some(NFTA_SET_ELEM_LIST_TABLE) => {
            format!("table {table} not found")
        }
        (libc::ENOENT, _) if is_element_list && attr == Some(NFTA_SET_ELEM_LIST_SET) => {
            format!("set {} not found in table {table}", target.set)
        }
        (
            libc::ENOENT,
            Op::Elements {
                verb: Verb::Delete, ..
            },
        ) if quoted.is_some() => {
            format!("{} not found in set {set}", quoted.unwrap_or_default())
        }
        (libc::ENOENT, Op::Elements { .. } | Op::UpdateElements { .. }) if quoted.is_some() => {
            format!(
                "{} refers to a chain that does not exist in table {table}",
                quoted.unwrap_or_default()
            )
        }
        (libc::ENOENT, Op::CreateSet { .. } | Op::CreateChain { .. }) => {
            format!("table {table} not found")
        }
        (libc::ENOENT, Op::DeleteSet { .. } | Op::FlushSet { .. }) => {
            format!("set {} not found in table {table}", target.set)
        }
        (libc::ENOENT, Op::DeleteChain { name, .. }) => {
            format!("chain {name} not found in table {table}")
        }
        (libc::ENOENT, Op::DeleteTable { .. }) => format!("table {table} not found"),
        (
            libc::EEXIST,
            Op::Elements {
                verb: Verb::Create, ..
            },
        ) if quoted.is_some() => {
            format!("{} already exists in set {set}", quoted.unwrap_or_default())
        }
        (libc::EEXIST, Op::Elements { .. }) if quoted.is_some() => format!(
            "{} conflicts with an existing element of set {set}: it overlaps an existing range, \
             or the key exists with another value (use updateElements to change a value)",
            quoted.unwrap_or_default()
        ),
        (libc::EEXIST, Op::CreateSet { .. }) => format!(
            "set {} already exists in table {table}, or exists with another definition",
            target.set
        ),
        (libc::EEXIST, Op::CreateTable { .. }) => format!("table {table} already exists"),
        (libc::EEXIST, Op::CreateChain { name, .. }) => {
            format!("chain {name} already exists in table {table}")
        }
        (libc::ENFILE, _) => {
            let limit = (context.set_size)(info.operation)
                .map(|size| format!(" of {size} elements"))
                .unwrap_or_default();
            let at = quoted.map(|text| format!(" at {text}")).unwrap_or_default();
            format!("set {set} is full: it reached its size limit{limit}{at}")
        }
        (libc::EBUSY, Op::DeleteSet { .. }) => format!(
            "set {set} is in use: a rule or another object refers to it, so it cannot be deleted"
        ),
        (libc::EBUSY, Op::DeleteChain { name, .. }) => {
            format!("chain {name} in table {table} is in use: a rule or verdict map refers to it")
        }
        (libc::EBUSY, Op::DeleteTable { .. }) => format!("table {table} is in use"),
        (libc::EBUSY, _) => {
            format!("set {set} cannot be changed now: it is constant and bound to a rule (EBUSY)")
        }
        (libc::EOPNOTSUPP, Op::Elements { .. } | Op::UpdateElements { .. }) if quoted.is_some() => {
            format!(
                "{} was rejected as not supported (EOPNOTSUPP); a jump or goto must target a \
                 regular chain, not a base chain",
                quoted.unwrap_or_default()
            )
        }
        (libc::EPERM, _) => permission_text(),
        (errno, _) => {
            let subject =
                quoted.unwrap_or_else(|| format!("{} on {}", op.name(), describe(target)));
            format!(
                "the kernel rejected {subject}: {} ({})",
                errno_text(errno),
                errno_name(errno)
            )
        }
    }
}

fn describe(target: &Target) -> String {
    if target.set.is_empty() {
        format!("table {} {}", target.family, target.table)
    } else {
        format!("set {} {} {}", target.family, target.table, target.set)
    }
}

fn destroy_unsupported(errno: i32, command: u16) -> bool {
    let destroy = matches!(
        command,
        NFT_MSG_DESTROYSETELEM | NFT_MSG_DESTROYSET | NFT_MSG_DESTROYTABLE | NFT_MSG_DESTROYCHAIN
    );
    destroy && matches!(errno, libc::EINVAL | libc::EOPNOTSUPP) && kernel_before(6, 3)
}

/// The running kernel's release string, such as `6.1.0-18-amd64`.
pub fn kernel_release() -> String {
    // SAFETY: utsname is plain data, filled in by uname.
    let mut name: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a valid, writable utsname.
    if unsafe { libc::uname(&mut name) } != 0 {
        return "unknown".into();
    }
    let bytes: Vec<u8> = name
        .release
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Returns true if the running kernel is older than `major.minor`.
pub fn kernel_before(major: u32, minor: u32) -> bool {
    let release = kernel_release();
    let mut parts = release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|part| part.parse::<u32>().ok());
    let running = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    running < (major, minor)
}
