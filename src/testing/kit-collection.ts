import type { Embedder } from '../embed/embedder.ts';
import type { ChunkRecord } from '../types.ts';
import { MemoryStore } from './memory-store.ts';

/** An in-memory collection of one-chunk documents, embedded with the given embedder: `docId` → its text. */
export async function kitCollection(
  embedder: Embedder,
  docs: { docId: string; text: string }[],
  collection = 'kit',
): Promise<MemoryStore> {
  const store = new MemoryStore({ collection, dimension: embedder.dimension });
  const vectors = await embedder.embed(docs.map((d) => d.text));
  const upsert: ChunkRecord[] = docs.map((d, i) => ({
    chunkId: `${d.docId}#0`,
    docId: d.docId,
    source: `corpus/${d.docId}`,
    title: d.docId,
    headingPath: [],
    page: null,
    position: 0,
    text: d.text,
    docHash: 'h',
    labels: [],
    tags: [],
    vector: vectors[i]!,
  }));
  await store.write({ upsert, removeDocIds: [] });
  return store;
}
