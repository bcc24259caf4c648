import { describe, expect, it } from 'vitest';
import { scoreRun, scoresTable, type SystemRun } from './score.ts';

const questions = [
  { id: 'q1', goldDocIds: ['a.md'] },
  { id: 'q2', goldDocIds: ['b.md', 'c.md'] },
];

const run: SystemRun = {
  system: 'langchain',
  peakRssMb: 512.4,
  chunks: 7,
  ingestSeconds: 3.24,
  ingestCpuSeconds: 5.01,
  cpuMs: [12, 11, 30, 13],
  latenciesMs: [10, 20, 30, 40],
  loadAverage: { start: 1.94, end: 3.5 },
  rankings: [
    // a.md's two chunks count once: it is rank 1
    {
      id: 'q1',
      ranked: [
        { docId: 'a.md', score: 0.9 },
        { docId: 'a.md', score: 0.8 },
        { docId: 'x.md', score: 0.7 },
      ],
    },
    // b.md at rank 2, c.md not retrieved
    {
      id: 'q2',
      ranked: [
        { docId: 'x.md', score: 0.9 },
        { docId: 'b.md', score: 0.5 },
      ],
    },
  ],
};

describe('scoreRun', () => {
  it('averages attune’s metrics over the questions, a document counted at its first chunk', () => {
    const scores = scoreRun(run, questions);
    if ('error' in scores) throw new Error(scores.error);
    expect(scores.recall1).toBeCloseTo((1 + 0) / 2);
    expect(scores.recall5).toBeCloseTo((1 + 0.5) / 2);
    expect(scores.mrr).toBeCloseTo((1 + 1 / 2) / 2);
    const q2 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3));
    expect(scores.ndcg10).toBeCloseTo((1 + q2) / 2);
    expect(scores.p50Ms).toBe(20);
    expect(scores.p95Ms).toBe(40);
    expect(scores.cpuP50Ms).toBe(12);
    expect(scores.chunks).toBe(7);
  });

  it('scores a question the system never answered as 0 instead of dropping it', () => {
    const scores = scoreRun({ ...run, rankings: run.rankings.slice(0, 1) }, questions);
    if ('error' in scores) throw new Error(scores.error);
    expect(scores.recall10).toBeCloseTo(0.5);
    expect(scores.questions).toBe(2);
  });

  it('keeps a failed system as a row that says why', () => {
    const failed = scoreRun(
      { system: 'llamaindex', error: 'child process ended with SIGKILL', peakRssMb: 0 },
      questions,
    );
    const table = scoresTable([scoreRun(run, questions), failed]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toBe(
      '| langchain | 7 | 0.500 | 0.750 | 0.750 | 0.750 | 0.693 | 3.2 | 5.0 | 20.0 | 40.0 | 12.0 | 512 | 1.9–3.5 |',
    );
    expect(table[3]).toMatch(/^\| llamaindex \| failed: child process ended with SIGKILL \| – \|/);
    expect(table[3]!.split('|')).toHaveLength(table[2]!.split('|').length);
  });
});
