import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvalRow } from '../evaluate/row.ts';
import { assembleResult, failureSigns, stalenessWindow, type StrategyResult } from './assemble.ts';
import type { CompareOptions } from './compare.ts';
import { DEFAULT_PRIORITIES, type Recommendation } from './recommend.ts';
import { renderCompareHtml } from './report-html.ts';
import { renderCompareSummary, stalenessLine } from './summary.ts';

const result = (mean: number) =>
  ({
    accuracy: { mean, low: mean, high: mean },
    metrics: { errors: 0, errorKinds: {} },
    freshness: null,
  }) as unknown as StrategyResult;
const noComparisons = { comparisons: [] } as unknown as Recommendation;

describe('failure signs', () => {
  it('says when the accuracy metric cannot tell the strategies apart', () => {
    const signs = failureSigns({ base: result(0), rag: result(0) }, noComparisons, 'containment');
    expect(signs[0]).toMatch(/accuracy metric \(containment\) is 0\.00 for every strategy.*--metric f1/);
  });

  it('stays quiet when the metric separates them', () => {
    expect(
      failureSigns({ base: result(0.1), rag: result(0.4) }, noComparisons, 'f1').some((s) => s.includes('cannot tell')),
    ).toBe(false);
  });
});

describe('assembleResult: every answer counts', () => {
  it('scores failed answers 0, reports error rates, and ranks a strategy that failed every question last', async () => {
    const questions = Array.from({ length: 12 }, (_, i) => ({ id: `q${i}`, question: `Q${i}?`, answers: [`a${i}`] }));
    const row = (strategy: string, i: number, right: boolean, failed = false): EvalRow => ({
      strategy,
      questionId: `q${i}`,
      repeat: 0,
      seed: 1,
      answerable: true,
      harnessMs: 0,
      finishedAt: '',
      ...(failed
        ? { error: { kind: 'TimeoutError', message: 'timed out' } }
        : {
            answer: right ? `a${i}` : 'no',
            abstained: false,
            retrieved: [],
            timings: { retrieveMs: 0, rerankMs: 0, generateMs: 900, firstTokenMs: 100, totalMs: 1000 },
            usage: { promptTokens: 10, completionTokens: 2 },
            cost: 0,
            scores: {
              exactMatch: right ? 1 : 0,
              f1: right ? 1 : 0,
              containment: right ? 1 : 0,
              judgeCorrect: null,
              faithfulness: null,
              recallAtK: null,
              mrr: null,
              ndcg10: null,
            },
          }),
    });
    // rag is right on every question it answers but times out on half; base answers all and is never right; ft fails all
    const rows = questions.flatMap((_, i) => [
      row('rag', i, true, i % 2 === 0),
      row('base', i, false),
      row('ft', i, false, true),
    ]);
    const indexDir = await mkdtemp(join(tmpdir(), 'attune-assemble-'));
    const options = {
      corpus: 'c',
      questions: 'q.jsonl',
      strategies: ['base', 'rag', 'ft'],
      repeats: 1,
      maxTokens: 32,
      metric: 'containment',
      priorities: DEFAULT_PRIORITIES,
      prices: { inputPerMillion: 0, outputPerMillion: 0, hardwarePerHour: 0.1 },
      config: { retrieval: { k: 2 } },
    } as unknown as CompareOptions;
    const result = await assembleResult({
      options,
      questions,
      rows,
      adapters: {},
      training: null,
      freshness: null,
      format: undefined,
      steps: [],
      warnings: [],
      indexDir,
      documents: 1,
    }).finally(() => rm(indexDir, { recursive: true, force: true }));
    expect(result.strategies.rag!.accuracy.mean).toBe(0.5);
    expect(result.strategies.rag!.metrics.errorRate).toBe(0.5);
    expect(result.strategies.ft!.metrics.errorRate).toBe(1);
    expect(result.recommendation.ranking.at(-1)).toMatchObject({ strategy: 'ft', failed: true });
    const summary = renderCompareSummary(result);
    expect(summary).toMatch(/error rate \(scored 0\) +0% \(0\/12\) +50% \(6\/12\) +100% \(12\/12\)/);
    expect(summary).toMatch(/ranking: .*3\. ft \(failed every question\)/);
    expect(renderCompareHtml(result)).toContain('error rate (scored 0)');
  });
});

describe('staleness window', () => {
  it("is the watcher's debounce plus the re-index for rag, the re-training for ft, in one line", () => {
    const window = stalenessWindow(1.5, 42);
    expect(window).toEqual({ ragUnderWatchSeconds: 1.75, debounceSeconds: 0.25, ftRetrainSeconds: 42 });
    expect(stalenessLine(window)).toBe(
      "staleness window: rag under `attune watch` 1.8 s (a 0.25 s debounce + this update's incremental re-index); ft answers from the old version until it is re-trained: 42.0 s here",
    );
    expect(stalenessLine(stalenessWindow(1.5, null))).toMatch(/no adapter was re-trained$/);
  });
});
