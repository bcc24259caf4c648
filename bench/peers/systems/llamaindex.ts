import { BaseEmbedding, Document, Settings, VectorStoreIndex, type BaseRetriever } from 'llamaindex';
import { parseConfig } from '../../../src/config/config.ts';
import type { Embedder } from '../../../src/embed/embedder.ts';
import { createEmbedder } from '../../../src/runtime/backends.ts';
import { readCorpus, type SystemFactory } from '../system.ts';

/** attune's embedder behind LlamaIndex's BaseEmbedding (the framework asks for a subclass). */
class AttuneEmbedding extends BaseEmbedding {
  readonly #embedder: Embedder;
  embedded = 0;
  onProgress: (done: number, total: number) => void = () => {};

  constructor(embedder: Embedder) {
    super();
    this.#embedder = embedder;
  }

  async getTextEmbedding(text: string): Promise<number[]> {
    return (await this.getTextEmbeddings([text]))[0]!;
  }

  // a property in BaseEmbedding, so a property here; LlamaIndex hands it embedBatchSize (default 10) texts at a time
  override getTextEmbeddings = async (texts: string[]): Promise<number[][]> => {
    const vectors = (await this.#embedder.embed(texts)).map((vector) => Array.from(vector));
    this.embedded += texts.length;
    this.onProgress(this.embedded, 0);
    return vectors;
  };
}

/**
 * LlamaIndex.TS as its starter example sets it up: VectorStoreIndex.fromDocuments with the default node parser
 * (SentenceSplitter, 1,024 tokens of its default tokenizer, 200 overlap), the in-memory SimpleVectorStore and
 * index.asRetriever(). The document id is kept out of the embedded text (LlamaIndex embeds metadata by default).
 */
export const createSystem: SystemFactory = async ({ k }) => {
  const embedder = await createEmbedder(parseConfig({}));
  const embedding = new AttuneEmbedding(embedder);
  // LlamaIndex reads its models from a module-global; this child process runs one system only
  Settings.embedModel = embedding;
  let retriever: BaseRetriever | undefined;
  return {
    async ingest(corpusDir, onProgress) {
      const files = await readCorpus(corpusDir);
      const documents = files.map(
        (f) =>
          new Document({
            text: f.text,
            metadata: { docId: f.docId },
            excludedEmbedMetadataKeys: ['docId'],
            excludedLlmMetadataKeys: ['docId'],
          }),
      );
      embedding.onProgress = onProgress;
      const index = await VectorStoreIndex.fromDocuments(documents);
      retriever = index.asRetriever({ similarityTopK: k });
      return { chunks: embedding.embedded };
    },
    async search(query) {
      const found = await retriever!.retrieve({ query });
      return found.map(({ node, score }) => ({ docId: node.metadata.docId as string, score: score ?? 0 }));
    },
    async dispose() {
      await embedder.dispose();
    },
  };
};
