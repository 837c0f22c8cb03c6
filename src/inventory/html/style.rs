//! The report's one stylesheet, inline, printable.

#[allow(unused_imports)]
use super::*;

pub(super) const STYLE: &str = "
:root { color-scheme: light; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 28px 48px; background: #fff; color: #1a1a1a;
  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; border-bottom: 2px solid #e2e2e2; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 0 0 6px; }
.sub { color: #555; margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(138px, 1fr)); gap: 12px; }
.card { border: 1px solid #d8d8d8; border-radius: 6px; padding: 10px 12px; background: #fafafa; }
.card .value { font-size: 28px; font-weight: 700; line-height: 1.1; }
.card .label { font-weight: 600; }
.card .hint { color: #555; font-size: 12px; }
.card.alert .value { color: #c62828; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 18px; }
figure { margin: 0; border: 1px solid #e2e2e2; border-radius: 6px; padding: 12px; }
figcaption { color: #555; font-size: 12px; margin-top: 6px; }
svg { display: block; overflow: visible; }
svg text { font: 11px system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; fill: #222; }
svg text.tick { font-size: 10px; fill: #555; }
svg .grid { stroke: #e6e6e6; stroke-width: 1; }
svg .axis { stroke: #888; stroke-width: 1; }
svg .marker { stroke: #c62828; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg text.marker-label { fill: #c62828; font-weight: 600; }
.empty { color: #777; font-style: italic; }
table { width: 100%; border-collapse: collapse; font-size: 12.5px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e2e2e2; }
th { background: #f1f1f1; font-weight: 600; }
table { table-layout: fixed; }
table.scan-list { table-layout: auto; }
col.c-cred { width: 24%; } col.c-status { width: 17%; } col.c-seen { width: 16%; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.note { color: #666; font-size: 11.5px; }
.fp { font-family: ui-monospace, Menlo, Consolas, monospace; }
.badge { display: inline-block; border: 1.5px solid #999; border-radius: 10px; padding: 0 7px;
  font-size: 11.5px; font-weight: 600; white-space: nowrap; }
.badge.overdue { border-color: #c62828; color: #c62828; }
ul.places { margin: 0; padding-left: 16px; }
ul.places li { margin: 0 0 2px; }
ul.places li.more { color: #555; font-style: italic; }
.machine { font-weight: 600; }
.kind { color: #2b6cb0; }
dl.defs dt { font-weight: 600; margin-top: 8px; }
dl.defs dd { margin: 0 0 0 16px; color: #333; }
footer { margin-top: 36px; color: #666; font-size: 12px; border-top: 1px solid #e2e2e2; padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; background: #fff; color: #000; }
  .card { background: #fff; }
  .cards { grid-template-columns: repeat(3, 1fr); }
  th { background: #fff; border-bottom: 1.5px solid #000; }
  table { font-size: 8.5pt; }
  .badge { font-size: 8pt; padding: 0 5px; }
  .charts { display: block; }
  figure { margin-bottom: 12px; }
  .cards, figure, dl.defs { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  section.inventory { break-before: page; page-break-before: always; }
  table { page-break-inside: auto; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
}
";
