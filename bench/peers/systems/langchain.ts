import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { EnsembleRetriever } from '@langchain/classic/retrievers/ensemble';
import { BM25Retriever } from '@langchain/community/retrievers/bm25';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import type { BaseRetriever } from '@langchain/core/retrievers';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { parseConfig } from '../../../src/config/config.ts';
import type { Embedder } from '../../../src/embed/embedder.ts';
import { createEmbedder } from '../../../src/runtime/backends.ts';
import { rankScores, readCorpus, type SystemFactory } from '../system.ts';

/** attune's embedder behind LangChain's Embeddings interface (the framework asks for a subclass). */
class AttuneEmbeddings extends Embeddings {
  readonly #embedder: Embedder;
  onProgress: (done: number, total: number) => void = () => {};

  constructor(embedder: Embedder) {
    super({});
    this.#embedder = embedder;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += 32) {
      for (const vector of await this.#embedder.embed(texts.slice(start, start + 32))) vectors.push(Array.from(vector));
      this.onProgress(vectors.length, texts.length);
    }
    return vectors;
  }

  async embedQuery(text: string): Promise<number[]> {
    return Array.from((await this.#embedder.embed([text]))[0]!);
  }
}

/**
 * LangChain.js as its retrieval tutorial sets it up: RecursiveCharacterTextSplitter with its defaults
 * (1,000 characters, 200 overlap), MemoryVectorStore (exact cosine) and its retriever. `hybrid` adds the
 * documented hybrid recipe: an EnsembleRetriever (weighted RRF, c = 60, equal weights) over BM25Retriever and it.
 */
export const createSystem: SystemFactory = async ({ k }) => {
  const embedder = await createEmbedder(parseConfig({}));
  const embeddings = new AttuneEmbeddings(embedder);
  const retrievers = new Map<string, BaseRetriever>();
  return {
    async ingest(corpusDir, onProgress) {
      const files = await readCorpus(corpusDir);
      const documents = files.map((f) => new Document({ pageContent: f.text, metadata: { docId: f.docId } }));
      const chunks = await new RecursiveCharacterTextSplitter().splitDocuments(documents);
      embeddings.onProgress = onProgress;
      const dense = (await MemoryVectorStore.fromDocuments(chunks, embeddings)).asRetriever({ k });
      const keyword = BM25Retriever.fromDocuments(chunks, { k });
      retrievers.set('dense', dense);
      retrievers.set('hybrid', new EnsembleRetriever({ retrievers: [keyword, dense], weights: [0.5, 0.5] }));
      return { chunks: chunks.length };
    },
    async search(query, mode) {
      const found = await retrievers.get(mode)!.invoke(query);
      return rankScores(found.slice(0, k).map((document) => document.metadata.docId as string));
    },
    async dispose() {
      await embedder.dispose();
    },
  };
};
