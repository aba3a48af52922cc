//! Delivering a finished batch: sizing the socket buffers, sending it whole
//! or split into several batches, reading the kernel's replies, and finding
//! out what happened when some replies were lost.
//!
//! The kernel handles a batch inside `sendmsg`, so every reply is queued
//! when the call returns, and the replies are read without blocking. Any
//! error reply means the kernel applied nothing of that batch.
//!
//! Replies beyond the socket's receive buffer are dropped, and `recv` then
//! fails once with `ENOBUFS`. By default the kernel sends errors only, and
//! it always queues the first reply, so a loss comes with an error read,
//! and the batch was rejected. When every message is acknowledged, the
//! replies read can all be ACKs. The ruleset generation is then read before
//! the batch and put into `BATCH_BEGIN`, so that the kernel applies the
//! batch only on top of that generation. If replies are lost and none of
//! those read is an error, the generation is read again. Unchanged means
//! nothing was committed. One more means the batch was applied, unless an
//! element it adds is missing. Anything else is unknown.

use std::ops::Range;

use crate::batch::{self, FinishedBatch};
use crate::client::{BatchFailure, Client};
use crate::error::{Error, ErrorKind, Result};
use crate::kernel_error::{describe_batch_failure, BatchContext, NOTHING_APPLIED};
use crate::outcome::{self, Verdict};
use crate::reply::{self, Ack, Messages};
use crate::socket::SEND_OVERHEAD;
use crate::sys::*;
use crate::transaction::{CommitOptions, IfTooLarge};

/// Receive buffer the kernel charges for one reply on top of the bytes it
/// carries, as nft sizes it: about 1 KiB even for a 36-byte ACK.
const REPLY_OVERHEAD: usize = 1024;
/// Receive buffer kept free for large error replies and dumps.
const RECV_BASE: usize = 256 << 10;
/// Sends of one batch when the generation nftset put into `BATCH_BEGIN`
/// keeps changing under it because other processes commit.
const GENERATION_ATTEMPTS: usize = 3;

/// The outcome of delivering a batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Batches sent; more than one when the transaction was split.
    pub batches: usize,
    /// True when replies were lost and the outcome was read back.
    pub replies_lost: bool,
}

/// A run of the batch's messages sent as one batch of its own.
#[derive(Clone, Debug)]
struct Frame {
    messages: Range<usize>,
    begin_seq: u32,
    end_seq: u32,
    /// Generation the caller requires the ruleset to be at.
    required: Option<u32>,
}

/// The replies to one batch.
#[derive(Debug, Default)]
struct Replies {
    errors: Vec<Ack>,
    lost: bool,
    end_acknowledged: bool,
}

impl Client {
    /// Sends a finished batch and waits for the kernel's verdict. A batch
    /// larger than the send buffer fails with `EMSGSIZE` before anything is
    /// sent, or is split, as `options.if_too_large` selects.
    pub fn deliver(
        &mut self,
        batch: &FinishedBatch,
        options: &CommitOptions,
        context: &BatchContext<'_>,
    ) -> Result<Delivery> {
        let frames = self.plan_frames(batch, options)?;
        let count = frames.len();
        let mut delivery = Delivery {
            batches: count,
            replies_lost: false,
        };
        for (index, frame) in frames.iter().enumerate() {
            match self.send_frame(batch, frame, context) {
                Ok(lost) => delivery.replies_lost |= lost,
                Err(error) if count > 1 => return Err(split_error(error, index, count)),
                Err(error) => return Err(error),
            }
        }
        Ok(delivery)
    }

