//! Two directories of snapshots compared case by case (`cognate diff`): an emulator's against a
//! recorded AWS baseline, or two runs of one target. Owns reading a directory of `*.snap` files
//! (through the snapshot module's parser), the comparison, and its Markdown table.
//!
//! A case is matched by its id. What is compared is what the target decided: the `answer` line
//! (status and exception), the `message` and the `verdict`. The header (target, versions, seed,
//! counts) describes the run, not the answers; `expected` is the harness's; `checks` and the
//! failure details explain the verdict, which is compared, and quote bodies cut at lengths that
//! vary.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::Path;

use super::markdown::{md_code, md_text, shorten};
use super::snapshot::{block_field, block_list, header_fields, split};
use super::{ReportError, SNAPSHOT_EXT};

/// Longest message shown per answer, in characters; the whole one is in the snapshot.
const MAX_MESSAGE: usize = 200;

/// What a snapshot recorded of a target's answer to one case: the lines compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAnswer {
    /// `400 InvalidParameterException`, `200`, or `none` when nothing came back.
    pub answer: Option<String>,
    /// The redacted message, `(empty)` for an empty one; `None` when the answer had none.
    pub message: Option<String>,
    /// `pass`, `fail`, `error` or `skip`.
    pub verdict: Option<String>,
}

/// One case block of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotCase {
    pub id: String,
    /// `group: label`, the rest of the block's first line.
    pub title: String,
    pub answer: RecordedAnswer,
}

/// One operation's snapshot file, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    pub operation: String,
    /// In file order.
    pub cases: Vec<SnapshotCase>,
}

impl SnapshotFile {
    /// Reads a snapshot's text. `fallback` names the operation when the header does not (the
    /// file's stem).
    pub fn parse(text: &str, fallback: &str) -> SnapshotFile {
        let (head, body) = split(text);
        let operation = header_fields(head)
            .remove("operation")
            .filter(|o| !o.is_empty())
            .unwrap_or_else(|| fallback.to_owned());
        let cases = block_list(body)
            .into_iter()
            .map(|(id, block)| {
                let field = |key: &str| block_field(&block, key).map(str::to_owned);
                let title = block
                    .lines()
                    .next()
                    .and_then(|l| l.split_once("] "))
                    .map_or_else(String::new, |(_, t)| t.to_owned());
                SnapshotCase {
                    answer: RecordedAnswer {
                        answer: field("answer"),
                        message: field("message"),
                        verdict: field("verdict"),
                    },
                    id,
                    title,
                }
            })
            .collect();
        SnapshotFile { operation, cases }
    }
}

/// Which of the two directories hold an operation's snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Both,
    OnlyA,
    OnlyB,
}

/// A case that differs between the two sides, or that one side lacks (its answer is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDiff {
    pub id: String,
    /// A's title, or B's when A lacks the case.
    pub title: String,
    pub a: Option<RecordedAnswer>,
    pub b: Option<RecordedAnswer>,
}

/// One operation compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationDiff {
    pub operation: String,
    pub presence: Presence,
    /// Cases both sides have.
    pub compared: usize,
    pub same: usize,
    pub differ: usize,
    pub only_in_a: usize,
    pub only_in_b: usize,
    /// The cases that differ or that one side lacks: A's in file order, then B's own in file
    /// order. Empty for an operation only one side has: the whole operation is the difference.
    pub cases: Vec<CaseDiff>,
}

impl OperationDiff {
    fn differs(&self) -> bool {
        self.presence != Presence::Both
            || self.differ > 0
            || self.only_in_a > 0
            || self.only_in_b > 0
    }
}

/// Two snapshot directories compared: every operation either has, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotDiff {
    pub operations: Vec<OperationDiff>,
}

/// Reads both directories and compares them; see [`read_snapshots`] for what is read.
pub fn diff_dirs(a: &Path, b: &Path) -> Result<SnapshotDiff, ReportError> {
    let a = read_snapshots(a)?;
    let b = read_snapshots(b)?;
    Ok(diff(&a, &b))
}

