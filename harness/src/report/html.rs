//! `report.html`: a run to read in a browser, or several runs side by side. This module owns the
//! page: its markup, style and script. The run's header (and a banner when it stopped early), its
//! totals, the operation × group table, then every verdict as one table row, each failing one
//! with its details and the command that replays it. Filters (operation, group, failing check,
//! verdict) keep their state in the URL fragment (`#filter:op=SignUp&status=fail`), so a filtered
//! view is a link; `#case-<id>` is a plain anchor to one verdict.
//!
//! The page is one file that loads nothing (its Content-Security-Policy forbids it): it reads the
//! same from file://, a CI artifact or a mail attachment. Every text from a verdict goes through
//! `escape`. The rows are written as the verdicts stream out of the spool, so writing the page
//! keeps no more in memory than report.json does.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::conformance::{property_index, replay_command, NamedReport};
use super::summary::{how_far, reason_of};
use super::{
    for_each_rendered, group_rank, write_file_with, Counts, Event, Held, JsonReport, ReportError,
    ReportFile, Sink,
};
use crate::check::{CheckName, CheckOutcome, Status, Verdict};

/// The file [`HtmlReport`] writes in its directory.
pub const HTML_FILE: &str = "report.html";

/// `s` as HTML text or attribute value: `& < > " '` as entities, and control characters (a line
/// break in a label, a terminal escape in a message) spelt out as `\n`, `\u{1b}`, so that nothing
/// a target answered can become markup or reach the page raw.
fn escape(s: &str) -> Cow<'_, str> {
    let special = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || c.is_control();
    if !s.chars().any(special) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The page of these reports: one run's report when given one, else a comparison of the runs
/// (operation × target) followed by each run's own section, in the order given.
pub fn html(reports: &[NamedReport]) -> String {
    let slugs = slugs(reports.iter().map(|r| r.name.as_str()));
    let pages: Vec<Page<'_>> = reports
        .iter()
        .zip(slugs)
        .map(|(r, slug)| Page {
            name: &r.name,
            report: &r.report,
            slug: (reports.len() > 1).then_some(slug),
            seen: Seen::of(&r.report.verdicts),
        })
        .collect();
    let mut out = Vec::new();
    let mut row = Vec::new();
    // Into a Vec: cannot fail.
    let _ = write_html(&mut out, &pages, &mut |page, out| {
        for v in &page.report.verdicts {
            row.clear();
            page.row(v, &mut row);
            out.write_all(&row)?;
        }
        Ok(())
    });
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// What the page needs to know of a run's verdicts before it writes the first of them.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    /// A bit per check, [`CheckName::ALL`]'s order, set when the check failed in some verdict:
    /// the options of the check filter.
    failed: u32,
    /// The `--cases` a replay needs (see [`property_index`]).
    property_cases: Option<usize>,
}

impl Seen {
    fn of(verdicts: &[Verdict]) -> Seen {
        let mut seen = Seen::default();
        for v in verdicts {
            seen.record(v);
        }
        seen
    }

    fn record(&mut self, v: &Verdict) {
        for c in failed_checks(v) {
            self.failed |= 1 << c as u32;
        }
        if let Some(i) = property_index(&v.label) {
            self.property_cases = self.property_cases.max(Some(i + 1));
        }
    }

    fn failed_checks(self) -> impl Iterator<Item = CheckName> {
        CheckName::ALL
            .into_iter()
            .filter(move |&c| self.failed & (1 << c as u32) != 0)
    }
}

fn failed_checks(v: &Verdict) -> impl Iterator<Item = CheckName> + '_ {
    v.checks
        .iter()
        .filter(|c| matches!(c.outcome, CheckOutcome::Fail(_)))
        .map(|c| c.check)
}

/// One run's part of the page.
struct Page<'a> {
    /// Its target, or the name a comparison gives it.
    name: &'a str,
    /// The run; its verdicts may be left out, the rows then come from elsewhere.
    report: &'a ReportFile,
    /// What keeps this run's element ids apart from another's on a comparison page; `None` for
    /// a lone run, whose ids are the plain `case-<id>`, `total-pass`.
    slug: Option<String>,
    seen: Seen,
}

