/**
 * The commands bench/faults-kill.ts kills: for each, how to set up a run, what may be visible after a kill,
 * how to rerun it (resuming where the command can), and the final result an uninterrupted run must match.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listCompareResults } from '../src/compare/results.ts';
import type { CompareResult } from '../src/compare/assemble.ts';
import { formatQuestions } from '../src/dataset/questions.ts';
import { importFictionalKnowledge } from '../src/dataset/importers/fictional-knowledge.ts';
import type { EvalReport } from '../src/evaluate/eval-report.ts';
import { type EvalRow, rowKey } from '../src/evaluate/row.ts';
import { parseJsonLines } from '../src/io/jsonl.ts';
import { datasetsDir } from '../src/testing/datasets.ts';
import { toyFactsJsonl } from '../src/testing/toy-facts.ts';
import { runCli } from './cli-process.ts';

/** One run of a target in its own folder. */
export interface Trial {
  /** What this run does (a target may alternate, e.g. a first tune and one that replaces an adapter). */
  kind: string;
  args: string[];
  /** What `list` shows after the kill, and anything half-done that is visible. */
  afterKill(): Promise<{ state: string; problems: string[] }>;
  /** The command that finishes the job: the same one, or a resume of what the kill left. */
  rerunArgs(): Promise<string[]>;
  /** The result to compare with an uninterrupted run's, and leftovers that should not be there. */
  final(): Promise<{ result: unknown; problems: string[] }>;
  /** From the rerun's stderr: where it picked up (shown in the table). */
  resumedFrom(stderr: string): string;
}

export interface Target {
  name: 'tune' | 'eval' | 'compare';
  /** One line for the report: the command and its inputs. */
  describe: string;
  prepare(root: string): Promise<void>;
  trial(dir: string, index: number): Trial;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Temp files of an atomic write (`NAME.tmp-PID-…`) a kill left behind. */
const tempFiles = (dir: string) => filesUnder(dir).filter((file) => /\.tmp-\d+-/.test(file));

async function cliJson<T>(args: string[]): Promise<T> {
  return JSON.parse((await runCli(args)).stdout) as T;
}

/** Every stored answer, keyed by strategy/question/repeat, in the fields that must not change across a kill. */
function answers(rows: EvalRow[]): { rows: Record<string, unknown>; problems: string[] } {
  const byKey: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const row of rows) {
    const key = rowKey(row).replaceAll('\u0000', '/');
    if (key in byKey) problems.push(`duplicated row ${key}`);
    byKey[key] = { answer: row.answer, abstained: row.abstained, scores: row.scores, error: row.error?.kind };
  }
  return { rows: Object.fromEntries(Object.entries(byKey).sort(([a], [b]) => a.localeCompare(b))), problems };
}

function jsonlRows(file: string): { rows: EvalRow[]; problems: string[] } {
  const lines = parseJsonLines(readFileSync(file, 'utf8'));
  return {
    rows: lines.flatMap((l) => (l.error === undefined ? [l.value as EvalRow] : [])),
    problems: lines.filter((l) => l.error).map((l) => `${relative(process.cwd(), file)}:${l.line} is not JSON`),
  };
}

/**
 * PEFT writes target_modules from a Python set, in an order that changes from process to process (string hash
 * randomisation): two identical trainings differ there and nowhere else, so that list is compared sorted.
 */
function peftConfig(file: string): unknown {
  const config = JSON.parse(readFileSync(file, 'utf8'));
  return { ...config, target_modules: [...config.target_modules].sort() };
}

/** Registered adapter names, and folders under adapters/ a listing would show but that are not registered adapters. */
async function adapterListing(home: string): Promise<{ names: string[]; extra: string[] }> {
  const names = (await cliJson<{ name: string }[]>(['--home', home, 'adapters', 'list', '--json'])).map((a) => a.name);
  const visible = existsSync(join(home, 'adapters'))
    ? readdirSync(join(home, 'adapters')).filter((e) => !e.startsWith('.'))
    : [];
  return { names, extra: visible.filter((e) => !names.includes(e)) };
}

