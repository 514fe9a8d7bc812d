//! The one open-addressing hash table of the crate, from strings to `u32`: the static
//! registry's and the runtime's name tables, and the dynamic registry's name, capability and
//! waiting-dependency indexes.
//!
//! The strings stay where they already live (in the entries); the table keeps a hash and a value
//! per slot, and the caller says which value belongs to the key it looks for. So adding a key
//! allocates nothing, and growing the table rehashes from the stored hashes without reading a
//! single string (with `HashSet<Arc<Entry>>`, every rehash chased two pointers per module).

/// The value of a free slot: never stored.
const FREE: u32 = u32::MAX;

/// A 64-bit multiplicative hash over 8-byte words with a final avalanche. Names are short, and
/// this beats SipHash by a wide margin while spreading `module-00001`-style names well. The tail
/// is read as one word overlapping the last full one (or two overlapping `u32`s, or three
/// bytes), not copied to a buffer: for short keys the copy cost as much as the rest of the hash.
#[inline]
fn hash_bytes(bytes: &[u8]) -> u64 {
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

#[derive(Clone, Copy)]
struct Slot {
    hash: u32,
    value: u32,
}

pub(crate) struct Table {
    slots: Box<[Slot]>,
    len: usize,
}

/// The hash under which the tables file `key`.
#[inline]
pub(crate) fn hash(key: &str) -> u32 {
    hash_bytes(key.as_bytes()) as u32
}

impl Table {
    pub(crate) fn new() -> Self {
        Table {
            slots: Box::new([]),
            len: 0,
        }
    }

    /// A table that holds `n` keys without growing.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let mut table = Table::new();
        if n > 0 {
            table.resize((n * 4 / 3 + 1).next_power_of_two());
        }
        table
    }

    /// The slot of the key filed under `hash` whose value `is_key` accepts.
    #[inline]
    pub(crate) fn find(&self, hash: u32, mut is_key: impl FnMut(u32) -> bool) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot.value == FREE {
                return None;
            }
            if slot.hash == hash && is_key(slot.value) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The value of the key filed under `hash` whose value `is_key` accepts.
    #[inline]
    pub(crate) fn get(&self, hash: u32, is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        self.find(hash, is_key).map(|i| self.slots[i].value)
    }

    /// The value in `slot`, as returned by [`Table::find`].
    pub(crate) fn value(&self, slot: usize) -> u32 {
        self.slots[slot].value
    }

    /// Replaces the value in `slot`; the key stays (`value` must not be `u32::MAX`).
    pub(crate) fn set(&mut self, slot: usize, value: u32) {
        debug_assert_ne!(value, FREE);
        self.slots[slot].value = value;
    }

    /// Adds a key that is not in the table (`value` must not be `u32::MAX`).
    pub(crate) fn insert(&mut self, hash: u32, value: u32) {
        debug_assert_ne!(value, FREE);
        // At most three quarters full: a miss probes a few slots of one or two cache lines.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.resize((self.slots.len() * 2).max(8));
        }
        place(&mut self.slots, Slot { hash, value });
        self.len += 1;
    }

    fn resize(&mut self, cap: usize) {
        let free = Slot {
            hash: 0,
            value: FREE,
        };
        let mut slots = vec![free; cap].into_boxed_slice();
        for &slot in self.slots.iter().filter(|s| s.value != FREE) {
            place(&mut slots, slot);
        }
        self.slots = slots;
    }
}

fn place(slots: &mut [Slot], slot: Slot) {
    let mask = slots.len() - 1;
    let mut i = slot.hash as usize & mask;
    while slots[i].value != FREE {
        i = (i + 1) & mask;
    }
    slots[i] = slot;
}

#[cfg(test)]
mod tests {
    use super::{hash, Table};

    #[test]
    fn finds_what_was_inserted_across_growth() {
        let keys: Vec<String> = (0..1000).map(|i| format!("module-{i:05}")).collect();
        let mut table = Table::new();
        for (i, k) in keys.iter().enumerate() {
            let h = hash(k);
            assert_eq!(table.get(h, |v| keys[v as usize] == *k), None);
            table.insert(h, i as u32);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(
                table.get(hash(k), |v| keys[v as usize] == *k),
                Some(i as u32)
            );
        }
        assert_eq!(
            table.get(hash("absent"), |v| keys[v as usize] == "absent"),
            None
        );
        let slot = table.find(hash(&keys[7]), |v| v == 7).unwrap();
        table.set(slot, 9);
        assert_eq!(table.value(slot), 9);
    }
}
