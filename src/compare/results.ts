import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AttuneError, UsageError } from '../errors.ts';
import { newRunId } from '../evaluate/runs.ts';
import type { CompareResult } from './assemble.ts';
import { renderCompareHtml } from './report-html.ts';

/**
 * Comparisons kept under the home, `<home>/compare/<id>/` (compare.json, report.html and the step cache):
 * where `attune compare` writes without `--out` and where the server writes the ones it runs.
 */
export function compareResultsDir(home: string): string {
  return join(home, 'compare');
}

export function compareResultDir(home: string, id: string): string {
  if (!/^[\w.-]+$/.test(id) || id.startsWith('.')) throw new UsageError(`not a comparison id: "${id}"`);
  return join(compareResultsDir(home), id);
}

/** Sortable by time, like run ids. */
export const newCompareId = newRunId;

export class CompareResultNotFoundError extends AttuneError {
  override name = 'CompareResultNotFoundError';
}

export interface CompareResultSummary {
  id: string;
  /** complete: compare.json is written; incomplete: still running, or interrupted. */
  status: 'complete' | 'incomplete';
  createdAt: string | null;
  corpus: string | null;
  questions: number | null;
  strategies: string[];
  recommended: string | null;
}

export function summarizeCompareResult(id: string, result: CompareResult | undefined): CompareResultSummary {
  if (!result)
    return {
      id,
      status: 'incomplete',
      createdAt: null,
      corpus: null,
      questions: null,
      strategies: [],
      recommended: null,
    };
  return {
    id,
    status: 'complete',
    createdAt: result.createdAt,
    corpus: result.corpus,
    questions: result.scale.questions,
    strategies: Object.keys(result.strategies),
    recommended: result.recommendation.recommended,
  };
}

/** compare.json of a comparison, or undefined while it is unfinished (or unreadable). */
export async function readCompareResult(home: string, id: string): Promise<CompareResult | undefined> {
  const text = await readFile(join(compareResultDir(home, id), 'compare.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as CompareResult;
  } catch {
    return undefined;
  }
}

/** Every comparison under the home, oldest first. */
export async function listCompareResults(home: string): Promise<CompareResultSummary[]> {
  const entries = await readdir(compareResultsDir(home), { withFileTypes: true }).catch(() => []);
  const ids = entries
    .filter((entry) => entry.isDirectory() && /^[\w.-]+$/.test(entry.name) && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  const summaries: CompareResultSummary[] = [];
  for (const id of ids) summaries.push(summarizeCompareResult(id, await readCompareResult(home, id)));
  return summaries;
}

export async function loadCompareResult(home: string, id: string): Promise<CompareResult> {
  const result = await readCompareResult(home, id);
  if (!result)
    throw new CompareResultNotFoundError(`no finished comparison "${id}" under ${compareResultsDir(home)}`, {
      input: id,
    });
  return result;
}

/** The stored report.html, or one rendered from compare.json when it is missing. */
export async function loadCompareReport(home: string, id: string): Promise<string> {
  const file = join(compareResultDir(home, id), 'report.html');
  if (existsSync(file)) return readFile(file, 'utf8');
  return renderCompareHtml(await loadCompareResult(home, id));
}

/** True when `<home>/compare/<id>` exists (finished or not). */
export function compareResultExists(home: string, id: string): boolean {
  return existsSync(compareResultDir(home, id));
}
