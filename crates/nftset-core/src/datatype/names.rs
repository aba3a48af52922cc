//! IP protocol and service names, looked up the way nft resolves them.
//!
//! nft 1.0.6 resolves them with glibc's `getprotobyname`, `getprotobynumber`
//! and `getaddrinfo`, which read `/etc/protocols` and `/etc/services`. Each
//! file is read here once, on first use. When a file cannot be read, a
//! built-in table of common IANA names, in the same format, is used instead.

use std::collections::HashMap;
use std::fs;
use std::sync::OnceLock;

const PROTOCOLS_PATH: &str = "/etc/protocols";
const SERVICES_PATH: &str = "/etc/services";

/// Fallback for a missing `/etc/protocols`: `name number aliases...`.
const BUILTIN_PROTOCOLS: &str = "\
ip 0 IP
hopopt 0 HOPOPT
icmp 1 ICMP
igmp 2 IGMP
ipencap 4 IP-ENCAP
tcp 6 TCP
egp 8 EGP
udp 17 UDP
dccp 33 DCCP
ipv6 41 IPv6
ipv6-route 43 IPv6-Route
ipv6-frag 44 IPv6-Frag
rsvp 46 RSVP
gre 47 GRE
esp 50 IPSEC-ESP
ah 51 IPSEC-AH
ipv6-icmp 58 IPv6-ICMP
ipv6-nonxt 59 IPv6-NoNxt
ipv6-opts 60 IPv6-Opts
ospf 89 OSPFIGP
ipip 94 IPIP
pim 103 PIM
vrrp 112 VRRP
l2tp 115 L2TP
sctp 132 SCTP
udplite 136 UDPLite
mpls-in-ip 137 MPLS-in-IP
";

/// Fallback for a missing `/etc/services`: `name port/protocol aliases...`.
const BUILTIN_SERVICES: &str = "\
ftp-data 20/tcp
ftp 21/tcp
ssh 22/tcp
telnet 23/tcp
smtp 25/tcp mail
domain 53/tcp
domain 53/udp
bootps 67/udp
bootpc 68/udp
tftp 69/udp
http 80/tcp www
kerberos 88/tcp kerberos5 krb5 kerberos-sec
pop3 110/tcp pop-3
sunrpc 111/tcp portmapper
ntp 123/udp
imap2 143/tcp imap
snmp 161/udp
ldap 389/tcp
https 443/tcp
submissions 465/tcp ssmtp smtps
syslog 514/udp
submission 587/tcp
ldaps 636/tcp
imaps 993/tcp
pop3s 995/tcp
openvpn 1194/tcp
mysql 3306/tcp
postgresql 5432/tcp postgres
http-alt 8080/tcp webcache
";

/// Protocol names by number and numbers by name or alias.
struct ProtocolTable {
    names: HashMap<u8, String>,
    numbers: HashMap<String, u8>,
}

impl ProtocolTable {
    /// Parses `/etc/protocols` text. The first line for a number gives its
    /// name, and the first line that lists a name or alias gives its number.
    fn parse(text: &str) -> Self {
        let mut table = ProtocolTable {
            names: HashMap::new(),
            numbers: HashMap::new(),
        };

        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default();
            let mut fields = line.split_whitespace();
            let (Some(name), Some(number)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Ok(number) = number.parse::<u8>() else {
                continue;
            };

            table.names.entry(number).or_insert_with(|| name.to_owned());
            for alias in std::iter::once(name).chain(fields) {
                table.numbers.entry(alias.to_owned()).or_insert(number);
            }
        }
        table
    }
}

/// Ports by service name or alias, each with the index of its protocol in
/// [`SERVICE_PROTOCOLS`].
struct ServiceTable {
    ports: HashMap<String, (u16, usize)>,
}

/// Transport protocols in the order glibc's `getaddrinfo` tries them when
/// the caller gives no socket type, as nft does. The first protocol with an
/// entry for a name gives its port, and other protocols (`ddp`) are never tried.
const SERVICE_PROTOCOLS: [&str; 5] = ["tcp", "udp", "dccp", "udplite", "sctp"];

impl ServiceTable {
    /// Parses `/etc/services` text.
    fn parse(text: &str) -> Self {
        let mut ports: HashMap<String, (u16, usize)> = HashMap::new();

        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default();
            let mut fields = line.split_whitespace();
            let (Some(name), Some(port_protocol)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Some((port, protocol)) = port_protocol.split_once('/') else {
                continue;
            };
            let Ok(port) = port.parse::<u16>() else {
                continue;
            };
            let Some(rank) = SERVICE_PROTOCOLS.iter().position(|p| *p == protocol) else {
                continue;
            };

            for alias in std::iter::once(name).chain(fields) {
                let entry = ports.entry(alias.to_owned()).or_insert((port, rank));
                if rank < entry.1 {
                    *entry = (port, rank);
                }
            }
        }
        ServiceTable { ports }
    }
}

/// Reads a file as text, or returns `None` if it cannot be read.
fn read_text(path: &str) -> Option<String> {
    let bytes = fs::read(path).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn protocols() -> &'static ProtocolTable {
    static TABLE: OnceLock<ProtocolTable> = OnceLock::new();
    TABLE.get_or_init(|| match read_text(PROTOCOLS_PATH) {
        Some(text) => ProtocolTable::parse(&text),
        None => ProtocolTable::parse(BUILTIN_PROTOCOLS),
    })
}

fn services() -> &'static ServiceTable {
    static TABLE: OnceLock<ServiceTable> = OnceLock::new();
    TABLE.get_or_init(|| match read_text(SERVICES_PATH) {
        Some(text) => ServiceTable::parse(&text),
        None => ServiceTable::parse(BUILTIN_SERVICES),
    })
}

