//! A small seeded generator (xorshift64*) for the unit tests that fuzz input parsers: the same
//! cases on every run, no dependency.

/// A deterministic stream of pseudo-random numbers.
pub(crate) struct Rng(u64);

impl Rng {
    /// The stream for `seed` (any but 0 works; 0 is taken as 1).
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// One of `items`.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Up to `max` of `tokens`, joined.
    pub(crate) fn text(&mut self, tokens: &[&str], max: usize) -> String {
        (0..self.below(max + 1))
            .map(|_| *self.pick(tokens))
            .collect()
    }
}

/// Runs `case` on `input`, turning a panic into a test failure that shows the input.
pub(crate) fn no_panic<I: std::fmt::Debug, R>(input: &I, case: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(case)) {
        Ok(result) => result,
        Err(_) => panic!("panicked on input {input:?}"),
    }
}
