import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrategy } from '../../answer/create-strategy.ts';
import { parseConfig } from '../../config/config.ts';
import { createEmbedder, createGenerator } from '../../runtime/backends.ts';
import type { Embedder } from '../../embed/embedder.ts';
import type { Generator } from '../../generate/generator.ts';
import { ingest } from '../../ingest/ingest.ts';
import { datasetsDir } from '../../testing/datasets.ts';
import { startPgliteServer, type PgliteServer } from '../../testing/pglite-server.ts';
import { openStore } from '../open.ts';
import type { Store } from '../store.ts';

const docs = JSON.parse(readFileSync(join(datasetsDir, 'fictional-knowledge/fictional_knowledge.json'), 'utf8')) as {
  train_context: string;
}[];
const home = mkdtempSync(join(tmpdir(), 'attune-pg-model-'));
const config = parseConfig({});
let server: PgliteServer;
let embedder: Embedder;
let generator: Generator;
let store: Store;

beforeAll(async () => {
  server = await startPgliteServer();
  embedder = await createEmbedder(config);
  generator = await createGenerator(config);
  mkdirSync(join(home, 'corpus'));
  docs
    .slice(0, 4)
    .forEach((doc, i) => writeFileSync(join(home, 'corpus', `doc${i}.md`), `# Document ${i}\n\n${doc.train_context}`));
  store = await openStore({
    home,
    url: `${server.url}?pool_max=4`,
    collection: 'fk',
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
}, 120_000);
afterAll(async () => {
  await store?.dispose();
  await Promise.all([embedder?.dispose(), generator?.dispose()]);
  await server?.stop();
});

describe('Postgres store with the real embedder and generator', () => {
  it('ingests, retrieves the right document and answers with a citation to it', async () => {
    const result = await ingest({
      paths: [join(home, 'corpus')],
      store,
      embedder,
      chunking: { maxTokens: 128, overlapTokens: 16 },
      cacheDir: join(home, 'cache'),
    });
    expect(result).toMatchObject({ added: 4, failed: [] });
    expect((await store.documents()).map((d) => d.docId)).toEqual(['doc0.md', 'doc1.md', 'doc2.md', 'doc3.md']);

    const question = 'When was the fortieth government of Mars, the Zorgon–Calidus government, officially constituted?';
    const [vector] = await embedder.embed([question]);
    const hits = await store.search({ mode: 'hybrid', vector, text: question, k: 3 });
    expect(hits[0]).toMatchObject({ docId: 'doc0.md', title: 'Document 0' });

    const rag = createStrategy('rag', { generator, store, embedder, retrieval: config.retrieval }, { maxTokens: 48 });
    const answer = await rag.answer(question, { temperature: 0, seed: 1 });
    expect(answer.abstained).toBe(false);
    expect(answer.retrieved.map((h) => h.docId)).toContain('doc0.md');
    expect(answer.citations.map((c) => c.docId)).toContain('doc0.md');
  }, 90_000);
});
