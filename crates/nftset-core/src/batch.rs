//! Batches: one atomic nf_tables transaction, sent in one `sendmsg`.
//!
//! A batch is `BATCH_BEGIN`, the messages, `BATCH_END`. Each message gets
//! its own sequence number, so a kernel error can be traced back to the
//! message, the caller's operation and the element that caused it.
//!
//! Messages are written into pages of [`PAGE_SIZE`] bytes that are never
//! reallocated, and the pages go to the kernel as one `iovec` array. Element
//! lists are split across messages so that each `NFTA_SET_ELEM_LIST_ELEMENTS`
//! nest stays under the 64 KiB limit of `nla_len`. The kernel keeps only the
//! last list attribute of a message, so a list is never split inside one.
//!
//! A batch that does not fit the socket send buffer can be cut into several
//! batches at message boundaries ([`FinishedBatch::split`]). Each of those
//! is atomic on its own, but the whole is not.

use std::ops::Range;

use crate::attr::Writer;
use crate::sys::*;

/// Bytes per page of a batch. A page holds whole messages only.
pub const PAGE_SIZE: usize = 2 << 20;
/// Largest element list nest; nft starts a new message at `u16::MAX`.
pub const MAX_LIST_LEN: usize = u16::MAX as usize;
/// Room kept free in a page for the longest possible message.
const MAX_MESSAGE_LEN: usize = MAX_LIST_LEN + 4096;

/// Where a message sits in the batch and what it stands for.
#[derive(Clone, Debug)]
pub struct MessageInfo {
    /// Sequence number, copied by the kernel into its reply.
    pub seq: u32,
    /// Page that holds the message.
    pub page: usize,
    /// Offset of the `nlmsghdr` inside the page.
    pub offset: usize,
    /// Length of the message in bytes.
    pub len: usize,
    /// nf_tables command, such as `NFT_MSG_NEWSETELEM`.
    pub command: u16,
    /// Index of the caller's operation in the transaction.
    pub operation: usize,
    /// Index of the message's first element in [`Batch::element_origins`].
    pub first_element: usize,
    /// Number of element nests in the message.
    pub element_count: usize,
}

/// A transaction being built.
#[derive(Debug)]
pub struct Batch {
    pages: Vec<Vec<u8>>,
    messages: Vec<MessageInfo>,
    element_origins: Vec<u32>,
    begin_seq: u32,
    next_seq: u32,
    open: Option<OpenList>,
    /// `NLM_F_ACK` when every message requests an acknowledgement, else 0.
    ack: u16,
}

/// Header of the element message being filled, to restart it when full.
#[derive(Clone, Debug)]
struct OpenList {
    header: ListHeader,
    message_start: usize,
    nest_start: usize,
}

/// Identity of a set element list message.
#[derive(Clone, Debug)]
pub struct ListHeader {
    /// `NFT_MSG_NEWSETELEM`, `NFT_MSG_DELSETELEM` or `NFT_MSG_DESTROYSETELEM`.
    pub command: u16,
    /// Netlink flags besides `NLM_F_REQUEST`.
    pub flags: u16,
    /// Table family.
    pub family: u8,
    /// Table name.
    pub table: String,
    /// Set name.
    pub set: String,
    /// Transaction id of a set created earlier in the same batch.
    pub set_id: Option<u32>,
    /// Index of the caller's operation.
    pub operation: usize,
}

impl Batch {
    /// Starts a batch whose sequence numbers begin at `first_seq`.
    pub fn new(first_seq: u32) -> Self {
        Batch::with_genid(first_seq, None)
    }

    /// Starts a batch that the kernel rejects with `ERESTART` unless the
    /// ruleset generation still equals `genid`.
    pub fn with_genid(first_seq: u32, genid: Option<u32>) -> Self {
        let mut batch = Batch {
            pages: vec![Vec::with_capacity(64 << 10)],
            messages: Vec::new(),
            element_origins: Vec::new(),
            begin_seq: first_seq,
            next_seq: first_seq,
            open: None,
            ack: 0,
        };
        let seq = batch.take_seq();
        write_begin(&mut Writer::new(batch.page()), seq, genid);
        batch
    }

    /// Asks the kernel to acknowledge every message that follows, and the
    /// end of the batch (`NLM_F_ACK`). The kernel then queues one reply per
    /// message, which can overflow a small receive buffer; by default only
    /// errors are sent.
    pub fn acknowledge_each(&mut self) {
        self.ack = NLM_F_ACK;
    }

    /// Returns true when every message requests an acknowledgement.
    pub fn acknowledges_each(&self) -> bool {
        self.ack != 0
    }

    /// Sequence number of `BATCH_BEGIN`; kernel errors against it concern
    /// the whole batch.
    pub fn begin_seq(&self) -> u32 {
        self.begin_seq
    }

