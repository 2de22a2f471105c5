//! Regression snapshots (DESIGN §6): per operation, a normalised, redacted, sorted record of what
//! a target answered for every case, stored as `<dir>/<Operation>.snap` for a person to review in
//! a pull request, and compared on the next run.
//!
//! A file is a header of `#` lines, a blank line, then one block per case sorted by case id,
//! blocks separated by a blank line:
//!
//! ```text
//! # cognate snapshot, format 1
//! # operation       ForgotPassword
//! # target          reference
//! # target version  cognate 0.1.0
//! # harness         cognate 0.1.0
//! # seed            1
//! # cases           101: 101 pass, 0 fail, 0 error, 0 skip
//!
//! [0849e2e00360296e] valid: Username at min length 1
//!   expected  success (200)
//!   verdict   fail
//!   answer    400 UserNotFoundException
//!   message   Username/client id combination not found.
//!   checks    transport=pass no_server_error=pass status=fail exception=fail envelope=pass shape=skip redaction=pass
//!   fail      status: HTTP 400, expected 200
//!   fail      exception: got UserNotFoundException, expected no error
//! ```
//!
//! Every piece of target text (message, exception, failure details) goes through the run's
//! [`Normaliser`], so request ids, timestamps, generated names and the fixture's ids become
//! tokens and no secret reaches the file; skip reasons and transport details are left out of the
//! `checks` line because they carry no decision of the target's.
//!
//! Drift is a difference in the case blocks. A header that differs alone (a new target or harness
//! version whose answers did not change) is reported, not counted as drift, and rewritten only by
//! [`SnapshotMode::Update`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use similar::{ChangeTag, DiffTag, TextDiff};

use super::{one_line, write_file, Counts, Event, Normaliser, ReportError, RunInfo, Sink};
use crate::check::{CheckName, CheckOutcome, Status, Verdict, INFERRED_FORM};
use crate::exit::ExitCode;

/// The `format` in a snapshot header; bumped on any change to the file layout.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// The extension of snapshot files: `<dir>/<Operation>.snap`.
pub const SNAPSHOT_EXT: &str = "snap";

/// Diff lines printed per drifting file before `... N more lines`.
const MAX_DIFF_LINES: usize = 400;
/// Case ids listed per drifting file before `... and N more`.
const MAX_LISTED_CASES: usize = 20;

/// What a run does with the snapshot directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Compare with the files there; write the operations that have none.
    Compare,
    /// Write every file, replacing what is there.
    Update,
}

/// The snapshot block of one verdict: its id, group and label, then what was expected, the
/// verdict, what came back and every check's outcome, with the failing checks' details.
pub fn case_block(v: &Verdict, n: &Normaliser) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "[{}] {}: {}",
        one_line(&v.case_id),
        one_line(&v.group),
        one_line(&v.label)
    );
    let _ = writeln!(b, "  expected  {}", one_line(&v.expected));
    let _ = writeln!(b, "  verdict   {}", v.status.as_str());
    let o = &v.observed;
    let answer = match (o.status, &o.exception) {
        (None, _) => "none".to_owned(),
        (Some(s), None) => s.to_string(),
        (Some(s), Some(e)) => format!("{s} {}", n.normalise(e)),
    };
    let _ = writeln!(b, "  answer    {answer}");
    match o.message.as_deref() {
        None => {}
        Some("") => b.push_str("  message   (empty)\n"),
        Some(m) => {
            let _ = writeln!(b, "  message   {}", n.normalise(m));
        }
    }
    if !v.checks.is_empty() {
        let checks: Vec<String> = v
            .checks
            .iter()
            .map(|c| format!("{}={}", c.check.as_str(), c.outcome.as_str()))
            .collect();
        let _ = writeln!(b, "  checks    {}", checks.join(" "));
    }
    for c in &v.checks {
        match &c.outcome {
            CheckOutcome::Fail(why) => {
                let _ = writeln!(b, "  fail      {}: {}", c.check.as_str(), n.normalise(why));
            }
            // A grade-C message form that differs: reported beside the answer, not failed.
            CheckOutcome::Skip(why)
                if c.check == CheckName::Message && why.contains(INFERRED_FORM) =>
            {
                let _ = writeln!(b, "  note      {}: {}", c.check.as_str(), n.normalise(why));
            }
            _ => {}
        }
    }
    // A verdict with no checks was never sent: its reason is all there is to say.
    if v.status == Status::Skip || v.checks.is_empty() {
        if let Some(r) = &v.reason {
            let _ = writeln!(b, "  reason    {}", n.normalise(r));
        }
    }
    b
}

