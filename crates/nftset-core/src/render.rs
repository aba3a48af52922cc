//! Transactions spelled in nft syntax, for diagnostics: what would be
//! sent, as an nft script that does the same.

use std::fmt::Write;

use crate::input::{Elements, Fields, Item, Value};
use crate::transaction::{Op, SetRef, Verb};

/// Spells `ops` as an nft script, one command per line.
pub fn render(ops: &[Op]) -> String {
    let mut out = String::new();
    for op in ops {
        render_op(op, &mut out);
        out.push('\n');
    }
    out
}

fn render_op(op: &Op, out: &mut String) {
    match op {
        Op::CreateTable {
            family,
            name,
            exclusive,
        } => {
            let verb = if *exclusive { "create" } else { "add" };
            let _ = write!(out, "{verb} table {family} {name}");
        }
        Op::DeleteTable {
            family,
            name,
            if_exists,
        } => {
            let verb = if *if_exists { "destroy" } else { "delete" };
            let _ = write!(out, "{verb} table {family} {name}");
        }
        Op::CreateChain {
            family,
            table,
            name,
            exclusive,
        } => {
            let verb = if *exclusive { "create" } else { "add" };
            let _ = write!(out, "{verb} chain {family} {table} {name}");
        }
        Op::DeleteChain {
            family,
            table,
            name,
            if_exists,
        } => {
            let verb = if *if_exists { "destroy" } else { "delete" };
            let _ = write!(out, "{verb} chain {family} {table} {name}");
        }
        Op::CreateSet { def, exclusive } => {
            let verb = if *exclusive { "create" } else { "add" };
            let mut def = (**def).clone();
            def.derive_flags();
            let _ = write!(out, "{verb} {}", def.to_nft());
        }
        Op::DeleteSet { set, if_exists } => {
            let verb = if *if_exists { "destroy" } else { "delete" };
            let _ = write!(out, "{verb} set {set}");
        }
        Op::FlushSet { set } => {
            let _ = write!(out, "flush set {set}");
        }
        Op::Elements {
            verb,
            set,
            elements,
        } => render_elements(verb.name(), set, elements, out),
        Op::UpdateElements { set, elements } => {
            out.push_str("# update: each key is deleted if present, then added\n");
            render_elements(Verb::Destroy.name(), set, elements, out);
            out.push('\n');
            render_elements(Verb::Add.name(), set, elements, out);
        }
        Op::SyncElements { set, elements } => {
            let _ = writeln!(
                out,
                "# sync: the set is read and only the difference is sent, so that it holds \
                 exactly these {} elements",
                elements.len()
            );
            render_elements("add", set, elements, out);
        }
    }
}

fn render_elements(verb: &str, set: &SetRef, elements: &Elements, out: &mut String) {
    let _ = write!(out, "{verb} element {set} {{ ");
    let mut first = true;
    let _ = elements.try_for_each(|index, _| {
        if !first {
            out.push_str(", ");
        }
        first = false;
        match elements {
            Elements::Items(items) => match &items[index] {
                Item::Text(text) => out.push_str(text),
                Item::Fields(fields) => render_fields(fields, out),
            },
            _ => out.push_str(&elements.display(index).unwrap_or_default()),
        }
        Ok::<(), ()>(())
    });
    out.push_str(" }");
}

fn render_fields(fields: &Fields, out: &mut String) {
    render_values(&fields.key, out);
    if let Some(counter) = fields.counter {
        let _ = write!(
            out,
            " counter packets {} bytes {}",
            counter.packets, counter.bytes
        );
    }
    for (name, value) in [("timeout", &fields.timeout), ("expires", &fields.expires)] {
        match value {
            Some(Value::Number(ms)) => {
                let _ = write!(out, " {name} {}ms", ms);
            }
            Some(Value::Text(text)) => {
                let _ = write!(out, " {name} {text}");
            }
            None => {}
        }
    }
    if let Some(comment) = &fields.comment {
        let _ = write!(out, " comment \"{comment}\"");
    }
    if let Some(value) = &fields.value {
        out.push_str(" : ");
        render_values(value, out);
    }
}

fn render_values(values: &[Value], out: &mut String) {
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            out.push_str(" . ");
        }
        match value {
            Value::Text(text) => out.push_str(text),
            Value::Number(number) => {
                let _ = write!(out, "{number}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::Family;

    #[test]
    fn elements_render_as_nft_commands() {
        let set = SetRef::new(Family::Inet, "filter", "blocklist");
        let ops = [
            Op::CreateTable {
                family: Family::Inet,
                name: "filter".into(),
                exclusive: false,
            },
            Op::Elements {
                verb: Verb::Add,
                set: set.clone(),
                elements: Elements::Lines("192.0.2.1\n10.0.0.0/8".into()),
            },
            Op::FlushSet { set },
        ];
        assert_eq!(
            render(&ops),
            "add table inet filter\n\
             add element inet filter blocklist { 192.0.2.1, 10.0.0.0/8 }\n\
             flush set inet filter blocklist\n"
        );
    }

    #[test]
    fn fields_render_with_options() {
        let set = SetRef::new(Family::Ip, "t", "m");
        let fields = Fields {
            key: vec![Value::Text("192.0.2.1".into()), Value::Number(443.0)],
            value: Some(vec![Value::Text("accept".into())]),
            timeout: Some(Value::Number(30000.0)),
            comment: Some("web".into()),
            ..Fields::default()
        };
        let ops = [Op::Elements {
            verb: Verb::Create,
            set,
            elements: Elements::Items(vec![Item::Fields(fields)]),
        }];
        assert_eq!(
            render(&ops),
            "create element ip t m { 192.0.2.1 . 443 timeout 30000ms comment \"web\" : accept }\n"
        );
    }
}
