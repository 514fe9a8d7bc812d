//! Lookup tables a registry builds on first use: names and capabilities.

use std::collections::HashMap;

const EMPTY: u32 = u32::MAX;

/// A 64-bit multiplicative hash over 8-byte words with a final avalanche. Names are short, and
/// this beats SipHash by a wide margin while spreading `module-00001`-style names well.
#[inline]
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^ (h >> 32)
}

/// Open-addressing table from module name to position; the first module of a name wins.
///
/// Each slot holds the name itself, so a lookup touches the slot and the name's bytes, as a
/// `HashMap<&str, _>` does, and never the descriptor of a candidate that is not the answer.
pub(crate) struct NameTable {
    slots: Box<[Slot]>,
    mask: usize,
}

#[derive(Clone, Copy)]
struct Slot {
    hash: u32,
    /// `EMPTY` marks a free slot.
    pos: u32,
    name: &'static str,
}

impl NameTable {
    pub(crate) fn build(names: impl ExactSizeIterator<Item = &'static str>) -> Self {
        let cap = (names.len() * 2).next_power_of_two().max(8);
        let free = Slot {
            hash: 0,
            pos: EMPTY,
            name: "",
        };
        let mut slots = vec![free; cap].into_boxed_slice();
        let mask = cap - 1;
        for (pos, name) in names.enumerate() {
            let h = hash(name.as_bytes());
            let mut i = h as usize & mask;
            loop {
                let slot = &mut slots[i];
                if slot.pos == EMPTY {
                    *slot = Slot {
                        hash: h as u32,
                        pos: pos as u32,
                        name,
                    };
                    break;
                }
                if slot.hash == h as u32 && slot.name == name {
                    break; // duplicate name: keep the first
                }
                i = (i + 1) & mask;
            }
        }
        NameTable { slots, mask }
    }

    /// The position of `name`.
    #[inline]
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        let h = hash(name.as_bytes());
        let mut i = h as usize & self.mask;
        loop {
            let slot = &self.slots[i];
            if slot.pos == EMPTY {
                return None;
            }
            if slot.hash == h as u32 && slot.name == name {
                return Some(slot.pos as usize);
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Everything a registry looks up by key, built once.
pub(crate) struct Index {
    pub(crate) names: NameTable,
    /// Capability → positions of the modules providing it, in registry order.
    pub(crate) capabilities: HashMap<&'static str, Box<[u32]>>,
}
