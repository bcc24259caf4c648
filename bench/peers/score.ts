import { ndcg, recallAtK, reciprocalRank, type RankedDocument } from '../../src/evaluate/metrics/retrieval.ts';
import { markdownTable, percentileOf } from '../benchmarks-file.ts';

/** One question's best chunks in order (a document can appear more than once). */
export interface Ranking {
  id: string;
  ranked: RankedDocument[];
}

/** What one system's child process reports: its rankings and costs, or why it failed. */
export type SystemRun = {
  system: string;
  peakRssMb: number;
} & (
  | {
      chunks: number;
      ingestSeconds: number;
      /** CPU time (user + system, all threads) of the ingest and of each query: steadier than wall time under load. */
      ingestCpuSeconds: number;
      latenciesMs: number[];
      cpuMs: number[];
      rankings: Ranking[];
      /** The 1-minute load average when the process began ingesting and when this mode's last query ended. */
      loadAverage: { start: number; end: number };
      error?: undefined;
    }
  | { error: string }
);

export interface SystemScores {
  system: string;
  questions: number;
  chunks: number;
  recall1: number;
  recall5: number;
  recall10: number;
  mrr: number;
  ndcg10: number;
  ingestSeconds: number;
  ingestCpuSeconds: number;
  p50Ms: number;
  p95Ms: number;
  cpuP50Ms: number;
  peakRssMb: number;
  loadAverage: { start: number; end: number };
}

/**
 * attune's own retrieval metrics over every question (a question the system did not answer scores 0):
 * relevance by document id, a document counted at its first chunk, as bench:retrieval does.
 */
export function scoreRun(
  run: SystemRun,
  questions: { id: string; goldDocIds: string[] }[],
): SystemScores | { system: string; error: string } {
  if (run.error !== undefined) return { system: run.system, error: run.error };
  const rankings = new Map(run.rankings.map((r) => [r.id, r.ranked]));
  const sums = { recall1: 0, recall5: 0, recall10: 0, mrr: 0, ndcg10: 0 };
  for (const question of questions) {
    const ranked = rankings.get(question.id) ?? [];
    sums.recall1 += recallAtK(ranked, question.goldDocIds, 1) ?? 0;
    sums.recall5 += recallAtK(ranked, question.goldDocIds, 5) ?? 0;
    sums.recall10 += recallAtK(ranked, question.goldDocIds, 10) ?? 0;
    sums.mrr += reciprocalRank(ranked, question.goldDocIds) ?? 0;
    sums.ndcg10 += ndcg(ranked, question.goldDocIds, 10) ?? 0;
  }
  const n = Math.max(questions.length, 1);
  return {
    system: run.system,
    questions: questions.length,
    chunks: run.chunks,
    recall1: sums.recall1 / n,
    recall5: sums.recall5 / n,
    recall10: sums.recall10 / n,
    mrr: sums.mrr / n,
    ndcg10: sums.ndcg10 / n,
    ingestSeconds: run.ingestSeconds,
    ingestCpuSeconds: run.ingestCpuSeconds,
    p50Ms: percentileOf(run.latenciesMs, 50),
    p95Ms: percentileOf(run.latenciesMs, 95),
    cpuP50Ms: percentileOf(run.cpuMs, 50),
    peakRssMb: run.peakRssMb,
    loadAverage: run.loadAverage,
  };
}

const HEADER = [
  'system',
  'chunks',
  'recall@1',
  'recall@5',
  'recall@10',
  'MRR',
  'nDCG@10',
  'ingest s',
  'ingest CPU s',
  'query p50 ms',
  'query p95 ms',
  'query CPU p50 ms',
  'peak RSS MB',
  'load avg',
];

/** One markdown table per dataset; a failed system keeps its row and says why. */
export function scoresTable(rows: (SystemScores | { system: string; error: string })[]): string {
  return markdownTable(
    HEADER,
    rows.map((row) =>
      'error' in row
        ? [row.system, `failed: ${row.error.split('\n')[0]!.slice(0, 120)}`, ...HEADER.slice(2).map(() => '–')]
        : [
            row.system,
            row.chunks,
            ...[row.recall1, row.recall5, row.recall10, row.mrr, row.ndcg10].map((metric) => metric.toFixed(3)),
            row.ingestSeconds.toFixed(1),
            row.ingestCpuSeconds.toFixed(1),
            row.p50Ms.toFixed(1),
            row.p95Ms.toFixed(1),
            row.cpuP50Ms.toFixed(1),
            row.peakRssMb.toFixed(0),
            `${row.loadAverage.start.toFixed(1)}–${row.loadAverage.end.toFixed(1)}`,
          ],
    ),
  );
}