/** Staging folders and unfinished training runs left under adapters/ once every run has finished. */
function strayAdapterFiles(home: string): string[] {
  const dir = join(home, 'adapters');
  if (!existsSync(dir)) return [];
  const hidden = readdirSync(dir).filter((e) => e.startsWith('.') && e !== '.runs');
  const runs = existsSync(join(dir, '.runs')) ? readdirSync(join(dir, '.runs')) : [];
  return [...hidden.map((e) => `stray adapters/${e}`), ...runs.map((e) => `stray adapters/.runs/${e}`)];
}

/** An adapter's files (sha256; PEFT's config with its module list sorted) and what its meta says of the training. */
function adapterFingerprint(dir: string): unknown {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const files = Object.fromEntries(
    filesUnder(dir)
      .filter((file) => !file.endsWith('meta.json'))
      .map((file) => [relative(dir, file), file.endsWith('adapter_config.json') ? peftConfig(file) : sha256(file)])
      .sort(),
  );
  const { steps, trainLoss, valLoss, lossCurve, hyperparameters } = meta;
  return { files, meta: { steps, trainLoss, valLoss, lossCurve, hyperparameters, data: meta.data.sha256 } };
}

// ---- tune: the four toy facts, a first registration or the replacement of an adapter of the same name

const TUNE_EXAMPLES = 16;

export function tuneTarget(options: { steps: number }): Target {
  const TUNE_FLAGS = [
    '--name',
    'toy',
    '--no-parity',
    '--max-steps',
    String(options.steps),
    '--checkpoint-every',
    '2',
    '--json',
  ];
  let root = '';
  const data = () => join(root, 'toy.jsonl');
  const withOld = () => join(root, 'home-with-old-toy');
  const adapter = (home: string) => join(home, 'adapters', 'toy');
  const fingerprint = (home: string) => adapterFingerprint(adapter(home));
  let old: unknown;
  return {
    name: 'tune',
    describe: `\`attune tune --data toy.jsonl ${TUNE_FLAGS.join(' ')}\` (the four toy facts of src/testing/toy-facts.ts, ${TUNE_EXAMPLES} examples, SmolLM2-135M, PyTorch on CPU); odd runs register \`toy\` in an empty home, even runs replace a \`toy\` trained for 2 steps`,
    async prepare(dir) {
      root = dir;
      mkdirSync(root, { recursive: true });
      writeFileSync(data(), toyFactsJsonl(TUNE_EXAMPLES));
      await runCli(['--home', withOld(), 'tune', '--data', data(), ...TUNE_FLAGS, '--max-steps', '2']);
      old = fingerprint(withOld());
    },
    trial(dir, index) {
      const replace = index % 2 === 0 && index > 0;
      const home = join(dir, 'home');
      mkdirSync(dir, { recursive: true });
      if (replace) cpSync(withOld(), home, { recursive: true });
      const args = ['--home', home, 'tune', '--data', data(), ...TUNE_FLAGS];
      const unlisted = () => adapterListing(home);
      return {
        kind: replace ? 'replace toy' : 'first toy',
        args,
        async afterKill() {
          const { names, extra } = await unlisted();
          const problems = extra.map((e) => `unregistered folder adapters/${e}`);
          let state = 'no adapter';
          if (names.includes('toy')) {
            const now = JSON.stringify(fingerprint(home));
            state = now === JSON.stringify(old) ? 'old toy' : 'new toy';
          } else if (replace) problems.push('the replaced adapter is gone');
          if (names.some((n) => n !== 'toy')) problems.push(`listed: ${names.join(', ')}`);
          return { state, problems };
        },
        rerunArgs: async () => args,
        async final() {
          const { names, extra } = await unlisted();
          const problems = extra.map((e) => `unregistered folder adapters/${e}`);
          if (names.join() !== 'toy') problems.push(`listed: ${names.join(', ') || 'nothing'}`);
          problems.push(...strayAdapterFiles(home));
          problems.push(...tempFiles(home).map((f) => `stray ${relative(home, f)}`));
          return { result: names.includes('toy') ? fingerprint(home) : null, problems };
        },
        resumedFrom: (stderr) => /resuming from step (\d+)/.exec(stderr)?.[1] ?? '0',
      };
    },
  };
}

// ---- eval and compare: 3 fictional-knowledge documents and up to 12 of their mem/gen probes (as bench/compare-kill.ts)