fn read_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// Every `*.snap` file of `dir`, parsed, in file-name order. A directory that cannot be read or
/// holds none is an error: comparing against nothing would report every case as missing.
pub fn read_snapshots(dir: &Path) -> Result<Vec<SnapshotFile>, ReportError> {
    let entries = std::fs::read_dir(dir).map_err(|e| read_error(dir, e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        if path.extension() == Some(OsStr::new(SNAPSHOT_EXT)) && path.is_file() {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(ReportError::NoSnapshots {
            dir: dir.to_path_buf(),
        });
    }
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in &paths {
        let text = std::fs::read_to_string(path).map_err(|e| read_error(path, e))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push(SnapshotFile::parse(&text, &stem));
    }
    Ok(files)
}

/// The cases of each operation, over all files that name it.
fn by_operation(files: &[SnapshotFile]) -> BTreeMap<&str, Vec<&SnapshotCase>> {
    let mut out: BTreeMap<&str, Vec<&SnapshotCase>> = BTreeMap::new();
    for f in files {
        out.entry(f.operation.as_str())
            .or_default()
            .extend(f.cases.iter());
    }
    out
}

/// The cases with their first occurrence of each id kept: a hand-edited file may repeat one.
fn distinct<'a>(cases: &[&'a SnapshotCase]) -> Vec<&'a SnapshotCase> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(cases.len());
    for &c in cases {
        if seen.insert(c.id.as_str()) {
            out.push(c);
        }
    }
    out
}

/// Compares two sets of snapshots case by case.
pub fn diff(a: &[SnapshotFile], b: &[SnapshotFile]) -> SnapshotDiff {
    let (ga, gb) = (by_operation(a), by_operation(b));
    let names: BTreeSet<&str> = ga.keys().chain(gb.keys()).copied().collect();
    let operations = names
        .into_iter()
        .map(|op| {
            let ca = ga.get(op).map(|c| distinct(c));
            let cb = gb.get(op).map(|c| distinct(c));
            match (ca, cb) {
                (Some(ca), Some(cb)) => compare(op, &ca, &cb),
                (Some(ca), None) => alone(op, Presence::OnlyA, ca.len()),
                (None, Some(cb)) => alone(op, Presence::OnlyB, cb.len()),
                (None, None) => unreachable!("{op} came from one side or the other"),
            }
        })
        .collect();
    SnapshotDiff { operations }
}

fn alone(op: &str, presence: Presence, cases: usize) -> OperationDiff {
    let (only_in_a, only_in_b) = match presence {
        Presence::OnlyA => (cases, 0),
        _ => (0, cases),
    };
    OperationDiff {
        operation: op.to_owned(),
        presence,
        compared: 0,
        same: 0,
        differ: 0,
        only_in_a,
        only_in_b,
        cases: Vec::new(),
    }
}

fn compare(op: &str, ca: &[&SnapshotCase], cb: &[&SnapshotCase]) -> OperationDiff {
    let ib: HashMap<&str, &SnapshotCase> = cb.iter().map(|c| (c.id.as_str(), *c)).collect();
    let ia: HashSet<&str> = ca.iter().map(|c| c.id.as_str()).collect();
    let mut d = OperationDiff {
        operation: op.to_owned(),
        presence: Presence::Both,
        compared: 0,
        same: 0,
        differ: 0,
        only_in_a: 0,
        only_in_b: 0,
        cases: Vec::new(),
    };
    for c in ca {
        match ib.get(c.id.as_str()) {
            Some(o) => {
                d.compared += 1;
                if c.answer == o.answer {
                    d.same += 1;
                    continue;
                }
                d.differ += 1;
                d.cases.push(CaseDiff {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    a: Some(c.answer.clone()),
                    b: Some(o.answer.clone()),
                });
            }
            None => {
                d.only_in_a += 1;
                d.cases.push(CaseDiff {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    a: Some(c.answer.clone()),
                    b: None,
                });
            }
        }
    }
    for c in cb.iter().filter(|c| !ia.contains(c.id.as_str())) {
        d.only_in_b += 1;
        d.cases.push(CaseDiff {
            id: c.id.clone(),
            title: c.title.clone(),
            a: None,
            b: Some(c.answer.clone()),
        });
    }
    d
}

/// An answer in one table cell: `fail: 400 SomeException — message`.
fn answer_cell(a: Option<&RecordedAnswer>) -> String {
    let Some(a) = a else {
        return "(no such case)".to_owned();
    };
    let mut s = format!(
        "{}: {}",
        a.verdict.as_deref().unwrap_or("(no verdict)"),
        a.answer.as_deref().unwrap_or("(no answer)")
    );
    if let Some(m) = &a.message {
        let _ = write!(s, " — {}", shorten(m, MAX_MESSAGE));
    }
    md_text(&s)
}

/// A case id as code, unless a hand-edited file put a `|` in it, which would end a code span's
/// table cell.
fn id_cell(id: &str) -> String {
    if id.contains('|') {
        md_text(id)
    } else {
        md_code(id)
    }
}

impl SnapshotDiff {
    /// Whether the two sides answer every case alike and have the same operations and cases.
    pub fn is_empty(&self) -> bool {
        !self.operations.iter().any(OperationDiff::differs)
    }

    fn total(&self, count: fn(&OperationDiff) -> usize) -> usize {
        self.operations.iter().map(count).sum()
    }

