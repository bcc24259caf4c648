/** Small inline-SVG charts for self-contained reports: no scripts, no CDN, readable when printed. */

export const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#4b5563'];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface Point {
  label: string;
  color: string;
  x: number;
  y: number;
  yLow?: number;
  yHigh?: number;
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value)!;
}

/** Scatter with vertical CI whiskers: e.g. accuracy (y) against median latency (x), one point per strategy. */
export function scatterChart(
  points: Point[],
  options: { xLabel: string; yLabel: string; width?: number; height?: number; yMax?: number },
): string {
  const width = options.width ?? 520;
  const height = options.height ?? 320;
  const margin = { left: 56, right: 20, top: 16, bottom: 44 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xMax = niceMax(Math.max(...points.map((p) => p.x), 0) * 1.1);
  const yMax = options.yMax ?? niceMax(Math.max(...points.map((p) => p.yHigh ?? p.y), 0) * 1.1);
  const sx = (x: number) => margin.left + (x / xMax) * plotW;
  const sy = (y: number) => margin.top + plotH - (y / yMax) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(t * yMax)}" y2="${sy(t * yMax)}" class="grid"/><text x="${margin.left - 6}" y="${sy(t * yMax) + 4}" text-anchor="end">${+(t * yMax).toFixed(2)}</text>` +
        `<text x="${sx(t * xMax)}" y="${margin.top + plotH + 16}" text-anchor="middle">${+(t * xMax).toFixed(0)}</text>`,
    )
    .join('');
  const labels = placeLabels(
    points.map((p) => ({ x: sx(p.x), y: sy(p.y), width: p.label.length * LABEL_CHAR_WIDTH })),
    { right: margin.left + plotW, top: margin.top + LABEL_HEIGHT },
  );
  const marks = points
    .map((p, i) => {
      const whisker =
        p.yLow !== undefined && p.yHigh !== undefined
          ? `<line x1="${sx(p.x)}" x2="${sx(p.x)}" y1="${sy(p.yLow)}" y2="${sy(p.yHigh)}" stroke="${p.color}" stroke-width="2"/>`
          : '';
      const label = labels[i]!;
      return `${whisker}<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="6" fill="${p.color}"><title>${escapeHtml(p.label)}: ${p.y.toFixed(3)} at ${p.x.toFixed(0)}</title></circle><text x="${label.x}" y="${label.y}" text-anchor="${label.anchor}" class="point-label" fill="${p.color}">${escapeHtml(p.label)}</text>`;
    })
    .join('');
  return (
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" class="chart">${grid}` +
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" class="axis"/><line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" class="axis"/>` +
    `<text x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle" class="axis-label">${escapeHtml(options.xLabel)}</text>` +
    `<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeHtml(options.yLabel)}</text>${marks}</svg>`
  );
}

const LABEL_CHAR_WIDTH = 6.5;
const LABEL_HEIGHT = 12;

/**
 * Label positions for scatter points: up-right of the point, flipped left near the right edge, and moved down
 * in steps of one line while it would overlap a label already placed (points with equal results share a spot).
 */
export function placeLabels(
  anchors: { x: number; y: number; width: number }[],
  bounds: { right: number; top: number },
): { x: number; y: number; anchor: 'start' | 'end' }[] {
  const placed: { left: number; right: number; y: number }[] = [];
  const order = anchors.map((a, i) => ({ a, i })).sort((p, q) => p.a.y - q.a.y || p.a.x - q.a.x);
  const result: { x: number; y: number; anchor: 'start' | 'end' }[] = new Array(anchors.length);
  for (const { a, i } of order) {
    const flip = a.x + 9 + a.width > bounds.right;
    const left = flip ? a.x - 9 - a.width : a.x + 9;
    let y = Math.max(a.y - 8, bounds.top);
    while (placed.some((p) => left < p.right && left + a.width > p.left && Math.abs(p.y - y) < LABEL_HEIGHT))
      y += LABEL_HEIGHT;
    placed.push({ left, right: left + a.width, y });
    result[i] = { x: flip ? a.x - 9 : a.x + 9, y, anchor: flip ? 'end' : 'start' };
  }
  return result;
}

export interface Bar {
  label: string;
  color: string;
  value: number | null;
  low?: number | null;
  high?: number | null;
}

/** Horizontal bars on a 0..max scale with CI whiskers; a missing value shows as "n/a". */
export function barChart(title: string, bars: Bar[], options: { max?: number; width?: number } = {}): string {
  const width = options.width ?? 300;
  const rowH = 26;
  const left = 70;
  const right = 50;
  const height = 24 + bars.length * rowH;
  const max = options.max ?? niceMax(Math.max(...bars.map((b) => b.high ?? b.value ?? 0), 0));
  const scale = (v: number) => left + (Math.max(0, Math.min(v, max)) / max) * (width - left - right);
  const rows = bars
    .map((bar, i) => {
      const y = 22 + i * rowH;
      const label = `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${escapeHtml(bar.label)}</text>`;
      if (bar.value === null) return `${label}<text x="${left + 4}" y="${y + 13}" class="muted">n/a</text>`;
      const whisker =
        bar.low != null && bar.high != null
          ? `<line x1="${scale(bar.low)}" x2="${scale(bar.high)}" y1="${y + 9}" y2="${y + 9}" stroke="#111" stroke-width="1.5"/><line x1="${scale(bar.low)}" x2="${scale(bar.low)}" y1="${y + 4}" y2="${y + 14}" stroke="#111"/><line x1="${scale(bar.high)}" x2="${scale(bar.high)}" y1="${y + 4}" y2="${y + 14}" stroke="#111"/>`
          : '';
      return `${label}<rect x="${left}" y="${y + 2}" width="${Math.max(1, scale(bar.value) - left)}" height="14" fill="${bar.color}" opacity="0.85"/>${whisker}<text x="${width - right + 6}" y="${y + 13}">${bar.value.toFixed(2)}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" class="chart bars"><text x="0" y="14" class="chart-title">${escapeHtml(title)}</text>${rows}</svg>`;
}
