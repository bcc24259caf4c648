import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../config/config.ts';
import { importFictionalKnowledge } from '../dataset/importers/fictional-knowledge.ts';
import { formatQuestions, type Question } from '../dataset/questions.ts';
import { defaultPrices } from '../evaluate/metrics/cost.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { listCollections, openStore } from '../store/open.ts';
import { datasetsDir } from '../testing/datasets.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import { runCompare } from './compare.ts';
import type { CompareOptions } from './options.ts';
import { parsePriorities } from './recommend.ts';

// rag-ft-retriever on the kit: the "tuned embedder" is a hashing embedder of another size, so the re-embedded
// copy is told apart from the corpus by the embedder it records
let dir: string;
let heldOut: Question[];
let tuned: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-ft-retriever-'));
  const source = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
  const records = (JSON.parse(await readFile(source, 'utf8')) as unknown[]).slice(0, 3);
  const imported = importFictionalKnowledge([{ file: source, text: JSON.stringify(records) }]);
  await mkdir(join(dir, 'corpus'));
  for (const doc of imported.documents) await writeFile(join(dir, 'corpus', doc.path), doc.text);
  heldOut = imported.questions.filter((q) => q.tags?.includes('gen')).slice(0, 6);
  await writeFile(join(dir, 'questions.jsonl'), formatQuestions(heldOut));
  tuned = join(dir, 'embedders', 'kit-ft');
  await mkdir(tuned, { recursive: true });
  await writeFile(join(tuned, 'meta.json'), JSON.stringify({ createdAt: 't', data: { sha256: 'abc' } }));
  // one training question is a held-out one: the report must say so
  const rows = [
    { anchor: heldOut[0]!.question, positive: 'a passage' },
    { anchor: 'Something else entirely about ships?', positive: 'another passage' },
  ];
  await writeFile(join(tuned, 'train-pairs.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const options = (config: Config, out: string, extra: Partial<CompareOptions>): CompareOptions => ({
  corpus: join(dir, 'corpus'),
  questions: join(dir, 'questions.jsonl'),
  priorities: parsePriorities('accuracy=high'),
  strategies: ['rag', 'rag-ft-retriever'],
  repeats: 1,
  out,
  config,
  env: process.env,
  maxTokens: 16,
  metric: 'f1',
  base: '',
  prices: defaultPrices('llama', ''),
  training: { ft: { epochs: 1, maxSeqLen: 256 }, raft: { epochs: 1, maxSeqLen: 1024 } },
  ...extra,
});

describe('compare with rag-ft-retriever', () => {
  it('re-embeds the corpus with the tuned embedder once, answers from that copy and warns of leaked questions', async () => {
    const config = parseConfig({ retrieval: { k: 2 } });
    const made: string[] = [];
    const runtime = createRuntime({
      config,
      home: join(dir, 'server-home'),
      factories: {
        embedder: async (c) => {
          made.push(c.embedder.model ?? 'default');
          return c.embedder.model === tuned ? hashingEmbedder({ dimension: 96 }) : hashingEmbedder();
        },
        generator: async () => scriptedGenerator('I do not know.'),
        store: openStore,
      },
    });
    const out = join(dir, 'out');
    try {
      const result = await runCompare(options(config, out, { runtime, tunedEmbedder: tuned }));
      expect(Object.keys(result.strategies)).toEqual(['rag', 'rag-ft-retriever']);
      expect(result.strategies['rag-ft-retriever']!.metrics.questions).toBe(6);
      const step = result.steps.find((s) => s.step === 're-embed')!;
      expect(step.cached).toBe(false);
      expect(step.detail).toMatch(/chunks embedded with hashing-96; 1 held-out question\(s\) leaked/);
      expect(result.warnings.join('\n')).toMatch(/rag-ft-retriever: .* leak 1 held-out question/);
      expect(made).toEqual(['default', tuned]);
      const collections = await listCollections(join(out, 'work', 'home'));
      const copy = collections.find((c) => c.name === 'corpus-ft-retriever')!;
      expect([copy.embedderId, copy.dimension]).toEqual(['hashing-96', 96]);
      // a rerun reuses the copy
      const again = await runCompare(options(config, out, { runtime, tunedEmbedder: tuned }));
      expect(again.steps.find((s) => s.step === 're-embed')!.cached).toBe(true);
    } finally {
      await runtime.dispose();
    }
  }, 120_000);

  it('refuses rag-ft-retriever without a tuned embedder, before doing anything', async () => {
    const config = parseConfig({});
    const out = join(dir, 'refused');
    await expect(runCompare(options(config, out, {}))).rejects.toThrow(/rag-ft-retriever needs --tuned-embedder NAME/);
    await expect(runCompare(options(config, out, { tunedEmbedder: join(dir, 'nope') }))).rejects.toThrow(
      /is not a tuned embedder/,
    );
  });
});