/// The header of one operation's snapshot.
fn header(run: &RunInfo, operation: &str, counts: Counts) -> String {
    let mut h = String::new();
    let _ = writeln!(h, "# cognate snapshot, format {SNAPSHOT_FORMAT}");
    let _ = writeln!(h, "# operation       {}", one_line(operation));
    let _ = writeln!(h, "# target          {}", one_line(&run.target));
    let _ = writeln!(
        h,
        "# target version  {}",
        run.target_version
            .as_deref()
            .map_or_else(|| "unknown".to_owned(), one_line)
    );
    let _ = writeln!(
        h,
        "# harness         cognate {}",
        one_line(&run.harness_version)
    );
    let _ = writeln!(h, "# seed            {}", run.seed);
    let _ = writeln!(
        h,
        "# cases           {}: {} pass, {} fail, {} error, {} skip",
        counts.total(),
        counts.pass,
        counts.fail,
        counts.error,
        counts.skip
    );
    h
}

/// A whole snapshot file: the header, then the blocks sorted by case id.
pub fn render_snapshot(
    run: &RunInfo,
    operation: &str,
    counts: Counts,
    blocks: &[(String, String)],
) -> String {
    let mut sorted: Vec<&(String, String)> = blocks.iter().collect();
    sorted.sort();
    let mut out = header(run, operation, counts);
    for (_, block) in sorted {
        out.push('\n');
        out.push_str(block);
    }
    out
}

/// The header (leading `#` lines) and the rest of a snapshot file.
pub(super) fn split(text: &str) -> (&str, &str) {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        if !line.starts_with('#') {
            break;
        }
        end += line.len();
    }
    text.split_at(end)
}

