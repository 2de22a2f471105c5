//! The terminal: a progress bar on stderr while the run goes, then the summary table on stdout.

use std::fmt::Write as _;
use std::io::{self, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{one_line, Event, ReportError, Sink, Summary};
use crate::check::Status;

/// How many failing cases the summary lists before `... and N more`.
pub const DEFAULT_MAX_FAILURES: usize = 20;

/// Longest reason or label shown, in characters; the full text is in report.json.
const MAX_TEXT: usize = 200;

/// [`render_summary_with`] listing at most [`DEFAULT_MAX_FAILURES`] failing cases.
pub fn render_summary(summary: &Summary) -> String {
    render_summary_with(summary, DEFAULT_MAX_FAILURES)
}

/// The summary as plain text: a header, the operation × group table with pass / fail / error /
/// skip columns and a totals line, the failing cases (at most `max_failures`), the skip reasons
/// and the result. Control characters in target-supplied text are escaped, so a hostile message
/// cannot drive the terminal.
pub fn render_summary_with(summary: &Summary, max_failures: usize) -> String {
    render(summary, max_failures, true, false)
}

/// The summary, with or without its closing `result:` line; with `fail_on_skip`, skips count
/// against the result.
fn render(summary: &Summary, max_failures: usize, result: bool, fail_on_skip: bool) -> String {
    let mut out = String::new();
    let totals = summary.totals();

    if let Some(run) = summary.run() {
        let cases = if run.cases == totals.total() {
            format!("{} cases", run.cases)
        } else {
            format!("{} of {} cases", totals.total(), run.cases)
        };
        let _ = write!(
            out,
            "cognate {} against {}, seed {}: {cases}",
            clean(&run.harness_version),
            clean(&run.target),
            run.seed
        );
    } else {
        let _ = write!(out, "cognate: {} cases", totals.total());
    }
    if let Some(e) = summary.elapsed() {
        let _ = write!(out, " in {:.2}s", e.as_secs_f64());
    }
    out.push('\n');
    for w in summary
        .run()
        .map(|r| r.warnings.as_slice())
        .unwrap_or_default()
    {
        let _ = writeln!(out, "WARNING: {}", clean(w));
    }
    if let Some(line) = summary.incomplete_line() {
        let _ = writeln!(out, "INCOMPLETE: {}", clean(&line));
    }
    if summary.retried() > 0 {
        let _ = writeln!(out, "retried {} throttled answer(s)", summary.retried());
    }
    let lacking = summary
        .run()
        .map_or(&[][..], |r| r.not_implemented.as_slice());
    let checked = summary
        .operations()
        .filter(|op| !lacking.iter().any(|l| l == op))
        .count();
    let _ = write!(out, "operations: {checked} checked");
    if lacking.is_empty() {
        out.push_str(", none missing from the target");
    } else {
        let names: Vec<String> = lacking.iter().map(|l| clean(l)).collect();
        let _ = write!(
            out,
            ", {} not implemented by the target (skipped): {}",
            lacking.len(),
            names.join(", ")
        );
    }
    out.push_str("\n\n");

    let rows = summary.rows();
    if rows.is_empty() {
        out.push_str("no cases ran\n");
    } else {
        let op_w = rows
            .iter()
            .map(|r| r.operation.chars().count())
            .chain(["operation".len(), "total".len()])
            .max()
            .unwrap_or(0);
        let group_w = rows
            .iter()
            .map(|r| r.group.chars().count())
            .chain(["group".len()])
            .max()
            .unwrap_or(0);
        let cols = [
            ("pass", Status::Pass),
            ("fail", Status::Fail),
            ("error", Status::Error),
            ("skip", Status::Skip),
        ];
        let widths: Vec<usize> = cols
            .iter()
            .map(|(name, st)| name.len().max(totals.get(*st).to_string().len()))
            .collect();

        let _ = write!(out, "{:op_w$}  {:group_w$}", "operation", "group");
        for ((name, _), w) in cols.iter().zip(&widths) {
            let _ = write!(out, "  {name:>w$}");
        }
        out.push('\n');
        let mut last_op: Option<&str> = None;
        for r in &rows {
            let op = if last_op == Some(r.operation.as_str()) {
                ""
            } else {
                r.operation.as_str()
            };
            last_op = Some(&r.operation);
            let _ = write!(out, "{op:op_w$}  {:group_w$}", r.group);
            for ((_, st), w) in cols.iter().zip(&widths) {
                let _ = write!(out, "  {:>w$}", r.counts.get(*st));
            }
            out.push('\n');
        }
        let _ = write!(out, "{:op_w$}  {:group_w$}", "total", "");
        for ((_, st), w) in cols.iter().zip(&widths) {
            let _ = write!(out, "  {:>w$}", totals.get(*st));
        }
        out.push('\n');
    }

    let failures = summary.failures();
    if !failures.is_empty() {
        let mut what = Vec::new();
        if totals.fail > 0 {
            what.push(format!("{} failed", totals.fail));
        }
        if totals.error > 0 {
            what.push(format!("{} could not be judged", totals.error));
        }
        let _ = writeln!(out, "\n{}:", what.join(", "));
        for f in failures.iter().take(max_failures) {
            let tag = match f.status {
                Status::Fail => "FAIL ",
                _ => "ERROR",
            };
            let _ = writeln!(
                out,
                "  {tag}  {}  {}  {}: {}",
                clean(&f.case_id),
                clean(&f.operation),
                clean(&f.group),
                clean(&f.label)
            );
            let _ = writeln!(out, "         {}", clean(&f.reason));
        }
        let all = totals.fail + totals.error;
        if all > max_failures {
            let _ = writeln!(out, "  ... and {} more", all - max_failures);
        }
    }

    let skipped = summary.skipped();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\n{} skipped:", totals.skip);
        let w = skipped
            .values()
            .map(|n| n.to_string().len())
            .max()
            .unwrap_or(1);
        for (reason, n) in skipped {
            let _ = writeln!(out, "  {n:>w$}  {}", clean(reason));
        }
    }

    if result {
        let code = summary.exit_code_with(fail_on_skip);
        let _ = writeln!(out, "\nresult: {} (exit {})", code.name(), code.code());
    }
    out
}