    /// The comparison as Markdown; `name_a` and `name_b` name the sides (the directories).
    pub fn to_markdown(&self, name_a: &str, name_b: &str) -> String {
        let (a, b) = (md_text(name_a), md_text(name_b));
        let mut out = format!("# Snapshot differences: {a} and {b}\n\n");
        let (compared, same) = (self.total(|o| o.compared), self.total(|o| o.same));
        let differ = self.total(|o| o.differ);
        let (only_a, only_b) = (self.total(|o| o.only_in_a), self.total(|o| o.only_in_b));
        let lone = |p: Presence| -> Vec<String> {
            self.operations
                .iter()
                .filter(|o| o.presence == p)
                .map(|o| md_text(&o.operation))
                .collect()
        };
        let (lone_a, lone_b) = (lone(Presence::OnlyA), lone(Presence::OnlyB));
        let both = self.operations.len() - lone_a.len() - lone_b.len();
        if self.is_empty() {
            let _ = writeln!(
                out,
                "No differences: {same} case(s) in {both} operation(s) answer alike."
            );
        } else {
            let _ = writeln!(
                out,
                "{both} operation(s) in both, {} only in {a}, {} only in {b}; {compared} \
                 case(s) compared: {same} same, {differ} differ; {only_a} case(s) only in {a}, \
                 {only_b} only in {b}.",
                lone_a.len(),
                lone_b.len()
            );
        }
        out.push_str(
            "\nCases are matched by id; compared are the answer (status and exception), the \
             message and the verdict.\n\n",
        );

        let _ = writeln!(
            out,
            "| Operation | cases compared | same | differ | only in {a} | only in {b} |"
        );
        out.push_str("|---|---:|---:|---:|---:|---:|\n");
        for o in &self.operations {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md_text(&o.operation),
                o.compared,
                o.same,
                o.differ,
                o.only_in_a,
                o.only_in_b
            );
        }
        let _ = writeln!(
            out,
            "| **total** | {compared} | {same} | {differ} | {only_a} | {only_b} |"
        );

        for (side, ops) in [(&a, &lone_a), (&b, &lone_b)] {
            if !ops.is_empty() {
                let _ = writeln!(out, "\nOperations only in {side}: {}.", ops.join(", "));
            }
        }

