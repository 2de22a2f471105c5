//! The spools' encoding of a verdict: its fields in declaration order, strings length-prefixed,
//! enums as their index in `ALL`. A quarter of report.json's rendering, so a run writes and reads
//! back less, and the file reports render each verdict when they write instead of while requests
//! wait. serde's compact formats cannot carry `CheckResult`'s flattened, adjacently tagged outcome.

use std::io;

use crate::check::{CheckName, CheckOutcome, CheckResult, Observed, Status, Verdict};

/// Appends `v` to `out`.
pub(crate) fn encode(v: &Verdict, out: &mut Vec<u8>) {
    string(out, &v.case_id);
    string(out, &v.operation);
    string(out, &v.group);
    string(out, &v.label);
    out.push(v.status as u8);
    optional(out, v.reason.as_deref());
    out.extend_from_slice(&(v.checks.len() as u32).to_le_bytes());
    for c in &v.checks {
        out.push(c.check as u8);
        match &c.outcome {
            CheckOutcome::Pass => out.push(0),
            CheckOutcome::Fail(why) => {
                out.push(1);
                string(out, why);
            }
            CheckOutcome::Skip(why) => {
                out.push(2);
                string(out, why);
            }
        }
    }
    match v.observed.status {
        Some(s) => {
            out.push(1);
            out.extend_from_slice(&s.to_le_bytes());
        }
        None => out.push(0),
    }
    optional(out, v.observed.exception.as_deref());
    optional(out, v.observed.message.as_deref());
    optional(out, v.observed.content_type.as_deref());
    string(out, &v.expected);
    out.extend_from_slice(&v.elapsed_ms.to_le_bytes());
}

/// The verdict [`encode`] wrote; an error if `bytes` is not one (a damaged spool file).
pub(crate) fn decode(bytes: &[u8]) -> io::Result<Verdict> {
    let mut r = Reader(bytes);
    let v = Verdict {
        case_id: r.string()?,
        operation: r.string()?,
        group: r.string()?,
        label: r.string()?,
        status: *Status::ALL.get(r.byte()? as usize).ok_or_else(damaged)?,
        reason: r.optional()?,
        checks: {
            let n = r.u32()? as usize;
            // Bounded by what is there: each check takes at least two bytes.
            let mut checks = Vec::with_capacity(n.min(r.0.len() / 2));
            for _ in 0..n {
                let check = *CheckName::ALL.get(r.byte()? as usize).ok_or_else(damaged)?;
                let outcome = match r.byte()? {
                    0 => CheckOutcome::Pass,
                    1 => CheckOutcome::Fail(r.string()?),
                    2 => CheckOutcome::Skip(r.string()?),
                    _ => return Err(damaged()),
                };
                checks.push(CheckResult { check, outcome });
            }
            checks
        },
        observed: Observed {
            status: match r.byte()? {
                0 => None,
                1 => Some(u16::from_le_bytes(r.array()?)),
                _ => return Err(damaged()),
            },
            exception: r.optional()?,
            message: r.optional()?,
            content_type: r.optional()?,
        },
        expected: r.string()?,
        elapsed_ms: u64::from_le_bytes(r.array()?),
    };
    if !r.0.is_empty() {
        return Err(damaged());
    }
    Ok(v)
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn optional(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            string(out, s);
        }
        None => out.push(0),
    }
}

fn damaged() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "a kept verdict is damaged")
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.0.len() < n {
            return Err(damaged());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn byte(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn string(&mut self) -> io::Result<String> {
        let n = self.u32()? as usize;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| damaged())
    }

    fn optional(&mut self) -> io::Result<Option<String>> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.string().map(Some),
            _ => Err(damaged()),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn outcome() -> impl Strategy<Value = CheckOutcome> {
        prop_oneof![
            Just(CheckOutcome::Pass),
            "\\PC{0,20}".prop_map(CheckOutcome::Fail),
            "\\PC{0,20}".prop_map(CheckOutcome::Skip),
        ]
    }

    /// Any verdict, with text of every kind (also used by the report.json tests).
    pub(in crate::report) fn verdict() -> impl Strategy<Value = Verdict> {
        let text = || "\\PC{0,24}";
        (
            (text(), text(), text(), text()),
            (0..4usize, proptest::option::of(text())),
            proptest::collection::vec((0..8usize, outcome()), 0..9),
            (
                proptest::option::of(any::<u16>()),
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(text()),
            ),
            (text(), any::<u64>()),
        )
            .prop_map(
                |((case_id, operation, group, label), (s, reason), checks, o, (expected, ms))| {
                    Verdict {
                        case_id,
                        operation,
                        group,
                        label,
                        status: Status::ALL[s],
                        reason,
                        checks: checks
                            .into_iter()
                            .map(|(c, outcome)| CheckResult {
                                check: CheckName::ALL[c],
                                outcome,
                            })
                            .collect(),
                        observed: Observed {
                            status: o.0,
                            exception: o.1,
                            message: o.2,
                            content_type: o.3,
                        },
                        expected,
                        elapsed_ms: ms,
                    }
                },
            )
    }

    proptest! {
        /// Every verdict comes back as it went in, and a cut-short encoding is an error, never
        /// another verdict or a panic.
        #[test]
        fn verdicts_come_back_whole(v in verdict(), cut in any::<prop::sample::Index>()) {
            let mut bytes = Vec::new();
            encode(&v, &mut bytes);
            prop_assert_eq!(decode(&bytes).expect("its own encoding"), v);
            let short = &bytes[..cut.index(bytes.len())];
            prop_assert!(decode(short).is_err());
        }
    }

    #[test]
    fn each_byte_reads_back_as_its_variant() {
        for c in CheckName::ALL {
            assert_eq!(CheckName::ALL[c as usize], c);
        }
        for s in Status::ALL {
            assert_eq!(Status::ALL[s as usize], s);
        }
    }
}
