import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { formatQuestions } from '../dataset/questions.ts';
import { importFictionalKnowledge } from '../dataset/importers/fictional-knowledge.ts';
import { defaultPrices } from '../evaluate/metrics/cost.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { openStore } from '../store/open.ts';
import { datasetsDir } from '../testing/datasets.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import { runCompare } from './compare.ts';
import { parsePriorities } from './recommend.ts';

// A compare started by the server (base vs rag, with an update) on the server's runtime: the kit's embedder and
// scripted generator stand in for the models, the store is the real embedded one.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-compare-kit-'));
  const source = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
  const records = (JSON.parse(await readFile(source, 'utf8')) as unknown[]).slice(0, 3);
  const imported = importFictionalKnowledge([{ file: source, text: JSON.stringify(records) }]);
  await mkdir(join(dir, 'corpus'));
  for (const doc of imported.documents) await writeFile(join(dir, 'corpus', doc.path), doc.text);
  const questions = imported.questions.filter((q) => q.tags?.includes('mem') && /-mem-[01]$/.test(q.id));
  await writeFile(join(dir, 'questions.jsonl'), formatQuestions(questions));
  const first = imported.documents[0]!;
  await mkdir(join(dir, 'update'));
  await writeFile(join(dir, 'update', first.path), first.text.replaceAll(questions[0]!.answers[0]!, 'Varnholt'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a compare on the server's runtime", () => {
  it("borrows the server's embedder and generator, and disposes only its own stores", async () => {
    const created: string[] = [];
    const disposed: string[] = [];
    const track = <T extends { dispose(): Promise<void> }>(label: string, value: T): T => {
      created.push(label);
      const dispose = value.dispose.bind(value);
      value.dispose = async () => {
        disposed.push(label);
        await dispose();
      };
      return value;
    };
    const generator = scriptedGenerator('I do not know.');
    const config = parseConfig({ retrieval: { k: 2 } });
    const server = createRuntime({
      config,
      home: join(dir, 'server-home'),
      factories: {
        embedder: async () => track('embedder', hashingEmbedder()),
        generator: async () => track('generator', generator),
        store: async (options) => track(`store:${options.collection}`, await openStore(options)),
      },
    });
    await server.generator(); // the server has answered before: its models are loaded
    const result = await runCompare({
      corpus: join(dir, 'corpus'),
      questions: join(dir, 'questions.jsonl'),
      update: join(dir, 'update'),
      priorities: parsePriorities('accuracy=high'),
      strategies: ['base', 'rag'],
      repeats: 1,
      out: join(dir, 'out'),
      config,
      env: process.env,
      maxTokens: 16,
      metric: 'f1',
      base: '',
      prices: defaultPrices('llama', ''),
      training: { ft: { epochs: 1, maxSeqLen: 256 }, raft: { epochs: 1, maxSeqLen: 1024 } },
      runtime: server,
    });
    expect(Object.keys(result.strategies)).toEqual(['base', 'rag']);
    expect(result.strategies.rag!.metrics.questions).toBe(6);
    expect(result.freshness?.changedFacts).toBe(1);
    // one embedder and one generator for the server and its compare; the generator answered the compare's questions
    expect(created).toEqual(['generator', 'embedder', 'store:corpus', 'store:updated']);
    expect(generator.requests.length).toBeGreaterThanOrEqual(6);
    expect(disposed).toEqual(['store:updated', 'store:corpus']);
    await server.dispose();
    expect(disposed).toEqual(['store:updated', 'store:corpus', 'embedder', 'generator']);
  }, 60_000);
});
