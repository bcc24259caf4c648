import type { Question } from '../dataset/questions.ts';
import {
  buildReadingDiagnostics,
  generatorReader,
  runReadingDiagnostics,
  type DiagnosticRow,
  type ReadingDiagnostics,
} from '../evaluate/diagnostics.ts';
import type { Generator } from '../generate/generator.ts';
import { contentHash, type StepCache } from './cache.ts';
import type { CompareOptions } from './options.ts';
import type { TrainedAdapter } from './steps.ts';
import { adapterKindOf, usesCollection } from '../answer/catalog.ts';
import type { AdapterKind, CompareEmbedder, CompareStore } from './strategies.ts';

/**
 * Compare's reading diagnostics: every compared strategy that reads documents (and whose adapter trained) answers
 * each answerable question with no context, the gold passage only, the retrieved passages and distractors only.
 * Cached beside the evaluation's answers (same key plus the step name), so a rerun reuses them.
 */
export async function compareDiagnostics(input: {
  options: CompareOptions;
  cache: StepCache;
  evalKey: string;
  questions: Question[];
  generator: Generator;
  store: CompareStore;
  embedder: CompareEmbedder;
  adapters: Partial<Record<AdapterKind, TrainedAdapter>>;
  progress: (done: number, total: number) => void;
}): Promise<{ diagnostics: ReadingDiagnostics; cached: boolean }> {
  const { options } = input;
  const metric = options.metric === 'f1' ? 'f1' : 'containment';
  // the strategies that read documents (the catalog's collection strategies) whose adapter, if any, trained
  const adapterOf = (name: string) => {
    const kind = adapterKindOf(name);
    return kind ? input.adapters[kind] : undefined;
  };
  const names = options.strategies.filter((name) => usesCollection(name) && (!adapterKindOf(name) || adapterOf(name)));
  const key = contentHash(
    input.evalKey,
    'diagnostics',
    names.map((name) => [name, adapterOf(name)?.name ?? null]),
    metric,
  );
  const cached = await input.cache.get<DiagnosticRow[]>('diagnostics', key);
  if (cached) return { diagnostics: buildReadingDiagnostics(cached, metric), cached: true };
  const readers = names.map((name) => ({
    strategy: name,
    read: generatorReader(input.generator, { adapter: adapterOf(name)?.name, maxTokens: options.maxTokens }),
  }));
  const rows = await runReadingDiagnostics({
    questions: input.questions,
    readers,
    metric,
    store: input.store,
    embedder: input.embedder,
    retrieval: options.config.retrieval,
    signal: options.signal,
    onProgress: input.progress,
  });
  await input.cache.set('diagnostics', key, rows);
  return { diagnostics: buildReadingDiagnostics(rows, metric), cached: false };
}
