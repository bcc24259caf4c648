// Inline SVG charts: no library, no CDN.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Horizontal bars: [{label, value}] with values in [0, max]. */
export function barChart(title, rows, { max = 1, format = (v) => v.toFixed(2) } = {}) {
  const rowHeight = 26;
  const labelWidth = 180;
  const width = 640;
  const height = 30 + rows.length * rowHeight;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': title });
  svg.append(el('text', { x: 0, y: 16, 'font-weight': 600 }, title));
  rows.forEach((row, i) => {
    const y = 28 + i * rowHeight;
    const barWidth = Math.max(0, Math.min(1, row.value / max)) * (width - labelWidth - 60);
    svg.append(el('text', { x: 0, y: y + 15 }, row.label));
    svg.append(el('rect', { x: labelWidth, y: y + 3, width: barWidth, height: 16, rx: 3, fill: row.color ?? '#2952cc' }));
    svg.append(el('text', { x: labelWidth + barWidth + 6, y: y + 15 }, format(row.value)));
  });
  return svg;
}
