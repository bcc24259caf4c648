import type { Hit, SearchFilter } from '../types.ts';

/** One row of a small collection held in memory for exact search: what a hit returns, plus its vector. */
export interface ScanRow {
  hit: Omit<Hit, 'score'>;
  vector: Float32Array;
}

/**
 * Exact cosine search over rows held in memory: for collections small enough that a scan of N × d floats costs
 * less than a database query's fixed overhead (LanceDB: ~1.5 ms per call before any row is read, ~1 ms more to
 * turn 30 rows into objects; see BENCHMARKS.md "Vector query: where the time goes"). Vectors are normalised once,
 * so a query costs one dot product per visible row. The filter means what `filterToWhere` means in LanceDB:
 * sources, doc ids and tags (any) must match when given; a row with no labels is visible to all, a labelled row
 * only to a caller sharing a label. Ties go to the smaller chunk id, so results are stable.
 */
export class ExactScan {
  readonly size: number;
  readonly #rows: ScanRow[];
  readonly #matrix: Float32Array;
  readonly #dimension: number;

  constructor(rows: ScanRow[], dimension: number) {
    this.#rows = rows;
    this.#dimension = dimension;
    this.size = rows.length;
    this.#matrix = new Float32Array(rows.length * dimension);
    rows.forEach((row, i) => this.#matrix.set(normalise(row.vector), i * dimension));
  }

  search(vector: Float32Array, k: number, filter?: SearchFilter): Hit[] {
    const query = normalise(vector);
    const d = this.#dimension;
    const matrix = this.#matrix;
    const visible = rowFilter(filter);
    // the best k so far, worst first (k is small: an insertion into a sorted array beats a heap here)
    const best: { index: number; score: number }[] = [];
    for (let i = 0; i < this.#rows.length; i++) {
      if (visible && !visible(this.#rows[i]!.hit)) continue;
      let dot = 0;
      const offset = i * d;
      for (let j = 0; j < d; j++) dot += matrix[offset + j]! * query[j]!;
      if (best.length === k && !this.#better(i, dot, best[0]!)) continue;
      let at = 0;
      while (at < best.length && this.#better(i, dot, best[at]!)) at++;
      best.splice(at, 0, { index: i, score: dot });
      if (best.length > k) best.shift();
    }
    return best.reverse().map(({ index, score }) => ({ ...this.#rows[index]!.hit, score, vectorScore: score }));
  }

  /** Whether row `index` with `score` ranks above `other`: higher score, then the smaller chunk id. */
  #better(index: number, score: number, other: { index: number; score: number }): boolean {
    if (score !== other.score) return score > other.score;
    return this.#rows[index]!.hit.chunkId < this.#rows[other.index]!.hit.chunkId;
  }
}

function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm === 0) return new Float32Array(vector.length);
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! / norm;
  return out;
}

/** The filter as a predicate over a hit (undefined: every row is visible). */
export function rowFilter(filter: SearchFilter | undefined): ((hit: Omit<Hit, 'score'>) => boolean) | undefined {
  if (!filter || (!filter.sources && !filter.docIds && !filter.tags && !filter.labels)) return undefined;
  const sources = filter.sources && new Set(filter.sources);
  const docIds = filter.docIds && new Set(filter.docIds);
  const tags = filter.tags && new Set(filter.tags);
  const labels = filter.labels && new Set(filter.labels);
  return (hit) =>
    (!sources || sources.has(hit.source)) &&
    (!docIds || docIds.has(hit.docId)) &&
    (!tags || hit.tags.some((tag) => tags.has(tag))) &&
    (!labels || hit.labels.length === 0 || hit.labels.some((label) => labels.has(label)));
}