impl Page<'_> {
    fn case_anchor(&self, case_id: &str) -> String {
        match &self.slug {
            Some(slug) => format!("case-{slug}-{case_id}"),
            None => format!("case-{case_id}"),
        }
    }

    /// The end of this run's element ids: empty, or `-<slug>`.
    fn suffix(&self) -> String {
        self.slug
            .as_ref()
            .map_or_else(String::new, |s| format!("-{s}"))
    }

    /// One verdict's row, and under a failing or unjudged one the row of its details. A passing
    /// row is kept to its cells: a large run has thousands.
    fn row(&self, v: &Verdict, out: &mut Vec<u8>) {
        let anchor = self.case_anchor(&v.case_id);
        let id = escape(&anchor);
        let op = escape(&v.operation);
        let group = escape(&v.group);
        let status = v.status.as_str();
        let checks: Vec<&str> = failed_checks(v).map(CheckName::as_str).collect();
        let reason = match v.status {
            Status::Pass => Cow::Borrowed(v.reason.as_deref().unwrap_or("")),
            _ => Cow::Owned(reason_of(v)),
        };
        let _ = writeln!(
            out,
            "<tr id=\"{id}\" data-op=\"{op}\" data-group=\"{group}\" data-status=\"{status}\" \
             data-checks=\"{}\"><td><a href=\"#{id}\">{}</a></td><td>{op}</td><td>{group}</td>\
             <td>{}</td><td class=\"s\">{status}</td><td>{}</td></tr>",
            checks.join(" "),
            escape(&v.case_id),
            escape(&v.label),
            escape(&reason)
        );
        if matches!(v.status, Status::Fail | Status::Error) {
            self.details(v, out);
        }
    }

    /// What was expected, what came back, every check, and the command that sends the case
    /// again: folded under a one-line summary, opened when the case is linked to.
    fn details(&self, v: &Verdict, out: &mut Vec<u8>) {
        let o = &v.observed;
        let got = match (o.status, &o.exception) {
            (None, _) => "no response".to_owned(),
            (Some(s), None) => format!("HTTP {s}"),
            (Some(s), Some(e)) => format!("HTTP {s} {e}"),
        };
        let _ = write!(
            out,
            "<tr class=\"more\"><td colspan=\"6\"><details><summary>expected {} · got {}</summary>\
             <dl class=\"kv\"><dt>expected</dt><dd>{}</dd><dt>HTTP status</dt><dd>{}</dd>\
             <dt>exception</dt><dd>{}</dd><dt>message</dt><dd>{}</dd><dt>content type</dt>\
             <dd>{}</dd><dt>checks</dt><dd>",
            escape(&v.expected),
            escape(&got),
            escape(&v.expected),
            o.status
                .map_or_else(|| "no response".to_owned(), |s| s.to_string()),
            or_none(o.exception.as_deref()),
            or_none(o.message.as_deref()),
            or_none(o.content_type.as_deref()),
        );
        if v.checks.is_empty() {
            out.extend_from_slice(b"none ran");
        } else {
            out.extend_from_slice(b"<ul class=\"checks\">");
            for c in &v.checks {
                let outcome = c.outcome.as_str();
                let check = c.check.as_str();
                let _ = write!(out, "<li class=\"{outcome}\"><b>{check}</b> {outcome}");
                if let Some(why) = c.outcome.reason() {
                    let _ = write!(out, ": {}", escape(why));
                }
                out.extend_from_slice(b"</li>");
            }
            out.extend_from_slice(b"</ul>");
        }
        let replay = replay_command(&self.report.run, self.seen.property_cases, v);
        let _ = writeln!(
            out,
            "</dd><dt>replay</dt><dd><code>{}</code></dd></dl></details></td></tr>",
            escape(&replay)
        );
    }
}

/// `s` escaped, or `none`.
fn or_none(s: Option<&str>) -> Cow<'_, str> {
    s.map_or(Cow::Borrowed("none"), escape)
}

/// Element ids for the names of a comparison: the name's letters, digits, `-`, `_` and `.`,
/// anything else as `-`, and a number after a name already taken.
fn slugs<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken = BTreeSet::new();
    names
        .map(|name| {
            let mut base: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            if base.is_empty() {
                base.push_str("target");
            }
            let mut slug = base.clone();
            let mut n = 2;
            while !taken.insert(slug.clone()) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            slug
        })
        .collect()
}

/// What a filter value keeps as it is in a link: what `encodeURIComponent` keeps but for `!*'()`.
const FRAGMENT_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `#filter:k=v&...`, each value percent-encoded as the page's script reads it back.
fn filter_link(pairs: &[(&str, &str)]) -> String {
    let mut link = String::from("#filter:");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            link.push('&');
        }
        let _ = write!(link, "{k}={}", utf8_percent_encode(v, FRAGMENT_VALUE));
    }
    link
}

fn add(to: &mut Counts, c: Counts) {
    to.pass += c.pass;
    to.fail += c.fail;
    to.error += c.error;
    to.skip += c.skip;
}

