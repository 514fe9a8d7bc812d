//! Lookup tables a registry builds on first use: names and capabilities.

use std::collections::HashMap;

const EMPTY: u32 = u32::MAX;

/// A 64-bit multiplicative hash over 8-byte words with a final avalanche. Names are short, and
/// this beats SipHash by a wide margin while spreading `module-00001`-style names well. The tail
/// is read as one word overlapping the last full one (or two overlapping `u32`s, or three
/// bytes), not copied to a buffer: for short keys the copy cost as much as the rest of the hash.
#[inline]
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = bytes.len();
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
    let half = |i: usize| {
        u64::from(u32::from_le_bytes(
            bytes[i..i + 4].try_into().unwrap_or([0; 4]),
        ))
    };
    let mut h = (n as u64).wrapping_mul(K);
    let mut mix = |w: u64| h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            mix(word(i));
            i += 8;
        }
        mix(word(n - 8));
    } else if n >= 4 {
        mix(half(0) | half(n - 4) << 32);
    } else if n > 0 {
        mix(u64::from(bytes[0]) | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1]) << 16);
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