    /// Decides how the batch goes out: whole, or cut into frames that each
    /// fit the send buffer.
    fn plan_frames(
        &mut self,
        batch: &FinishedBatch,
        options: &CommitOptions,
    ) -> Result<Vec<Frame>> {
        let messages = batch.batch().messages().len();
        // Room for a generation id that may be added to BATCH_BEGIN.
        let bytes = batch.len() + NLA_HDRLEN + 4;
        self.socket().reserve_send(bytes)?;
        let capacity = self.socket().send_capacity();
        if capacity >= bytes {
            return Ok(vec![Frame {
                messages: 0..messages,
                begin_seq: batch.batch().begin_seq(),
                end_seq: batch.end_seq(),
                required: options.generation,
            }]);
        }
        let raise = if self.socket().send_limited() {
            "raise the sendBuffer option"
        } else {
            "raise net.core.wmem_max, or run with CAP_NET_ADMIN in the initial user namespace"
        };
        if options.if_too_large == IfTooLarge::Fail {
            return Err(Error::new(
                ErrorKind::Kernel(libc::EMSGSIZE),
                format!(
                    "the transaction is {} bytes but the socket send buffer takes at most \
                     {capacity}; {raise}, or commit with ifTooLarge: 'split' to send it as \
                     several batches, each atomic on its own. Nothing was sent.",
                    batch.len()
                ),
            ));
        }
        let ranges = batch.split(capacity).map_err(|message_len| {
            Error::new(
                ErrorKind::Kernel(libc::EMSGSIZE),
                format!(
                    "the transaction cannot be split to fit the socket send buffer, which takes \
                     at most {capacity} bytes: one of its messages alone is {message_len} bytes \
                     and needs a send buffer of {} bytes; {raise}. Nothing was sent.",
                    message_len + batch::FRAME_LEN + SEND_OVERHEAD
                ),
            )
        })?;
        let mut required = options.generation;
        let mut frames = Vec::with_capacity(ranges.len());
        for range in ranges {
            let begin_seq = self.socket().take_seqs(2);
            frames.push(Frame {
                messages: range,
                begin_seq,
                end_seq: begin_seq.wrapping_add(1),
                required,
            });
            // Each batch that commits moves the generation on by one, so
            // the next batch requires the generation after this one.
            required = required.map(next_generation);
        }
        Ok(frames)
    }

    /// Sends one frame and returns whether replies were lost on the way.
    fn send_frame(
        &mut self,
        batch: &FinishedBatch,
        frame: &Frame,
        context: &BatchContext<'_>,
    ) -> Result<bool> {
        let infos = &batch.batch().messages()[frame.messages.clone()];
        let ack_each = batch.batch().acknowledges_each();
        let wanted = infos.len() * REPLY_OVERHEAD + RECV_BASE;
        let capacity = self.socket().reserve_recv(wanted)?;

        let slices = batch.message_slices(frame.messages.clone());
        let end = batch::end_message(frame.end_seq, ack_each);
        let seqs = match (infos.first(), infos.last()) {
            (Some(first), Some(last)) => first.seq..=last.seq,
            _ => frame.begin_seq..=frame.begin_seq,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let before = match frame.required {
                Some(generation) => Some(generation),
                None if ack_each => Some(self.generation()?),
                None => None,
            };
            let begin = batch::begin_message(frame.begin_seq, before);
            let mut parts: Vec<&[u8]> = Vec::with_capacity(slices.len() + 2);
            parts.push(&begin);
            parts.extend(slices.iter().copied());
            parts.push(&end);

            self.socket().discard_pending()?;
            self.socket().send_parts(&parts)?;
            let replies = self.read_replies(frame, &seqs)?;

            if !replies.errors.is_empty() {
                let ours = frame.required.is_none() && before.is_some();
                if ours && is_restart(&replies.errors, frame.begin_seq) {
                    if attempt < GENERATION_ATTEMPTS {
                        continue;
                    }
                    return Err(kept_changing(attempt));
                }
                let failure = BatchFailure::Rejected {
                    errors: replies.errors,
                    lost: replies.lost,
                };
                return Err(describe_batch_failure(failure, context));
            }
            if !replies.lost || replies.end_acknowledged {
                return Ok(replies.lost);
            }
            return self
                .resolve_lost(batch, frame, before, capacity)
                .map(|_| true);
        }
    }