function writeFictionalSlice(root: string, count: number): { corpus: string; questions: string } {
  const corpus = join(root, 'corpus');
  mkdirSync(corpus, { recursive: true });
  const source = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
  const imported = importFictionalKnowledge([
    { file: source, text: JSON.stringify((JSON.parse(readFileSync(source, 'utf8')) as unknown[]).slice(0, 3)) },
  ]);
  for (const doc of imported.documents) writeFileSync(join(corpus, doc.path), doc.text);
  const questions = join(root, 'questions.jsonl');
  const probes = imported.questions.filter((q) => /-(mem|gen)-[01]$/.test(q.id)).slice(0, count);
  writeFileSync(questions, formatQuestions(probes));
  return { corpus, questions };
}

const ANSWER_FLAGS = ['--strategies', 'base,rag', '--max-tokens', '16'];

export function evalTarget(options: { questions: number }): Target {
  let root = '';
  let questions = '';
  const prepared = () => join(root, 'home-with-collection');
  return {
    name: 'eval',
    describe: `\`attune eval --dataset questions.jsonl --collection fk ${ANSWER_FLAGS.join(' ')} --json report.json\` (the first ${options.questions} of the 12 mem/gen probes of 3 fictional-knowledge documents, ingested beforehand); the rerun is \`attune eval --resume RUN\` when \`attune runs list\` shows the killed run, else the same command`,
    async prepare(dir) {
      root = dir;
      const slice = writeFictionalSlice(dir, options.questions);
      questions = slice.questions;
      await runCli(['--home', prepared(), 'ingest', slice.corpus, '--collection', 'fk']);
    },
    trial(dir) {
      const home = join(dir, 'home');
      mkdirSync(dir, { recursive: true });
      cpSync(prepared(), home, { recursive: true });
      const report = join(dir, 'report.json');
      const args = ['--home', home, 'eval', '--dataset', questions, '--collection', 'fk', ...ANSWER_FLAGS];
      type Listed = { runId: string; status: string; rows: number; questions: number; strategies: string[] };
      const runs = () => cliJson<Listed[]>(['--home', home, 'runs', 'list', '--json']);
      const runFolders = () => (existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : []);
      const check = (listed: Listed[]) => {
        const problems = runFolders()
          .filter((id) => !listed.some((r) => r.runId === id))
          .map((id) => `runs/${id} is not a run (no run.json)`);
        if (listed.length > 1) problems.push(`${listed.length} runs listed`);
        for (const run of listed) {
          const total = run.questions * run.strategies.length;
          if (run.status === 'complete' && run.rows !== total)
            problems.push(`run ${run.runId} marked complete with ${run.rows}/${total} rows`);
        }
        return problems;
      };
      return {
        kind: 'eval base,rag',
        args: [...args, '--json', report],
        async afterKill() {
          const listed = await runs();
          const run = listed[0];
          const state = run ? `${run.status}, ${run.rows}/${run.questions * run.strategies.length} rows` : 'no run';
          return { state, problems: check(listed) };
        },
        async rerunArgs() {
          const run = (await runs())[0];
          return run ? ['--home', home, 'eval', '--resume', run.runId, '--json', report] : [...args, '--json', report];
        },
        async final() {
          const listed = await runs();
          const problems = check(listed);
          const run = listed[0];
          if (!run) return { result: null, problems: [...problems, 'no run'] };
          if (run.status !== 'complete') problems.push(`run ${run.runId} is ${run.status}`);
          // what is stored (rows.jsonl), as `runs show` reads it: not the rerun's memory
          const stored = jsonlRows(join(home, 'runs', run.runId, 'rows.jsonl'));
          const shown = await cliJson<EvalReport>(['--home', home, 'runs', 'show', run.runId, '--json']);
          const { rows, problems: duplicated } = answers(stored.rows);
          problems.push(...stored.problems, ...duplicated, ...tempFiles(home).map((f) => `stray ${relative(home, f)}`));
          const means = Object.fromEntries(
            Object.entries(shown.strategies).map(([name, s]) => [
              name,
              Object.fromEntries(Object.entries(s.metrics.scores).map(([metric, score]) => [metric, score.mean])),
            ]),
          );
          return { result: { rows, means }, problems };
        },
        resumedFrom: (stderr) => /, (\d+) rows already done/.exec(stderr)?.[1] ?? '0',
      };
    },
  };
}