        for o in self.operations.iter().filter(|o| !o.cases.is_empty()) {
            let _ = write!(
                out,
                "\n## {}\n\n| case | title | {a} | {b} |\n|---|---|---|---|\n",
                md_text(&o.operation)
            );
            for c in &o.cases {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    id_cell(&c.id),
                    md_text(&c.title),
                    answer_cell(c.a.as_ref()),
                    answer_cell(c.b.as_ref())
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORGOT: &str = "# cognate snapshot, format 1\n\
        # operation       ForgotPassword\n\
        # target          reference\n\
        # target version  cognate 0.1.0\n\
        \n\
        [bbbb] valid: Username at min length 1\n\
        \x20 expected  success (200)\n\
        \x20 verdict   pass\n\
        \x20 answer    200\n\
        \x20 checks    status=pass\n\
        \n\
        [aaaa] null: Username null\n\
        \x20 expected  InvalidParameterException (400)\n\
        \x20 verdict   pass\n\
        \x20 answer    400 InvalidParameterException\n\
        \x20 message   1 validation error detected\n\
        \x20 checks    status=pass\n";

    const SIGN_UP: &str = "# cognate snapshot, format 1\n\
        # operation       SignUp\n\
        \n\
        [cccc] valid: one\n\
        \x20 verdict   pass\n\
        \x20 answer    200\n";

    fn parse(text: &str) -> SnapshotFile {
        SnapshotFile::parse(text, "Fallback")
    }

    #[test]
    fn parses_cases_in_file_order() {
        let f = parse(FORGOT);
        assert_eq!(f.operation, "ForgotPassword");
        let ids: Vec<&str> = f.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["bbbb", "aaaa"]);
        assert_eq!(f.cases[1].title, "null: Username null");
        assert_eq!(
            f.cases[1].answer,
            RecordedAnswer {
                answer: Some("400 InvalidParameterException".into()),
                message: Some("1 validation error detected".into()),
                verdict: Some("pass".into()),
            }
        );
        assert_eq!(f.cases[0].answer.message, None);
        assert_eq!(parse("\n[x] t\n").operation, "Fallback");
    }

    #[test]
    fn equal_answers_are_no_difference_whatever_the_header() {
        let other = FORGOT
            .replace("reference", "moto")
            .replace("cognate 0.1.0", "moto 5.2.5")
            .replace("status=pass", "status=pass shape=skip");
        let d = diff(
            &[parse(FORGOT), parse(SIGN_UP)],
            &[parse(SIGN_UP), parse(&other)],
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(d.operations.len(), 2);
        assert_eq!((d.operations[0].compared, d.operations[0].same), (2, 2));
        let md = d.to_markdown("reference", "moto");
        assert!(md.contains("No differences"), "{md}");
        assert!(!md.contains("\n## "), "{md}");
    }

    #[test]
    fn a_changed_message_is_a_difference() {
        let other = FORGOT.replace("1 validation error detected", "Invalid username");
        let d = diff(&[parse(FORGOT)], &[parse(&other)]);
        assert!(!d.is_empty());
        let o = &d.operations[0];
        assert_eq!((o.compared, o.same, o.differ), (2, 1, 1));
        assert_eq!(o.cases.len(), 1);
        assert_eq!(o.cases[0].id, "aaaa");
        let md = d.to_markdown("reference", "moto");
        assert!(
            md.contains("| ForgotPassword | 2 | 1 | 1 | 0 | 0 |"),
            "{md}"
        );
        assert!(
            md.contains(
                "| `aaaa` | null: Username null | pass: 400 InvalidParameterException — 1 \
                 validation error detected | pass: 400 InvalidParameterException — Invalid \
                 username |"
            ),
            "{md}"
        );
    }

    #[test]
    fn a_case_only_in_b_is_counted_and_listed() {
        let other = format!("{FORGOT}\n[dddd] valid: new\n  verdict   fail\n  answer    500\n");
        let d = diff(&[parse(FORGOT)], &[parse(&other)]);
        assert!(!d.is_empty());
        let o = &d.operations[0];
        assert_eq!((o.compared, o.same, o.only_in_a, o.only_in_b), (2, 2, 0, 1));
        assert_eq!(o.cases[0].a, None);
        let md = d.to_markdown("reference", "moto");
        assert!(md.contains("| only in reference | only in moto |"), "{md}");
        assert!(
            md.contains("| `dddd` | valid: new | (no such case) | fail: 500 |"),
            "{md}"
        );
    }

    #[test]
    fn an_operation_only_in_a_is_listed() {
        let d = diff(&[parse(FORGOT), parse(SIGN_UP)], &[parse(FORGOT)]);
        assert!(!d.is_empty());
        assert_eq!(d.operations[1].presence, Presence::OnlyA);
        assert_eq!(d.operations[1].only_in_a, 1);
        let md = d.to_markdown("reference", "moto");
        assert!(md.contains("| SignUp | 0 | 0 | 0 | 1 | 0 |"), "{md}");
        assert!(md.contains("Operations only in reference: SignUp."), "{md}");
        assert!(!md.contains("Operations only in moto"), "{md}");
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(300);
        let other = FORGOT.replace("1 validation error detected", &long);
        let md = diff(&[parse(FORGOT)], &[parse(&other)]).to_markdown("a", "b");
        assert!(
            md.contains(&format!("{}…", "x".repeat(MAX_MESSAGE))),
            "{md}"
        );
        assert!(!md.contains(&"x".repeat(MAX_MESSAGE + 1)), "{md}");
    }

    #[test]
    fn a_directory_without_snapshots_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a snapshot").unwrap();
        let err = read_snapshots(dir.path()).unwrap_err();
        assert!(matches!(err, ReportError::NoSnapshots { .. }), "{err:?}");
        assert!(err.to_string().contains(&dir.path().display().to_string()));

        let absent = dir.path().join("absent");
        let err = diff_dirs(dir.path(), &absent).unwrap_err();
        // A is checked first, and has no snapshots either.
        assert!(matches!(err, ReportError::NoSnapshots { .. }), "{err:?}");
        std::fs::write(dir.path().join("SignUp.snap"), SIGN_UP).unwrap();
        let err = diff_dirs(dir.path(), &absent).unwrap_err();
        assert!(matches!(err, ReportError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("absent"), "{err}");
    }

    #[test]
    fn the_committed_moto_snapshots_differ_from_the_reference() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/snapshots");
        let d = diff_dirs(&root.join("reference"), &root.join("moto")).unwrap();
        assert!(!d.is_empty());
        let forgot = d
            .operations
            .iter()
            .find(|o| o.operation == "ForgotPassword")
            .expect("ForgotPassword in both");
        assert_eq!(forgot.presence, Presence::Both);
        assert!(forgot.differ > 0, "{forgot:?}");
        let md = d.to_markdown("reference", "moto");
        assert!(md.contains("\n## ForgotPassword\n"));
        // Reference answers 400, moto 200.
        assert!(md.contains("`0511439a2451fc94`"));
    }
}
