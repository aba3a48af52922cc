//! Behaviour against the running kernel, each test in its own namespace.

mod common;

use common::in_netns;
use nftset_core::input::Elements;
use nftset_core::key::KeyType;
use nftset_core::{Client, CommitOptions, Family, Op, SetDef, SetRef, Verb};

fn lines(items: &[&str]) -> Elements {
    Elements::Lines(items.join("\n"))
}

#[test]
fn add_and_list_ipv4() {
    in_netns(|ns| {
        let mut client = Client::open(None).unwrap();
        let def = SetDef::new(
            Family::Inet,
            "filter",
            "blocklist",
            KeyType::parse("ipv4_addr").unwrap(),
        );
        let set = SetRef::new(Family::Inet, "filter", "blocklist");
        client
            .commit(
                &[
                    Op::CreateTable {
                        family: Family::Inet,
                        name: "filter".into(),
                        exclusive: false,
                    },
                    Op::CreateSet {
                        def: Box::new(def),
                        exclusive: false,
                    },
                    Op::Elements {
                        verb: Verb::Add,
                        set: set.clone(),
                        elements: lines(&["192.0.2.1", "192.0.2.7"]),
                    },
                ],
                CommitOptions::default(),
            )
            .unwrap();
        let listed = ns.nft(&["-j", "list", "set", "inet", "filter", "blocklist"]);
        assert!(
            listed.contains("\"elem\": [\"192.0.2.1\", \"192.0.2.7\"]")
                || listed.contains("\"elem\": [\"192.0.2.7\", \"192.0.2.1\"]"),
            "{listed}"
        );
        let (_, mut elements) = client.list_elements(&set).unwrap();
        elements.sort_by(|a, b| a.key.cmp(&b.key));
        let keys: Vec<&str> = elements.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["192.0.2.1", "192.0.2.7"]);
    });
}
