// attune embedded in another Node program: index a folder, then answer a question from it with
// numbered citations. Run it from a checkout: node examples/embed.ts FOLDER "QUESTION"
import {
  createEmbedder,
  createGenerator,
  createStrategy,
  ingest,
  loadConfig,
  openStore,
  type Embedder,
  type Generator,
} from 'attune';
import { join } from 'node:path';

export async function answerFromFolder(options: {
  folder: string;
  question: string;
  home: string;
  embedder: Embedder;
  generator: Generator;
}) {
  const { folder, question, home, embedder, generator } = options;
  const store = await openStore({
    home,
    collection: 'docs',
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
  try {
    const indexed = await ingest({
      paths: [folder],
      store,
      embedder,
      chunking: { maxTokens: 200, overlapTokens: 32 },
      cacheDir: join(home, 'cache'),
    });
    const rag = createStrategy('rag', {
      generator,
      store,
      embedder,
      retrieval: { k: 4, mode: 'hybrid', minVectorScore: 0.3 },
    });
    const answer = await rag.answer(question);
    return { indexed, answer };
  } finally {
    await store.dispose();
  }
}

if (import.meta.main) {
  const [folder, question] = process.argv.slice(2);
  if (!folder || !question) throw new Error('usage: node examples/embed.ts FOLDER "QUESTION"');
  // the local default models (`attune models pull`), or whatever attune.config.json names
  const config = loadConfig();
  const embedder = await createEmbedder(config);
  const generator = await createGenerator(config);
  try {
    const { answer } = await answerFromFolder({ folder, question, home: '.attune-example', embedder, generator });
    console.log(answer.answer);
    for (const citation of answer.citations) console.log(`[${citation.n}] ${citation.source}`);
  } finally {
    await generator.dispose();
    await embedder.dispose();
  }
}
