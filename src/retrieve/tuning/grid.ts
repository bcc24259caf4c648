import { describeFusion, type Fusion } from '../../store/fusion.ts';
import type { SearchMode } from '../../types.ts';

export interface Chunking {
  maxTokens: number;
  overlapTokens: number;
  /** Embed each chunk under its title and heading path (config `chunking.contextHeaders`); kept by every variant. */
  contextHeaders?: boolean;
}

/** The query-time knobs tried on every chunking: the search mode and, for hybrid, the fusion. */
export interface QueryKnobs {
  mode: SearchMode;
  fusion?: Fusion;
}

/** The k values tried (passages handed to the generator). */
export const K_GRID = [3, 5, 8] as const;
/** The vector list's weights tried for weighted-rrf and convex fusion. */
export const FUSION_WEIGHTS = [0.3, 0.5, 0.7, 0.9] as const;

/**
 * Chunk sizes {half, double, given} (within the config's 16..8192 tokens) × overlaps {about 15%, none}; the
 * given chunking first, exactly as configured, so the collection as it is indexed is always a candidate.
 */
export function chunkingGrid(base: Chunking): Chunking[] {
  // other sizes before other overlaps: with --max-reindex the larger changes are tried first
  const sizes = [Math.round(base.maxTokens / 2), base.maxTokens * 2, base.maxTokens].map((size) =>
    Math.min(8192, Math.max(16, size)),
  );
  const grid: Chunking[] = [base];
  for (const maxTokens of sizes)
    for (const overlapTokens of [Math.round(maxTokens * 0.15), 0])
      if (!grid.some((c) => c.maxTokens === maxTokens && c.overlapTokens === overlapTokens))
        grid.push({ maxTokens, overlapTokens, ...(base.contextHeaders ? { contextHeaders: true } : {}) });
  return grid;
}

/**
 * Hybrid with the default fusion first, then vector and keyword alone, plain RRF, then the weighted fusions; each
 * setting once (the default is one of the convex weights).
 */
export function queryGrid(): QueryKnobs[] {
  const grid: QueryKnobs[] = [
    { mode: 'hybrid' },
    { mode: 'vector' },
    { mode: 'keyword' },
    { mode: 'hybrid', fusion: { method: 'rrf' } },
    ...(['weighted-rrf', 'convex'] as const).flatMap((method) =>
      FUSION_WEIGHTS.map((weight): QueryKnobs => ({ mode: 'hybrid', fusion: { method, weight } })),
    ),
  ];
  return grid.filter((knobs, i) => grid.findIndex((other) => describeKnobs(other) === describeKnobs(knobs)) === i);
}

export function describeChunking(chunking: Chunking): string {
  return `${chunking.maxTokens}/${chunking.overlapTokens}${chunking.contextHeaders ? ' +headers' : ''}`;
}

/** "hybrid rrf", "vector", "hybrid convex w=0.70". */
export function describeKnobs(knobs: QueryKnobs): string {
  return knobs.mode === 'hybrid' ? `hybrid ${describeFusion(knobs.fusion)}` : knobs.mode;
}
