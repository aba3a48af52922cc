//! Verdicts, the values of verdict maps: `accept`, `drop`, `continue`,
//! `return`, `jump CHAIN` and `goto CHAIN`.

use crate::attr::{Attr, Writer};
use crate::error::DecodeError;
use crate::sys::*;

/// A verdict as nft writes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Let the packet through.
    Accept,
    /// Discard the packet.
    Drop,
    /// Go on with the next rule.
    Continue,
    /// Return to the calling chain.
    Return,
    /// Evaluate a regular chain, then come back.
    Jump(String),
    /// Evaluate a regular chain without coming back.
    Goto(String),
}

impl Verdict {
    /// Parses `accept`, `drop`, `continue`, `return`, `jump NAME` or `goto NAME`.
    pub fn parse(text: &str) -> Result<Verdict, String> {
        let mut words = text.split_whitespace();
        let verb = words.next().unwrap_or_default();
        let chain = words.next();
        let extra = words.next();
        let verdict = match (verb, chain, extra) {
            ("accept", None, None) => Verdict::Accept,
            ("drop", None, None) => Verdict::Drop,
            ("continue", None, None) => Verdict::Continue,
            ("return", None, None) => Verdict::Return,
            ("jump", Some(chain), None) => Verdict::Jump(chain_name(chain)?),
            ("goto", Some(chain), None) => Verdict::Goto(chain_name(chain)?),
            _ => {
                return Err(format!(
                    "invalid verdict \"{text}\": expected accept, drop, continue, return, \
                     jump CHAIN or goto CHAIN"
                ))
            }
        };
        Ok(verdict)
    }

    /// The kernel's verdict code.
    pub fn code(&self) -> i32 {
        match self {
            Verdict::Accept => NF_ACCEPT,
            Verdict::Drop => NF_DROP,
            Verdict::Continue => NFT_CONTINUE,
            Verdict::Return => NFT_RETURN,
            Verdict::Jump(_) => NFT_JUMP,
            Verdict::Goto(_) => NFT_GOTO,
        }
    }

    /// Target chain of a jump or goto.
    pub fn chain(&self) -> Option<&str> {
        match self {
            Verdict::Jump(chain) | Verdict::Goto(chain) => Some(chain),
            _ => None,
        }
    }

    /// Writes `NFTA_DATA_VERDICT` with the code and the chain, inside an
    /// open `NFTA_SET_ELEM_DATA` nest.
    pub fn write(&self, w: &mut Writer<'_>) {
        let verdict = w.begin_nest(NFTA_DATA_VERDICT);
        w.u32_be(NFTA_VERDICT_CODE, self.code() as u32);
        if let Some(chain) = self.chain() {
            w.string(NFTA_VERDICT_CHAIN, chain);
        }
        w.end_nest(verdict);
    }

    /// Decodes the content of `NFTA_DATA_VERDICT`.
    pub fn decode(attr: &Attr<'_>) -> Result<Verdict, DecodeError> {
        let mut code = None;
        let mut chain = None;
        for inner in attr.nested() {
            let inner = inner?;
            match inner.ty {
                NFTA_VERDICT_CODE => code = Some(inner.u32_be()? as i32),
                NFTA_VERDICT_CHAIN => chain = Some(inner.string()?.to_string()),
                _ => {}
            }
        }
        let code = code.ok_or_else(|| DecodeError::new("verdict without a code"))?;
        let with_chain = |chain: Option<String>| {
            chain.ok_or_else(|| DecodeError::new(format!("verdict {code} without a chain")))
        };
        Ok(match code {
            NF_ACCEPT => Verdict::Accept,
            NF_DROP => Verdict::Drop,
            NFT_CONTINUE => Verdict::Continue,
            NFT_RETURN => Verdict::Return,
            NFT_JUMP => Verdict::Jump(with_chain(chain)?),
            NFT_GOTO => Verdict::Goto(with_chain(chain)?),
            other => return Err(DecodeError::new(format!("unknown verdict code {other}"))),
        })
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Accept => f.write_str("accept"),
            Verdict::Drop => f.write_str("drop"),
            Verdict::Continue => f.write_str("continue"),
            Verdict::Return => f.write_str("return"),
            Verdict::Jump(chain) => write!(f, "jump {chain}"),
            Verdict::Goto(chain) => write!(f, "goto {chain}"),
        }
    }
}

fn chain_name(name: &str) -> Result<String, String> {
    let name = name.trim_matches('"');
    crate::names::check_name("chain", name)?;
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_parse_and_print() {
        for text in [
            "accept",
            "drop",
            "continue",
            "return",
            "jump c",
            "goto other",
        ] {
            assert_eq!(Verdict::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn jump_encodes_like_nft() {
        let mut buf = Vec::new();
        Verdict::Jump("c".into()).write(&mut Writer::new(&mut buf));
        let expected = [
            0x14, 0x00, 0x02, 0x80, // NFTA_DATA_VERDICT, nested, 20 bytes
            0x08, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0xfd, // CODE NFT_JUMP
            0x06, 0x00, 0x02, 0x00, b'c', 0x00, 0x00, 0x00, // CHAIN "c"
        ];
        assert_eq!(buf, expected);
    }

    #[test]
    fn bad_verdicts_are_rejected() {
        assert!(Verdict::parse("jump")
            .unwrap_err()
            .contains("invalid verdict"));
        assert!(Verdict::parse("accept now").is_err());
        assert!(Verdict::parse("reject").is_err());
    }
}
