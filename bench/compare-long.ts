/**
 * bench/compare-long: `attune compare` as a new user runs it (the CLI) on long paragraphs — issue #18's case:
 * 120 paragraphs (fictional-knowledge documents; every third one extended with its paraphrases to up to
 * 1,500 tokens of the base model), 12 held-out generalisation probes, an update that edits 3 paragraphs.
 * Reports the estimate printed before training against the time the same steps took, and how the generated
 * training data was fitted and leak-checked. Reads ../shared/datasets; writes only under out/.
 *   bash scripts/with-node.sh bench/compare-long.ts [--max-steps 60] [--raft-max-steps 20] [--max-train-examples 160] [--append]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CompareResult } from '../src/compare/assemble.ts';
import { formatDuration } from '../src/compare/estimate.ts';
import { modelsDir } from '../src/config/paths.ts';
import { formatQuestions, type Question } from '../src/dataset/questions.ts';
import { PROBE_PREFIX } from '../src/dataset/importers/fictional-knowledge.ts';
import { DEFAULT_GENERATOR_FILE } from '../src/models/catalog.ts';
import { datasetsDir } from '../src/testing/datasets.ts';
import { loadChatTokenizer } from '../src/tune/chat-tokens.ts';
import { describeFit } from '../src/tune/fit.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';

const { values } = parseArgs({
  options: {
    'max-steps': { type: 'string', default: '60' },
    'raft-max-steps': { type: 'string', default: '20' },
    'max-train-examples': { type: 'string', default: '160' },
    append: { type: 'boolean', default: false },
  },
});
const PARAGRAPHS = 120;
const MAX_TOKENS = 1500;
const root = join(import.meta.dirname, '..');
const out = join(root, 'out', 'bench-compare-long');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'corpus'), { recursive: true });
mkdirSync(join(out, 'update'), { recursive: true });

interface Record {
  train_context: string;
  gen_input: string[];
  gen_target: string[];
  paraphrases?: string[];
}
const records = JSON.parse(
  readFileSync(join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json'), 'utf8'),
) as Record[];
const paraphrased = JSON.parse(
  readFileSync(join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge_paraphrased.json'), 'utf8'),
) as Record[];
const tokenizer = await loadChatTokenizer(join(modelsDir(), DEFAULT_GENERATOR_FILE));
const flat = (text: string) => text.replace(/\s+/g, ' ').trim();
const lengths: number[] = [];
const texts: string[] = [];
for (let i = 0; i < PARAGRAPHS; i++) {
  let text = flat(records[i]!.train_context);
  // every third paragraph grows with the document's paraphrases, sentence by sentence, up to 1,500 tokens
  if (i % 3 === 0) {
    for (const sentence of (paraphrased[i]!.paraphrases ?? []).flatMap((p) => flat(p).split(/(?<=[.!?])\s+/))) {
      if (tokenizer.countText(`${text} ${sentence}`) > MAX_TOKENS) break;
      text = `${text} ${sentence}`;
    }
  }
  texts.push(text);
  lengths.push(tokenizer.countText(text));
  writeFileSync(join(out, 'corpus', `p${String(i).padStart(3, '0')}.md`), `${text}\n`);
}
await tokenizer.dispose();
const questions: Question[] = Array.from({ length: 12 }, (_, n) => n * 10).map((i) => ({
  id: `fk-${i}-gen-0`,
  question: `${PROBE_PREFIX}${records[i]!.gen_input[0]!.trim()}`,
  answers: [records[i]!.gen_target[0]!],
  goldDocIds: [`p${String(i).padStart(3, '0')}.md`],
  answerable: true,
  tags: ['gen'],
}));
writeFileSync(join(out, 'questions.jsonl'), formatQuestions(questions));
// the update edits 3 paragraphs: the answer of their probe changes
for (const question of questions.slice(0, 3)) {
  const doc = question.goldDocIds![0]!;
  writeFileSync(
    join(out, 'update', doc),
    `${texts[Number(doc.slice(1, 4))]!.replaceAll(question.answers[0]!, 'Varnholt')}\n`,
  );
}
const sorted = [...lengths].sort((a, b) => a - b);
console.log(
  `corpus: ${PARAGRAPHS} paragraphs, tokens min ${sorted[0]} / median ${sorted[PARAGRAPHS >> 1]} / max ${sorted.at(-1)}`,
);

const args = [
  '--home',
  join(out, 'home'),
  'compare',
  '--corpus',
  join(out, 'corpus'),
  '--questions',
  join(out, 'questions.jsonl'),
  '--update',
  join(out, 'update'),
  '--out',
  join(out, 'result'),
  '--metric',
  'containment',
  '--max-steps',
  values['max-steps']!,
  '--raft-max-steps',
  values['raft-max-steps']!,
  '--max-train-examples',
  values['max-train-examples']!,
  '--progress',
];
const command = `bash scripts/with-node.sh src/cli/main.ts ${args.join(' ')}`;
const started = performance.now();
const log = createWriteStream(join(out, 'compare.log'));
const code = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', join(root, 'src', 'cli', 'main.ts'), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(log);
  child.stderr.on('data', (data: Buffer) => {
    log.write(data);
    for (const line of data.toString().split('\n'))
      if (line.startsWith('attune:') || /^\[\d\/\d\]/.test(line)) console.log(line);
  });
  child.on('close', (status) => resolve(status ?? 1));
});
const wall = (performance.now() - started) / 1000;
if (code !== 0) throw new Error(`compare exited with ${code}: see ${join(out, 'compare.log')}`);
const result = JSON.parse(readFileSync(join(out, 'result', 'compare.json'), 'utf8')) as CompareResult;
const estimate = result.estimate!;
const ratio = estimate.actualSeconds / estimate.seconds;
const fitting = result.training!.fitting!;
const lines = [
  `Corpus: ${PARAGRAPHS} paragraphs (fictional-knowledge documents, every third extended with its paraphrases), ${sorted[0]}–${sorted.at(-1)} tokens of the base model (median ${sorted[PARAGRAPHS >> 1]}); 12 held-out generalisation probes; an update editing 3 paragraphs. Settings: \`--max-steps ${values['max-steps']} --raft-max-steps ${values['raft-max-steps']} --max-train-examples ${values['max-train-examples']}\`, everything else the CLI defaults.`,
  '',
  markdownTable(
    ['step', 'seconds', 'peak MB', 'detail'],
    result.steps.map((s) => [s.step, Math.round(s.seconds), s.peakRssMb ?? '–', s.detail.replaceAll('|', '/')]),
  ),
  '',
  `- estimate printed before training: ${formatDuration(estimate.seconds)} (${estimate.steps.map((s) => `${s.step} ${Math.round(s.seconds)} s`).join(', ')}); the same steps took ${formatDuration(estimate.actualSeconds)}: actual / estimate = ${ratio.toFixed(2)} (${ratio >= 0.5 && ratio <= 1.5 ? 'within' : 'outside'} ±50%). Whole command: ${formatDuration(wall)}.`,
  `- Q/A: ${fitting.qa ? describeFit(fitting.qa) : 'given'}; RAFT: ${fitting.raft ? describeFit(fitting.raft) : '–'}.`,
  `- leakage: ${result.training!.leakage!.examples} generated example(s) dropped, leaking ${result.training!.leakage!.questions} held-out question(s) (${Object.entries(
    result.training!.leakage!.byReason,
  )
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}).`,
  `- failures: ${result.failures?.length ? result.failures.map((f) => `${f.adapter}: ${f.message}`).join('; ') : 'none'}; warnings: ${result.warnings.length}.`,
  `- accuracy (${result.metric}): ${Object.entries(result.strategies)
    .map(([name, s]) => `${name} ${s.accuracy.mean?.toFixed(2) ?? 'n/a'}`)
    .join(', ')}; recommended: ${result.recommendation.recommended}.`,
];
console.log(lines.join('\n'));
if (values.append)
  appendBenchmark(
    'attune compare on 120 long paragraphs: estimate vs actual (bench/compare-long.ts)',
    `bash scripts/with-node.sh bench/compare-long.ts --max-steps ${values['max-steps']} --raft-max-steps ${values['raft-max-steps']} --max-train-examples ${values['max-train-examples']} --append`,
    `${lines.join('\n')}\n\nThe CLI command it ran: \`${command}\``,
  );
