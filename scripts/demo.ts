/**
 * `npm run demo`: the README's main job. `attune compare` on fictional-knowledge (facts no model can know):
 * base vs rag vs ft vs ft-rag vs raft on the dataset's held-out probes, with a document update for freshness,
 * scaled to finish within ~15 minutes on 2 CPU cores. Prints the table and the recommendation, writes the report,
 * and, when 9 questions cannot decide (the usual case), says so and how many would.
 * Scale knobs (env): DEMO_DOCS, DEMO_PROBES (per document), DEMO_FT_STEPS, DEMO_RAFT_STEPS, DEMO_STRATEGIES;
 * DEMO_MODEL names another catalog model or GGUF as the base (answers and adapters), to time the demo with it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progressReporter } from '../src/cli/commands/compare.ts';
import { runCompare } from '../src/compare/compare.ts';
import { parsePriorities } from '../src/compare/recommend.ts';
import { compareEnvironment, parseStrategies, writeCompareOutputs } from '../src/compare/setup.ts';
import { renderCompareSummary, sampleVerdict } from '../src/compare/summary.ts';
import { parseConfig } from '../src/config/config.ts';
import { formatQuestions, type Question } from '../src/dataset/questions.ts';
import { importFictionalKnowledge } from '../src/dataset/importers/fictional-knowledge.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const source = join(root, '..', 'shared', 'datasets', 'fictional-knowledge', 'fictional_knowledge.json');
const out = join(root, 'out', 'demo');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DOCS = env('DEMO_DOCS', 3);
const PROBES = env('DEMO_PROBES', 3);
const UPDATED_DOCS = Math.ceil(DOCS / 2);
const FT_STEPS = env('DEMO_FT_STEPS', 30);
const RAFT_STEPS = env('DEMO_RAFT_STEPS', 10);
const strategies = parseStrategies(process.env.DEMO_STRATEGIES ?? 'base,rag,ft,ft-rag,raft');
const started = performance.now();
const model = process.env.DEMO_MODEL;
let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig({ retrieval: { k: 2 }, ...(model ? { generator: { provider: 'llama', model } } : {}) });
} catch (error) {
  // the one input the demo takes besides numbers: a bad DEMO_MODEL is one line, before anything is written
  console.error(`attune demo: DEMO_MODEL: ${(error as Error).message}`);
  process.exit(2);
}

// corpus and held-out questions: the first DOCS documents and the first PROBES memorisation probes of each
const records = (JSON.parse(readFileSync(source, 'utf8')) as unknown[]).slice(0, DOCS);
const imported = importFictionalKnowledge([{ file: source, text: JSON.stringify(records) }]);
const perDoc = new Map<string, number>();
const questions: Question[] = imported.questions.filter((q) => {
  if (!q.tags?.includes('mem')) return false;
  const doc = q.goldDocIds![0]!;
  perDoc.set(doc, (perDoc.get(doc) ?? 0) + 1);
  return perDoc.get(doc)! <= PROBES;
});
const corpus = join(out, 'corpus');
const update = join(out, 'update');
rmSync(corpus, { recursive: true, force: true });
rmSync(update, { recursive: true, force: true });
const write = (folder: string, path: string, text: string) => {
  mkdirSync(dirname(join(folder, path)), { recursive: true });
  writeFileSync(join(folder, path), text);
};
for (const doc of imported.documents) write(corpus, doc.path, doc.text);
writeFileSync(join(out, 'questions.jsonl'), formatQuestions(questions));

// the update: in the first UPDATED_DOCS documents, the facts two probes ask about change (a number moves, a name is replaced)
const NAMES = ['Varnholt', 'Quessaline', 'Dorvik', 'Maelthorn', 'Ilsabeth', 'Corrowan'];
let edits = 0;
const changed: string[] = [];
for (const doc of imported.documents.slice(0, UPDATED_DOCS)) {
  let text = doc.text;
  for (const q of questions.filter((x) => x.goldDocIds![0] === doc.path).slice(0, 2)) {
    const old = q.answers[0]!;
    if (old.length < 3 || !text.includes(old)) continue;
    const replacement = /\d/.test(old)
      ? old.replace(/\d+/g, (n) => String(Number(n) + 7))
      : NAMES[edits % NAMES.length]!;
    text = text.replaceAll(old, replacement);
    changed.push(`${doc.path}: "${old}" → "${replacement}"`);
    edits++;
  }
  write(update, doc.path, text);
}

console.log(`attune demo: compare ${strategies.join(', ')} on fictional-knowledge${model ? ` with ${model}` : ''}`);
console.log(
  `scale: ${imported.documents.length} documents, ${questions.length} held-out probes (${PROBES} memorisation probes per document), 1 repeat, retrieval k=2, answers ≤ 32 tokens;`,
);
console.log(
  `       ft adapter ≤ ${FT_STEPS} steps, raft adapter ≤ ${RAFT_STEPS} steps (LoRA r16, lr 1e-3, CPU); update: ${changed.length} facts in ${UPDATED_DOCS} documents`,
);
for (const line of changed) console.log(`       ${line}`);
console.log(`output: ${out}\n`);

const environment = await compareEnvironment(config, process.env, strategies, (line) => console.log(line));
const reporter = progressReporter(true);
const result = await runCompare({
  corpus,
  questions: join(out, 'questions.jsonl'),
  update,
  priorities: parsePriorities('accuracy=high,freshness=high,latency=medium,cost=medium'),
  strategies,
  repeats: 1,
  out,
  config,
  env: process.env,
  maxTokens: 32,
  metric: 'containment',
  ...environment,
  training: {
    ft: { epochs: 3, lr: 1e-3, maxSteps: FT_STEPS, maxSeqLen: 256, batchSize: 4 },
    raft: { epochs: 1, lr: 1e-3, maxSteps: RAFT_STEPS, maxSeqLen: 1024, batchSize: 2 },
    maxQaExamples: 400,
    maxRaftExamples: RAFT_STEPS * 2,
  },
  onProgress: reporter.update,
});
reporter.stop();
const files = await writeCompareOutputs(result, out);
console.log(`\n${renderCompareSummary(result)}\n`);
console.log(`report: ${files.html}\njson:   ${files.json}`);
// the sample is sized for 15 minutes on 2 cores, not for a verdict: say plainly when it cannot decide, and what would
console.log(`\n${sampleVerdict(result.recommendation, questions.length, nextStep)}`);
console.log(`demo wall time: ${((performance.now() - started) / 1000).toFixed(0)} s`);

/** What would decide, in this demo's knobs: fictional-knowledge has 130 documents with 5 memorisation probes each. */
function nextStep(needed: number | null): string {
  const perDocument = 5;
  if (needed === null) return 'a larger DEMO_DOCS with DEMO_PROBES=5';
  if (needed > 130 * perDocument)
    return `more held-out questions than this dataset holds (about ${needed.toLocaleString('en-US')}): run \`attune compare\` on your own data with that many, or state a larger smallest effect that matters (--min-effect)`;
  return `DEMO_DOCS=${Math.ceil(needed / perDocument)} DEMO_PROBES=${perDocument} npm run demo (about ${needed.toLocaleString('en-US')} questions; far longer than 15 minutes on 2 cores)`;
}
