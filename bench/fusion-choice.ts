import { mean } from '../src/evaluate/metrics/statistics.ts';
import { ndcg, recallAtK } from '../src/evaluate/metrics/retrieval.ts';
import { describeKnobs, type QueryKnobs } from '../src/retrieve/tuning/grid.ts';
import { type QuestionLists, ranked } from '../src/retrieve/tuning/measure.ts';

/** Chunks each ranking keeps, counted as documents as bench:retrieval and bench:peers do (documents of the best 30). */
export const RANKED_CHUNKS = 30;
/** The vector list's weights tried for weighted-rrf and convex. */
export const WEIGHTS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

/** Vector and keyword alone, then every hybrid fusion a default could be: rrf (k = 60), weighted-rrf and convex. */
export function methods(): QueryKnobs[] {
  return [
    { mode: 'vector' },
    { mode: 'keyword' },
    { mode: 'hybrid', fusion: { method: 'rrf' } },
    ...(['weighted-rrf', 'convex'] as const).flatMap((method) =>
      WEIGHTS.map((weight): QueryKnobs => ({ mode: 'hybrid', fusion: { method, weight } })),
    ),
  ];
}

export interface MethodScore {
  label: string;
  knobs: QueryKnobs;
  /** Mean document nDCG@10, and per question in question order (for paired comparisons). */
  ndcg: number;
  perQuestion: number[];
  recall5: number;
}

/** Every method scored on one dataset's fetched lists: nothing is searched again. */
export function scoreMethods(questions: { goldDocIds: string[] }[], lists: QuestionLists[]): MethodScore[] {
  return methods().map((knobs) => {
    const rankings = lists.map((list) => ranked(list, knobs, RANKED_CHUNKS));
    const perQuestion = questions.map((q, i) => ndcg(rankings[i]!, q.goldDocIds, 10) ?? 0);
    const recall5 = mean(questions.map((q, i) => recallAtK(rankings[i]!, q.goldDocIds, 5) ?? 0)) ?? 0;
    return { label: describeKnobs(knobs), knobs, ndcg: mean(perQuestion) ?? 0, perQuestion, recall5 };
  });
}

export interface DatasetScores {
  dataset: string;
  scores: MethodScore[];
}

/** The better single list of a dataset (vector or keyword), by mean nDCG@10. */
export function bestSingle(scores: MethodScore[]): MethodScore {
  const single = scores.filter((s) => s.knobs.mode !== 'hybrid');
  return single.reduce((best, s) => (s.ndcg > best.ndcg ? s : best));
}

/** A method's nDCG@10 minus the better single list's on that dataset (issue #15: ≥ −0.005 everywhere). */
export function margin(scores: MethodScore[], label: string): number {
  return scores.find((s) => s.label === label)!.ndcg - bestSingle(scores).ndcg;
}

/**
 * The default fusion chosen on `datasets`, fixed before any result was seen: the hybrid method whose WORST margin
 * over those datasets (nDCG@10 − the better single list's) is highest; a tie (within 1e-9) goes to the higher mean
 * nDCG@10, then to the earlier method in `methods()`. Maximin because the target is "never lose", not "win on average".
 */
export function chooseFusion(datasets: DatasetScores[]): { label: string; worstMargin: number; meanNdcg: number } {
  if (datasets.length === 0) throw new Error('chooseFusion needs at least one dataset');
  const hybrids = datasets[0]!.scores.filter((s) => s.knobs.mode === 'hybrid').map((s) => s.label);
  const rated = hybrids.map((label) => ({
    label,
    worstMargin: Math.min(...datasets.map((d) => margin(d.scores, label))),
    meanNdcg: mean(datasets.map((d) => d.scores.find((s) => s.label === label)!.ndcg)) ?? 0,
  }));
  return rated.reduce((best, r) =>
    r.worstMargin > best.worstMargin + 1e-9 ||
    (Math.abs(r.worstMargin - best.worstMargin) <= 1e-9 && r.meanNdcg > best.meanNdcg + 1e-12)
      ? r
      : best,
  );
}

/** For each dataset, the fusion chosen on all the others, so no dataset scores a choice it helped make. */
export function leaveOneOut(datasets: DatasetScores[]): { dataset: string; label: string }[] {
  return datasets.map((held) => ({
    dataset: held.dataset,
    label: chooseFusion(datasets.filter((d) => d !== held)).label,
  }));
}
