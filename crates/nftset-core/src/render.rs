//! Transactions spelled in nft syntax, for diagnostics: what a commit
//! sends, as an nft script that does the same.
//!
//! The elements are parsed and checked against their sets as a commit
//! parses them, so an element that fails validation fails the rendering
//! too, and the caller prints nothing, as the commit then sends nothing.
//! Each element is spelled as nft prints it once parsed: a prefix with
//! host bits set shows masked. A sync, an update and an add to an
//! auto-merge set show the deletes and adds they send, which takes reading
//! the set, as the commit does.
//!
//! NOTE: these steps repeat those of the batch builder in `commit.rs`, and
//! must change with it. A set that another process changes between the
//! rendering and the commit can make the two differ.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use crate::client::Client;
use crate::commit::{
    check, check_ref, checked_definition, existing_ranges, present_keys, range_element,
    tracks_ranges,
};
use crate::datatype::HostBits;
use crate::element::{self, Element, ParseOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::input::Elements;
use crate::interval::{self, Interval};
use crate::kernel_error::kernel_before;
use crate::key::KeyBuf;
use crate::names::check_name;
use crate::set::SetDef;
use crate::transaction::{CommitOptions, Op, SetRef, Verb};

/// Spells `ops` as the nft script of what a commit with `options` sends,
/// one command per line. Lines starting with `#` explain a step. Reads
/// the definitions of the sets the ops name, and the elements of a set
/// that a sync, an update or an auto-merge add has to compare with. Fails
/// where the commit fails before sending anything.
pub fn render(client: &mut Client, ops: &[Op], options: &CommitOptions) -> Result<String> {
    let mut renderer = Renderer {
        client,
        sets: HashMap::new(),
        ranges: HashMap::new(),
        deleted: HashMap::new(),
        host_bits: if options.strict {
            HostBits::Reject
        } else {
            HostBits::Mask
        },
        out: String::new(),
        unquotable: false,
    };
    for op in ops {
        renderer.op(op)?;
    }
    Ok(renderer.out)
}

/// A set resolved for the transaction: read from the kernel, or created by
/// an earlier operation.
#[derive(Clone)]
struct Resolved {
    def: SetDef,
    /// True for a set created earlier in the same transaction, which starts empty.
    created: bool,
}

struct Renderer<'c> {
    client: &'c mut Client,
    sets: HashMap<SetRef, Resolved>,
    /// Ranges of single-field interval sets as they will be once the
    /// operations rendered so far apply, as the commit tracks them.
    ranges: HashMap<SetRef, Vec<Interval>>,
    /// Ranges deleted from sets that have no entry in `ranges` yet.
    deleted: HashMap<SetRef, HashSet<(KeyBuf, KeyBuf)>>,
    host_bits: HostBits,
    out: String,
    /// Set when the command being written has a name or comment that nft
    /// syntax cannot spell.
    unquotable: bool,
}

