//! Seeded randomness: a dice for choices and a generator of deterministic UUIDv7 ids.
//!
//! Both are ChaCha8 streams from fixed seeds, so every run draws the same numbers. Ids come
//! from their own stream, so how many choices the content makes does not shift them.

use rand::seq::{SliceRandom, index};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// Seeded choices.
pub(super) struct Dice(ChaCha8Rng);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    /// True with probability `p` (0 ≤ p ≤ 1).
    pub fn chance(&mut self, p: f64) -> bool {
        self.0.random_bool(p.clamp(0.0, 1.0))
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// Uniform in the inclusive range `lo..=hi`.
    pub fn between(&mut self, lo: u32, hi: u32) -> u32 {
        self.0.random_range(lo..=hi.max(lo))
    }

    /// Uniform index below `len` (which must not be 0).
    pub fn index(&mut self, len: usize) -> usize {
        self.0.random_range(0..len.max(1))
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// One item by relative weight (the weights must not all be 0).
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.0.random_range(0..total.max(1));
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }

    /// An index by relative weight over `weights` (not all 0).
    pub fn weighted_index(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
    }

    /// `amount` distinct items of `items` (all of them when fewer), in random order.
    pub fn sample<T: Copy>(&mut self, items: &[T], amount: usize) -> Vec<T> {
        let amount = amount.min(items.len());
        index::sample(&mut self.0, items.len(), amount)
            .into_iter()
            .map(|i| items[i])
            .collect()
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        items.shuffle(&mut self.0);
    }

    /// Log-normal with the given median, clamped to `[lo, hi]` (Box–Muller).
    pub fn log_normal(&mut self, median: f64, sigma: f64, lo: f64, hi: f64) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (median * (sigma * z).exp()).clamp(lo, hi)
    }
}

/// Deterministic UUIDv7 ids: a fixed base timestamp advanced by one millisecond per id, and
/// random bits from a seeded stream. Sorting the ids sorts them in generation order.
pub(super) struct IdGen {
    rng: ChaCha8Rng,
    millis: u64,
}

impl IdGen {
    pub fn new(seed: u64, base_millis: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            millis: base_millis,
        }
    }

    pub fn next(&mut self) -> Uuid {
        self.millis += 1;
        let mut bytes = [0u8; 10];
        self.rng.fill_bytes(&mut bytes);
        uuid::Builder::from_unix_timestamp_millis(self.millis, &bytes).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_increasing_and_repeatable() {
        let mut a = IdGen::new(7, 1_641_286_800_000);
        let mut b = IdGen::new(7, 1_641_286_800_000);
        let first: Vec<Uuid> = (0..100).map(|_| a.next()).collect();
        let second: Vec<Uuid> = (0..100).map(|_| b.next()).collect();
        assert_eq!(first, second);
        assert!(first.windows(2).all(|w| w[0] < w[1]));
        assert!(first.iter().all(|id| id.get_version_num() == 7));
    }

    #[test]
    fn weighted_respects_zero_weights() {
        let mut dice = Dice::new(1);
        for _ in 0..1000 {
            assert_ne!(*dice.weighted(&[("never", 0), ("always", 3)]), "never");
            assert_eq!(dice.weighted_index(&[0.0, 2.0, 0.0]), 1);
        }
    }
}
