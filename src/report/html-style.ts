/** The report's stylesheet, inlined so the HTML file stands alone. */
export const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;margin:0 auto;max-width:1200px;padding:20px 28px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 10px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.muted{color:#6b7280}.note{color:#4b5563;max-width:420px;font-size:13px}code{font-size:12px;background:#f3f4f6;padding:1px 4px;border-radius:3px}
.legend .swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
.row{display:flex;gap:24px;align-items:center;flex-wrap:wrap}.grid{display:flex;flex-wrap:wrap;gap:14px}
.card{border:1px solid #e5e7eb;border-radius:6px;padding:8px 10px}
.chart text{font-size:11px;fill:#374151}.chart .chart-title{font-size:13px;font-weight:600;fill:#111}.chart .axis-label{font-size:12px;fill:#111}
.chart .grid{stroke:#eef0f3}.chart .axis{stroke:#9ca3af}.chart .point-label{font-size:12px;font-weight:600}.chart .muted{fill:#9ca3af}
.verdicts{padding-left:18px}.verdicts li{margin:2px 0}.verdicts .sig{font-weight:600}
table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #e5e7eb;padding:5px 9px;text-align:left;white-space:nowrap}th{background:#f9fafb}
#filter{width:320px;padding:6px 8px;margin-bottom:10px;border:1px solid #d1d5db;border-radius:4px}
details.item{border:1px solid #e5e7eb;border-radius:6px;margin:6px 0;padding:6px 10px}details.item>summary{cursor:pointer}
.q{font-weight:600}.pill{display:inline-block;border:1.5px solid;border-radius:10px;padding:0 7px;margin-left:6px;font-size:12px}
.refs{margin:8px 0;font-size:13px}.answer{border-left:4px solid;padding:4px 10px;margin:8px 0;background:#fafafa}.answer p{margin:4px 0}
.tag{background:#fef3c7;border-radius:3px;padding:0 5px;font-size:12px}.error{color:#b91c1c}
.chunks{margin:4px 0;padding-left:20px}.chunks li{margin:4px 0}.chunks li.gold{background:#ecfdf5}.chunk{font-size:12px;color:#374151;white-space:pre-wrap}
`;