impl Renderer<'_> {
    fn op(&mut self, op: &Op) -> Result<()> {
        match op {
            Op::CreateTable {
                family,
                name,
                exclusive,
            } => {
                check(check_name("table", name), "table")?;
                let verb = if *exclusive { "create" } else { "add" };
                let name = self.name(name);
                self.command(format!("{verb} table {family} {name}"));
            }
            Op::DeleteTable {
                family,
                name,
                if_exists,
            } => {
                check(check_name("table", name), "table")?;
                let verb = if *if_exists { "destroy" } else { "delete" };
                let in_table = |set: &SetRef| set.family == *family && set.table == *name;
                self.sets.retain(|set, _| !in_table(set));
                self.ranges.retain(|set, _| !in_table(set));
                self.deleted.retain(|set, _| !in_table(set));
                let name = self.name(name);
                self.command(format!("{verb} table {family} {name}"));
            }
            Op::CreateChain {
                family,
                table,
                name,
                exclusive,
            } => {
                check(check_name("table", table), "table")?;
                check(check_name("chain", name), "chain")?;
                let verb = if *exclusive { "create" } else { "add" };
                let (table, name) = (self.name(table), self.name(name));
                self.command(format!("{verb} chain {family} {table} {name}"));
            }
            Op::DeleteChain {
                family,
                table,
                name,
                if_exists,
            } => {
                check(check_name("table", table), "table")?;
                check(check_name("chain", name), "chain")?;
                let verb = if *if_exists { "destroy" } else { "delete" };
                let (table, name) = (self.name(table), self.name(name));
                self.command(format!("{verb} chain {family} {table} {name}"));
            }
            Op::CreateSet { def, exclusive } => self.create_set(def, *exclusive)?,
            Op::DeleteSet { set, if_exists } => {
                check_ref(set)?;
                self.sets.remove(set);
                self.ranges.remove(set);
                self.deleted.remove(set);
                let verb = if *if_exists { "destroy" } else { "delete" };
                let set = self.set_name(set);
                self.command(format!("{verb} set {set}"));
            }
            Op::FlushSet { set } => {
                let resolved = self.resolve(set)?;
                if tracks_ranges(&resolved.def) {
                    self.ranges.insert(set.clone(), Vec::new());
                    self.deleted.remove(set);
                }
                let set = self.set_name(set);
                self.command(format!("flush set {set}"));
            }
            Op::Elements {
                verb,
                set,
                elements,
            } => self.elements(*verb, set, elements)?,
            Op::UpdateElements { set, elements } => self.update(set, elements)?,
            Op::SyncElements { set, elements } => self.sync(set, elements)?,
        }
        Ok(())
    }

    /// `add set`, with the checks the commit makes on the definition.
    fn create_set(&mut self, def: &SetDef, exclusive: bool) -> Result<()> {
        let mut def = checked_definition(def)?;
        let set = SetRef::new(def.family, &def.table, &def.name);
        self.sets.insert(
            set.clone(),
            Resolved {
                def: def.clone(),
                created: true,
            },
        );
        self.ranges.remove(&set);
        self.deleted.remove(&set);

        // SetDef::to_nft writes the names and comment as they are, so only
        // the declarations between the braces are taken from it.
        let comment = def.comment.take();
        let kind = if def.is_map() { "map" } else { "set" };
        let text = def.to_nft();
        let prefix = format!("{kind} {} {} {} {{ ", def.family, def.table, def.name);
        let body = text.strip_prefix(&prefix).unwrap_or(&text);
        let body = body.strip_suffix('}').unwrap_or(body);
        let verb = if exclusive { "create" } else { "add" };
        let set = self.set_name(&set);
        let mut line = format!("{verb} {kind} {set} {{ {body}");
        if let Some(comment) = comment {
            let _ = write!(line, "comment {}; ", self.quote(&comment));
        }
        line.push('}');
        self.command(line);
        Ok(())
    }

    /// Add, create, delete or destroy elements.
    fn elements(&mut self, verb: Verb, set: &SetRef, elements: &Elements) -> Result<()> {
        let resolved = self.resolve(set)?;
        let def = &resolved.def;
        let parsed = self.parse(def, verb, elements)?;
        let writes = matches!(verb, Verb::Add | Verb::Create);
        if !def.is_interval() || parsed.is_empty() {
            return self.element_command(verb.name(), set, def, &parsed, !writes);
        }
        if !writes {
            if tracks_ranges(def) {
                self.forget_ranges(set, &parsed);
            }
            return self.element_command(verb.name(), set, def, &parsed, true);
        }
        if def.auto_merge && !def.is_concat_interval() {
            return self.merge(set, &resolved, parsed);
        }
        check_overlaps(def, &parsed)?;
        if tracks_ranges(def) {
            self.check_existing_overlaps(set, &resolved, &parsed)?;
        }
        self.element_command(verb.name(), set, def, &parsed, false)
    }

    /// Renders an update: each key is destroyed, then added with its new value.
    fn update(&mut self, set: &SetRef, elements: &Elements) -> Result<()> {
        let resolved = self.resolve(set)?;
        let def = &resolved.def;
        let parsed = self.parse(def, Verb::Add, elements)?;
        if kernel_before(6, 3) {
            // Without DESTROYSETELEM, the commit deletes only the keys the
            // set contains now.
            let present = if resolved.created {
                Vec::new()
            } else {
                present_keys(self.client, def)?
            };
            let held: Vec<Element> = parsed
                .iter()
                .filter(|element| present.binary_search(&element.key.lo).is_ok())
                .cloned()
                .collect();
            self.element_command("delete", set, def, &held, true)?;
        } else {
            self.element_command("destroy", set, def, &parsed, true)?;
        }
        self.element_command("add", set, def, &parsed, false)
    }

    /// Renders a sync: the elements to delete and to add, as the commit plans them.
    fn sync(&mut self, set: &SetRef, elements: &Elements) -> Result<()> {
        let resolved = self.resolve(set)?;
        let def = &resolved.def;
        let desired = self
            .parse(def, Verb::Add, elements)?
            .into_iter()
            .enumerate()
            .collect();
        let plan = crate::sync::plan(self.client, def, !resolved.created, desired)?;
        let name = self.set_name(set);
        self.unquotable = false;
        let _ = writeln!(
            self.out,
            "# sync {}: {} elements to delete and {} to add; the others are kept",
            name.escape_debug(),
            plan.remove.len(),
            plan.add.len()
        );
        let add: Vec<Element> = plan.add.into_iter().map(|(_, element)| element).collect();
        self.element_command("delete", set, def, &plan.remove, true)?;
        self.element_command("add", set, def, &add, false)
    }

    /// Renders an add to an auto-merge set: the ranges it replaces are
    /// deleted and the merged ranges added.
    fn merge(&mut self, set: &SetRef, resolved: &Resolved, parsed: Vec<Element>) -> Result<()> {
        let def = &resolved.def;
        let existing = self.take_ranges(set, resolved)?;
        let incoming = intervals(&parsed);
        let plan = interval::merge(&existing, &incoming);
        let removed: Vec<Element> = plan.remove.iter().map(range_element).collect();
        let added: Vec<Element> = plan
            .add
            .iter()
            .map(|range| {
                let mut element = parsed[range.index].clone();
                element.key = range_element(range).key;
                element
            })
            .collect();
        self.element_command("delete", set, def, &removed, true)?;
        self.element_command("add", set, def, &added, false)?;

        let gone: HashSet<(KeyBuf, KeyBuf)> = plan
            .remove
            .iter()
            .map(|range| (range.lo, range.hi))
            .collect();
        let mut after: Vec<Interval> = existing
            .into_iter()
            .filter(|range| !gone.contains(&(range.lo, range.hi)))
            .collect();
        after.extend(plan.add.iter().copied());
        self.ranges.insert(set.clone(), after);
        Ok(())
    }

    /// Fails as the commit does when a new range overlaps one the set will
    /// hold, and records the new ranges.
    fn check_existing_overlaps(
        &mut self,
        set: &SetRef,
        resolved: &Resolved,
        parsed: &[Element],
    ) -> Result<()> {
        let mut ranges = self.take_ranges(set, resolved)?;
        let incoming = intervals(parsed);
        if interval::find_existing_overlap(&ranges, &incoming).is_some() {
            return Err(Error::new(
                ErrorKind::Kernel(libc::EEXIST),
                format!("an element overlaps an existing range of set {set}"),
            ));
        }
        let first_index = ranges.iter().map(|held| held.index + 1).max().unwrap_or(0);
        ranges.extend(
            incoming
                .iter()
                .enumerate()
                .map(|(offset, range)| Interval::new(range.lo, range.hi, first_index + offset)),
        );
        self.ranges.insert(set.clone(), ranges);
        Ok(())
    }

    /// Removes and returns the ranges the set will have once the operations
    /// rendered so far apply; reads them from the kernel the first time.
    fn take_ranges(&mut self, set: &SetRef, resolved: &Resolved) -> Result<Vec<Interval>> {
        if let Some(ranges) = self.ranges.remove(set) {
            return Ok(ranges);
        }
        let mut ranges = if resolved.created {
            Vec::new()
        } else {
            existing_ranges(self.client, &resolved.def)?
        };
        if let Some(deleted) = self.deleted.remove(set) {
            ranges.retain(|range| !deleted.contains(&(range.lo, range.hi)));
        }
        Ok(ranges)
    }

    /// Records ranges that a delete removes.
    fn forget_ranges(&mut self, set: &SetRef, parsed: &[Element]) {
        let bounds = parsed
            .iter()
            .map(|element| (element.key.lo, element.key.hi));
        match self.ranges.get_mut(set) {
            Some(ranges) => {
                let deleted: HashSet<(KeyBuf, KeyBuf)> = bounds.collect();
                ranges.retain(|range| !deleted.contains(&(range.lo, range.hi)));
            }
            None => self.deleted.entry(set.clone()).or_default().extend(bounds),
        }
    }

    fn resolve(&mut self, set: &SetRef) -> Result<Resolved> {
        check_ref(set)?;
        if let Some(resolved) = self.sets.get(set) {
            return Ok(resolved.clone());
        }
        let resolved = Resolved {
            def: self.client.get_set(set)?,
            created: false,
        };
        self.sets.insert(set.clone(), resolved.clone());
        Ok(resolved)
    }

    /// Parses the elements as the commit does for `verb`.
    fn parse(&self, def: &SetDef, verb: Verb, elements: &Elements) -> Result<Vec<Element>> {
        if def.key.is_none() {
            return Err(Error::new(
                ErrorKind::NotSupported,
                format!("set {} has a key type nftset cannot encode", def.name),
            ));
        }
        let options = ParseOptions {
            host_bits: self.host_bits,
            key_only: matches!(verb, Verb::Delete | Verb::Destroy),
        };
        let mut parsed = Vec::with_capacity(elements.len());
        elements.try_for_each(|index, input| {
            let element = element::parse(def, &input, options)
                .map_err(|message| Error::invalid_element(index, String::new(), message))?;
            parsed.push(element);
            Ok::<(), Error>(())
        })?;
        Ok(parsed)
    }

    /// Writes `verb element SET { ... }`, or nothing for no elements, as
    /// the commit then sends no message. `keys_only` leaves out everything
    /// but the keys, as messages that identify elements carry nothing else.
    fn element_command(
        &mut self,
        verb: &str,
        set: &SetRef,
        def: &SetDef,
        elements: &[Element],
        keys_only: bool,
    ) -> Result<()> {
        if elements.is_empty() {
            return Ok(());
        }
        let name = self.set_name(set);
        let mut line = format!("{verb} element {name} {{ ");
        for (index, element) in elements.iter().enumerate() {
            if index > 0 {
                line.push_str(", ");
            }
            self.element_text(def, element, keys_only, &mut line);
        }
        line.push_str(" }");
        self.command(line);
        Ok(())
    }

    /// Spells one parsed element in the order nft reads its options.
    fn element_text(&mut self, def: &SetDef, element: &Element, keys_only: bool, out: &mut String) {
        let key_type = def.key.as_ref().expect("parsed against a typed set");
        key_type.format_range(&element.key.lo, &element.key.hi, out);
        if keys_only {
            return;
        }
        if let Some(counter) = element.counter {
            let _ = write!(
                out,
                " counter packets {} bytes {}",
                counter.packets, counter.bytes
            );
        }
        if let Some(timeout) = element.timeout_ms {
            let _ = write!(out, " timeout {}", crate::duration::format(timeout));
        }
        if let Some(expires) = element.expires_ms {
            let _ = write!(out, " expires {}", crate::duration::format(expires));
        }
        if let Some(comment) = &element.comment {
            let _ = write!(out, " comment {}", self.quote(comment));
        }
        if let Some(data) = &element.data {
            out.push_str(" : ");
            out.push_str(&crate::query::format_data(def, data));
        }
    }

    /// `FAMILY TABLE SET` with the names spelled for nft.
    fn set_name(&mut self, set: &SetRef) -> String {
        let table = self.name(&set.table);
        let name = self.name(&set.set);
        format!("{} {table} {name}", set.family)
    }

    /// Spells a table, chain or set name. nft 1.0.6 reads a name only as a
    /// bare word (a letter, `_` or `.`, then letters, digits and `/-_.`),
    /// never quoted, so another name makes the command unquotable.
    fn name(&mut self, name: &str) -> String {
        let mut chars = name.chars();
        let first = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '.');
        if first && chars.all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c)) {
            return name.to_string();
        }
        self.unquotable = true;
        format!("{name:?}")
    }

    /// Spells a comment in double quotes, as nft prints it. nft reads a
    /// quoted string up to the next double quote and has no escapes, so a
    /// comment that contains one makes the command unquotable.
    fn quote(&mut self, comment: &str) -> String {
        if comment.contains('"') {
            self.unquotable = true;
            return format!("{comment:?}");
        }
        format!("\"{comment}\"")
    }

    /// Appends one command. A command with a name or comment that nft
    /// syntax cannot spell is written as a `#` comment after a line that
    /// gives the reason, so that replaying the script never runs text from a name.
    fn command(&mut self, command: String) {
        if std::mem::take(&mut self.unquotable) {
            self.out.push_str(
                "# nft syntax cannot spell a name or comment of this command; not replayable:\n# ",
            );
            self.out.push_str(&command.replace('\n', "\\n"));
        } else {
            self.out.push_str(&command);
        }
        self.out.push('\n');
    }
}