/// One line of at most [`MAX_TEXT`] characters, control characters escaped.
fn clean(s: &str) -> String {
    let line = one_line(s);
    match line.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line,
    }
}

/// The terminal sink: a progress bar on stderr (hidden when stderr is not a terminal, `TERM` is
/// dumb, or the sink is quiet) that prints failures as they come, then on [`Event::Done`] the
/// [`render_summary`] text on stdout (or the writer given).
pub struct Terminal {
    summary: Summary,
    bar: Option<ProgressBar>,
    quiet: bool,
    max_failures: usize,
    out: Box<dyn Write + Send>,
    result: bool,
    printed: bool,
    error: Option<io::Error>,
    fail_on_skip: bool,
}

impl Terminal {
    /// Summary to stdout, progress on stderr.
    pub fn stdout() -> Self {
        Self::to_writer(io::stdout())
    }

    /// Summary to `out`, progress on stderr.
    pub fn to_writer(out: impl Write + Send + 'static) -> Self {
        Terminal {
            summary: Summary::new(),
            bar: None,
            quiet: false,
            max_failures: DEFAULT_MAX_FAILURES,
            out: Box::new(out),
            result: true,
            printed: false,
            error: None,
            fail_on_skip: false,
        }
    }

    /// Skips count against the result line (`--fail-on-skip`).
    pub fn fail_on_skip(mut self, on: bool) -> Self {
        self.fail_on_skip = on;
        self
    }

    /// No progress bar (the summary is still printed).
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Whether the summary ends with the `result:` line (default yes). A caller that decides
    /// the result otherwise (a snapshot comparison) prints its own.
    pub fn show_result(mut self, show: bool) -> Self {
        self.result = show;
        self
    }

    /// List at most `n` failing cases in the summary.
    pub fn max_failures(mut self, n: usize) -> Self {
        self.max_failures = n;
        self
    }

    fn print_summary(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.printed = true;
        let text = render(
            &self.summary,
            self.max_failures,
            self.result,
            self.fail_on_skip,
        );
        if let Err(e) = self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush())
        {
            self.error.get_or_insert(e);
        }
    }
}

impl Sink for Terminal {
    fn event(&mut self, e: &Event) {
        self.summary.event(e);
        match e {
            Event::Started(run) => {
                let target = if self.quiet {
                    ProgressDrawTarget::hidden()
                } else {
                    ProgressDrawTarget::stderr()
                };
                let style =
                    ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> ");
                let bar = ProgressBar::with_draw_target(Some(run.cases as u64), target);
                bar.set_style(style);
                self.bar = Some(bar);
            }
            Event::Finished(v) => {
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                    if matches!(v.status, Status::Fail | Status::Error) {
                        let tag = if v.status == Status::Fail {
                            "FAIL "
                        } else {
                            "ERROR"
                        };
                        bar.println(format!(
                            "{tag}  {}  {}: {}",
                            clean(&v.operation),
                            clean(&v.group),
                            clean(&v.label)
                        ));
                        let t = self.summary.totals();
                        bar.set_message(format!("{} failed, {} errors", t.fail, t.error));
                    }
                }
            }
            Event::Done { .. } => self.print_summary(),
        }
    }

    /// Prints the summary if no [`Event::Done`] came (an interrupted run), and reports a failed
    /// write.
    fn finish(&mut self) -> Result<(), ReportError> {
        if !self.printed {
            self.print_summary();
        }
        match self.error.take() {
            Some(e) => Err(ReportError::Terminal(e)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_escapes_control_characters_and_truncates() {
        assert_eq!(clean("a\nb\x1b[31mc"), "a\\nb\\u{1b}[31mc");
        let long = "x".repeat(300);
        let c = clean(&long);
        assert_eq!(c.len(), 203);
        assert!(c.ends_with("..."));
    }
}
