"""The report as ONE self-contained HTML page: inline CSS and JavaScript, no external
assets (it is mailed, attached to tickets and opened offline), readable without scripts.

Stable hooks for people and tools:
- summary cards `#count-<category>` with `data-category`, `data-kind` (finding/info),
  `data-count` (rows) and `data-available`; the script adds `data-rendered-count` (rows it
  counted in the table) once it ran, and sets `<body data-ready="true">`;
- sections `#cat-<category>` and tables `#table-<category>` (`data-count` too);
- `#generated-at` / `#as-of` are `<time datetime=...>` elements;
- every table sorts by clicking a column header; `#sort=<category>:<column>[:desc]` in the
  URL sorts on load (deep links, and headless checks).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape
from typing import Any

from starters.report.formats import iso
from starters.report.model import CategoryReport, Column, ComplianceReport, ReportRow

TOTAL_LABELS = {
    "hr_records": "BambooHR records",
    "okta_accounts": "Okta accounts",
    "linked_accounts": "Accounts linked to an employee",
    "service_accounts": "Service accounts",
    "protected_accounts": "Protected accounts",
    "running_workflows": "Running employee workflows",
}
SOURCE_LABELS = {
    "bamboohr": "BambooHR",
    "okta": "Okta",
    "temporal": "Temporal",
    "audit": "Audit store",
}


def to_html(report: ComplianceReport) -> str:
    generated = _time("generated-at", report.generated_at)
    as_of = _time("as-of", report.as_of)
    mode = f" · mode <strong>{escape(report.mode)}</strong>" if report.mode else ""
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)} — {escape(_show(report.generated_at))}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        f'<body data-findings="{report.findings}" data-ready="false">',
        "<header>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="meta">Generated {generated} · data as of {as_of}{mode}</p>',
        _sources(report),
        "</header>",
        "<main>",
        _summary(report),
        _totals(report),
        _notes(report),
        *(_section(c) for c in report.categories),
        "</main>",
        "<footer><p>Produced by <code>lifecycle report</code>. Findings come from the same "
        "comparison reconciliation runs; click a column header to sort.</p></footer>",
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _time(element_id: str, value: datetime) -> str:
    stamp = escape(value.isoformat())
    return f'<time id="{element_id}" datetime="{stamp}">{escape(_show(value))}</time>'


def _show(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return value.strftime("%Y-%m-%d %H:%M")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _sources(report: ComplianceReport) -> str:
    if not report.sources:
        return ""
    items = "".join(
        f'<li data-source="{escape(k)}"><span>{escape(SOURCE_LABELS.get(k, k))}</span> '
        f"<code>{escape(v)}</code></li>"
        for k, v in report.sources.items()
    )
    return f'<ul class="sources">{items}</ul>'


def _summary(report: ComplianceReport) -> str:
    cards = []
    for c in report.categories:
        state = "unavailable" if not c.available else ("has-rows" if c.rows else "no-rows")
        shown = str(c.count) if c.available else "n/a"
        cards.append(
            f'<a class="card {c.kind} {state}" id="count-{c.id}" href="#cat-{c.id}" '
            f'data-category="{c.id}" data-kind="{c.kind}" data-count="{c.count}" '
            f'data-available="{str(c.available).lower()}">'
            f'<span class="count">{shown}</span><span class="label">{escape(c.title)}</span></a>'
        )
    return f'<nav id="summary" aria-label="Summary">{"".join(cards)}</nav>'


def _totals(report: ComplianceReport) -> str:
    if not report.totals:
        return ""
    items = "".join(
        f'<div data-total="{escape(k)}"><dt>{escape(TOTAL_LABELS.get(k, k))}</dt><dd>{v}</dd></div>'
        for k, v in report.totals.items()
    )
    return f'<dl id="totals">{items}</dl>'


def _notes(report: ComplianceReport) -> str:
    if not report.notes:
        return ""
    items = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    return f'<section id="notes" aria-label="Notes"><h2>Notes</h2><ul>{items}</ul></section>'


def _section(c: CategoryReport) -> str:
    heads = "".join(
        f'<th scope="col" data-key="{col.key}" data-type="{col.type}" aria-sort="none">'
        f'<button type="button">{escape(col.label)}</button></th>'
        for col in c.columns
    )
    body = "".join(_row(c, row) for row in c.rows)
    if not c.available:
        empty = '<p class="empty">Not available: see the notes above.</p>'
    elif not c.rows:
        empty = '<p class="empty">None.</p>'
    else:
        empty = ""
    return (
        f'<section class="category {c.kind}" id="cat-{c.id}" data-category="{c.id}" '
        f'data-count="{c.count}">'
        f'<h2>{escape(c.title)} <span class="badge">{c.count if c.available else "n/a"}</span>'
        f'</h2><p class="desc">{escape(c.description)}</p>'
        f'<div class="scroll"><table class="sortable" id="table-{c.id}" data-category="{c.id}" '
        f'data-count="{c.count}"><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>'
        f"</div>{empty}</section>"
    )


def _row(c: CategoryReport, row: ReportRow) -> str:
    attrs = []
    if row.employee_id:
        attrs.append(f'data-employee-id="{escape(row.employee_id)}"')
    if row.login:
        attrs.append(f'data-login="{escape(row.login)}"')
    cells = "".join(_cell(col, row) for col in c.columns)
    return f"<tr {' '.join(attrs)}>{cells}</tr>"


def _cell(col: Column, row: ReportRow) -> str:
    value: Any = getattr(row, col.key)
    if col.key in ("groups_extra", "groups_missing"):
        sort = "; ".join(value)
        inner = "".join(f'<span class="chip">{escape(g)}</span>' for g in value)
    elif col.key == "attributes":
        sort = "; ".join(sorted(value))
        inner = "".join(
            f'<div class="diff" data-attribute="{escape(name)}"><code>{escape(name)}</code> '
            f"<del>{escape(_plain(d.before))}</del> → <ins>{escape(_plain(d.after))}</ins></div>"
            for name, d in sorted(value.items())
        )
    elif isinstance(value, datetime | date):
        sort, inner = iso(value), escape(_show(value))
    else:
        text = "" if value is None else str(value)
        sort, inner = text, escape(text)
        if col.key in ("okta_status", "state") and text:
            inner = f'<span class="status s-{escape(text.lower())}">{inner}</span>'
    if col.type == "num":
        # "125, 129" (a finding about two people) sorts by its first id.
        sort = (sort.split(",")[0].strip()) if sort else ""
    return f'<td data-key="{col.key}" data-sort-value="{escape(sort)}">{inner}</td>'


def _plain(value: Any) -> str:
    return "(empty)" if value is None or value == "" else str(value)


CSS = """
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#f6f7f9;--card:#fff;--bad:#b42318;
--bad-bg:#fef3f2;--ok:#067647;--ok-bg:#ecfdf3;--info:#175cd3;--info-bg:#eff8ff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
header,main,footer{max-width:1320px;margin:0 auto;padding:0 20px}
header{padding-top:20px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 2px}
.meta,.desc,footer{color:var(--muted)}
.meta{margin:0 0 8px}
.sources{list-style:none;display:flex;flex-wrap:wrap;gap:6px 18px;padding:0;margin:0 0 12px;
color:var(--muted);font-size:12px}
.sources span{font-weight:600}
code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,monospace}
#summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(128px,1fr));gap:10px;
margin:8px 0 14px}
.card{display:flex;flex-direction:column;gap:2px;padding:12px 14px;background:var(--card);
border:1px solid var(--line);border-left:5px solid var(--line);border-radius:8px;color:inherit;
text-decoration:none}
.card:hover{border-color:#98a2b3}
.card .count{font-size:26px;font-weight:700;line-height:1.1}
.card .label{color:var(--muted);font-size:12.5px}
.card.finding.has-rows{border-left-color:var(--bad);background:var(--bad-bg)}
.card.finding.has-rows .count{color:var(--bad)}
.card.finding.no-rows{border-left-color:var(--ok)}
.card.finding.no-rows .count{color:var(--ok)}
.card.info{border-left-color:var(--info)}
.card.unavailable .count{color:var(--muted)}
#totals{display:flex;flex-wrap:wrap;gap:6px 22px;margin:0 0 14px;font-size:13px}
#totals div{display:flex;gap:6px}
#totals dt{color:var(--muted)}
#totals dd{margin:0;font-weight:600}
#notes{background:#fffaeb;border:1px solid #fedf89;border-radius:8px;padding:10px 14px;
margin-bottom:14px}
#notes h2{font-size:14px}
#notes ul{margin:4px 0 0;padding-left:18px}
section.category{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:14px 16px;margin:0 0 14px}
.desc{margin:0 0 10px;font-size:13px}
.badge{display:inline-block;min-width:26px;padding:0 7px;border-radius:10px;background:#eef0f4;
font-size:12px;text-align:center;vertical-align:2px}
section.finding[data-count]:not([data-count="0"]) .badge{background:var(--bad);color:#fff}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{position:sticky;top:0;background:#fafbfc;white-space:nowrap}
th button{all:unset;cursor:pointer;font-weight:600}
th button:focus-visible{outline:2px solid var(--info)}
th[aria-sort=ascending] button::after{content:" ▲";font-size:10px}
th[aria-sort=descending] button::after{content:" ▼";font-size:10px}
tbody tr:hover{background:#f9fafb}
table[data-count="0"]{display:none}
.empty{margin:0;color:var(--muted);font-style:italic}
.chip{display:inline-block;margin:0 4px 3px 0;padding:0 7px;border-radius:10px;background:#eef0f4;
white-space:nowrap}
td[data-key=groups_extra] .chip{background:var(--bad-bg);color:var(--bad)}
td[data-key=groups_missing] .chip{background:var(--ok-bg);color:var(--ok)}
.diff del{color:var(--bad)}
.diff ins{color:var(--ok);text-decoration:none}
.status{font-weight:600}
.s-active,.s-provisioned{color:var(--ok)}
.s-suspended,.s-on_leave,.s-needs_review{color:#b54708}
.s-deprovisioned,.s-terminated{color:var(--muted)}
footer{padding-bottom:24px;font-size:12px}
@media print{body{background:#fff}.card,section.category{break-inside:avoid}th{position:static}}
"""

SCRIPT = """
(function () {
  "use strict";
  function value(row, index) {
    var cell = row.cells[index];
    return cell ? (cell.getAttribute("data-sort-value") || "") : "";
  }
  function compare(a, b, type) {
    if (a === b) { return 0; }
    if (a === "") { return 1; }
    if (b === "") { return -1; }
    if (type === "num") {
      var x = parseFloat(a), y = parseFloat(b);
      if (!isNaN(x) && !isNaN(y) && x !== y) { return x < y ? -1 : 1; }
    }
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: "base"});
  }
  function sortTable(table, index, descending) {
    var head = table.tHead.rows[0].cells[index];
    var type = head.getAttribute("data-type") || "text";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) { row.setAttribute("data-order", String(i)); });
    rows.sort(function (r1, r2) {
      var v1 = value(r1, index), v2 = value(r2, index);
      // Empty cells stay last whichever the direction.
      if (v1 === "" || v2 === "") { return compare(v1, v2, type); }
      var c = compare(v1, v2, type);
      return (descending ? -c : c) ||
        (+r1.getAttribute("data-order") - +r2.getAttribute("data-order"));
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.setAttribute("aria-sort", "none");
    });
    head.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.querySelector("button").addEventListener("click", function () {
        sortTable(table, index, th.getAttribute("aria-sort") === "ascending");
      });
    });
    // The summary shows what the page really holds.
    var category = table.getAttribute("data-category");
    var counted = table.tBodies[0].rows.length;
    var card = document.getElementById("count-" + category);
    if (card) {
      card.setAttribute("data-rendered-count", String(counted));
      if (card.getAttribute("data-available") === "true") {
        card.querySelector(".count").textContent = String(counted);
      }
    }
  });
  var match = /(?:^#|&)sort=([^:&]+):([^:&]+)(?::(desc|asc))?/.exec(window.location.hash);
  if (match) {
    var table = document.getElementById("table-" + decodeURIComponent(match[1]));
    if (table) {
      var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
      var index = heads.findIndex(function (th) {
        return th.getAttribute("data-key") === decodeURIComponent(match[2]);
      });
      if (index >= 0) { sortTable(table, index, match[3] === "desc"); }
    }
  }
  document.body.setAttribute("data-ready", "true");
})();
"""
