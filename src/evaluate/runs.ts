import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AttuneError, UsageError } from '../errors.ts';
import type { PriceTable } from './metrics/cost.ts';
import type { EvalRow } from './row.ts';
import { writeAtomic } from '../io/atomic-write.ts';
import { appendJsonLine, readJsonLines } from '../io/jsonl.ts';

/** Everything needed to know what a run measured and to resume it. Stored as `<home>/runs/<runId>/run.json`. */
export interface RunMeta {
  runId: string;
  createdAt: string;
  status: 'running' | 'complete';
  dataset: { file: string; hash: string; questions: number };
  questionIds: string[];
  strategies: string[];
  collection?: string;
  repeats: number;
  baseSeed: number;
  temperature: number;
  maxTokens: number;
  models: { generator: string; embedder?: string; judge?: string };
  /** Strategy name → LoRA adapter it used. */
  adapters: Record<string, string>;
  prices: PriceTable;
  /** Access labels its retrieval was limited to (a run started over HTTP by a key with labels); absent: every label. */
  accessLabels?: string[];
  /** The attune configuration the run was made with. */
  config: unknown;
}

export class RunNotFoundError extends AttuneError {
  override name = 'RunNotFoundError';
}

export function runsDir(home: string): string {
  return join(home, 'runs');
}

export function runDir(home: string, runId: string): string {
  if (!/^[\w.-]+$/.test(runId)) throw new UsageError(`not a run id: "${runId}" (see \`attune runs list\`)`);
  return join(runsDir(home), runId);
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export async function saveRunMeta(home: string, meta: RunMeta): Promise<void> {
  const dir = runDir(home, meta.runId);
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, 'run.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Appends one row as it completes, so an interrupted run loses at most the row in flight (even one half-written). */
export async function appendRow(home: string, runId: string, row: EvalRow): Promise<void> {
  await appendJsonLine(join(runDir(home, runId), 'rows.jsonl'), row);
}

export async function loadRunMeta(home: string, runId: string): Promise<RunMeta> {
  try {
    return JSON.parse(await readFile(join(runDir(home, runId), 'run.json'), 'utf8')) as RunMeta;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new RunNotFoundError(`no run "${runId}" under ${runsDir(home)} (see \`attune runs list\`)`, {
      input: runId,
      cause: error,
    });
  }
}

export async function loadRun(home: string, runId: string): Promise<{ meta: RunMeta; rows: EvalRow[] }> {
  const meta = await loadRunMeta(home, runId);
  // a line cut short by an interruption is skipped: that question is simply answered again on resume
  const rows = readJsonLines<EvalRow>(await readFile(join(runDir(home, runId), 'rows.jsonl'), 'utf8').catch(() => ''));
  return { meta, rows };
}

export async function listRuns(home: string): Promise<RunMeta[]> {
  const names = await readdir(runsDir(home)).catch(() => [] as string[]);
  const metas: RunMeta[] = [];
  for (const name of names) {
    try {
      metas.push(JSON.parse(await readFile(join(runsDir(home), name, 'run.json'), 'utf8')) as RunMeta);
    } catch {
      // not a run folder (or one being created)
    }
  }
  return metas.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
