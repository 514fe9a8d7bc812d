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
pub(crate) struct NameTable {
    /// `(hash as u32, position)`; position `EMPTY` marks a free slot.
    slots: Box<[(u32, u32)]>,
    mask: usize,
}

impl NameTable {
    pub(crate) fn build<'a>(names: impl ExactSizeIterator<Item = &'a str> + Clone) -> Self {
        let cap = (names.len() * 2).next_power_of_two().max(8);
        let mut slots = vec![(0u32, EMPTY); cap].into_boxed_slice();
        let mask = cap - 1;
        let all: Vec<&str> = names.collect();
        for (pos, name) in all.iter().enumerate() {
            let h = hash(name.as_bytes());
            let mut i = h as usize & mask;
            loop {
                let (sh, sp) = slots[i];
                if sp == EMPTY {
                    slots[i] = (h as u32, pos as u32);
                    break;
                }
                if sh == h as u32 && all[sp as usize] == *name {
                    break; // duplicate name: keep the first
                }
                i = (i + 1) & mask;
            }
        }
        NameTable { slots, mask }
    }

    /// The position of `name`, comparing candidates through `name_at`.
    #[inline]
    pub(crate) fn find(
        &self,
        name: &str,
        name_at: impl Fn(usize) -> &'static str,
    ) -> Option<usize> {
        let h = hash(name.as_bytes());
        let mut i = h as usize & self.mask;
        loop {
            let (sh, sp) = self.slots[i];
            if sp == EMPTY {
                return None;
            }
            if sh == h as u32 && name_at(sp as usize) == name {
                return Some(sp as usize);
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