/// Fails as the commit does when two ranges of one request overlap.
fn check_overlaps(def: &SetDef, parsed: &[Element]) -> Result<()> {
    let ranges = intervals(parsed);
    let key_type = def.key.as_ref().expect("parsed against a typed set");
    let overlap = if key_type.is_concat() {
        interval::find_box_overlap(key_type, &ranges)
    } else {
        interval::find_overlap(&ranges)
    };
    match overlap {
        Some((_, second)) => Err(Error::invalid_element(
            second,
            String::new(),
            "elements overlap",
        )),
        None => Ok(()),
    }
}

fn intervals(parsed: &[Element]) -> Vec<Interval> {
    parsed
        .iter()
        .enumerate()
        .map(|(position, element)| Interval::new(element.key.lo, element.key.hi, position))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::Family;
    use crate::input::{Fields, Item, Value};
    use crate::key::KeyType;
    use crate::set::MapData;
    use crate::sys::{NFT_SET_INTERVAL, NFT_SET_TIMEOUT};

    /// Renders ops whose sets are all created by the ops themselves, so
    /// that nothing is read from the kernel or sent to it.
    fn render_new(ops: &[Op]) -> Result<String> {
        let mut client = Client::open(None).expect("a NETLINK_NETFILTER socket opens unprivileged");
        render(&mut client, ops, &CommitOptions::default())
    }

    fn table() -> Op {
        Op::CreateTable {
            family: Family::Inet,
            name: "filter".into(),
            exclusive: false,
        }
    }

    /// `add set inet filter NAME { type KEY; }` with `flags`, changed by `edit`.
    fn create_set(name: &str, key: &str, flags: u32, edit: impl FnOnce(&mut SetDef)) -> Op {
        let key = KeyType::parse(key).expect("a valid key type");
        let mut def = SetDef::new(Family::Inet, "filter", name, key);
        def.flags = flags;
        edit(&mut def);
        Op::CreateSet {
            def: Box::new(def),
            exclusive: false,
        }
    }

    fn lines(set: &SetRef, verb: Verb, text: &str) -> Op {
        Op::Elements {
            verb,
            set: set.clone(),
            elements: Elements::Lines(text.into()),
        }
    }

    #[test]
    fn elements_render_as_parsed() {
        let set = SetRef::new(Family::Inet, "filter", "blocklist");
        let ops = [
            table(),
            create_set("blocklist", "ipv4_addr", NFT_SET_INTERVAL, |_| {}),
            lines(&set, Verb::Add, "192.0.2.1\n10.1.2.3/8"),
            Op::FlushSet { set },
        ];
        assert_eq!(
            render_new(&ops).unwrap(),
            "add table inet filter\n\
             add set inet filter blocklist { type ipv4_addr; flags interval; }\n\
             add element inet filter blocklist { 192.0.2.1, 10.0.0.0/8 }\n\
             flush set inet filter blocklist\n"
        );
    }

    #[test]
    fn invalid_element_renders_nothing() {
        let set = SetRef::new(Family::Inet, "filter", "s");
        let ops = [
            table(),
            create_set("s", "ipv4_addr", 0, |_| {}),
            lines(&set, Verb::Add, "192.0.2.1\nbogus"),
        ];
        let error = render_new(&ops).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidElement);
        assert_eq!(error.element_index, Some(1));
    }

    #[test]
    fn fields_render_with_options() {
        let set = SetRef::new(Family::Inet, "filter", "m");
        let fields = Fields {
            key: vec![Value::Text("192.0.2.1".into()), Value::Number(443.0)],
            value: Some(vec![Value::Text("accept".into())]),
            timeout: Some(Value::Number(30000.0)),
            comment: Some("web; {x} # y".into()),
            ..Fields::default()
        };
        let ops = [
            table(),
            create_set("m", "ipv4_addr . inet_service", NFT_SET_TIMEOUT, |def| {
                def.data = Some(MapData::Verdict);
            }),
            Op::Elements {
                verb: Verb::Create,
                set,
                elements: Elements::Items(vec![Item::Fields(fields)]),
            },
        ];
        let text = render_new(&ops).unwrap();
        assert_eq!(
            text.lines().last().unwrap(),
            "create element inet filter m { 192.0.2.1 . 443 timeout 30s comment \"web; {x} # y\" \
             : accept }"
        );
    }

    #[test]
    fn set_comment_is_quoted() {
        let ops = [
            table(),
            create_set("s", "ipv4_addr", 0, |def| {
                def.comment = Some("my set; {x}".into());
            }),
        ];
        assert_eq!(
            render_new(&ops).unwrap().lines().last().unwrap(),
            "add set inet filter s { type ipv4_addr; comment \"my set; {x}\"; }"
        );
    }

    #[test]
    fn comment_with_quote_renders_nothing() {
        let set = SetRef::new(Family::Inet, "filter", "s");
        let fields = Fields {
            key: vec![Value::Text("192.0.2.1".into())],
            comment: Some("a\" }\nflush ruleset\n#".into()),
            ..Fields::default()
        };
        let ops = [
            table(),
            create_set("s", "ipv4_addr", 0, |_| {}),
            Op::Elements {
                verb: Verb::Add,
                set,
                elements: Elements::Items(vec![Item::Fields(fields)]),
            },
        ];
        let error = render_new(&ops).unwrap_err();
        assert!(error.message.contains("double quote"), "{}", error.message);
    }

    #[test]
    fn unquotable_name_is_commented_out() {
        let ops = [Op::CreateTable {
            family: Family::Inet,
            name: "my table\nflush ruleset".into(),
            exclusive: false,
        }];
        let text = render_new(&ops).unwrap();
        assert!(
            text.ends_with("\n# add table inet \"my table\\nflush ruleset\"\n"),
            "{text}"
        );
    }

    #[test]
    fn sync_of_new_set_adds_everything() {
        let set = SetRef::new(Family::Inet, "filter", "s");
        let ops = [
            table(),
            create_set("s", "ipv4_addr", 0, |_| {}),
            Op::SyncElements {
                set,
                elements: Elements::Lines("192.0.2.1\n192.0.2.2".into()),
            },
        ];
        let text = render_new(&ops).unwrap();
        let tail: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(
            tail,
            [
                "# sync inet filter s: 0 elements to delete and 2 to add; the others are kept",
                "add element inet filter s { 192.0.2.1, 192.0.2.2 }",
            ]
        );
    }

    #[test]
    fn auto_merge_add_renders_merged_ranges() {
        let set = SetRef::new(Family::Inet, "filter", "s");
        let ops = [
            table(),
            create_set("s", "ipv4_addr", NFT_SET_INTERVAL, |def| {
                def.auto_merge = true
            }),
            lines(&set, Verb::Add, "10.0.0.0-10.0.0.9"),
            lines(&set, Verb::Add, "10.0.0.10-10.0.0.20"),
        ];
        let text = render_new(&ops).unwrap();
        let tail: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(
            tail,
            [
                "add element inet filter s { 10.0.0.0-10.0.0.9 }",
                "delete element inet filter s { 10.0.0.0-10.0.0.9 }",
                "add element inet filter s { 10.0.0.0-10.0.0.20 }",
            ]
        );
    }

    #[test]
    fn overlapping_ranges_render_nothing() {
        let set = SetRef::new(Family::Inet, "filter", "s");
        let ops = [
            table(),
            create_set("s", "ipv4_addr", NFT_SET_INTERVAL, |_| {}),
            lines(&set, Verb::Add, "10.0.0.0-10.0.0.9\n10.0.0.5"),
        ];
        assert_eq!(
            render_new(&ops).unwrap_err().kind,
            ErrorKind::InvalidElement
        );
    }

    #[test]
    fn delete_renders_keys_only() {
        let set = SetRef::new(Family::Inet, "filter", "m");
        let ops = [
            table(),
            create_set("m", "ipv4_addr", 0, |def| def.data = Some(MapData::Verdict)),
            lines(&set, Verb::Delete, "192.0.2.1 : drop"),
        ];
        let text = render_new(&ops).unwrap();
        assert_eq!(
            text.lines().last().unwrap(),
            "delete element inet filter m { 192.0.2.1 }"
        );
    }

    #[test]
    fn update_destroys_then_adds() {
        if kernel_before(6, 3) {
            return;
        }
        let set = SetRef::new(Family::Inet, "filter", "m");
        let ops = [
            table(),
            create_set("m", "ipv4_addr", 0, |def| def.data = Some(MapData::Verdict)),
            Op::UpdateElements {
                set,
                elements: Elements::Lines("192.0.2.1 : drop".into()),
            },
        ];
        let text = render_new(&ops).unwrap();
        let tail: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(
            tail,
            [
                "destroy element inet filter m { 192.0.2.1 }",
                "add element inet filter m { 192.0.2.1 : drop }",
            ]
        );
    }
}
