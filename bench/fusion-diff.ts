/**
 * Two bench:fusion runs compared question by question (their --json files): per dataset, the nDCG@10 of
 * vector, keyword and the default hybrid in each run, and B − A with a paired bootstrap. Used to check that a
 * change of embedder weights (fp32 → q8) keeps retrieval quality: issue #15 asks for nDCG@10 within 0.005.
 *
 *   bash scripts/with-node.sh bench/fusion-diff.ts A.json B.json [--variant off] [--append]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pairedBootstrap } from '../src/evaluate/metrics/statistics.ts';
import { describeFusion, DEFAULT_FUSION } from '../src/store/fusion.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';
import type { DatasetScores } from './fusion-choice.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { variant: { type: 'string', default: 'off' }, append: { type: 'boolean', default: false } },
});
if (positionals.length !== 2) throw new Error('usage: fusion-diff.ts A.json B.json [--variant off] [--append]');
const [a, b] = positionals.map((file) => {
  const runs = JSON.parse(readFileSync(file, 'utf8')) as Record<string, DatasetScores[]>;
  const scored = runs[flags.variant];
  if (!scored) throw new Error(`${file}: no "${flags.variant}" variant (has ${Object.keys(runs).join(', ')})`);
  if (!scored[0]?.scores[0]?.perQuestion) throw new Error(`${file}: no per-question scores (an older bench:fusion)`);
  return scored;
}) as [DatasetScores[], DatasetScores[]];
const METHODS = ['vector', 'keyword', `hybrid ${describeFusion(DEFAULT_FUSION)}`];
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
const rows: (string | number)[][] = [];
for (const da of a) {
  const db = b.find((d) => d.dataset === da.dataset);
  if (!db) continue;
  for (const label of METHODS) {
    const [sa, sb] = [da, db].map((d) => d.scores.find((s) => s.label === label));
    if (!sa || !sb) throw new Error(`${da.dataset}: no "${label}" scores`);
    const t = pairedBootstrap(sb.perQuestion, sa.perQuestion, { resamples: 5000 })!;
    rows.push([
      da.dataset,
      label,
      sa.perQuestion.length,
      Number(sa.ndcg.toFixed(4)),
      Number(sb.ndcg.toFixed(4)),
      `${signed(t.difference)} [${signed(t.low)}, ${signed(t.high)}]`,
      Number(t.p.toFixed(3)),
    ]);
  }
}
const table = markdownTable(['dataset', 'method', 'questions', 'nDCG@10 A', 'nDCG@10 B', 'B − A [95% CI]', 'p'], rows);
console.log(table);
if (flags.append)
  appendBenchmark(
    'Retrieval quality of two bench:fusion runs, question by question (bench/fusion-diff.ts)',
    `bash scripts/with-node.sh bench/fusion-diff.ts ${positionals.join(' ')} --variant ${flags.variant} --append`,
    `A = ${positionals[0]}, B = ${positionals[1]} (each run's --json file; the runs' own sections above give their embedder, command and date). Header variant "${flags.variant}". Paired bootstrap over the same questions, 5,000 resamples.\n\n${table}`,
  );