/// Returns the name nft prints for an IP protocol number: the first name
/// listed for it in `/etc/protocols` (`0` is `ip`, `6` is `tcp`).
pub fn protocol_name(number: u8) -> Option<&'static str> {
    protocols().names.get(&number).map(String::as_str)
}

/// Looks up an IP protocol by name or alias, case-sensitively, as
/// `getprotobyname` does: `tcp` and `TCP` are both 6, `Tcp` is unknown.
pub fn protocol_number(name: &str) -> Option<u8> {
    protocols().numbers.get(name).copied().or_else(|| {
        NFT_PROTOCOL_KEYWORDS
            .iter()
            .find(|(keyword, _)| *keyword == name)
            .map(|&(_, number)| number)
    })
}

/// Words that nft's parser reads as protocols although `/etc/protocols`
/// names them otherwise: nft lists 58 as `ipv6-icmp` and 108 as `ipcomp`.
const NFT_PROTOCOL_KEYWORDS: [(&str, u8); 2] = [("icmpv6", 58), ("comp", 108)];

/// Looks up a service port by name or alias, case-sensitively, as nft does
/// through `getaddrinfo`: `ssh` is 22, `www` is 80.
pub fn service_port(name: &str) -> Option<u16> {
    services().ports.get(name).map(|&(port, _)| port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_first_name_wins() {
        let table = ProtocolTable::parse("ip 0 IP\nhopopt 0 HOPOPT # hop-by-hop\ntcp 6 TCP\n");

        assert_eq!(table.names.get(&0).map(String::as_str), Some("ip"));
        assert_eq!(table.names.get(&6).map(String::as_str), Some("tcp"));
        assert_eq!(table.numbers.get("hopopt"), Some(&0));
        assert_eq!(table.numbers.get("HOPOPT"), Some(&0));
        assert_eq!(table.numbers.get("TCP"), Some(&6));
    }

    #[test]
    fn protocols_skip_bad_lines() {
        let text = "# comment only\n\nlonely\nbig 256 BIG\nneg -1\nword x\nudp\t17\tUDP\n";
        let table = ProtocolTable::parse(text);

        assert_eq!(table.names.len(), 1);
        assert_eq!(table.numbers.get("udp"), Some(&17));
        assert_eq!(table.numbers.get("big"), None);
        assert_eq!(table.numbers.get("lonely"), None);
        assert_eq!(table.numbers.get("comment"), None);
    }

    #[test]
    fn services_prefer_tcp() {
        let text = "\
rtmp 1/ddp
both 900/udp both-alias
both 901/tcp
sctp-only 902/sctp
first 903/tcp
first 904/tcp
";
        let table = ServiceTable::parse(text);
        let port = |name: &str| table.ports.get(name).map(|&(port, _)| port);

        assert_eq!(port("rtmp"), None);
        assert_eq!(port("both"), Some(901));
        assert_eq!(port("both-alias"), Some(900));
        assert_eq!(port("sctp-only"), Some(902));
        assert_eq!(port("first"), Some(903));
    }

    #[test]
    fn services_skip_bad_lines() {
        let text = "x\ny 70000/tcp\nz 22\nw abc/tcp\nssh 22/tcp # SSH\n";
        let table = ServiceTable::parse(text);

        assert_eq!(table.ports.len(), 1);
        assert_eq!(table.ports.get("ssh"), Some(&(22, 0)));
    }

    #[test]
    fn builtin_protocols() {
        let table = ProtocolTable::parse(BUILTIN_PROTOCOLS);
        let name = |number: u8| table.names.get(&number).map(String::as_str);

        assert_eq!(name(0), Some("ip"));
        assert_eq!(name(6), Some("tcp"));
        assert_eq!(name(17), Some("udp"));
        assert_eq!(name(41), Some("ipv6"));
        assert_eq!(name(58), Some("ipv6-icmp"));
        assert_eq!(name(132), Some("sctp"));
        assert_eq!(name(136), Some("udplite"));
        assert_eq!(name(250), None);
        assert_eq!(table.numbers.get("IPv6-ICMP"), Some(&58));
    }

    #[test]
    fn builtin_services() {
        let table = ServiceTable::parse(BUILTIN_SERVICES);
        let port = |name: &str| table.ports.get(name).map(|&(port, _)| port);

        assert_eq!(port("ssh"), Some(22));
        assert_eq!(port("domain"), Some(53));
        assert_eq!(port("http"), Some(80));
        assert_eq!(port("www"), Some(80));
        assert_eq!(port("ntp"), Some(123));
        assert_eq!(port("https"), Some(443));
        assert_eq!(port("http-alt"), Some(8080));
        assert_eq!(port("nosuch"), None);
    }

    // These hold for the Debian 12 files and for the built-in tables.
    #[test]
    fn system_lookups() {
        assert_eq!(protocol_name(0), Some("ip"));
        assert_eq!(protocol_name(6), Some("tcp"));
        assert_eq!(protocol_name(41), Some("ipv6"));
        assert_eq!(protocol_name(250), None);
        assert_eq!(protocol_number("tcp"), Some(6));
        assert_eq!(protocol_number("ipv6-icmp"), Some(58));
        assert_eq!(protocol_number("icmpv6"), Some(58));
        assert_eq!(protocol_number("comp"), Some(108));
        assert_eq!(protocol_number("Tcp"), None);
        assert_eq!(service_port("ssh"), Some(22));
        assert_eq!(service_port("http-alt"), Some(8080));
        assert_eq!(service_port("SSH"), None);
    }
}
