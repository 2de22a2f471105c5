//! `report.md`: the run for a CI summary or a pull request: a summary line, the operation × group
//! table, the failing cases with their ids and reasons, and the skip reasons.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{one_line, write_file, Event, ReportError, Sink, Summary};
use crate::check::Status;

/// The file [`MarkdownReport`] writes in its directory.
pub const MARKDOWN_FILE: &str = "report.md";

/// Failing cases listed before `... and N more`.
const MAX_FAILURES: usize = 200;
/// Longest reason shown, in characters; the full text is in report.json.
const MAX_REASON: usize = 300;

/// `s` as Markdown text on one line: control characters escaped, the characters Markdown (and
/// GitHub's tables) would read as syntax backslash-escaped, `&` as an entity. Safe inside a table
/// cell and inside a list item.
pub(crate) fn md_text(s: &str) -> String {
    let line: Vec<char> = one_line(s).chars().collect();
    let mut out = String::with_capacity(line.len());
    for (i, &c) in line.iter().enumerate() {
        // An underscore inside a word is never emphasis (`missing_required` stays readable).
        let inside_word = |j: Option<usize>| {
            j.and_then(|j| line.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        match c {
            '_' if inside_word(i.checked_sub(1)) && inside_word(Some(i + 1)) => out.push(c),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` as an inline code span on one line, fenced with enough backticks that none inside closes
/// it. Not for table cells (a `|` would end the cell).
pub(crate) fn md_code(s: &str) -> String {
    let s = one_line(s);
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// At most `max` characters, `…` at the end when something was cut.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// The Markdown of a run's summary.
pub fn markdown(summary: &Summary) -> String {
    let mut out = String::from("# cognate report\n\n");
    let totals = summary.totals();
    if let Some(run) = summary.run() {
        let version = run
            .target_version
            .as_deref()
            .map(|v| format!(" ({})", md_text(v)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "cognate {} against {}{version}, seed {}: {} cases",
            md_text(&run.harness_version),
            md_code(&run.target),
            run.seed,
            totals.total()
        );
    } else {
        let _ = write!(out, "cognate: {} cases", totals.total());
    }
    if let Some(e) = summary.elapsed() {
        let _ = write!(out, " in {:.2}s", e.as_secs_f64());
    }
    out.push_str(".\n\n");
    for w in summary
        .run()
        .map(|r| r.warnings.as_slice())
        .unwrap_or_default()
    {
        let _ = writeln!(out, "> **Warning:** {}\n", md_text(w));
    }
    if let Some(line) = summary.incomplete_line() {
        let _ = writeln!(out, "> **Incomplete:** {}\n", md_text(&line));
    }
    if summary.retried() > 0 {
        let _ = writeln!(
            out,
            "{} throttled answer(s) were retried; each verdict judges the last answer.\n",
            summary.retried()
        );
    }

    let mut result = Vec::new();
    if totals.fail > 0 {
        result.push(format!("{} failed", totals.fail));
    }
    if totals.error > 0 {
        result.push(format!("{} could not be judged", totals.error));
    }
    if totals.skip > 0 {
        result.push(format!("{} skipped", totals.skip));
    }
    if totals.fail + totals.error == 0 {
        result.insert(0, format!("{} passed", totals.pass));
    } else {
        result.push(format!("{} passed", totals.pass));
    }
    let _ = writeln!(out, "**Result:** {}.\n", result.join(", "));

    let rows = summary.rows();
    if rows.is_empty() {
        out.push_str("No cases ran.\n");
    } else {
        out.push_str("## Operation × rule\n\n");
        out.push_str("| operation | group | pass | fail | error | skip |\n");
        out.push_str("|---|---|---:|---:|---:|---:|\n");
        let mut last: Option<&str> = None;
        for r in &rows {
            let op = if last == Some(r.operation.as_str()) {
                String::new()
            } else {
                md_text(&r.operation)
            };
            last = Some(&r.operation);
            let fail = if r.counts.fail > 0 {
                format!("**{}**", r.counts.fail)
            } else {
                "0".into()
            };
            let _ = writeln!(
                out,
                "| {op} | {} | {} | {fail} | {} | {} |",
                md_text(&r.group),
                r.counts.pass,
                r.counts.error,
                r.counts.skip
            );
        }
        let _ = writeln!(
            out,
            "| **total** | | {} | {} | {} | {} |",
            totals.pass, totals.fail, totals.error, totals.skip
        );
    }

    let failures = summary.failures();
    if !failures.is_empty() {
        out.push_str("\n## Failures\n\n");
        for f in failures.iter().take(MAX_FAILURES) {
            let tag = if f.status == Status::Fail {
                "FAIL"
            } else {
                "ERROR"
            };
            let _ = writeln!(
                out,
                "- **{tag}** {} {} · {} · {}  \n  {}",
                md_code(&f.case_id),
                md_text(&f.operation),
                md_text(&f.group),
                md_text(&f.label),
                md_code(&shorten(&one_line(&f.reason), MAX_REASON))
            );
        }
        let all = totals.fail + totals.error;
        if all > MAX_FAILURES {
            let _ = writeln!(
                out,
                "- ... and {} more (see report.json)",
                all - MAX_FAILURES
            );
        }
    }

    let skipped = summary.skipped();
    if !skipped.is_empty() {
        out.push_str("\n## Skipped\n\n");
        for (reason, n) in skipped {
            let _ = writeln!(out, "- {n} × {}", md_text(reason));
        }
    }
    out
}

/// The sink writing `<dir>/report.md` at finish. It keeps a [`Summary`], not the verdicts.
pub struct MarkdownReport {
    path: PathBuf,
    summary: Summary,
    written: bool,
}

impl MarkdownReport {
    /// Writes into `dir`, creating it if need be.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        MarkdownReport {
            path: dir.as_ref().join(MARKDOWN_FILE),
            summary: Summary::new(),
            written: false,
        }
    }

    /// The file this sink writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Sink for MarkdownReport {
    fn event(&mut self, e: &Event) {
        self.summary.event(e);
    }

    /// Writes the file once; a second call does nothing.
    fn finish(&mut self) -> Result<(), ReportError> {
        if self.written {
            return Ok(());
        }
        if self.summary.run().is_none() {
            return Err(ReportError::NotStarted {
                what: MARKDOWN_FILE,
            });
        }
        write_file(&self.path, markdown(&self.summary).as_bytes())?;
        self.written = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markdown_and_table_syntax() {
        assert_eq!(md_text("missing_required"), "missing_required");
        assert_eq!(md_text("_x_ a__b"), "\\_x\\_ a\\_\\_b");
        assert_eq!(
            md_text("a|b *c* [d](e) <f> &g\nh"),
            "a\\|b \\*c\\* \\[d\\](e) \\<f\\> &amp;g\\\\nh"
        );
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(md_code("plain"), "`plain`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x``"), "``` `x`` ```");
        assert_eq!(md_code(""), "`  `");
    }

    #[test]
    fn shorten_counts_characters() {
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(shorten("ab", 2), "ab");
    }
}
