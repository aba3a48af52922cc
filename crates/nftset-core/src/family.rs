//! Table families, as nft names them and as `nfgen_family` numbers them.

use crate::sys::*;

/// The family of a table; every message about its sets carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// `inet`: IPv4 and IPv6 together.
    Inet,
    /// `ip`: IPv4.
    Ip,
    /// `ip6`: IPv6.
    Ip6,
    /// `arp`.
    Arp,
    /// `bridge`.
    Bridge,
    /// `netdev`.
    Netdev,
}

/// Every family, in the order nft documents them.
pub const FAMILIES: [Family; 6] = [
    Family::Ip,
    Family::Ip6,
    Family::Inet,
    Family::Arp,
    Family::Bridge,
    Family::Netdev,
];

impl Family {
    /// Name as nft writes it.
    pub const fn name(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Ip => "ip",
            Family::Ip6 => "ip6",
            Family::Arp => "arp",
            Family::Bridge => "bridge",
            Family::Netdev => "netdev",
        }
    }

    /// `NFPROTO_*` number sent in `nfgen_family`.
    pub const fn nfproto(self) -> u8 {
        match self {
            Family::Inet => NFPROTO_INET,
            Family::Ip => NFPROTO_IPV4,
            Family::Ip6 => NFPROTO_IPV6,
            Family::Arp => NFPROTO_ARP,
            Family::Bridge => NFPROTO_BRIDGE,
            Family::Netdev => NFPROTO_NETDEV,
        }
    }

    /// Looks a family up by nft's name.
    pub fn from_name(name: &str) -> Option<Family> {
        FAMILIES.into_iter().find(|family| family.name() == name)
    }

    /// Looks a family up by its `NFPROTO_*` number.
    pub fn from_nfproto(nfproto: u8) -> Option<Family> {
        FAMILIES
            .into_iter()
            .find(|family| family.nfproto() == nfproto)
    }

    /// Parses a family name, with an error that lists the valid ones.
    pub fn parse(name: &str) -> Result<Family, String> {
        Family::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = FAMILIES.iter().map(|family| family.name()).collect();
            format!(
                "unknown family \"{name}\": expected one of {}",
                names.join(", ")
            )
        })
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