/// `key → value` of the header lines `# key  value` (the first line, the title, is skipped).
pub(super) fn header_fields(header: &str) -> BTreeMap<String, String> {
    header
        .lines()
        .skip(1)
        .filter_map(|l| {
            let l = l.strip_prefix("# ")?;
            // Keys are words separated by single spaces; two or more spaces start the value.
            let (key, value) = l.split_once("  ")?;
            Some((key.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// The case blocks of a snapshot body, by case id.
fn blocks(body: &str) -> BTreeMap<String, String> {
    block_list(body).into_iter().collect()
}

/// The case blocks of a snapshot body in file order, each with its id; a block is its lines
/// without the blank ones.
pub(super) fn block_list(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in body.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix('[') {
            if let Some((id, _)) = rest.split_once(']') {
                out.extend(current.take());
                current = Some((id.to_owned(), String::new()));
            }
        }
        if let Some((_, b)) = &mut current {
            if !line.trim().is_empty() {
                b.push_str(line);
            }
        }
    }
    out.extend(current);
    out
}

/// The value of the first `  key  value` line of a case block, as [`case_block`] writes it.
pub(super) fn block_field<'a>(block: &'a str, key: &str) -> Option<&'a str> {
    block.lines().find_map(|l| {
        let (k, value) = l.strip_prefix("  ")?.split_once(' ')?;
        (k == key).then_some(value.trim_start())
    })
}

/// The first line of the block of `id`, for listing it: `0849e2e00360296e (valid: Username ...)`.
fn describe(id: &str, blocks: &BTreeMap<String, String>) -> String {
    let title = blocks
        .get(id)
        .and_then(|b| b.lines().next())
        .and_then(|l| l.split_once("] "))
        .map(|(_, t)| t);
    match title {
        Some(t) => format!("{id} ({t})"),
        None => id.to_owned(),
    }
}

/// How the cases of a snapshot changed between the baseline and this run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Case ids whose block differs, with their title.
    pub changed: Vec<String>,
    /// Case ids this run has and the baseline does not.
    pub added: Vec<String>,
    /// Case ids the baseline has and this run does not.
    pub removed: Vec<String>,
    /// Header fields that differ: `target version: cognate 0.1.0 → cognate 0.2.0`.
    pub header: Vec<String>,
}

impl Changes {
    /// Compares two snapshot texts.
    pub fn between(old: &str, new: &str) -> Changes {
        let (old_h, old_b) = split(old);
        let (new_h, new_b) = split(new);
        let (ob, nb) = (blocks(old_b), blocks(new_b));
        let mut c = Changes::default();
        for (id, block) in &nb {
            match ob.get(id) {
                None => c.added.push(describe(id, &nb)),
                Some(o) if o != block => c.changed.push(describe(id, &nb)),
                Some(_) => {}
            }
        }
        c.removed = ob
            .keys()
            .filter(|id| !nb.contains_key(*id))
            .map(|id| describe(id, &ob))
            .collect();
        if ob.is_empty() && nb.is_empty() && old_b != new_b {
            // Neither side parses into blocks; still a difference.
            c.changed.push("(unparsed body)".into());
        }
        let (of, nf) = (header_fields(old_h), header_fields(new_h));
        let keys: BTreeSet<&String> = of.keys().chain(nf.keys()).collect();
        for k in keys {
            if k == "cases" {
                // Follows from the blocks.
                continue;
            }
            let (a, b) = (of.get(k), nf.get(k));
            if a != b {
                let show = |v: Option<&String>| v.map_or("(none)".to_owned(), Clone::clone);
                c.header.push(format!("{k}: {} → {}", show(a), show(b)));
            }
        }
        if old_h.lines().next() != new_h.lines().next() {
            c.header.push(format!(
                "format: {} → {}",
                old_h.lines().next().unwrap_or("(none)"),
                new_h.lines().next().unwrap_or("(none)")
            ));
        }
        c
    }

    /// Whether any case differs.
    pub fn cases_differ(&self) -> bool {
        !(self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty())
    }

    fn counts(&self) -> String {
        format!(
            "{} changed, {} added, {} removed",
            self.changed.len(),
            self.added.len(),
            self.removed.len()
        )
    }
}

/// A unified diff of two snapshot texts, each hunk header naming the case its first change is
/// in, as `git diff` names the function: `@@ -12,7 +12,7 @@ [0849e2e00360296e] valid: ...`.
/// At most `max_lines` lines of hunks are shown.
pub fn snapshot_diff(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    diff_with_limit(old_name, new_name, old, new, MAX_DIFF_LINES)
}

fn diff_with_limit(
    old_name: &str,
    new_name: &str,
    old: &str,
    new: &str,
    max_lines: usize,
) -> String {
    let diff = TextDiff::from_lines(old, new);
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let case_before = |lines: &[&str], i: usize| -> Option<String> {
        lines[..(i + 1).min(lines.len())]
            .iter()
            .rev()
            .find(|l| l.starts_with('['))
            .map(|l| l.to_string())
    };
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let mut shown = 0;
    let mut hidden = 0;
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let context = hunk
            .ops()
            .iter()
            .find(|op| op.tag() != DiffTag::Equal)
            .and_then(|op| {
                if op.old_range().is_empty() {
                    case_before(&new_lines, op.new_range().start)
                } else {
                    case_before(&old_lines, op.old_range().start)
                }
            });
        let lines: Vec<String> = hunk
            .iter_changes()
            .map(|c| {
                let sign = match c.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                let text = c.value();
                format!("{sign}{}", text.strip_suffix('\n').unwrap_or(text))
            })
            .collect();
        if shown >= max_lines {
            hidden += lines.len() + 1;
            continue;
        }
        match context {
            Some(c) => {
                let _ = writeln!(out, "{} {c}", hunk.header());
            }
            None => {
                let _ = writeln!(out, "{}", hunk.header());
            }
        }
        shown += 1;
        for l in lines {
            if shown >= max_lines {
                hidden += 1;
                continue;
            }
            out.push_str(&l);
            out.push('\n');
            shown += 1;
        }
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "... {hidden} more diff lines (run with --update and use git diff to see them all)"
        );
    }
    out
}

