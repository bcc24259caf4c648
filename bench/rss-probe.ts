/**
 * Which part of the server's work RSS growth follows: repeats one kind of work many times in a fresh
 * process (the real runtime: LanceDB store, MiniLM embedder, SmolLM2 generator) and samples memory.
 *
 *   bash scripts/with-node.sh bench/rss-probe.ts upload|commit|search|embed|generate [--n 400] [--cache-mb 160]
 * upload: replace one of 20 documents with new text (an ingest, so a LanceDB commit), then one search;
 * commit: the same, but each document alternates between two texts, so the embeddings come from the cache
 * search: hybrid searches on a fixed collection; embed: embed two texts; generate: one chat completion of 16
 * tokens (SmolLM2, a RAG-sized prompt of varying length).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/config.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { retrieve } from '../src/retrieve/retrieve.ts';
import type { LanceStore } from '../src/store/lance-store.ts';
import { createRuntime } from '../src/runtime/runtime.ts';
import { fictionalContexts } from './fictional-contexts.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '400' },
    // the store's cache bound (config storeCacheMB; default 160; 7168 is about LanceDB's own 6 GiB + 1 GiB)
    'cache-mb': { type: 'string' },
  },
});
const KINDS = ['upload', 'commit', 'search', 'embed', 'generate'];
const kind = positionals[0] ?? 'upload';
if (!KINDS.includes(kind)) throw new Error(`kind must be one of ${KINDS.join(', ')}, got "${kind}"`);
const n = Number(flags.n);
if (!Number.isInteger(n) || n < 1) throw new Error(`--n must be a positive integer, got "${flags.n}"`);
const cacheMB = flags['cache-mb'] === undefined ? undefined : Number(flags['cache-mb']);
const contexts = fictionalContexts();

const home = mkdtempSync(join(tmpdir(), 'attune-rss-'));
const docs = join(home, 'docs');
const runtime = createRuntime({
  config: parseConfig({ generator: { provider: 'llama', threads: 1 }, ...(cacheMB ? { storeCacheMB: cacheMB } : {}) }),
  home,
});
const [store, embedder] = await Promise.all([runtime.store('probe', { create: true }), runtime.embedder()]);
mkdirSync(docs, { recursive: true });
const write = async (i: number, text: number) => {
  const path = join(docs, `doc-${i}.md`);
  writeFileSync(path, `# Document ${i}\n\n${contexts[text % contexts.length]}`);
  await ingest({
    paths: [path],
    idRoot: docs,
    store,
    embedder,
    chunking: runtime.config.chunking,
    prune: false,
    cacheDir: join(home, 'cache'),
  });
};
for (let i = 0; i < 20; i++) await write(i, i);
const mb = (b: number) => Math.round(b / 2 ** 20);
const sample = (i: number) => {
  const m = process.memoryUsage();
  console.log(
    JSON.stringify({
      i,
      rss: mb(m.rss),
      heapUsed: mb(m.heapUsed),
      external: mb(m.external),
      lanceCache: 'cachedBytes' in store ? mb((store as LanceStore).cachedBytes()) : undefined,
    }),
  );
};
for (let i = 0; i < n; i++) {
  if (i % Math.max(1, Math.round(n / 20)) === 0) sample(i);
  if (kind === 'upload' || kind === 'commit') {
    // commit: each document alternates between two texts, so its chunks' embeddings come from the cache
    await write(i % 20, kind === 'commit' ? 20 + (Math.floor(i / 20) % 2) * 20 + (i % 20) : 20 + i);
    await retrieve(store, embedder, contexts[i % 20]!.slice(0, 60), { k: 5, mode: 'hybrid' });
  } else if (kind === 'search')
    await retrieve(store, embedder, contexts[i % contexts.length]!.slice(0, 60), { k: 5, mode: 'hybrid' });
  else if (kind === 'embed') await embedder.embed([`sentence ${i}`, contexts[i % contexts.length]!.slice(0, 200)]);
  else if (kind === 'generate')
    await (await runtime.generator()).generate({
      messages: [
        { role: 'system', content: 'Answer from the documents.' },
        {
          role: 'user',
          content: `${contexts.slice(i % 20, (i % 20) + 1 + (i % 3)).join('\n\n')}\n\nQuestion ${i}: who?`,
        },
      ],
      maxTokens: 16,
    });
}
sample(n);
await runtime[Symbol.asyncDispose]();
rmSync(home, { recursive: true, force: true });