/// The whole page: the head, then per page its section, whose verdict rows `rows` writes.
fn write_html(
    out: &mut dyn Write,
    pages: &[Page<'_>],
    rows: &mut dyn FnMut(&Page<'_>, &mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let lone = pages.len() == 1;
    let title = match pages {
        [page] => format!("cognate report: {}", page.name),
        _ => {
            let names: Vec<&str> = pages.iter().map(|p| p.name).collect();
            format!("cognate conformance: {}", names.join(", "))
        }
    };
    let mut s = String::with_capacity(16 << 10);
    // The policy makes the page's promise binding: it can load nothing, whatever it holds.
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        escape(&title)
    );
    if !lone {
        conformance(&mut s, pages);
        filters(&mut s, pages);
    }
    out.write_all(s.as_bytes())?;
    for page in pages {
        s.clear();
        section(&mut s, page, lone);
        if lone {
            filters(&mut s, pages);
        } else {
            s.push_str("<h3>Verdicts</h3>\n");
        }
        let total = page.report.summary.totals.total();
        let _ = write!(
            s,
            "<table class=\"verdicts\" id=\"verdicts{}\">",
            page.suffix()
        );
        if !lone {
            let _ = write!(
                s,
                "<caption><span class=\"shown\">{total}</span> of {total} shown</caption>"
            );
        }
        s.push_str(
            "<thead><tr><th>case</th><th>operation</th><th>group</th><th>label</th>\
             <th>verdict</th><th>reason</th></tr></thead>\n<tbody>\n",
        );
        out.write_all(s.as_bytes())?;
        rows(page, out)?;
        out.write_all(b"</tbody></table>\n</section>\n")?;
    }
    out.write_all(b"<script>")?;
    out.write_all(SCRIPT.as_bytes())?;
    out.write_all(b"</script>\n</body>\n</html>\n")
}

/// A run's header, banners, totals and operation × group table.
fn section(s: &mut String, page: &Page<'_>, lone: bool) {
    let r = page.report;
    let run = &r.run;
    let suffix = page.suffix();
    let h = if lone { "h2" } else { "h3" };
    if lone {
        s.push_str("<section id=\"run\">\n<h1>cognate report</h1>\n");
    } else {
        let _ = writeln!(
            s,
            "<section id=\"target{suffix}\">\n<h2>{}</h2>",
            escape(page.name)
        );
    }
    let totals = r.summary.totals;
    if let Some(why) = &r.incomplete {
        let _ = writeln!(
            s,
            "<div class=\"incomplete\" id=\"incomplete{suffix}\" role=\"alert\">INCOMPLETE: {}</div>",
            escape(&how_far(why, totals.total(), run.cases))
        );
    }
    for w in &run.warnings {
        let _ = writeln!(
            s,
            "<div class=\"warning\" role=\"note\"><strong>Warning:</strong> {}</div>",
            escape(w)
        );
    }
    s.push_str("<table class=\"run\">\n");
    field(s, "target", &escape(&run.target));
    field(
        s,
        "target version",
        &run.target_version
            .as_deref()
            .map_or(Cow::Borrowed("unknown"), escape),
    );
    field(
        s,
        "harness",
        &format!("cognate {}", escape(&run.harness_version)),
    );
    field(s, "seed", &run.seed.to_string());
    field(s, "started", &escape(&run.started));
    let elapsed = r.elapsed_ms.map_or_else(
        || "unknown (the run did not finish)".to_owned(),
        |ms| format!("{:.2} s", ms as f64 / 1000.0),
    );
    field(s, "elapsed", &elapsed);
    field(
        s,
        "cases",
        &format!("{} judged of {} planned", totals.total(), run.cases),
    );
    if r.retried > 0 {
        field(
            s,
            "retried",
            &format!(
                "{} throttled answer(s); each verdict judges the last answer",
                r.retried
            ),
        );
    }
    if !run.not_implemented.is_empty() {
        let names: Vec<Cow<'_, str>> = run.not_implemented.iter().map(|n| escape(n)).collect();
        field(s, "not implemented", &names.join(", "));
    }
    s.push_str("</table>\n<ul class=\"totals\">\n");
    for (key, n) in [
        ("pass", totals.pass),
        ("fail", totals.fail),
        ("error", totals.error),
        ("skip", totals.skip),
    ] {
        let _ = writeln!(
            s,
            "<li class=\"c-{key}\"><a href=\"{}\">{key}</a> \
             <b id=\"total-{key}{suffix}\">{n}</b></li>",
            escape(&filter_link(&[("status", key)]))
        );
    }
    let _ = writeln!(
        s,
        "<li>total <b id=\"total-all{suffix}\">{}</b></li>\n</ul>",
        totals.total()
    );

    if r.summary.rows.is_empty() {
        let _ = writeln!(s, "<{h}>Operation × group</{h}>");
        s.push_str("<p>No cases were judged.</p>\n");
        return;
    }
    // A long table (a whole run's hundreds of rows) starts folded, so that the filters and the
    // verdicts are on the first screen; its heading unfolds it.
    let open = if r.summary.rows.len() <= FOLD_ROWS {
        " open"
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "<details class=\"fold\"{open}><summary><{h}>Operation × group</{h}> \
         <span class=\"legend\">{} rows</span></summary>",
        r.summary.rows.len()
    );
    s.push_str(
        "<table class=\"groups\"><thead><tr><th>operation</th><th>group</th><th class=\"n\">pass\
         </th><th class=\"n\">fail</th><th class=\"n\">error</th><th class=\"n\">skip</th>\
         <th class=\"n\">total</th></tr></thead>\n<tbody>\n",
    );
    let mut last: Option<&str> = None;
    for row in &r.summary.rows {
        let op = row.operation.as_str();
        s.push_str("<tr><td>");
        // The operation on its first row only, as a table of groups under it reads.
        if last != Some(op) {
            let _ = write!(
                s,
                "<a href=\"{}\">{}</a>",
                escape(&filter_link(&[("op", op)])),
                escape(op)
            );
        }
        last = Some(op);
        let _ = write!(
            s,
            "</td><td><a href=\"{}\">{}</a></td>",
            escape(&filter_link(&[("op", op), ("group", row.group.as_str())])),
            escape(&row.group)
        );
        counts_cells(s, row.counts);
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody><tfoot><tr><th>total</th><th></th>");
    counts_cells(s, totals);
    s.push_str("</tr></tfoot></table>\n</details>\n");
}

/// Rows of the operation × group table shown unfolded.
const FOLD_ROWS: usize = 40;

/// One line of a run's header table; `value` is markup.
fn field(s: &mut String, name: &str, value: &str) {
    let _ = writeln!(s, "<tr><th>{name}</th><td>{value}</td></tr>");
}

/// pass, fail, error, skip and total as table cells; a zero faint, a failure or error marked.
fn counts_cells(s: &mut String, c: Counts) {
    for (n, mark) in [
        (c.pass, ""),
        (c.fail, " f"),
        (c.error, " e"),
        (c.skip, ""),
        (c.total(), ""),
    ] {
        let class = if n == 0 { " z" } else { mark };
        let _ = write!(s, "<td class=\"n{class}\">{n}</td>");
    }
}

/// The comparison that opens a page of several runs: the runs, then operation × target.
fn conformance(s: &mut String, pages: &[Page<'_>]) {
    s.push_str("<h1>cognate conformance</h1>\n<section id=\"conformance\">\n");
    if pages.is_empty() {
        s.push_str("<p>No reports.</p>\n</section>\n");
        return;
    }
    s.push_str(
        "<h2>Targets</h2>\n<table class=\"targets\"><thead><tr><th>target</th><th>run with</th>\
         <th>target version</th><th>harness</th><th class=\"n\">seed</th><th>cases judged</th>\
         <th class=\"n\">pass</th><th class=\"n\">fail</th><th class=\"n\">error</th>\
         <th class=\"n\">skip</th><th class=\"n\">total</th></tr></thead>\n<tbody>\n",
    );
    for p in pages {
        let run = &p.report.run;
        let totals = p.report.summary.totals;
        let _ = write!(
            s,
            "<tr><td><a href=\"#target{}\">{}</a></td><td>{}</td><td>{}</td><td>cognate {}</td>\
             <td class=\"n\">{}</td><td>{} of {}",
            p.suffix(),
            escape(p.name),
            escape(&run.target),
            run.target_version
                .as_deref()
                .map_or(Cow::Borrowed("unknown"), escape),
            escape(&run.harness_version),
            run.seed,
            totals.total(),
            run.cases
        );
        if let Some(why) = &p.report.incomplete {
            let _ = write!(s, " <b class=\"f\">incomplete: {}</b>", escape(why));
        }
        s.push_str("</td>");
        counts_cells(s, totals);
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n");

    // Per page, its counts per operation.
    let per_op: Vec<BTreeMap<&str, Counts>> = pages
        .iter()
        .map(|p| {
            let mut m: BTreeMap<&str, Counts> = BTreeMap::new();
            for row in &p.report.summary.rows {
                add(m.entry(row.operation.as_str()).or_default(), row.counts);
            }
            m
        })
        .collect();
    let operations: BTreeSet<&str> = per_op.iter().flat_map(|m| m.keys().copied()).collect();
    s.push_str(
        "<h2>Operations</h2>\n<p class=\"legend\">Each cell: <span class=\"c-pass\">pass</span> / \
         <span class=\"c-fail\">fail</span> / <span class=\"c-error\">error</span> / \
         <span class=\"c-skip\">skip</span>.</p>\n<table class=\"matrix\"><thead><tr>\
         <th>operation</th>",
    );
    for p in pages {
        let _ = write!(s, "<th>{}</th>", escape(p.name));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for &op in &operations {
        let _ = write!(
            s,
            "<tr><th><a href=\"{}\">{}</a></th>",
            escape(&filter_link(&[("op", op)])),
            escape(op)
        );
        for (p, counts) in pages.iter().zip(&per_op) {
            let c = counts.get(op).copied().unwrap_or_default();
            let lacks = p.report.run.not_implemented.iter().any(|n| n == op);
            matrix_cell(s, c, lacks);
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody><tfoot><tr><th>total</th>");
    for p in pages {
        matrix_cell(s, p.report.summary.totals, false);
    }
    s.push_str("</tr></tfoot></table>\n</section>\n");
}

fn matrix_cell(s: &mut String, c: Counts, lacks: bool) {
    if lacks && c.skip == c.total() {
        s.push_str("<td class=\"none\">not implemented</td>");
        return;
    }
    if c.total() == 0 {
        s.push_str("<td class=\"none\">–</td>");
        return;
    }
    let class = if c.fail + c.error > 0 { "bad" } else { "ok" };
    let _ = write!(
        s,
        "<td class=\"{class}\" title=\"pass {}, fail {}, error {}, skip {}\">",
        c.pass, c.fail, c.error, c.skip
    );
    for (i, (key, n)) in [
        ("pass", c.pass),
        ("fail", c.fail),
        ("error", c.error),
        ("skip", c.skip),
    ]
    .into_iter()
    .enumerate()
    {
        let faint = if n == 0 { " z" } else { "" };
        let sep = if i > 0 { " / " } else { "" };
        let _ = write!(s, "{sep}<span class=\"c-{key}{faint}\">{n}</span>");
    }
    s.push_str("</td>");
}

/// The filter bar: one select per filter, filled with the values the runs have, and the count of
/// rows shown.
fn filters(s: &mut String, pages: &[Page<'_>]) {
    let rows = pages.iter().flat_map(|p| &p.report.summary.rows);
    let operations: BTreeSet<&str> = rows.clone().map(|r| r.operation.as_str()).collect();
    let groups: BTreeSet<((usize, &str), &str)> = rows
        .map(|r| (group_rank(&r.group), r.group.as_str()))
        .collect();
    let failed = pages.iter().fold(0, |m, p| m | p.seen.failed);
    let checks = Seen {
        failed,
        property_cases: None,
    };
    let statuses = Status::ALL
        .into_iter()
        .filter(|&st| pages.iter().any(|p| p.report.summary.totals.get(st) > 0));
    let total: usize = pages.iter().map(|p| p.report.summary.totals.total()).sum();

    s.push_str("<div id=\"filters\">\n");
    select(s, "op", "operation", operations.into_iter());
    select(s, "group", "group", groups.into_iter().map(|(_, g)| g));
    select(
        s,
        "check",
        "failing check",
        checks.failed_checks().map(CheckName::as_str),
    );
    select(s, "status", "verdict", statuses.map(Status::as_str));
    let _ = writeln!(
        s,
        "<span><b id=\"shown-count\">{total}</b> of {total} verdicts shown</span>\n</div>"
    );
}

fn select<'a>(s: &mut String, key: &str, label: &str, values: impl Iterator<Item = &'a str>) {
    let _ = write!(
        s,
        "<label>{label} <select id=\"filter-{key}\" autocomplete=\"off\">\
         <option value=\"\">all</option>"
    );
    for v in values {
        let v = escape(v);
        let _ = write!(s, "<option value=\"{v}\">{v}</option>");
    }
    s.push_str("</select></label>\n");
}

/// The sink writing `<dir>/report.html` at finish, from the verdicts report.json collects.
pub struct HtmlReport {
    path: PathBuf,
    got: Held,
    seen: Seen,
    written: bool,
}

impl HtmlReport {
    /// Writes into `dir`, creating it if need be, from the verdicts it collects itself.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        HtmlReport {
            path: dir.as_ref().join(HTML_FILE),
            got: Held::own(),
            seen: Seen::default(),
            written: false,
        }
    }

    /// Writes into `dir` the verdicts `json` collects, which are then encoded and kept once.
    /// This sink still takes the events (it notes what the page's header needs of the verdicts):
    /// add both to the [`super::Reporter`].
    pub fn beside(dir: impl AsRef<Path>, json: &JsonReport) -> Self {
        HtmlReport {
            got: json.held(),
            ..HtmlReport::new(dir)
        }
    }

    /// The file this sink writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Sink for HtmlReport {
    fn event(&mut self, e: &Event) {
        self.got.event(e);
        if let Event::Finished(v) = e {
            self.seen.record(v);
        }
    }

    /// Writes the file once; a second call does nothing, a failed one can be retried.
    fn finish(&mut self) -> Result<(), ReportError> {
        if self.written {
            return Ok(());
        }
        let path = &self.path;
        let got = self.got.sealed(path)?;
        // The report without its verdicts: they stream from the spool as the rows are written.
        let head = ReportFile::head(&got, HTML_FILE)?;
        let page = Page {
            name: &head.run.target,
            report: &head,
            slug: None,
            seen: self.seen,
        };
        write_file_with(path, |out| {
            write_html(out, std::slice::from_ref(&page), &mut |page, out| {
                for_each_rendered(&got.verdicts, |v, row| page.row(v, row), &mut |_, row| {
                    out.write_all(row)
                })
            })
            .map_err(|source| ReportError::Io {
                path: path.clone(),
                source,
            })
        })?;
        drop(got);
        self.written = true;
        Ok(())
    }
}

/// Plain CSS: system fonts, a colour per verdict, light or dark as the reader's system is.
const STYLE: &str = r#"
:root {
  color-scheme: light dark;
  --pass: #1a7f37; --fail: #cf222e; --error: #bc4c00; --skip: #6e7781; --line: #8885;
}
body {
  margin: 1rem 2rem;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
h1 { font-size: 1.6rem; margin: .2rem 0 .6rem; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
details.fold > summary { cursor: pointer; }
details.fold > summary > h2, details.fold > summary > h3 { display: inline; }
a { color: inherit; }
code, tr[data-status] > td:first-child {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px;
}
table { border-collapse: collapse; }
th, td {
  padding: 2px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--line);
}
thead th { border-bottom: 2px solid var(--line); }
.n { text-align: right; font-variant-numeric: tabular-nums; }
.z { opacity: .45; }
.c-pass { color: var(--pass); }
.c-fail, .f { color: var(--fail); }
.c-error, .e { color: var(--error); }
.c-skip { color: var(--skip); }
.f, .e { font-weight: bold; }
table.run th, table.run td { border: 0; padding: 0 12px 0 0; }
table.run th { font-weight: normal; color: var(--skip); }
.warning {
  margin: .5rem 0; padding: .5rem .8rem; border: 1px solid #bf8700; border-left-width: 6px;
  background: #fff8c5; color: #3b2300;
}
.incomplete {
  margin: .5rem 0; padding: .7rem 1rem; border: 2px solid var(--fail); border-left-width: 8px;
  background: #ffebe9; color: #82071e; font-size: 1.15rem; font-weight: bold;
}
ul.totals {
  display: flex; flex-wrap: wrap; gap: .5rem 1.6rem; list-style: none; padding: 0;
  margin: .8rem 0; font-size: 1.05rem;
}
ul.totals b { font-size: 1.35rem; }
td.bad { background: #cf222e1a; }
td.none { color: var(--skip); }
#filters {
  position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem;
  align-items: center; margin-top: 1.2rem; padding: .5rem 0; background: Canvas;
  border-bottom: 1px solid var(--line);
}
table.verdicts { width: 100%; margin-top: .4rem; }
table.verdicts caption { text-align: left; color: var(--skip); }
table.verdicts td { overflow-wrap: anywhere; }
tr[data-status] > td:nth-child(-n+3), tr[data-status] > .s { white-space: nowrap; }
tr[id] { scroll-margin-top: 4rem; }
tr:target > td { background: #54aeff33; }
tr[data-status=pass] .s { color: var(--pass); }
tr[data-status=fail] .s { color: var(--fail); font-weight: bold; }
tr[data-status=error] .s { color: var(--error); font-weight: bold; }
tr[data-status=skip] .s { color: var(--skip); }
tr[data-status=fail] > td:first-child { box-shadow: inset 4px 0 var(--fail); }
tr[data-status=error] > td:first-child { box-shadow: inset 4px 0 var(--error); }
tr.more > td { padding: 0 8px 6px 24px; }
tr.more summary { cursor: pointer; color: var(--skip); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: .3rem 0; }
dl.kv dt { color: var(--skip); }
dl.kv dd { margin: 0; }
ul.checks { margin: 0; padding: 0; list-style: none; }
ul.checks .fail { color: var(--fail); }
ul.checks .skip { color: var(--skip); }
"#;

/// The filters. Their state is the URL fragment `#filter:op=...&status=...&group=...&check=...`
/// (read on load and on every change of the fragment, written on every change of a select), so
/// a filtered view is a link; any other fragment is a plain anchor, a case's row, whose details
/// are opened.
const SCRIPT: &str = r##"
"use strict";
var FILTERS = ["op", "status", "group", "check"];
function control(key) { return document.getElementById("filter-" + key); }
function shows(row, f) {
  var d = row.dataset;
  return (!f.op || d.op === f.op) && (!f.group || d.group === f.group) &&
    (!f.status || d.status === f.status) &&
    (!f.check || (" " + d.checks + " ").indexOf(" " + f.check + " ") >= 0);
}
function applyFilters() {
  var f = {}, all = 0;
  FILTERS.forEach(function (k) { f[k] = control(k).value; });
  var tables = document.querySelectorAll("table.verdicts");
  for (var t = 0; t < tables.length; t++) {
    var rows = tables[t].tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (row.dataset.status === undefined) continue;
      var hide = !shows(row, f);
      row.hidden = hide;
      var more = row.nextElementSibling;
      if (more && more.classList.contains("more")) more.hidden = hide;
      if (!hide) shown++;
    }
    var caption = tables[t].querySelector("caption .shown");
    if (caption) caption.textContent = shown;
    all += shown;
  }
  document.getElementById("shown-count").textContent = all;
}
function readFragment() {
  var h = location.hash;
  if (h.indexOf("#filter:") !== 0) return false;
  var given = new URLSearchParams(h.slice("#filter:".length));
  FILTERS.forEach(function (k) {
    var c = control(k), v = given.get(k) || "";
    // A value this page has no option for (a link made on another page) is added, so the view
    // is the one linked to, empty, rather than every row.
    if (v && !Array.prototype.some.call(c.options, function (o) { return o.value === v; })) {
      c.add(new Option(v, v));
    }
    c.value = v;
  });
  return true;
}
function writeFragment() {
  var parts = [];
  FILTERS.forEach(function (k) {
    var v = control(k).value;
    if (v) parts.push(k + "=" + encodeURIComponent(v));
  });
  var fragment = parts.length ? "#filter:" + parts.join("&") : "";
  try {
    history.replaceState(null, "", location.pathname + location.search + fragment);
  } catch (e) {
    location.replace(fragment || "#");
  }
}
function openCase() {
  var id = location.hash.slice(1);
  try { id = decodeURIComponent(id); } catch (e) {}
  var row = id ? document.getElementById(id) : null;
  if (!row || row.dataset.status === undefined) return;
  if (row.hidden) {
    // Filters that hide the case linked to give way to it.
    FILTERS.forEach(function (k) { control(k).value = ""; });
    applyFilters();
  }
  var more = row.nextElementSibling;
  if (more && more.classList.contains("more")) more.querySelector("details").open = true;
  row.scrollIntoView();
}
FILTERS.forEach(function (k) {
  control(k).addEventListener("change", function () { writeFragment(); applyFilters(); });
});
window.addEventListener("hashchange", function () {
  if (readFragment()) {
    applyFilters();
    document.getElementById("filters").scrollIntoView();
  } else {
    openCase();
  }
});
readFragment();
applyFilters();
openCase();
document.body.dataset.ready = "1";
"##;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckResult, Observed};
    use crate::report::RunInfo;
    use std::time::Duration;

    fn run(target: &str) -> RunInfo {
        RunInfo {
            harness_version: "0.1.0".into(),
            target: target.into(),
            target_version: Some("cognate 0.1.0".into()),
            seed: 7,
            operations: vec!["ForgotPassword".into(), "SignUp".into()],
            cases: 10,
            started: "2026-01-02T03:04:05Z".into(),
            not_implemented: Vec::new(),
            warnings: Vec::new(),
            partition: None,
        }
    }

    fn verdict(id: &str, op: &str, status: Status, failed: &[CheckName]) -> Verdict {
        let mut checks = vec![CheckResult {
            check: CheckName::Transport,
            outcome: CheckOutcome::Pass,
        }];
        checks.extend(failed.iter().map(|&check| CheckResult {
            check,
            outcome: CheckOutcome::Fail(format!("{} broke", check.as_str())),
        }));
        Verdict {
            case_id: id.into(),
            operation: op.into(),
            group: (if status == Status::Pass {
                "valid"
            } else {
                "missing_required"
            })
            .into(),
            label: format!("case {id}"),
            status,
            reason: (status != Status::Pass).then(|| format!("reason of {id}")),
            checks,
            observed: Observed {
                status: Some(400),
                exception: Some("InvalidParameterException".into()),
                message: Some("1 validation error detected".into()),
                content_type: Some("application/x-amz-json-1.1".into()),
            },
            expected: "success (200)".into(),
            elapsed_ms: 4,
        }
    }

    fn verdicts() -> Vec<Verdict> {
        vec![
            verdict(
                "00aa",
                "ForgotPassword",
                Status::Fail,
                &[CheckName::Status, CheckName::Exception],
            ),
            verdict("00bb", "ForgotPassword", Status::Pass, &[]),
            verdict("00cc", "SignUp", Status::Error, &[CheckName::Transport]),
            verdict("00dd", "SignUp", Status::Skip, &[]),
        ]
    }

    fn one(report: ReportFile) -> String {
        html(&[NamedReport {
            name: report.run.target.clone(),
            report,
        }])
    }

    fn page() -> String {
        one(ReportFile::new(
            run("reference"),
            verdicts(),
            Some(Duration::from_millis(1234)),
        ))
    }

    /// The start tag of the element with this id.
    fn tag<'p>(page: &'p str, id: &str) -> &'p str {
        let at = page
            .find(&format!(" id=\"{id}\""))
            .unwrap_or_else(|| panic!("no element {id}"));
        let start = page[..at].rfind('<').unwrap();
        let end = at + page[at..].find('>').unwrap();
        &page[start..=end]
    }

    #[test]
    fn escape_makes_text_of_markup_and_controls() {
        assert_eq!(escape("plain text"), "plain text");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
    }

    #[test]
    fn verdict_text_is_escaped_in_the_page() {
        let mut v = verdicts();
        v[0].observed.message = Some("<script>alert(1)</script>".into());
        v[0].reason = Some("got <img src=x onerror=alert(1)>".into());
        v[1].label = "\"><b>label</b>".into();
        let page = one(ReportFile::new(run("reference"), v, None));
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
        assert!(page.contains("got &lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.contains("&quot;&gt;&lt;b&gt;label&lt;/b&gt;"));
        // The page's own script is the only one.
        assert_eq!(page.matches("<script").count(), 1);
        assert!(!page.contains("<img"));
    }

    #[test]
    fn rows_carry_anchors_data_and_details() {
        let page = page();
        let fail = tag(&page, "case-00aa");
        assert!(fail.starts_with("<tr "), "{fail}");
        for attr in [
            "data-op=\"ForgotPassword\"",
            "data-group=\"missing_required\"",
            "data-status=\"fail\"",
            "data-checks=\"status exception\"",
        ] {
            assert!(fail.contains(attr), "{attr} in {fail}");
        }
        assert!(page.contains("<a href=\"#case-00aa\">00aa</a>"));
        assert!(tag(&page, "case-00cc").contains("data-checks=\"transport\""));
        assert!(tag(&page, "case-00bb").contains("data-checks=\"\""));
        // Details under the failing and the unjudged case only.
        assert_eq!(page.matches("<tr class=\"more\">").count(), 2);
        let details = &page[page.find("id=\"case-00aa\"").unwrap()..];
        let details = &details[..details.find("id=\"case-00bb\"").unwrap()];
        for text in [
            "reason of 00aa",
            "success (200)",
            "InvalidParameterException",
            "1 validation error detected",
            "application/x-amz-json-1.1",
            "<b>status</b> fail: status broke",
            "<b>transport</b> pass",
            "cognate replay 00aa --seed 7 --operation ForgotPassword --target reference",
        ] {
            assert!(details.contains(text), "{text} in {details}");
        }
        // Every id once.
        for id in ["case-00aa", "case-00bb", "case-00cc", "case-00dd"] {
            assert_eq!(page.matches(&format!("id=\"{id}\"")).count(), 1, "{id}");
        }
    }

    #[test]
    fn totals_filters_and_groups() {
        let page = page();
        for (id, n) in [
            ("total-pass", 1),
            ("total-fail", 1),
            ("total-error", 1),
            ("total-skip", 1),
            ("total-all", 4),
            ("shown-count", 4),
        ] {
            assert!(page.contains(&format!("id=\"{id}\">{n}<")), "{id}");
        }
        for select in ["filter-op", "filter-group", "filter-check", "filter-status"] {
            let start = format!(
                "<select id=\"{select}\" autocomplete=\"off\"><option value=\"\">all</option>"
            );
            assert!(page.contains(&start), "{select}");
        }
        assert!(page.contains("<option value=\"exception\">exception</option>"));
        assert!(
            !page.contains("<option value=\"shape\">"),
            "only checks that failed"
        );
        assert!(page.contains("<option value=\"SignUp\">SignUp</option>"));
        assert!(page.contains("href=\"#filter:op=ForgotPassword&amp;group=missing_required\""));
        assert!(page.contains("function applyFilters()"));
        assert!(page.contains("document.body.dataset.ready = \"1\""));
    }

    #[test]
    fn property_cases_replay_with_enough_cases() {
        let mut v = verdicts();
        v[1].label = "property #4: base, no optional member".into();
        let page = one(ReportFile::new(run("reference"), v, None));
        assert!(page.contains(
            "cognate replay 00aa --seed 7 --operation ForgotPassword --cases 5 --target reference"
        ));
    }

    #[test]
    fn an_incomplete_run_says_so_first() {
        assert!(!page().contains("INCOMPLETE"));
        let mut report = ReportFile::new(run("reference"), verdicts(), None);
        report.incomplete = Some("interrupted (SIGINT)".into());
        report.run.warnings = vec!["--insecure: <certificate> not checked".into()];
        let page = one(report);
        let banner = "INCOMPLETE: interrupted (SIGINT): 4 of 10 planned cases judged";
        let at = page.find(banner).expect("the banner");
        assert!(
            at < page.find("id=\"total-pass\"").unwrap(),
            "before the totals"
        );
        assert!(tag(&page, "incomplete").contains("class=\"incomplete\""));
        assert!(
            page.contains("<strong>Warning:</strong> --insecure: &lt;certificate&gt; not checked")
        );
        assert!(page.contains("unknown (the run did not finish)"));
    }

    #[test]
    fn several_reports_compare_then_show_each() {
        let mut moto = ReportFile::new(
            run("http://127.0.0.1:5000"),
            vec![
                verdict("00aa", "ForgotPassword", Status::Pass, &[]),
                verdict("00dd", "SignUp", Status::Skip, &[]),
            ],
            None,
        );
        moto.run.not_implemented = vec!["SignUp".into()];
        let reference = ReportFile::new(run("reference"), verdicts(), None);
        let page = html(&[
            NamedReport {
                name: "reference".into(),
                report: reference,
            },
            NamedReport {
                name: "moto 5".into(),
                report: moto,
            },
        ]);
        let conformance = page.find("id=\"conformance\"").expect("the comparison");
        assert!(conformance < page.find("id=\"target-reference\"").unwrap());
        assert!(page.contains("id=\"target-moto-5\""));
        // Ids kept apart per run, the same case in both.
        assert!(page.contains("id=\"case-reference-00aa\""));
        assert!(page.contains("id=\"case-moto-5-00aa\""));
        assert!(!page.contains("id=\"case-00aa\""));
        assert!(page.contains("id=\"total-fail-reference\">1<"));
        assert!(page.contains("id=\"total-pass-moto-5\">1<"));
        assert!(page.contains("id=\"shown-count\">6<"));
        // The operation × target matrix: ForgotPassword, reference then moto.
        let matrix = &page[page.find("<table class=\"matrix\">").unwrap()..];
        let row = &matrix[matrix.find("#filter:op=ForgotPassword").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(
            row.contains("<td class=\"bad\" title=\"pass 1, fail 1, error 0, skip 0\">"),
            "{row}"
        );
        assert!(row.contains("<td class=\"ok\" title=\"pass 1, fail 0, error 0, skip 0\">"));
        let row = &matrix[matrix.find("#filter:op=SignUp").unwrap()..];
        assert!(row[..row.find("</tr>").unwrap()].contains("not implemented"));
        // One filter bar for all.
        assert_eq!(page.matches("id=\"filter-op\"").count(), 1);
        assert_eq!(page.matches("<table class=\"verdicts\"").count(), 2);
    }

    #[test]
    fn the_page_loads_nothing() {
        let mut report = ReportFile::new(run("reference"), verdicts(), None);
        report.run.warnings = vec!["a live target".into()];
        let page = one(report);
        for not in [
            "http://",
            "https://",
            " src=",
            "<link",
            "fetch(",
            "XMLHttpRequest",
            "@import",
            "url(",
        ] {
            assert!(!page.contains(not), "{not}");
        }
        assert!(page.starts_with("<!DOCTYPE html>\n"));
        assert!(page.contains("default-src 'none'"));
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn the_sink_writes_the_page_of_its_verdicts() {
        let dir = tempfile::tempdir().unwrap();
        let json = JsonReport::new(dir.path());
        let mut sink = HtmlReport::beside(dir.path(), &json);
        assert_eq!(sink.path(), dir.path().join(HTML_FILE));
        let mut json = json;
        let mut events = vec![Event::Started(run("reference"))];
        // In any order, as replay finishes them.
        events.extend(verdicts().into_iter().rev().map(Event::Finished));
        events.push(Event::Done {
            elapsed: Duration::from_millis(1234),
            retried: 0,
            incomplete: None,
        });
        for e in &events {
            json.event(e);
            sink.event(e);
        }
        json.finish().unwrap();
        sink.finish().unwrap();
        let written = std::fs::read_to_string(dir.path().join(HTML_FILE)).unwrap();
        assert_eq!(written, page());
    }

    #[test]
    fn the_sink_needs_a_start() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = HtmlReport::new(dir.path());
        assert!(matches!(
            sink.finish(),
            Err(ReportError::NotStarted { what: HTML_FILE })
        ));
    }
}
