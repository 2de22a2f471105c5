//! `--partition hash:K/N`: which share of a run's cases one CI shard takes. A case belongs to
//! shard `K` when a hash of its id, modulo `N`, is `K - 1`: stable over case ids (a new case
//! does not move the others), so shards are reproducible and their union is the whole run.
//! Scenarios are kept whole (by name), property-based sequences whole (by sequence id).

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// One shard of `N`, numbered from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// 1 ..= total.
    pub shard: u64,
    pub total: u64,
}

impl Partition {
    /// Whether the case (scenario, sequence) with this id runs in this shard.
    pub fn keeps(&self, id: &str) -> bool {
        // SHA-256, not std's hasher: the same id must land in the same shard on every machine
        // and every Rust release.
        let digest = Sha256::digest(id.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % self.total == self.shard - 1
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hash:{}/{}", self.shard, self.total)
    }
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = || format!("{s:?}: expected hash:K/N, with 1 <= K <= N (hash:1/4)");
        let spec = s.strip_prefix("hash:").ok_or_else(usage)?;
        let (k, n) = spec.split_once('/').ok_or_else(usage)?;
        let shard: u64 = k.trim().parse().map_err(|_| usage())?;
        let total: u64 = n.trim().parse().map_err(|_| usage())?;
        if total == 0 || shard == 0 || shard > total {
            return Err(usage());
        }
        Ok(Partition { shard, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let p: Partition = "hash:2/4".parse().unwrap();
        assert_eq!(p, Partition { shard: 2, total: 4 });
        assert_eq!(p.to_string(), "hash:2/4");
        for bad in [
            "2/4",
            "hash:0/4",
            "hash:5/4",
            "hash:1/0",
            "hash:a/b",
            "count:1/2",
        ] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_id_lands_in_exactly_one_shard_and_the_shards_are_even() {
        let ids: Vec<String> = (0..4000).map(|i| format!("{i:016x}")).collect();
        let mut sizes = [0usize; 4];
        for id in &ids {
            let owners: Vec<u64> = (1..=4)
                .filter(|k| {
                    Partition {
                        shard: *k,
                        total: 4,
                    }
                    .keeps(id)
                })
                .collect();
            assert_eq!(owners.len(), 1, "{id}: {owners:?}");
            sizes[(owners[0] - 1) as usize] += 1;
        }
        for s in sizes {
            assert!((800..1200).contains(&s), "{sizes:?}");
        }
    }

    #[test]
    fn one_shard_keeps_everything() {
        let p = Partition { shard: 1, total: 1 };
        assert!(["a", "b", ""].iter().all(|id| p.keeps(id)));
    }
}