    /// Reads every queued reply to `frame` without blocking.
    fn read_replies(
        &mut self,
        frame: &Frame,
        seqs: &std::ops::RangeInclusive<u32>,
    ) -> Result<Replies> {
        let mut replies = Replies::default();
        let (first, last) = (*seqs.start(), *seqs.end());
        loop {
            match self.socket().recv(false) {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) if error.kind == ErrorKind::Kernel(libc::ENOBUFS) => {
                    replies.lost = true;
                    continue;
                }
                Err(error) => return Err(error),
            }
            for message in Messages::new(self.socket().datagram()) {
                let message = message?;
                let seq = message.seq;
                let in_frame = seq == frame.begin_seq
                    || seq == frame.end_seq
                    || seq.wrapping_sub(first) <= last.wrapping_sub(first);
                if message.ty != NLMSG_ERROR || !in_frame {
                    continue;
                }
                let ack = reply::parse_ack(&message)?;
                if ack.errno != 0 {
                    replies.errors.push(ack);
                } else if seq == frame.end_seq {
                    replies.end_acknowledged = true;
                }
            }
        }
        Ok(replies)
    }

    /// Finds out whether a batch whose replies were partly lost, none of
    /// them an error, was applied.
    fn resolve_lost(
        &mut self,
        batch: &FinishedBatch,
        frame: &Frame,
        before: Option<u32>,
        capacity: usize,
    ) -> Result<()> {
        let after = self.generation()?;
        let verdict = match before {
            None => Verdict::Unknown,
            Some(before) if after == before => Verdict::NotApplied,
            Some(before) if after == next_generation(before) => {
                match outcome::additions_present(self, batch, frame.messages.clone()) {
                    Ok(true) => Verdict::Applied,
                    Ok(false) => Verdict::NotApplied,
                    Err(_) => Verdict::Unknown,
                }
            }
            Some(_) => Verdict::Unknown,
        };
        match verdict {
            Verdict::Applied => Ok(()),
            Verdict::NotApplied => Err(Error::new(
                ErrorKind::Kernel(libc::ENOBUFS),
                format!(
                    "the kernel rejected the transaction, but its replies overflowed the socket \
                     receive buffer of {capacity} bytes, so the failing element is unknown. \
                     {NOTHING_APPLIED} Raise the receive buffer, or leave per-message \
                     acknowledgements off, to see the error."
                ),
            )),
            Verdict::Unknown => {
                let moved = match before {
                    Some(before) => format!("moved from {before} to {after}"),
                    None => format!("is now {after}"),
                };
                Err(Error::new(
                    ErrorKind::OutcomeUnknown,
                    format!(
                        "the kernel's replies overflowed the socket receive buffer of {capacity} \
                         bytes and the ruleset generation {moved}, so whether this transaction \
                         was applied cannot be told; read the set back to find out"
                    ),
                ))
            }
        }
    }
}

/// Returns the generation that follows `generation`; the kernel skips 0
/// when it wraps.
pub fn next_generation(generation: u32) -> u32 {
    match generation.wrapping_add(1) {
        0 => 1,
        next => next,
    }
}

/// Returns true when the only error is `ERESTART` against `BATCH_BEGIN`:
/// the generation in it was no longer current.
fn is_restart(errors: &[Ack], begin_seq: u32) -> bool {
    errors.len() == 1 && errors[0].seq == begin_seq && errors[0].errno == libc::ERESTART
}

fn kept_changing(attempts: usize) -> Error {
    Error::new(
        ErrorKind::Interrupted,
        format!(
            "other processes changed the ruleset each time this transaction was sent \
             ({attempts} attempts). {NOTHING_APPLIED} Try again when the ruleset is quieter."
        ),
    )
}

/// Says which batch of a split transaction failed, and what the batches
/// before it did.
fn split_error(mut error: Error, index: usize, count: usize) -> Error {
    let number = index + 1;
    let before = match index {
        0 => "nothing was applied".to_string(),
        1 => "batch 1 was applied and stays applied".to_string(),
        _ => format!("batches 1 to {index} were applied and stay applied"),
    };
    let reason = error.message.replace(NOTHING_APPLIED, "");
    error.message = format!(
        "{}. The transaction was split into {count} batches to fit the socket send buffer: batch \
         {number} was rolled back and the batches after it were not sent, so {before}.",
        reason.trim_end().trim_end_matches('.')
    );
    error.batch_index = Some(index);
    error.batch_count = Some(count);
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_wraps_past_zero() {
        assert_eq!(next_generation(7), 8);
        assert_eq!(next_generation(u32::MAX), 1);
    }

    #[test]
    fn restart_against_begin_is_recognised() {
        let ack = |seq, errno| Ack {
            seq,
            errno,
            offset: None,
            message: None,
        };
        assert!(is_restart(&[ack(10, libc::ERESTART)], 10));
        assert!(!is_restart(&[ack(11, libc::ERESTART)], 10));
        assert!(!is_restart(&[ack(10, libc::ENOENT)], 10));
        assert!(!is_restart(
            &[ack(10, libc::ERESTART), ack(12, libc::ENOENT)],
            10
        ));
    }

    #[test]
    fn split_error_names_the_failing_batch() {
        let error = split_error(
            Error::new(ErrorKind::Kernel(libc::ENOENT), "element not found"),
            2,
            5,
        );
        assert_eq!(error.batch_index, Some(2));
        assert_eq!(error.batch_count, Some(5));
        assert_eq!(
            error.message,
            "element not found. The transaction was split into 5 batches to fit the socket \
             send buffer: batch 3 was rolled back and the batches after it were not sent, so \
             batches 1 to 2 were applied and stay applied."
        );
    }
}
