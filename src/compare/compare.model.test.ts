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
    corpus: join(dir, 'corpus'),
    questions: join(dir, 'questions.jsonl'),
    update: join(dir, 'update'),
    priorities: parsePriorities('accuracy=high'),
    strategies,
    repeats: 1,
    out: join(dir, 'out'),
    config,
    env: process.env,
    maxTokens: 24,
    metric: 'f1',
    diagnostics: true,
    ...(await compareEnvironment(config, process.env, strategies)),
    training: {
      ft: { epochs: 1, lr: 1e-3, maxSteps: 2, maxSeqLen: 256, batchSize: 2 },
      raft: { epochs: 1, maxSteps: 1, maxSeqLen: 1024 },
      maxQaExamples: 16,
    },
  };
  result = await runCompare(options);
}, 1_200_000);

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
    expect(result.freshness!.facts[0]!.newAnswers).toEqual(['Varnholt']);
    // rag under `attune watch`: one debounce plus the re-index timed here; ft: the re-training timed here
    const window = result.freshness!.stalenessWindow;
    expect(window.ragUnderWatchSeconds).toBeCloseTo(0.25 + result.freshness!.reindexSeconds, 6);
    expect(window.ftRetrainSeconds).toBe(result.freshness!.retrainSeconds);
    expect(window.ftRetrainSeconds).toBeGreaterThan(0);
    expect(result.recommendation.ranking.map((r) => r.strategy).sort()).toEqual(['base', 'ft', 'rag']);
    expect(result.recommendation.rationale.length).toBeGreaterThan(1);
    expect(result.steps.map((s) => s.step)).toEqual([
      'ingest',
      'training data',
      'train',
      'evaluate',
      'diagnostics',
      'freshness',
      'report',
    ]);
  });

  it('runs the reading diagnostics of rag (the one reading strategy here) on every probe, four ways', () => {
    const rag = result.diagnostics!.rag!;
    expect(Object.keys(result.diagnostics!)).toEqual(['rag']);
    expect(rag.questions).toBe(6);
    expect(rag.metric).toBe('f1');
    // each probe's document is retrieved (hybrid search over 3 documents finds the probe's own sentence), so every condition applies
    expect(rag.goldRecall).toBe(1);
    for (const condition of ['closed-book', 'gold', 'retrieved'] as const) expect(rag.conditions[condition].n).toBe(6);
    expect(Object.values(rag.outcomes).reduce((a, b) => a + b, 0)).toBe(6);
    for (const row of rag.rows) expect(typeof row.answers.gold).toBe('string');
  });

  it('rag reads the fictional facts: it retrieves the document of every probe and pays for it in prompt tokens', () => {
    // properties that hold by construction (not two near-zero accuracies compared without a margin, issue #20):
    // a memorisation probe is a sentence of its document, so hybrid search over 3 documents finds that document
    expect(result.strategies.rag!.metrics.scores.recallAtK.mean).toBe(1);
    expect(result.strategies.rag!.cost.promptTokensMean!).toBeGreaterThan(
      result.strategies.base!.cost.promptTokensMean! + 100,
    );
    expect(result.strategies.base!.metrics.scores.recallAtK.mean).toBeNull();
  });

  it('drops generated examples that leak the held-out probes and fits the rest to --max-seq-len', () => {
    expect(result.training!.leakage!.questions).toBe(6); // every probe's own sentence was in the generated data
    expect(result.training!.leakage!.dropped.length).toBeGreaterThan(0);
    expect(result.training!.fitting!.qa!.longest).toBeLessThanOrEqual(256);
    expect(result.training!.fitting!.qa!.examples).toBe(
      result.training!.fitting!.qa!.unchanged + result.training!.fitting!.qa!.dropped,
    );
    expect(
      result
        .byTag!.filter((c) => c.tag === 'mem')
        .map((c) => c.strategy)
        .sort(),
    ).toEqual(['base', 'ft', 'rag']);
  });

  it('writes the HTML report and JSON, and a rerun reuses every step', async () => {
    const files = await writeCompareOutputs(result, options.out);
    const html = await readFile(files.html, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Reading diagnostics');
    // 6 questions rarely decide anything: the report then says so instead of naming a strategy
    expect(html).toContain(
      result.recommendation.verdict === 'inconclusive'
        ? 'Inconclusive: no strategy recommended'
        : `Recommendation: ${result.recommendation.recommended}`,
    );
    expect(JSON.parse(await readFile(files.json, 'utf8')).recommendation.ranking).toHaveLength(3);
    const notices: string[] = [];
    const again = await runCompare({ ...options, onNotice: (line) => notices.push(line) });
    expect(notices).toContain(`reusing cached: ingest, training data, ft adapter, ${6 * 3} answers`);
    expect(again.steps.find((s) => s.step === 'train')!.cached).toBe(true);
    expect(again.steps.find((s) => s.step === 'diagnostics')!.cached).toBe(true);
    expect(again.diagnostics).toEqual(result.diagnostics);
    expect(again.strategies.rag!.accuracy.mean).toBe(result.strategies.rag!.accuracy.mean);
  }, 300_000);

  it('refuses training data that contains a held-out question, naming the line', async () => {
    const train = join(dir, 'leaky.jsonl');
    const held = (await readFile(options.questions, 'utf8')).split('\n')[1]!;
    const question = JSON.parse(held) as { question: string; answers: string[] };
    await writeFile(
      train,
      `{"question": "Where is Quellton?", "answer": "On the coast."}\n${JSON.stringify({ question: question.question, answer: question.answers[0] })}\n`,
    );
    const failure = await runCompare({ ...options, train, update: undefined }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LeakageError);
    expect((failure as Error).message).toMatch(/leaky\.jsonl:2 is the held-out question fk-0-mem-1/);
  }, 60_000);
});

