/**
 * One framework on one prepared dataset, in a process of its own so that its memory is its own:
 *   bash scripts/with-node.sh bench/peers/child.ts --system langchain --dataset DIR --out FILE.json
 * DIR holds corpus/ and questions.jsonl (bench/peers/datasets.ts writes them). Ingest is timed from the files on
 * disk to a searchable index, the model already loaded. Then, mode by mode, every question is asked once after
 * one untimed warm-up query and the best `k` chunks are kept; a mode's peak RSS is the process's at its end (the
 * modes share the index, and the lighter mode runs first, so its peak is what it would have had alone).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readQuestions } from '../../src/dataset/questions.ts';
import type { Ranking, SystemRun } from './score.ts';
import { SYSTEMS, type SystemFactory } from './system.ts';

const { values: flags } = parseArgs({
  options: {
    system: { type: 'string' },
    dataset: { type: 'string' },
    out: { type: 'string' },
    k: { type: 'string', default: '30' },
  },
});
const entry = SYSTEMS[flags.system ?? ''];
if (!entry || !flags.dataset || !flags.out) {
  console.error(`usage: child.ts --system ${Object.keys(SYSTEMS).join('|')} --dataset DIR --out FILE.json`);
  process.exit(2);
}
const name = flags.system!;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
/** CPU milliseconds (user + system, every thread) since `since`: less sensitive than wall time to other jobs. */
const cpuMsSince = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** A progress line on stderr at most every 10 s, and at the end (total 0: not known in advance). */
function progress(label: string): (done: number, total: number) => void {
  let last = performance.now();
  return (done, total) => {
    if (performance.now() - last < 10_000 && done !== total) return;
    last = performance.now();
    process.stderr.write(`  ${name}: ${label} ${done}${total ? `/${total}` : ''}\n`);
  };
}

const { questions } = await readQuestions(join(flags.dataset, 'questions.jsonl'));
const scratchDir = join(flags.dataset, `scratch-${name}`);
// a fresh index every run: attune's ingest would skip files an earlier run left in its collection
rmSync(scratchDir, { recursive: true, force: true });
mkdirSync(scratchDir, { recursive: true });
// a path computed at run time: the peers' modules are not part of attune's typecheck (see system.ts)
const module = new URL(`./systems/${entry.module}`, import.meta.url).href;
const { createSystem } = (await import(module)) as { createSystem: SystemFactory };
const system = await createSystem({ scratchDir, k: Number(flags.k) });
const runs: SystemRun[] = [];
try {
  const loadAtStart = loadavg()[0]!;
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const { chunks } = await system.ingest(join(flags.dataset, 'corpus'), progress('embedded chunks'));
  const ingestSeconds = (performance.now() - started) / 1000;
  const ingestCpuSeconds = cpuMsSince(cpuAtStart) / 1000;
  process.stderr.write(`  ${name}: ${chunks} chunks ingested in ${ingestSeconds.toFixed(1)} s\n`);
  for (const [mode, row] of Object.entries(entry.modes)) {
    try {
      await system.search(questions[0]!.question, mode);
      const latenciesMs: number[] = [];
      const cpuMs: number[] = [];
      const rankings: Ranking[] = [];
      const asked = progress(`${mode} questions`);
      for (const question of questions) {
        const before = performance.now();
        const cpuBefore = process.cpuUsage();
        const ranked = await system.search(question.question, mode);
        latenciesMs.push(performance.now() - before);
        cpuMs.push(cpuMsSince(cpuBefore));
        rankings.push({ id: question.id, ranked });
        asked(rankings.length, questions.length);
      }
      const loadAverage = { start: loadAtStart, end: loadavg()[0]! };
      runs.push({
        system: row,
        chunks,
        ingestSeconds,
        ingestCpuSeconds,
        latenciesMs,
        cpuMs,
        rankings,
        peakRssMb: peakRssMb(),
        loadAverage,
      });
    } catch (error) {
      // a mode that fails is a row that says so, not the end of the comparison
      runs.push({ system: row, error: (error as Error).message, peakRssMb: peakRssMb() });
    }
  }
} catch (error) {
  for (const row of Object.values(entry.modes))
    runs.push({ system: row, error: `ingest: ${(error as Error).message}`, peakRssMb: peakRssMb() });
} finally {
  await system.dispose();
}
writeFileSync(flags.out!, JSON.stringify(runs));
