import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseConfig } from '../../config/config.ts';
import { UsageError } from '../../errors.ts';
import { writeAtomic } from '../../io/atomic-write.ts';
import { DEFAULT_FUSION, describeFusion } from '../../store/fusion.ts';
import type { Store } from '../../store/store.ts';
import type { ChunkRecord } from '../../types.ts';
import type { RetrievalChoice } from './tune.ts';

/**
 * Writes the choice into the config file in one atomic replace: `retrieval.k`, `mode`, `fusion`, `rerank` (when searched),
 * and `chunking` (which the next `ingest` uses); every other field is kept as written. The file is checked
 * against the config schema before it replaces the old one, so a bad write never lands.
 */
export async function writeRetrievalChoice(configPath: string, choice: RetrievalChoice): Promise<void> {
  let raw: Record<string, any> = {};
  if (existsSync(configPath)) {
    try {
      raw = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (error) {
      throw new UsageError(`${configPath}: not valid JSON, nothing was written: ${(error as Error).message}`, {
        input: configPath,
      });
    }
  }
  const { fusion: _, ...retrieval } = raw.retrieval ?? {};
  const next = {
    ...raw,
    chunking: { ...raw.chunking, ...choice.chunking },
    retrieval: {
      ...retrieval,
      k: choice.k,
      mode: choice.mode,
      ...(choice.rerank === undefined ? {} : { rerank: choice.rerank }),
      // the default fusion is left out, so the file follows the default; any other (plain rrf included) is written
      ...(choice.mode === 'hybrid' && choice.fusion && describeFusion(choice.fusion) !== describeFusion(DEFAULT_FUSION)
        ? { fusion: choice.fusion }
        : {}),
    },
  };
  parseConfig(next, configPath);
  await writeAtomic(configPath, `${JSON.stringify(next, null, 2)}\n`);
}

/**
 * Replaces every chunk of `target` with the re-chunked variant's in ONE store write (atomic in every backend:
 * a reader sees the old chunking or the new one), so the collection need not be ingested again.
 */
export async function replaceChunks(target: Store, variant: Store): Promise<number> {
  const upsert: ChunkRecord[] = [];
  for await (const page of variant.exportChunks()) upsert.push(...page);
  const removeDocIds = (await target.documents()).map((d) => d.docId);
  await target.write({ upsert, removeDocIds });
  return upsert.length;
}