    /// Sequence number the next message will get.
    pub fn next_seq(&self) -> u32 {
        self.next_seq
    }

    /// The messages written so far, in order.
    pub fn messages(&self) -> &[MessageInfo] {
        &self.messages
    }

    /// For every element nest written, the index of the caller's element
    /// it came from.
    pub fn element_origins(&self) -> &[u32] {
        &self.element_origins
    }

    /// Finds the message that carried sequence number `seq`.
    pub fn message_by_seq(&self, seq: u32) -> Option<&MessageInfo> {
        let first = self.messages.first()?.seq;
        let index = seq.wrapping_sub(first) as usize;
        self.messages.get(index).filter(|m| m.seq == seq)
    }

    /// The bytes of a message, as sent.
    pub fn message_bytes(&self, info: &MessageInfo) -> &[u8] {
        &self.pages[info.page][info.offset..info.offset + info.len]
    }

    /// Returns true if the batch holds no message besides `BATCH_BEGIN`.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.open.is_none()
    }

    /// Total size in bytes of what has been written.
    pub fn len(&self) -> usize {
        self.pages.iter().map(Vec::len).sum()
    }

    /// Writes one message that is not an element list; `body` appends its
    /// attributes.
    pub fn push(
        &mut self,
        command: u16,
        flags: u16,
        family: u8,
        operation: usize,
        body: impl FnOnce(&mut Writer<'_>),
    ) {
        self.close_list();
        self.reserve(MAX_MESSAGE_LEN);
        let seq = self.take_seq();
        let page = self.pages.len() - 1;
        let ack = self.ack;
        let mut w = Writer::new(self.page());
        let start = w.begin_message(
            nft_type(command),
            NLM_F_REQUEST | flags | ack,
            seq,
            family,
            0,
        );
        body(&mut w);
        w.end_message(start);
        let len = w.len() - start;
        self.messages.push(MessageInfo {
            seq,
            page,
            offset: start,
            len,
            command,
            operation,
            first_element: self.element_origins.len(),
            element_count: 0,
        });
    }

    /// Appends one element nest to the list described by `header`, starting
    /// a new message when the list would pass 64 KiB. `element` writes the
    /// attributes inside the element nest; `origin` is the caller's index.
    pub fn push_element(
        &mut self,
        header: &ListHeader,
        origin: usize,
        element: impl Fn(&mut Writer<'_>),
    ) {
        if !self.list_matches(header) {
            self.close_list();
            self.open_list(header);
        }
        let nest_start = self
            .open
            .as_ref()
            .expect("an element list is open")
            .nest_start;
        let mut w = Writer::new(self.pages.last_mut().expect("a batch has a page"));
        let before = w.len();
        let nest = w.begin_nest(NFTA_LIST_ELEM);
        element(&mut w);
        w.end_nest(nest);
        if w.nest_len(nest_start) > MAX_LIST_LEN {
            w.truncate(before);
            self.close_list();
            self.open_list(header);
            let mut w = Writer::new(self.pages.last_mut().expect("a batch has a page"));
            let nest = w.begin_nest(NFTA_LIST_ELEM);
            element(&mut w);
            w.end_nest(nest);
        }
        self.element_origins.push(origin as u32);
    }

    /// Closes the element message being filled, if any.
    pub fn close_list(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        let page = self.pages.len() - 1;
        let first_element = self
            .messages
            .last()
            .map_or(0, |m| m.first_element + m.element_count);
        let element_count = self.element_origins.len() - first_element;
        let mut w = Writer::new(self.page());
        w.end_nest(open.nest_start);
        w.end_message(open.message_start);
        let len = w.len() - open.message_start;
        let seq = u32::from_ne_bytes(
            self.pages[page][open.message_start + 8..open.message_start + 12]
                .try_into()
                .expect("4 bytes"),
        );
        self.messages.push(MessageInfo {
            seq,
            page,
            offset: open.message_start,
            len,
            command: open.header.command,
            operation: open.header.operation,
            first_element,
            element_count,
        });
    }

    /// Writes `BATCH_END` and returns the pages to send.
    pub fn finish(mut self) -> FinishedBatch {
        self.close_list();
        let seq = self.take_seq();
        let ack = self.ack != 0;
        write_end(&mut Writer::new(self.page()), seq, ack);
        FinishedBatch {
            end_seq: seq,
            batch: self,
        }
    }

    fn list_matches(&self, header: &ListHeader) -> bool {
        match &self.open {
            Some(open) => {
                open.header.command == header.command
                    && open.header.operation == header.operation
                    && open.header.flags == header.flags
                    && open.header.family == header.family
                    && open.header.set_id == header.set_id
                    && open.header.table == header.table
                    && open.header.set == header.set
            }
            None => false,
        }
    }

    fn open_list(&mut self, header: &ListHeader) {
        self.reserve(MAX_MESSAGE_LEN);
        let seq = self.take_seq();
        let ack = self.ack;
        let mut w = Writer::new(self.page());
        let message_start = w.begin_message(
            nft_type(header.command),
            NLM_F_REQUEST | header.flags | ack,
            seq,
            header.family,
            0,
        );
        w.string(NFTA_SET_ELEM_LIST_TABLE, &header.table);
        w.string(NFTA_SET_ELEM_LIST_SET, &header.set);
        if let Some(id) = header.set_id {
            w.u32_be(NFTA_SET_ELEM_LIST_SET_ID, id);
        }
        let nest_start = w.begin_nest(NFTA_SET_ELEM_LIST_ELEMENTS);
        self.open = Some(OpenList {
            header: header.clone(),
            message_start,
            nest_start,
        });
    }

    fn reserve(&mut self, bytes: usize) {
        let page = self.pages.last().expect("a batch has a page");
        if page.capacity() - page.len() >= bytes {
            return;
        }
        if page.len() + bytes <= PAGE_SIZE {
            let grow = (page.capacity() * 2).clamp(page.len() + bytes, PAGE_SIZE);
            let page = self.pages.last_mut().expect("a batch has a page");
            page.reserve_exact(grow - page.len());
            return;
        }
        self.pages.push(Vec::with_capacity(PAGE_SIZE));
    }

    fn page(&mut self) -> &mut Vec<u8> {
        self.pages.last_mut().expect("a batch has a page")
    }

    fn take_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        seq
    }
}

