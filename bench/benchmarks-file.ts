import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Appends a dated section to BENCHMARKS.md with the machine and the command that produced it. */
export function appendBenchmark(title: string, command: string, body: string): void {
  const path = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.versions.node}`;
  appendFileSync(
    path,
    `\n## ${title}\n\n- date: ${new Date().toISOString().slice(0, 10)}\n- machine: ${machine}\n- command: \`${command}\`\n\n${body.trim()}\n`,
  );
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The peak of each window of `size` samples (a load run's 5-minute windows: 30 samples every 10 s). */
export function windowPeaks(values: number[], size: number): number[] {
  return Array.from({ length: Math.ceil(values.length / size) }, (_, w) =>
    Math.max(...values.slice(w * size, w * size + size)),
  );
}

/** Least-squares slope of evenly spaced byte samples, in MB per minute (`perMinute` samples a minute). */
export function slopeMbPerMinute(values: number[], perMinute: number): number {
  const meanX = (values.length - 1) / 2;
  const meanY = values.reduce((sum, y) => sum + y, 0) / values.length;
  const slope =
    values.reduce((sum, y, x) => sum + (x - meanX) * (y - meanY), 0) /
    values.reduce((sum, _, x) => sum + (x - meanX) ** 2, 0);
  return (slope * perMinute) / 2 ** 20;
}

export function percentileOf(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
