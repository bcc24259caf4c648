/**
 * bench/compare-kill: `attune compare` killed with SIGKILL (kill -9, the whole process group) during training,
 * then rerun with the same --out, against the same comparison run without interruption. Passes when the rerun
 * reuses what was finished, resumes the adapter from its checkpoint, and every answer and score is the same.
 *   bash scripts/with-node.sh bench/compare-kill.ts [--max-steps 16]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CompareResult } from '../src/compare/assemble.ts';
import { formatQuestions } from '../src/dataset/questions.ts';
import { importFictionalKnowledge } from '../src/dataset/importers/fictional-knowledge.ts';
import { datasetsDir } from '../src/testing/datasets.ts';
import { adaptersDir } from '../src/tune/adapters.ts';
import { startCli } from './cli-process.ts';

const { values } = parseArgs({ options: { 'max-steps': { type: 'string', default: '16' } } });
const root = join(import.meta.dirname, '..');
const out = join(root, 'out', 'bench-compare-kill');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'corpus'), { recursive: true });
const source = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
const imported = importFictionalKnowledge([
  { file: source, text: JSON.stringify((JSON.parse(readFileSync(source, 'utf8')) as unknown[]).slice(0, 3)) },
]);
for (const doc of imported.documents) writeFileSync(join(out, 'corpus', doc.path), doc.text);
writeFileSync(
  join(out, 'questions.jsonl'),
  formatQuestions(imported.questions.filter((q) => /-(mem|gen)-[01]$/.test(q.id))),
);

const args = (dir: string) => [
  '--home',
  join(out, 'home'),
  'compare',
  '--corpus',
  join(out, 'corpus'),
  '--questions',
  join(out, 'questions.jsonl'),
  '--strategies',
  'base,ft',
  '--max-steps',
  values['max-steps']!,
  '--max-tokens',
  '16',
  '--out',
  join(out, dir),
  '--json',
];
const cli = (dir: string) => startCli(args(dir));
const finish = (child: ReturnType<typeof cli>) => child.done;

// A: uninterrupted
let started = performance.now();
const reference = await finish(cli('uninterrupted'));
if (reference.code !== 0) throw new Error(`reference run failed: ${reference.stderr}`);
console.log(`uninterrupted: ${((performance.now() - started) / 1000).toFixed(0)} s`);

// B: killed (SIGKILL to the process group: node and the Python trainer) once the trainer wrote its first checkpoint
started = performance.now();
const victim = cli('killed');
let victimEnded = false;
const victimDone = finish(victim).then((exit) => ((victimEnded = true), exit));
const runs = join(out, 'killed', 'work', 'home', 'adapters', '.runs');
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const checkpoint = existsSync(runs) && readdirSync(runs).some((run) => existsSync(join(runs, run, 'checkpoint.pt')));
  if (checkpoint) break;
  if (victimEnded)
    throw new Error('the run ended before any checkpoint: raise --max-steps above the checkpoint interval (10)');
}
victim.kill();
const killed = await victimDone;
console.log(`killed after ${((performance.now() - started) / 1000).toFixed(0)} s (signal ${killed.signal})`);
const rerun = await finish(cli('killed'));
if (rerun.code !== 0) throw new Error(`rerun failed: ${rerun.stderr}`);
console.log(
  `rerun: ${((performance.now() - started) / 1000).toFixed(0)} s since the first start; its notices:\n${rerun.stderr
    .split('\n')
    .filter((l) => l.startsWith('attune:'))
    .join('\n')}`,
);

const read = (dir: string) => JSON.parse(readFileSync(join(out, dir, 'compare.json'), 'utf8')) as CompareResult;
const a = read('uninterrupted');
const b = read('killed');
const same = (label: string, x: unknown, y: unknown) => {
  const ok = JSON.stringify(x) === JSON.stringify(y);
  console.log(
    `${ok ? 'same' : 'DIFFERENT'}: ${label}${ok ? '' : `\n  uninterrupted ${JSON.stringify(x)}\n  killed+rerun  ${JSON.stringify(y)}`}`,
  );
  return ok;
};
const checks = [
  same('ft adapter loss curve', a.strategies.ft!.adapter!.lossCurve, b.strategies.ft!.adapter!.lossCurve),
  same(
    'accuracy per strategy',
    Object.fromEntries(Object.entries(a.strategies).map(([n, s]) => [n, s.accuracy])),
    Object.fromEntries(Object.entries(b.strategies).map(([n, s]) => [n, s.accuracy])),
  ),
  same(
    'recommendation',
    a.recommendation.ranking.map((r) => r.strategy),
    b.recommendation.ranking.map((r) => r.strategy),
  ),
];
console.log(
  `adapters dir after the rerun: ${readdirSync(adaptersDir(join(out, 'killed', 'work', 'home'))).join(', ')}`,
);
if (checks.includes(false)) process.exitCode = 1;
