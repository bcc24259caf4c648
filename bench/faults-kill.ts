/**
 * Faults: `attune tune`, `attune eval` and `attune compare` killed with SIGKILL (kill -9 of the command and
 * everything it started) at random points, then rerun to the end. For each target: one uninterrupted run gives
 * the duration and the result (a second one checks that the result is reproducible at all); then each of
 * --kills runs is killed at a time drawn uniformly from (0, duration) by a seeded generator, what the kill left
 * visible is checked (the list command and the folders), the job is finished (resumed where the command can),
 * and the result is compared with the uninterrupted one, along with stray staging and temp files.
 *
 *   bash scripts/with-node.sh bench/faults-kill.ts --target tune,eval,compare [--kills 2] [--seed 7] [--append] [--keep]
 *     [--questions 12]  eval and compare: how many of the 12 fictional-knowledge probes to ask
 *     [--steps 8]       tune: --max-steps (a checkpoint every 2); compare: --max-steps of each adapter it trains
 *     [--strategies base,rag]  compare: the strategies compared (ft, ft-rag, raft: adapters trained and registered)
 *     [--max-minutes M] start no new killed run after M minutes per target (the report gives the number run)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';
import { loadAverage, runCli, seededRandom } from './cli-process.ts';
import { compareTarget, evalTarget, type Target, trainsAdapters, tuneTarget } from './faults-kill-targets.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'tune,eval,compare' },
    kills: { type: 'string', default: '2' },
    seed: { type: 'string', default: '7' },
    questions: { type: 'string', default: '12' },
    steps: { type: 'string', default: '8' },
    strategies: { type: 'string', default: 'base,rag' },
    'max-minutes': { type: 'string' },
    append: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const questions = Number(values.questions);
const steps = Number(values.steps);
const maxMinutes = values['max-minutes'] === undefined ? Number.POSITIVE_INFINITY : Number(values['max-minutes']);
const TARGETS: Record<string, () => Target> = {
  tune: () => tuneTarget({ steps }),
  eval: () => evalTarget({ questions }),
  compare: () => compareTarget({ questions, strategies: values.strategies, steps }),
};
const names = values.target.split(',').map((n) => n.trim());
for (const name of names) if (!TARGETS[name]) throw new Error(`--target: unknown "${name}" (tune, eval, compare)`);
const kills = Number(values.kills);
const seed = Number(values.seed);
if (!Number.isInteger(kills) || kills < 1) throw new Error('--kills must be a whole number of at least 1');

const seconds = (ms: number) => (ms / 1000).toFixed(0);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function measure(target: Target, root: string, random: () => number): Promise<string> {
  const loadBefore = loadAverage();
  const started = performance.now();
  await target.prepare(join(root, 'inputs'));
  // the uninterrupted run, twice: the second says whether the result is reproducible without any kill
  const reference = target.trial(join(root, 'reference'), 0);
  const first = await runCli(reference.args);
  const expected = await reference.final();
  const again = target.trial(join(root, 'reference-2'), 0);
  const second = await runCli(again.args);
  const repeated = await again.final();
  const reproducible = same(expected.result, repeated.result);
  // kill times are drawn from the faster of the two: the first run also warms the file cache (models, Python
  // libraries), so with its time many killed runs would finish before their kill came
  const span = Math.min(first.ms, second.ms);
  console.log(
    `${target.name}: uninterrupted ${seconds(first.ms)} s and ${seconds(second.ms)} s, reproducible: ${reproducible}`,
  );
  const rows: (string | number)[][] = [];
  let killed = 0;
  let visibleProblems = 0;
  let different = 0;
  let strays = 0;
  for (let index = 1; index <= kills; index++) {
    if ((performance.now() - started) / 60_000 > maxMinutes) break;
    const trial = target.trial(join(root, `run-${index}`), index);
    const killAfter = Math.max(1, Math.round(random() * span));
    const run = await runCli(trial.args, { killAfterMs: killAfter });
    if (run.killed) killed++;
    const after = await trial.afterKill();
    if (after.problems.length) visibleProblems++;
    const rerun = await runCli(await trial.rerunArgs());
    const final = await trial.final();
    const identical = same(final.result, expected.result);
    if (!identical) different++;
    if (final.problems.length) strays++;
    rows.push([
      index,
      trial.kind,
      (killAfter / 1000).toFixed(1),
      run.killed ? 'yes' : 'finished first',
      [after.state, ...after.problems].join('; '),
      trial.resumedFrom(rerun.stderr),
      seconds(rerun.ms),
      identical ? 'identical' : 'DIFFERENT',
      final.problems.join('; ') || 'none',
    ]);
    console.log(rows.at(-1)!.join(' | '));
    if (!values.keep) rmSync(join(root, `run-${index}`), { recursive: true, force: true });
  }
  const minutes = (performance.now() - started) / 60_000;
  const ran = rows.length;
  const requested = ran < kills ? ` (of the ${kills} asked for: --max-minutes ${maxMinutes} ran out)` : '';
  const body = [
    `Command: ${target.describe}.`,
    '',
    `Uninterrupted: ${seconds(first.ms)} s, then ${seconds(second.ms)} s (process start and model loads included); the second uninterrupted run gave ${reproducible ? 'the identical result' : `a DIFFERENT result, so a difference below need not come from a kill${expected.problems.length ? `; leftovers: ${expected.problems.join('; ')}` : ''}`}. ${ran} runs${requested} killed with SIGKILL to the process group at a time drawn uniformly from (0, ${seconds(span)} s), the faster of the two (seed ${seed}); ${killed} were killed before they finished. ${minutes.toFixed(0)} min in all; 1-, 5- and 15-minute load average at the start: ${loadBefore}, at the end: ${loadAverage()} (2 cores, shared with other jobs; this bench ran under nice 19).`,
    '',
    `**${visibleProblems} kills left a half-done state visible; ${different} reruns finished with a result different from the uninterrupted run; ${strays} left stray or half-written files.**`,
    '',
    markdownTable(
      [
        '#',
        'run',
        'kill after s',
        'killed',
        'visible after the kill',
        'rerun picked up from',
        'rerun s',
        'result vs uninterrupted',
        'leftovers after the rerun',
      ],
      rows,
    ),
  ].join('\n');
  if (visibleProblems || different || strays || !reproducible) process.exitCode = 1;
  return body;
}

const RESULT: Record<string, string> = {
  tune: 'the adapter files (sha256 of adapter.gguf and peft/*) and meta.json steps, losses and loss curve',
  eval: 'every stored answer and its scores (rows.jsonl, as `attune runs show` reads it) and the mean of each score',
  compare: "every cached answer and its scores, each strategy's accuracy and scores, and the ranking",
};
const ADAPTERS_COMPARED =
  "; and each adapter registered in compare's own home (`--out`/work/home): the sha256 of its files (adapter.gguf, peft/*) and its steps, losses and loss curve";

for (const name of names) {
  const target = TARGETS[name]!();
  const root = mkdtempSync(join(tmpdir(), `attune-faults-${name}-`));
  try {
    const trains = name === 'compare' && trainsAdapters(values.strategies);
    const body = `${await measure(target, root, seededRandom(seed))}\n\nResult compared: ${RESULT[name]}${trains ? ADAPTERS_COMPARED : ''}.`;
    console.log(`\n${body}\n`);
    if (values.append)
      appendBenchmark(
        `Faults: kill -9 during ${name} (bench/faults-kill.ts)`,
        `nice -n 19 bash scripts/with-node.sh bench/faults-kill.ts --target ${name} --kills ${kills} --seed ${seed}${name === 'tune' ? ` --steps ${steps}` : ` --questions ${questions}`}${name === 'compare' && values.strategies !== 'base,rag' ? ` --strategies ${values.strategies} --steps ${steps}` : ''}${values['max-minutes'] ? ` --max-minutes ${maxMinutes}` : ''} --append`,
        body,
      );
  } finally {
    if (values.keep) console.log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}
