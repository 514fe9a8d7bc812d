//! Reproducible pseudo-random numbers for the tests that generate their inputs.

/// A seeded xorshift generator: each call returns a number below its argument.
pub fn tiny_rng(mut state: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    }
}

/// Shuffles `items` in place (Fisher–Yates) with numbers from `next`.
pub fn shuffle<T>(items: &mut [T], next: &mut impl FnMut(u64) -> u64) {
    for i in (1..items.len()).rev() {
        items.swap(i, next(i as u64 + 1) as usize);
    }
}