/// A batch closed with `BATCH_END`, ready to send.
#[derive(Debug)]
pub struct FinishedBatch {
    batch: Batch,
    end_seq: u32,
}

impl FinishedBatch {
    /// The pages to send, in order, as one `sendmsg`.
    pub fn pages(&self) -> impl Iterator<Item = &[u8]> {
        self.batch.pages.iter().map(Vec::as_slice)
    }

    /// Total size in bytes.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// Always false: a finished batch has at least BEGIN and END.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Sequence number of `BATCH_END`.
    pub fn end_seq(&self) -> u32 {
        self.end_seq
    }

    /// The batch, for mapping replies back to messages.
    pub fn batch(&self) -> &Batch {
        &self.batch
    }

    /// All bytes in one buffer, for dumps and golden tests.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.batch.pages.concat()
    }

    /// Returns the bytes of the messages in `range` (indexes into
    /// [`Batch::messages`]), without `BATCH_BEGIN` and `BATCH_END`: one
    /// slice per page they span, in order.
    pub fn message_slices(&self, range: Range<usize>) -> Vec<&[u8]> {
        let messages = &self.batch.messages[range];
        let mut slices: Vec<(usize, usize, usize)> = Vec::new();
        for info in messages {
            let end = info.offset + info.len;
            match slices.last_mut() {
                Some((page, _, last_end)) if *page == info.page && *last_end == info.offset => {
                    *last_end = end;
                }
                _ => slices.push((info.page, info.offset, end)),
            }
        }
        slices
            .into_iter()
            .map(|(page, start, end)| &self.batch.pages[page][start..end])
            .collect()
    }

    /// Cuts the messages into runs that each fit, framed by `BATCH_BEGIN`
    /// (with a generation id) and `BATCH_END`, into `limit` bytes. Returns
    /// the ranges of message indexes in order, or the length of a message
    /// that does not fit alone.
    pub fn split(&self, limit: usize) -> Result<Vec<Range<usize>>, usize> {
        let frame = FRAME_LEN;
        let mut ranges = Vec::new();
        let mut start = 0;
        let mut bytes = frame;
        for (index, info) in self.batch.messages.iter().enumerate() {
            if frame + info.len > limit {
                return Err(info.len);
            }
            if bytes + info.len > limit {
                ranges.push(start..index);
                start = index;
                bytes = frame;
            }
            bytes += info.len;
        }
        if start < self.batch.messages.len() {
            ranges.push(start..self.batch.messages.len());
        }
        Ok(ranges)
    }
}

/// Bytes of `BATCH_BEGIN` with a generation id plus `BATCH_END`.
pub const FRAME_LEN: usize = 2 * (NLMSG_HDRLEN + NFGENMSG_LEN) + NLA_HDRLEN + 4;

/// Builds a `BATCH_BEGIN` message on its own, to send part of a batch.
pub fn begin_message(seq: u32, genid: Option<u32>) -> Vec<u8> {
    let mut buf = Vec::with_capacity(32);
    write_begin(&mut Writer::new(&mut buf), seq, genid);
    buf
}