/// What happened to one operation's snapshot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// There was none; this run's was written.
    Created { cases: usize },
    /// There was none, and the sink is strict (`--fail-on-skip`, or `CI=true`): nothing was
    /// written, and the run fails, since an unreviewed baseline would pass anything.
    Missing { cases: usize },
    /// Byte for byte the same.
    Unchanged,
    /// The cases are the same, the header is not (a new version); the file was left as it was.
    HeaderOnly(Changes),
    /// [`SnapshotMode::Update`] rewrote a file that differed.
    Updated(Changes),
    /// The cases differ from the baseline: drift. The file was left as it was.
    Drift { changes: Changes, diff: String },
}

/// One operation's snapshot file and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutcome {
    pub operation: String,
    pub path: PathBuf,
    pub change: Change,
}

/// The result of comparing (or writing) a run's snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotOutcome {
    pub dir: PathBuf,
    /// By operation name.
    pub files: Vec<FileOutcome>,
    /// Cases that failed or could not be judged in this run.
    pub failing: usize,
}

impl SnapshotOutcome {
    /// Whether any file drifted, or had no baseline under a strict sink.
    pub fn drift(&self) -> bool {
        self.files
            .iter()
            .any(|f| matches!(f.change, Change::Drift { .. } | Change::Missing { .. }))
    }

    /// [`ExitCode::SnapshotDrift`] on drift, else [`ExitCode::Pass`]: a failing case recorded in
    /// the baseline is a known divergence, not a new one.
    pub fn exit_code(&self) -> ExitCode {
        if self.drift() {
            ExitCode::SnapshotDrift
        } else {
            ExitCode::Pass
        }
    }

    /// What a person needs to read: each written, updated or drifting file (with its diff), and a
    /// closing line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let (mut created, mut updated, mut unchanged, mut drifted) = (0, 0, 0, 0);
        for f in &self.files {
            let p = f.path.display();
            match &f.change {
                Change::Created { cases } => {
                    created += 1;
                    let _ = writeln!(
                        out,
                        "NO BASELINE: {p} did not exist; written now ({cases} cases), unreviewed: \
                         review and commit it, or nothing is compared for {}",
                        f.operation
                    );
                }
                Change::Missing { cases } => {
                    drifted += 1;
                    let _ = writeln!(
                        out,
                        "NO BASELINE: {p} does not exist ({cases} cases answered); not written \
                         under --fail-on-skip or CI=true: record it with --update and commit it"
                    );
                }
                Change::Unchanged => unchanged += 1,
                Change::HeaderOnly(c) => {
                    unchanged += 1;
                    let _ = writeln!(
                        out,
                        "{p}: answers unchanged, header differs ({}); --update records it",
                        c.header.join("; ")
                    );
                }
                Change::Updated(c) => {
                    updated += 1;
                    let mut what = vec![c.counts()];
                    what.extend(c.header.iter().cloned());
                    let _ = writeln!(out, "snapshot updated: {p} ({})", what.join("; "));
                }
                Change::Drift { changes, diff } => {
                    drifted += 1;
                    let _ = writeln!(out, "\nsnapshot drift: {p}: {}", changes.counts());
                    for (what, ids) in [
                        ("changed", &changes.changed),
                        ("added", &changes.added),
                        ("removed", &changes.removed),
                    ] {
                        for id in ids.iter().take(MAX_LISTED_CASES) {
                            let _ = writeln!(out, "  {what:<8} {id}");
                        }
                        if ids.len() > MAX_LISTED_CASES {
                            let _ = writeln!(
                                out,
                                "  {what:<8} ... and {} more",
                                ids.len() - MAX_LISTED_CASES
                            );
                        }
                    }
                    for h in &changes.header {
                        let _ = writeln!(out, "  header   {h}");
                    }
                    out.push_str(diff);
                }
            }
        }
        let dir = self.dir.display();
        if drifted > 0 {
            let _ = writeln!(
                out,
                "\nsnapshot drift in {drifted} of {} file(s) under {dir}; if the new answers are \
                 right, run again with --update and commit the files",
                self.files.len()
            );
        } else {
            let mut parts = vec![format!("{unchanged} match")];
            if created > 0 {
                parts.push(format!("{created} written"));
            }
            if updated > 0 {
                parts.push(format!("{updated} updated"));
            }
            let _ = write!(out, "snapshots under {dir}: {}", parts.join(", "));
            if self.failing > 0 {
                let _ = write!(
                    out,
                    "; {} case(s) fail, all recorded in the baseline",
                    self.failing
                );
            }
            out.push('\n');
        }
        out
    }
}

