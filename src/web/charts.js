// Inline SVG charts: no library, no CDN.
const NS = 'http://www.w3.org/2000/svg';

/** One color per strategy, the same in every chart. */
const STRATEGY_COLORS = { base: '#4b5563', rag: '#2563eb', ft: '#dc2626', 'ft-rag': '#d97706', raft: '#7c3aed' };
const PALETTE = ['#0891b2', '#059669', '#db2777', '#65a30d'];
export function strategyColor(name, index = 0) {
  return STRATEGY_COLORS[name] ?? PALETTE[index % PALETTE.length];
}

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten. */
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value);
}

/** Horizontal bars: [{label, value, low?, high?, color?}] on 0..max; low/high draw a 95% CI whisker; a null value shows "n/a". */
export function barChart(title, rows, { max, format = (v) => v.toFixed(2), width = 420 } = {}) {
  const top = max ?? niceMax(Math.max(0, ...rows.map((r) => r.high ?? r.value ?? 0)));
  const rowHeight = 26;
  const labelWidth = 96;
  const plot = width - labelWidth - 64;
  const x = (v) => labelWidth + (Math.max(0, Math.min(v, top)) / top) * plot;
  const svg = el('svg', { viewBox: `0 0 ${width} ${30 + rows.length * rowHeight}`, width: '100%', role: 'img', 'aria-label': title });
  svg.append(el('text', { x: 0, y: 16, 'font-weight': 600 }, title));
  rows.forEach((row, i) => {
    const y = 28 + i * rowHeight;
    svg.append(el('text', { x: 0, y: y + 15 }, row.label));
    if (row.value === null || row.value === undefined) {
      svg.append(el('text', { x: labelWidth + 4, y: y + 15, class: 'muted' }, 'n/a'));
      return;
    }
    svg.append(el('rect', { x: labelWidth, y: y + 3, width: Math.max(1, x(row.value) - labelWidth), height: 16, rx: 3, fill: row.color ?? '#2952cc', opacity: 0.85 }));
    if (row.low !== null && row.low !== undefined && row.high !== null && row.high !== undefined) {
      const [lo, hi] = [x(row.low), x(row.high)];
      svg.append(el('line', { x1: lo, x2: hi, y1: y + 11, y2: y + 11, stroke: '#111', 'stroke-width': 1.5, class: 'whisker' }));
      for (const end of [lo, hi]) svg.append(el('line', { x1: end, x2: end, y1: y + 5, y2: y + 17, stroke: '#111' }));
    }
    svg.append(el('text', { x: labelWidth + plot + 8, y: y + 15 }, format(row.value)));
  });
  return svg;
}

/**
 * Points [{label, x, y, yLow?, yHigh?, size?, color?}]: y against x with a CI whisker on y; with `size`
 * the point is a bubble whose area is proportional to it (a third measure, e.g. cost).
 */
export function scatterChart(title, points, { xLabel, yLabel, sizeLabel, yMax, xFormat = (v) => String(+v.toFixed(0)), width = 460, height = 300 } = {}) {
  const margin = { left: 56, right: 24, top: 30, bottom: 46 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xTop = niceMax(Math.max(0, ...points.map((p) => p.x)) * 1.1);
  const yTop = yMax ?? niceMax(Math.max(0, ...points.map((p) => p.yHigh ?? p.y)) * 1.1);
  const sx = (v) => margin.left + (v / xTop) * plotW;
  const sy = (v) => margin.top + plotH - (Math.min(v, yTop) / yTop) * plotH;
  const largest = Math.max(0, ...points.map((p) => p.size ?? 0));
  const radius = (p) => (p.size === undefined || largest === 0 ? 6 : 5 + 17 * Math.sqrt(p.size / largest));
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': title });
  svg.append(el('text', { x: 0, y: 16, 'font-weight': 600 }, title));
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(el('line', { x1: margin.left, x2: margin.left + plotW, y1: sy(t * yTop), y2: sy(t * yTop), stroke: '#e5e7eb' }));
    svg.append(el('text', { x: margin.left - 6, y: sy(t * yTop) + 4, 'text-anchor': 'end' }, String(+(t * yTop).toFixed(2))));
    svg.append(el('text', { x: sx(t * xTop), y: margin.top + plotH + 16, 'text-anchor': 'middle' }, xFormat(t * xTop)));
  }
  svg.append(el('line', { x1: margin.left, x2: margin.left, y1: margin.top, y2: margin.top + plotH, stroke: '#667085' }));
  svg.append(el('line', { x1: margin.left, x2: margin.left + plotW, y1: margin.top + plotH, y2: margin.top + plotH, stroke: '#667085' }));
  svg.append(el('text', { x: margin.left + plotW / 2, y: height - 6, 'text-anchor': 'middle' }, `${xLabel}${sizeLabel ? ` · bubble area: ${sizeLabel}` : ''}`));
  svg.append(el('text', { transform: `translate(14 ${margin.top + plotH / 2}) rotate(-90)`, 'text-anchor': 'middle' }, yLabel));
  for (const p of points) {
    const color = p.color ?? '#2952cc';
    if (p.yLow !== null && p.yLow !== undefined && p.yHigh !== null && p.yHigh !== undefined) {
      svg.append(el('line', { x1: sx(p.x), x2: sx(p.x), y1: sy(p.yLow), y2: sy(p.yHigh), stroke: color, 'stroke-width': 2, class: 'whisker' }));
    }
    const dot = el('circle', { cx: sx(p.x), cy: sy(p.y), r: radius(p), fill: color, 'fill-opacity': p.size === undefined ? 1 : 0.55, stroke: color });
    dot.append(el('title', {}, `${p.label}: ${yLabel} ${p.y.toFixed(3)}, ${xLabel} ${xFormat(p.x)}${p.size !== undefined ? `, ${sizeLabel} ${p.size}` : ''}`));
    svg.append(dot);
    svg.append(el('text', { x: sx(p.x) + radius(p) + 4, y: sy(p.y) - 6, fill: color, 'font-weight': 600 }, p.label));
  }
  return svg;
}