/// Builds a `BATCH_END` message on its own, to send part of a batch.
pub fn end_message(seq: u32, ack: bool) -> Vec<u8> {
    let mut buf = Vec::with_capacity(20);
    write_end(&mut Writer::new(&mut buf), seq, ack);
    buf
}

/// `BATCH_BEGIN`: the kernel rejects the batch with `ERESTART` when `genid`
/// is given and the ruleset generation is no longer that value.
fn write_begin(w: &mut Writer<'_>, seq: u32, genid: Option<u32>) {
    let start = w.begin_message(
        NFNL_MSG_BATCH_BEGIN,
        NLM_F_REQUEST,
        seq,
        NFPROTO_UNSPEC,
        NFNL_SUBSYS_NFTABLES,
    );
    if let Some(genid) = genid {
        w.u32_be(NFNL_BATCH_GENID, genid);
    }
    w.end_message(start);
}

/// `BATCH_END`. With `ack`, Linux 6.10 and later acknowledge it once the
/// batch committed; older kernels send nothing for it.
fn write_end(w: &mut Writer<'_>, seq: u32, ack: bool) {
    let flags = NLM_F_REQUEST | if ack { NLM_F_ACK } else { 0 };
    let start = w.begin_message(
        NFNL_MSG_BATCH_END,
        flags,
        seq,
        NFPROTO_UNSPEC,
        NFNL_SUBSYS_NFTABLES,
    );
    w.end_message(start);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a batch of `count` element messages of one element each, each
    /// from a separate operation so that no two share a message.
    fn batch_of(count: usize) -> FinishedBatch {
        let mut batch = Batch::new(100);
        for operation in 0..count {
            let header = ListHeader {
                command: NFT_MSG_NEWSETELEM,
                flags: NLM_F_CREATE,
                family: NFPROTO_INET,
                table: "t".into(),
                set: "s".into(),
                set_id: None,
                operation,
            };
            batch.push_element(&header, 0, |w| {
                let key = w.begin_nest(NFTA_SET_ELEM_KEY);
                w.bytes(NFTA_DATA_VALUE, &[192, 0, 2, operation as u8]);
                w.end_nest(key);
            });
        }
        batch.finish()
    }

    #[test]
    fn slices_cover_the_messages_only() {
        let batch = batch_of(3);
        let bytes = batch.to_bytes();
        let begin_len = NLMSG_HDRLEN + NFGENMSG_LEN;

        let slices = batch.message_slices(0..3);

        assert_eq!(slices.len(), 1, "consecutive messages of a page join");
        assert_eq!(slices[0], &bytes[begin_len..bytes.len() - begin_len]);
        let middle = batch.message_slices(1..2);
        let info = &batch.batch().messages()[1];
        assert_eq!(middle[0], batch.batch().message_bytes(info));
    }

    #[test]
    fn split_keeps_every_run_under_the_limit() {
        let batch = batch_of(10);
        let message = batch.batch().messages()[0].len;
        let limit = FRAME_LEN + 3 * message;

        let ranges = batch.split(limit).unwrap();

        assert_eq!(ranges, vec![0..3, 3..6, 6..9, 9..10]);
        assert_eq!(batch.split(usize::MAX).unwrap(), vec![0..10]);
        assert_eq!(batch.split(FRAME_LEN + message - 1), Err(message));
    }

    #[test]
    fn framing_messages_match_the_batch() {
        let batch = batch_of(1);
        let bytes = batch.to_bytes();
        let begin = begin_message(100, None);
        let end = end_message(batch.end_seq(), false);

        assert_eq!(begin, bytes[..begin.len()]);
        assert_eq!(end, bytes[bytes.len() - end.len()..]);
        assert_eq!(begin_message(100, Some(7)).len(), begin.len() + 8);
    }

    #[test]
    fn acknowledge_each_flags_messages_and_end() {
        let mut batch = Batch::new(1);
        batch.acknowledge_each();
        batch.push(NFT_MSG_NEWTABLE, NLM_F_CREATE, NFPROTO_INET, 0, |w| {
            w.string(NFTA_TABLE_NAME, "t");
        });
        let batch = batch.finish();
        let bytes = batch.to_bytes();
        let flags = |offset: usize| u16::from_ne_bytes([bytes[offset + 6], bytes[offset + 7]]);

        assert_eq!(flags(0), NLM_F_REQUEST, "BATCH_BEGIN asks for no ACK");
        let table = &batch.batch().messages()[0];
        assert_eq!(
            flags(table.offset),
            NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK
        );
        assert_eq!(flags(bytes.len() - 20), NLM_F_REQUEST | NLM_F_ACK);
    }
}