/** Whether compare with these strategies (comma-separated) trains adapters: ft, ft-rag and raft do. */
export const trainsAdapters = (strategies: string): boolean =>
  strategies.split(',').some((name) => !['base', 'rag'].includes(name.trim()));

export function compareTarget(options: { questions: number; strategies: string; steps: number }): Target {
  let slice = { corpus: '', questions: '' };
  const trains = trainsAdapters(options.strategies);
  const flags = ['--strategies', options.strategies, '--max-tokens', '16'];
  if (trains) flags.push('--max-steps', String(options.steps));
  return {
    name: 'compare',
    describe: `\`attune compare --corpus corpus --questions questions.jsonl ${flags.join(' ')} --out HOME/compare/fk --json\` (the same 3 documents and ${options.questions} probes; compare ingests them itself${trains ? ', builds the training data and trains and registers the adapters' : ''}); the rerun is the same command, which reuses what the killed run finished`,
    async prepare(dir) {
      slice = writeFictionalSlice(dir, options.questions);
    },
    trial(dir) {
      const home = join(dir, 'home');
      const out = join(home, 'compare', 'fk');
      mkdirSync(dir, { recursive: true });
      const args = ['--home', home, 'compare', '--corpus', slice.corpus, '--questions', slice.questions];
      const full = [...args, ...flags, '--out', out, '--json'];
      const cacheRows = () => filesUnder(join(out, 'cache')).filter((f) => /\/eval-[^/]*\.jsonl$/.test(f));
      // compare trains and registers its adapters in a home of its own inside --out (compare.ts), not in HOME
      const adapterHome = join(out, 'work', 'home');
      /** Adapters a listing of compare's home shows, and folders there that are not registered ones (none without training). */
      const adapters = async () => (trains ? adapterListing(adapterHome) : { names: [], extra: [] });
      return {
        kind: `compare ${options.strategies}`,
        args: full,
        async afterKill() {
          const listed = await listCompareResults(home);
          const rows = cacheRows().reduce((n, file) => n + jsonlRows(file).rows.length, 0);
          const problems = listed.length > 1 ? [`${listed.length} comparisons listed`] : [];
          const { names, extra } = await adapters();
          problems.push(...extra.map((e) => `unregistered folder adapters/${e}`));
          const registered = trains ? `, ${names.length} adapters registered` : '';
          return {
            state: listed[0] ? `${listed[0].status}, ${rows} answers cached${registered}` : `not listed${registered}`,
            problems,
          };
        },
        rerunArgs: async () => full,
        async final() {
          const listed = await listCompareResults(home);
          const problems =
            listed.map((c) => c.status).join() === 'complete' ? [] : [`listed: ${JSON.stringify(listed)}`];
          const result = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareResult;
          const cached = cacheRows().map(jsonlRows);
          const { rows, problems: duplicated } = answers(cached.flatMap((c) => c.rows));
          problems.push(...cached.flatMap((c) => c.problems), ...duplicated);
          problems.push(...tempFiles(home).map((f) => `stray ${relative(home, f)}`));
          const { names, extra } = await adapters();
          problems.push(...extra.map((e) => `unregistered folder adapters/${e}`), ...strayAdapterFiles(adapterHome));
          const strategies = Object.fromEntries(
            Object.entries(result.strategies).map(([name, s]) => [
              name,
              { accuracy: s.accuracy, scores: s.metrics.scores },
            ]),
          );
          const ranking = result.recommendation.ranking.map((r) => r.strategy);
          // adapters are named by the hash of their data and settings, so the names are comparable across runs
          const trained = Object.fromEntries(
            names.sort().map((name) => [name, adapterFingerprint(join(adapterHome, 'adapters', name))]),
          );
          return {
            result: { rows, strategies, ranking, verdict: result.recommendation.verdict, adapters: trained },
            problems,
          };
        },
        resumedFrom: (stderr) => /reusing cached: ([^\n]*)/.exec(stderr)?.[1]?.trim() ?? 'nothing',
      };
    },
  };
}