/// Where a [`SnapshotSink`] leaves its outcome for the caller, who no longer owns the sink once
/// a [`super::Reporter`] does.
#[derive(Debug, Clone, Default)]
pub struct SnapshotHandle(Arc<Mutex<Option<SnapshotOutcome>>>);

impl SnapshotHandle {
    /// The outcome, once the sink has finished without error.
    pub fn take(&self) -> Option<SnapshotOutcome> {
        self.0.lock().ok()?.take()
    }

    fn set(&self, outcome: SnapshotOutcome) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(outcome);
        }
    }
}

/// The blocks of one operation so far.
#[derive(Debug, Default)]
struct OperationRecords {
    counts: Counts,
    blocks: Vec<(String, String)>,
}

/// The snapshot sink: one block per verdict as it arrives, and at finish one file per operation
/// in `dir`, compared with what is there or written (see [`SnapshotMode`]). The outcome is left
/// in the [`SnapshotHandle`]; reading or writing a file that fails is a [`ReportError`].
pub struct SnapshotSink {
    dir: PathBuf,
    mode: SnapshotMode,
    normaliser: Normaliser,
    run: Option<RunInfo>,
    operations: BTreeMap<String, OperationRecords>,
    handle: SnapshotHandle,
    finished: bool,
    /// The run stopped early ([`Event::Done`] said why).
    incomplete: bool,
    strict: bool,
}

impl SnapshotSink {
    pub fn new(dir: impl AsRef<Path>, mode: SnapshotMode, normaliser: Normaliser) -> Self {
        SnapshotSink {
            dir: dir.as_ref().to_path_buf(),
            mode,
            normaliser,
            run: None,
            operations: BTreeMap::new(),
            handle: SnapshotHandle::default(),
            finished: false,
            incomplete: false,
            strict: false,
        }
    }

    /// A strict sink refuses to record a missing baseline when comparing: the file is not
    /// written and the outcome is drift ([`Change::Missing`]).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Where the outcome will be once the sink has finished.
    pub fn handle(&self) -> SnapshotHandle {
        self.handle.clone()
    }

    /// The file of `operation` in this sink's directory.
    pub fn path_of(&self, operation: &str) -> PathBuf {
        self.dir.join(format!("{operation}.{SNAPSHOT_EXT}"))
    }

