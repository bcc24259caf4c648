import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../config/config.ts';
import { formatQuestions } from '../../dataset/questions.ts';
import { ingest } from '../../ingest/ingest.ts';
import { describeChunking } from '../../retrieve/tuning/grid.ts';
import { openStore } from '../../store/open.ts';
import { DEFAULT_FUSION, describeFusion } from '../../store/fusion.ts';
import { hashingEmbedder } from '../../testing/hashing-embedder.ts';
import { runTuneRetrieval } from './tune-retrieval.ts';

// The command on a real embedded collection; the hashing embedder stands in for the model.
const home = mkdtempSync(join(tmpdir(), 'attune-tune-retrieval-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const embedder = hashingEmbedder();
const factories = { embedder: async () => hashingEmbedder(), store: openStore };
const config = parseConfig({ chunking: { maxTokens: 48, overlapTokens: 8 } });
const PLACES = ['Quell', 'Marrow', 'Tessik', 'Oban', 'Fennick', 'Larch'];
const flags = {
  collection: 'places',
  questions: join(home, 'questions.jsonl'),
  devFraction: '0.5',
  maxReindex: '2',
  maxQuestions: '50',
  rechunk: true,
  rerankSearch: false,
  apply: true,
};
const chunkCount = async () => {
  const store = await openStore({
    home,
    collection: 'places',
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: false,
  });
  try {
    return (await store.documents()).reduce((sum, d) => sum + d.chunks, 0);
  } finally {
    await store.dispose();
  }
};

beforeAll(async () => {
  mkdirSync(join(home, 'corpus'));
  PLACES.forEach((place, i) =>
    writeFileSync(
      join(home, 'corpus', `${place.toLowerCase()}.md`),
      `# ${place}\n\nThe ${place} mill was built in ${1800 + i} on the river. Millers from ${place} grind barley and rye for the valley.\n\n## Fair\n\nEvery spring ${place} holds a horse fair, and traders sleep in the mill loft.`,
    ),
  );
  writeFileSync(
    flags.questions,
    formatQuestions(
      PLACES.map((place, i) => ({
        id: `q${i}`,
        question: `When was the ${place} mill built?`,
        answers: [`${1800 + i}`],
        goldDocIds: [`${place.toLowerCase()}.md`],
      })),
    ),
  );
  const store = await openStore({
    home,
    collection: 'places',
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
  await ingest({
    paths: [join(home, 'corpus')],
    store,
    embedder,
    chunking: config.chunking,
    cacheDir: join(home, 'cache'),
  });
  await store.dispose();
});

describe('attune tune-retrieval', () => {
  it('reports without writing anything under --no-apply', async () => {
    const configPath = join(home, 'untouched.config.json');
    const before = await chunkCount();
    const { result, applied, file } = await runTuneRetrieval(
      { ...flags, apply: false },
      { home, config, env: process.env, configPath, factories },
    );
    expect(applied).toEqual([]);
    expect(existsSync(configPath)).toBe(false);
    expect(await chunkCount()).toBe(before);
    expect(result.split).toMatchObject({ dev: 3, heldOut: 3 });
    expect(result.heldOut?.questions).toBe(3);
    expect(JSON.parse(readFileSync(file, 'utf8')).tried).toHaveLength(result.tried.length);
  });

  it('writes the choice to the config and leaves the collection chunked as chosen', async () => {
    const configPath = join(home, 'attune.config.json');
    // re-ranking is on and not searched (--no-rerank-search): the choice must leave it on
    writeFileSync(
      configPath,
      JSON.stringify({ chunking: config.chunking, retrieval: { minVectorScore: 0.25, rerank: true } }),
    );
    const { result, applied } = await runTuneRetrieval(flags, {
      home,
      config,
      env: process.env,
      configPath,
      factories,
    });
    const written = loadConfig({ path: configPath });
    expect(written.retrieval).toMatchObject({
      k: result.chosen.k,
      mode: result.chosen.mode,
      rerank: true,
      minVectorScore: 0.25,
    });
    expect(written.retrieval.fusion).toEqual(
      describeFusion(result.chosen.fusion) === describeFusion(DEFAULT_FUSION) ? undefined : result.chosen.fusion,
    );
    expect(written.chunking).toEqual(result.chosen.chunking);
    const chosen = result.chunkings.find(
      (c) => describeChunking(c.chunking) === describeChunking(result.chosen.chunking),
    )!;
    expect(await chunkCount()).toBe(chosen.chunks);
    expect(applied.at(-1)).toContain(configPath);
  });

  it('refuses a question file it cannot judge by', async () => {
    const empty = join(home, 'empty.jsonl');
    writeFileSync(empty, `${JSON.stringify({ id: 'x', question: 'Anything?', answers: [] })}\n`);
    await expect(
      runTuneRetrieval(
        { ...flags, questions: empty },
        { home, config, env: process.env, configPath: join(home, 'c.json'), factories },
      ),
    ).rejects.toThrow(/0 usable question/);
  });
});
