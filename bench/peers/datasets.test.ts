import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { walk } from '../../src/ingest/walk.ts';
import { DATASETS, prepareDataset } from './datasets.ts';
import { readCorpus } from './system.ts';

const out = mkdtempSync(join(tmpdir(), 'attune-peers-datasets-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.each(DATASETS)('prepareDataset(%s)', (name) => {
  it('gives the peers the document ids attune’s ingest gives, and every gold id names a corpus file', async () => {
    const dataset = await prepareDataset(name, join(out, name), 5);
    const corpus = join(dataset.dir, 'corpus');
    const peerIds = (await readCorpus(corpus)).map((d) => d.docId);
    const attuneIds = (await walk([corpus])).files.map((f) => f.docId).sort();
    expect(peerIds).toEqual(attuneIds);
    expect(peerIds).toHaveLength(dataset.documents);
    expect(dataset.questions.length).toBeGreaterThan(0);
    const ids = new Set(peerIds);
    for (const question of dataset.questions) {
      expect(question.goldDocIds.length).toBeGreaterThan(0);
      for (const gold of question.goldDocIds) expect(ids.has(gold), `${question.id}: ${gold}`).toBe(true);
    }
  });
});