    fn settle(&self, path: &Path, text: &str) -> Result<Change, ReportError> {
        let old = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let cases = blocks(split(text).1).len();
                if self.strict && self.mode == SnapshotMode::Compare {
                    return Ok(Change::Missing { cases });
                }
                write_file(path, text.as_bytes())?;
                return Ok(Change::Created { cases });
            }
            Err(source) => {
                return Err(ReportError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        if old == text.as_bytes() {
            return Ok(Change::Unchanged);
        }
        let old = String::from_utf8_lossy(&old);
        let changes = Changes::between(&old, text);
        if self.mode == SnapshotMode::Update {
            write_file(path, text.as_bytes())?;
            return Ok(Change::Updated(changes));
        }
        if !changes.cases_differ() && split(&old).1 == split(text).1 {
            return Ok(Change::HeaderOnly(changes));
        }
        let shown = path.display().to_string();
        let diff = snapshot_diff(
            &format!("{shown} (baseline)"),
            &format!("{shown} (this run)"),
            &old,
            text,
        );
        Ok(Change::Drift { changes, diff })
    }
}

impl Sink for SnapshotSink {
    fn event(&mut self, e: &Event) {
        match e {
            Event::Started(run) => self.run = Some(run.clone()),
            Event::Finished(v) => {
                let op = self.operations.entry(v.operation.clone()).or_default();
                op.counts.add(v.status);
                op.blocks
                    .push((v.case_id.clone(), case_block(v, &self.normaliser)));
            }
            Event::Done { incomplete, .. } => self.incomplete = incomplete.is_some(),
        }
    }

    /// Compares or writes every operation's file once; a second call does nothing. A run that
    /// stopped early neither compares nor writes: its missing cases are no drift, and no
    /// baseline.
    fn finish(&mut self) -> Result<(), ReportError> {
        if self.finished || self.incomplete {
            return Ok(());
        }
        let run = self
            .run
            .as_ref()
            .ok_or(ReportError::NotStarted { what: "snapshot" })?;
        let mut files = Vec::new();
        let mut failing = 0;
        for (op, records) in &self.operations {
            failing += records.counts.fail + records.counts.error;
            let text = render_snapshot(run, op, records.counts, &records.blocks);
            let path = self.path_of(op);
            let change = self.settle(&path, &text)?;
            files.push(FileOutcome {
                operation: op.clone(),
                path,
                change,
            });
        }
        self.handle.set(SnapshotOutcome {
            dir: self.dir.clone(),
            files,
            failing,
        });
        self.finished = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str =
        "# cognate snapshot, format 1\n# operation       Op\n# target version  v1\n\n\
        [aaaa] valid: one\n  verdict   pass\n  answer    200\n\n\
        [bbbb] valid: two\n  verdict   pass\n  answer    200\n  checks    a=pass\n  x\n  y\n  z\n";

    #[test]
    fn changes_name_the_cases() {
        let new = OLD.replace("  x\n  y\n  z\n", "  x\n  y\n  Z\n");
        let c = Changes::between(OLD, &new);
        assert_eq!(c.changed, ["bbbb (valid: two)"]);
        assert!(c.added.is_empty() && c.removed.is_empty() && c.header.is_empty());

        let new = OLD.replace("[aaaa] valid: one", "[cccc] valid: three");
        let c = Changes::between(OLD, &new);
        assert_eq!(c.added, ["cccc (valid: three)"]);
        assert_eq!(c.removed, ["aaaa (valid: one)"]);

        let new = OLD.replace("v1", "v2");
        let c = Changes::between(OLD, &new);
        assert!(!c.cases_differ());
        assert_eq!(c.header, ["target version: v1 → v2"]);
    }

    #[test]
    fn diff_hunks_name_the_case_of_their_first_change() {
        let new = OLD.replace("  z\n", "  Z\n");
        let d = snapshot_diff("a", "b", OLD, &new);
        assert!(d.starts_with("--- a\n+++ b\n"), "{d}");
        assert!(d.contains("@@ [bbbb] valid: two\n"), "{d}");
        assert!(d.contains("-  z\n+  Z\n"), "{d}");
    }

    #[test]
    fn long_diffs_are_cut() {
        let new = OLD.replace("  x\n  y\n  z\n", "  1\n  2\n  3\n");
        let d = diff_with_limit("a", "b", OLD, &new, 4);
        assert!(d.contains("more diff lines"), "{d}");
        assert!(d.lines().count() <= 7, "{d}");
    }

    #[test]
    fn header_split_and_fields() {
        let (h, b) = split(OLD);
        assert!(h.ends_with("v1\n"));
        assert!(b.starts_with("\n[aaaa]"));
        assert_eq!(header_fields(h)["target version"], "v1");
        assert_eq!(blocks(b).len(), 2);
    }
}
