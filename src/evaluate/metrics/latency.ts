/** Latency summaries: nearest-rank percentiles over the values that were measured (nulls skipped). */
export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  max: number | null;
  count: number;
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeLatency(values: (number | null | undefined)[]): LatencySummary {
  const measured = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return {
    p50: percentile(measured, 50),
    p95: percentile(measured, 95),
    max: measured.length ? Math.max(...measured) : null,
    count: measured.length,
  };
}
