import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError, UsageError } from '../../errors.ts';
import { hashingEmbedder } from '../../testing/hashing-embedder.ts';
import { kitCollection } from '../../testing/kit-collection.ts';
import {
  checkEmbedderName,
  commitEmbedder,
  embeddersDir,
  listEmbedders,
  loadEmbedderMeta,
  stageEmbedder,
  type EmbedderMeta,
} from './registry.ts';
import { tuneEmbedder } from './tune-embedder.ts';

const root = mkdtempSync(join(tmpdir(), 'attune-embedders-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const meta = (name: string, collection = 'kit'): EmbedderMeta =>
  ({ name, collection, base: { id: 'all-MiniLM-L6-v2', dir: '/base' }, heldOut: null }) as EmbedderMeta;

/** A staged folder with the files transformers.js needs (their contents do not matter here). */
async function staged(home: string, name: string): Promise<string> {
  const dir = await stageEmbedder(home, name);
  mkdirSync(join(dir, 'onnx'));
  for (const file of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) writeFileSync(join(dir, file), '{}');
  return dir;
}

describe('the tuned-embedder registry', () => {
  it('registers a staged folder under its name, replacing an old one, and lists it', async () => {
    const home = join(root, 'commit');
    await commitEmbedder(home, await staged(home, 'docs-ft'), meta('docs-ft', 'first'));
    await commitEmbedder(home, await staged(home, 'docs-ft'), meta('docs-ft', 'second'));
    expect((await loadEmbedderMeta(home, 'docs-ft')).collection).toBe('second');
    expect((await listEmbedders(home)).map((m) => m.name)).toEqual(['docs-ft']);
    expect(readdirSync(embeddersDir(home))).toEqual(['docs-ft']);
  });

  it('refuses an incomplete folder, and clears what a killed run left staged', async () => {
    const home = join(root, 'incomplete');
    const dir = await stageEmbedder(home, 'half');
    await expect(commitEmbedder(home, dir, meta('half'))).rejects.toThrow(ModelError);
    expect(existsSync(join(embeddersDir(home), 'half'))).toBe(false);
    await stageEmbedder(home, 'half');
    expect(readdirSync(embeddersDir(home)).filter((e) => e.startsWith('.staging-half-'))).toHaveLength(1);
    await expect(loadEmbedderMeta(home, 'half')).rejects.toThrow(/unknown tuned embedder "half"/);
  });

  it('refuses names that are no folder name, or the base model’s own', () => {
    expect(() => checkEmbedderName('../x')).toThrow(UsageError);
    expect(() => checkEmbedderName('all-MiniLM-L6-v2')).toThrow(/base model/);
    expect(checkEmbedderName('docs-minilm.v2')).toBe('docs-minilm.v2');
  });
});

describe('tuneEmbedder when training fails', () => {
  it('leaves the registered embedder of that name as it was and nothing staged, and points at the trace', async () => {
    const home = join(root, 'failing');
    await commitEmbedder(home, await staged(home, 'docs-ft'), meta('docs-ft', 'before'));
    // failure injection: a "python" that reports an out-of-memory error, as the worker does
    const python = join(root, 'fake-python.sh');
    writeFileSync(
      python,
      '#!/bin/sh\ncat >/dev/null\necho \'{"event": "start", "total": 3}\'\necho \'{"event": "error", "kind": "oom", "message": "out of memory", "log": "/x/train.log"}\'\nexit 1\n',
    );
    chmodSync(python, 0o755);
    const embedder = hashingEmbedder();
    const docs = Array.from({ length: 12 }, (_, i) => ({
      docId: `doc-${i}.md`,
      text: `Document ${i} tells how the keeper number ${i} of the Quell lighthouse trimmed its lamp every night in winter.`,
    }));
    const store = await kitCollection(embedder, docs);
    const run = tuneEmbedder({
      home,
      name: 'docs-ft',
      collection: 'kit',
      store,
      embedder,
      baseDir: '/base',
      python,
      source: { generate: 'cloze' },
      devFraction: 0.75,
      epochs: 1,
      batchSize: 4,
      lr: 2e-5,
      seed: 7,
    });
    await expect(run).rejects.toThrow('training failed (oom): out of memory: lower --batch-size (trace: /x/train.log)');
    expect((await loadEmbedderMeta(home, 'docs-ft')).collection).toBe('before');
    expect(readdirSync(embeddersDir(home)).filter((e) => e.startsWith('.staging'))).toEqual([]);
  });
});
