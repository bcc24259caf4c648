import type { Estimate } from '../evaluate/metrics/statistics.ts';

export function formatNumber(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '–' : value.toFixed(digits);
}

export function formatEstimate(estimate: Estimate, digits = 3): string {
  if (estimate.mean === null) return '–';
  if (estimate.n < 2) return `${estimate.mean.toFixed(digits)} (n=${estimate.n})`;
  return `${estimate.mean.toFixed(digits)} [${estimate.low!.toFixed(digits)}, ${estimate.high!.toFixed(digits)}]`;
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return value === 0 ? '$0' : value < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(2)}`;
}

/** Left-aligned first column, the rest padded to the widest cell. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((_, c) => Math.max(header[c]!.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