// Long, messy documents (issue #18): paragraphs near and over the chunk limit, unicode, an empty file, a huge
// file with no sentence end; RAFT fitted to a short --max-seq-len; one adapter fails to train, the rest finish,
// and a rerun resumes with only the failed step to do.
describe('attune compare on long, messy documents (real models, tiny)', () => {
  let messy: string;
  let first: CompareResult;
  let second: CompareResult;
  const notices: string[] = [];

  beforeAll(async () => {
    messy = await mkdtemp(join(tmpdir(), 'attune-compare-messy-'));
    const source = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
    const records = (JSON.parse(await readFile(source, 'utf8')) as unknown[]).slice(3, 5);
    const imported = importFictionalKnowledge([{ file: source, text: JSON.stringify(records) }]);
    const corpus = join(messy, 'corpus');
    await mkdir(corpus);
    // two real documents joined into one paragraph each: well over the 200-token chunk limit
    for (const doc of imported.documents) await writeFile(join(corpus, doc.path), doc.text.replace(/\n+/g, ' '));
    await writeFile(
      join(corpus, 'unicode.md'),
      '# Ünïcödé\n\nZürich–Ōsaka «été» 東京 déjà vu — the café’s naïve façade. Ωmega: ∑ ≈ ∞ 🚀 is a rocket emoji in a sentence that goes on for a while.\n',
    );
    await writeFile(join(corpus, 'empty.txt'), '');
    // ~6,000 words, no sentence end: a cloze "sentence" far over any --max-seq-len
    await writeFile(
      join(corpus, 'huge.txt'),
      Array.from({ length: 3000 }, (_, i) => `token${i % 97} stream`).join(' '),
    );
    const questions = imported.questions.filter((q) => /-(mem|gen)-0$/.test(q.id)).slice(0, 3);
    await writeFile(join(messy, 'questions.jsonl'), formatQuestions(questions));
    const config = parseConfig({ retrieval: { k: 2 } });
    const strategies = ['base', 'rag', 'ft', 'ft-rag', 'raft'] as CompareOptions['strategies'];
    const environment = await compareEnvironment(config, process.env, strategies);
    const messyOptions: CompareOptions = {
      corpus,
      questions: join(messy, 'questions.jsonl'),
      priorities: parsePriorities('accuracy=high'),
      strategies,
      repeats: 1,
      out: join(messy, 'out'),
      config,
      env: process.env,
      maxTokens: 8,
      metric: 'f1',
      ...environment,
      onNotice: (line) => notices.push(line),
      training: {
        ft: { epochs: 1, lr: 1e-3, maxSteps: 1, maxSeqLen: 256, batchSize: 2 },
        raft: { epochs: 1, lr: 1e-3, maxSteps: 1, maxSeqLen: 384, batchSize: 1 },
        maxQaExamples: 8,
        maxRaftExamples: 4,
      },
    };
    // failure injection: the RAFT adapter's training dies (the only fake here)
    const real = environment.trainer!;
    const failing = {
      id: real.id,
      tokenLengths: real.tokenLengths.bind(real),
      train: (config: Parameters<typeof real.train>[0], o?: Parameters<typeof real.train>[1]) =>
        config.outputDir.includes('raft')
          ? Promise.reject(new Error('worker killed (injected)'))
          : real.train(config, o),
    };
    first = await runCompare({ ...messyOptions, trainer: failing });
    second = await runCompare(messyOptions);
  }, 1_500_000);

  afterAll(async () => {
    if (messy) await rm(messy, { recursive: true, force: true });
  });

  it('completes and reports every strategy; the failed adapter fails only its own strategy, each answer scored as an error', () => {
    expect(Object.keys(first.strategies).sort()).toEqual(['base', 'ft', 'ft-rag', 'raft', 'rag']);
    expect(first.failures).toEqual([
      { adapter: 'raft', strategies: ['raft'], message: expect.stringContaining('worker killed (injected)') },
    ]);
    expect(first.strategies.raft!.metrics.errors).toBe(3);
    for (const name of ['base', 'rag', 'ft', 'ft-rag']) expect(first.strategies[name]!.metrics.errors).toBe(0);
    expect(first.strategies.ft!.adapter!.steps).toBe(1);
    expect(first.warnings.some((w) => w.includes('empty.txt'))).toBe(true);
  });

  it('fits every generated example: the huge sentence is dropped, RAFT distractors are cut to --max-seq-len 384', () => {
    const fitting = first.training!.fitting!;
    expect(fitting.qa!.dropped).toBeGreaterThan(0);
    expect(fitting.qa!.longest).toBeLessThanOrEqual(256);
    expect(fitting.raft!.fitted).toBeGreaterThan(0);
    expect(fitting.raft!.distractorsDropped + fitting.raft!.distractorsTrimmed).toBeGreaterThan(0);
    expect(fitting.raft!.longest).toBeLessThanOrEqual(384);
    expect(first.steps.find((s) => s.step === 'training data')!.detail).toMatch(
      /RAFT \d+ examples fitted to --max-seq-len 384/,
    );
  });

  it('prints an estimate before training, time and memory per step, and a rerun resumes from the failed step', () => {
    expect(
      notices.some((n) =>
        /^estimate: .*train ft .* — about .* \(±50%\); a reference generation ran [\d.]+× the time/.test(n),
      ),
    ).toBe(true);
    for (const step of first.steps) expect(step.peakRssMb).toBeGreaterThan(0);
    expect(notices).toContain('reusing cached: ingest, training data, ft adapter, 12 answers');
    expect(second.failures).toEqual([]);
    expect(second.strategies.raft!.metrics.errors).toBe(0);
    expect(second.strategies.raft!.adapter!.steps).toBe(1);
    expect(second.strategies.rag!.accuracy.mean).toBe(first.strategies.rag!.accuracy.mean);
  });
});
