import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { formatQuestions } from '../dataset/questions.ts';
import { importFictionalKnowledge } from '../dataset/importers/fictional-knowledge.ts';
import { datasetsDir } from '../testing/datasets.ts';
import type { CompareResult } from './assemble.ts';
import { runCompare, type CompareOptions } from './compare.ts';
import { LeakageError } from './leakage.ts';
import { parsePriorities } from './recommend.ts';
import { compareEnvironment, writeCompareOutputs } from './setup.ts';

// A tiny real comparison: 3 fictional-knowledge documents (facts no model knows), 6 held-out probes,
// base vs rag vs ft (an adapter trained for 2 steps: the test checks the plumbing, not that 2 steps teach facts).
let dir: string;
let result: CompareResult;
let options: CompareOptions;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-compare-'));
  const source = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
  const records = (JSON.parse(await readFile(source, 'utf8')) as unknown[]).slice(0, 3);
  const imported = importFictionalKnowledge([{ file: source, text: JSON.stringify(records) }]);
  await mkdir(join(dir, 'corpus'));
  for (const doc of imported.documents) await writeFile(join(dir, 'corpus', doc.path), doc.text);
  const questions = imported.questions.filter((q) => q.tags?.includes('mem') && /-mem-[01]$/.test(q.id));
  await writeFile(join(dir, 'questions.jsonl'), formatQuestions(questions));
  // the update: the first document's first probe answer changes
  const first = imported.documents[0]!;
  await mkdir(join(dir, 'update'));
  await writeFile(join(dir, 'update', first.path), first.text.replaceAll(questions[0]!.answers[0]!, 'Varnholt'));
  const config = parseConfig({ retrieval: { k: 2 } });
  const strategies = ['base', 'rag', 'ft'] as CompareOptions['strategies'];
  options = {
    corpus: join(dir, 'corpus'), questions: join(dir, 'questions.jsonl'), update: join(dir, 'update'), priorities: parsePriorities('accuracy=high'),
    strategies, repeats: 1, out: join(dir, 'out'), config, env: process.env, maxTokens: 24, metric: 'f1',
    ...(await compareEnvironment(config, process.env, strategies)),
    training: { ft: { epochs: 1, lr: 1e-3, maxSteps: 2, maxSeqLen: 256, batchSize: 2 }, raft: { epochs: 1, maxSteps: 1, maxSeqLen: 1024 }, maxQaExamples: 16 },
  };
  result = await runCompare(options);
}, 240_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('attune compare (real models, tiny)', () => {
  it('returns {strategies: {NAME: {metrics, timings, cost}}, freshness, recommendation: {ranking, rationale}}', () => {
    expect(Object.keys(result.strategies)).toEqual(['base', 'rag', 'ft']);
    for (const strategy of Object.values(result.strategies)) {
      expect(strategy.metrics.questions).toBe(6);
      expect(strategy.timings.e2e.p50).toBeGreaterThan(0);
      expect(strategy.cost.per1000).toBeGreaterThan(0);
      expect(strategy.freshness?.before.accuracy).not.toBeUndefined();
    }
    expect(result.strategies.ft!.adapter?.steps).toBe(2);
    expect(result.strategies.ft!.freshness?.update).toBe('re-train');
    expect(result.freshness?.changedFacts).toBe(1);
    expect(result.freshness?.facts[0]!.newAnswers).toEqual(['Varnholt']);
    expect(result.recommendation.ranking.map((r) => r.strategy).sort()).toEqual(['base', 'ft', 'rag']);
    expect(result.recommendation.rationale.length).toBeGreaterThan(1);
    expect(result.steps.map((s) => s.step)).toEqual(['ingest', 'training data', 'train', 'evaluate', 'freshness', 'report']);
  });

  it('rag answers the fictional facts better than the model alone', () => {
    expect(result.strategies.rag!.accuracy.mean!).toBeGreaterThan(result.strategies.base!.accuracy.mean!);
    expect(result.strategies.rag!.cost.promptTokensMean!).toBeGreaterThan(result.strategies.base!.cost.promptTokensMean!);
  });

  it('writes the HTML report and JSON, and a rerun reuses every step', async () => {
    const files = await writeCompareOutputs(result, options.out);
    const html = await readFile(files.html, 'utf8');
    expect(html).toContain('<svg');
    // 6 questions rarely decide anything: the report then says so instead of naming a strategy
    expect(html).toContain(result.recommendation.verdict === 'inconclusive' ? 'Inconclusive: no strategy recommended' : `Recommendation: ${result.recommendation.recommended}`);
    expect(JSON.parse(await readFile(files.json, 'utf8')).recommendation.ranking).toHaveLength(3);
    const again = await runCompare(options);
    expect(again.steps.find((s) => s.step === 'train')!.cached).toBe(true);
    expect(again.strategies.rag!.accuracy.mean).toBe(result.strategies.rag!.accuracy.mean);
  }, 120_000);

  it('refuses training data that contains a held-out question, naming the line', async () => {
    const train = join(dir, 'leaky.jsonl');
    const held = (await readFile(options.questions, 'utf8')).split('\n')[1]!;
    const question = JSON.parse(held) as { question: string; answers: string[] };
    await writeFile(train, `{"question": "Where is Quellton?", "answer": "On the coast."}\n${JSON.stringify({ question: question.question, answer: question.answers[0] })}\n`);
    const failure = await runCompare({ ...options, train, update: undefined }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LeakageError);
    expect((failure as Error).message).toMatch(/leaky\.jsonl:2 is the held-out question fk-0-mem-1/);
  }, 60_000);
});
