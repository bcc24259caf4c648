import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../errors.ts';
import { hashingEmbedder } from '../../testing/hashing-embedder.ts';
import type { ChunkRecord } from '../../types.ts';
import { generatePairs, readLabelledPairs } from './pairs.ts';

const embedder = hashingEmbedder();
const dir = mkdtempSync(join(tmpdir(), 'attune-embedder-pairs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEXTS: [string, string, string][] = [
  ['lighthouse.md', 'lighthouse.md#0', 'The Quell lighthouse was built by Mara Quell in 1862 on the northern cape.'],
  ['lighthouse.md', 'lighthouse.md#1', 'Its lamp burned whale oil until the harbour board paid for a kerosene burner.'],
  ['harbour.md', 'harbour.md#0', 'The copper harbour of Dunhaven ships ore to the southern foundries every spring.'],
  ['soup.md', 'soup.md#0', 'Barley soup with smoked eel is the dish every tavern in Dunhaven serves on feast days.'],
];

async function chunks(): Promise<ChunkRecord[]> {
  const vectors = await embedder.embed(TEXTS.map(([, , text]) => text));
  return TEXTS.map(([docId, chunkId, text], i) => ({
    chunkId,
    docId,
    source: docId,
    title: docId,
    headingPath: [],
    page: null,
    position: i,
    text,
    docHash: 'h',
    labels: [],
    tags: [],
    vector: vectors[i]!,
  }));
}

function file(name: string, lines: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n'));
  return path;
}

describe('readLabelledPairs', () => {
  it('pairs each question with the gold chunk that holds its answer, else the closest one, and counts what it skips', async () => {
    const questions = file('good.jsonl', [
      { id: 'q1', question: 'What did the lamp burn?', answers: ['whale oil'], goldDocIds: ['lighthouse.md'] },
      { id: 'q2', question: 'Who built the Quell lighthouse?', answers: ['a woman'], goldDocIds: ['lighthouse.md'] },
      { id: 'q3', question: 'What does the harbour ship?', answers: ['ore'] },
      { id: 'q4', question: 'Where is the moon base?', answers: [], answerable: false },
      { id: 'q5', question: 'Which town?', answers: ['Dunhaven'] },
      { id: 'q6', question: 'What is on the moon?', answers: ['cheese'] },
    ]);
    const set = await readLabelledPairs(questions, await chunks(), embedder, { collection: 'kit' });
    const byQuestion = Object.fromEntries(set.pairs.map((p) => [p.question, p]));
    expect(byQuestion['What did the lamp burn?']).toMatchObject({
      chunkId: 'lighthouse.md#1',
      origin: `${questions}:1`,
    });
    // no chunk of the gold document holds "a woman": the one closest to the question by the embedder
    expect(byQuestion['Who built the Quell lighthouse?']!.chunkId).toBe('lighthouse.md#0');
    // no gold document: the one chunk that holds the answer
    expect(byQuestion['What does the harbour ship?']).toMatchObject({ docId: 'harbour.md', origin: `${questions}:3` });
    expect(set.pairs).toHaveLength(3);
    expect(set.skipped).toBe(3);
    expect(set.notes.sort()).toEqual([
      '1 question(s) skipped: an answer is in several documents',
      '1 question(s) skipped: no chunk holds an answer',
      '1 question(s) skipped: unanswerable',
    ]);
  });

  it('refuses an invalid line, naming file, line and field', async () => {
    const bad = file('bad.jsonl', [
      { id: 'q1', question: 'What did the lamp burn?', answers: ['whale oil'] },
      '',
      { id: 'q2', question: '', answers: ['ore'] },
      'not json',
    ]);
    const error = await readLabelledPairs(bad, await chunks(), embedder, { collection: 'kit' }).catch((e) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect(error.message).toMatch(new RegExp(`^${bad}:3 field "question": .*\\(and 1 more invalid line\\(s\\)\\)$`));
  });

  it('refuses a gold document the collection lacks, naming its line', async () => {
    const unknown = file('unknown.jsonl', [
      { id: 'q1', question: 'What did the lamp burn?', answers: ['whale oil'], goldDocIds: ['lighthouse.md'] },
      { id: 'q2', question: 'Who rows the ferry?', answers: ['Oss'], goldDocIds: ['ferry.md'] },
    ]);
    await expect(readLabelledPairs(unknown, await chunks(), embedder, { collection: 'kit' })).rejects.toThrow(
      `${unknown}:2 field "goldDocIds": document "ferry.md" is not in collection kit`,
    );
  });

  it('says which file it cannot read', async () => {
    await expect(
      readLabelledPairs(join(dir, 'missing.jsonl'), await chunks(), embedder, { collection: 'kit' }),
    ).rejects.toThrow(/cannot read question file .*missing\.jsonl/);
  });
});

describe('generatePairs (cloze)', () => {
  it('makes one query per sentence from the start of the sentence, the same sample for the same seed', async () => {
    const all = await generatePairs(await chunks(), { mode: 'cloze' });
    expect(all.pairs).toHaveLength(4);
    for (const pair of all.pairs) {
      expect(pair.passage.startsWith(pair.question)).toBe(true);
      expect(pair.question.split(' ').length).toBeLessThan(pair.passage.split(' ').length);
      expect(pair.origin).toBe('generated: cloze');
    }
    const sample = await generatePairs(await chunks(), { mode: 'cloze', max: 2, seed: 3 });
    expect(sample.pairs).toHaveLength(2);
    expect((await generatePairs(await chunks(), { mode: 'cloze', max: 2, seed: 3 })).pairs).toEqual(sample.pairs);
  });

  it('refuses qa-llm without a generator', async () => {
    await expect(generatePairs(await chunks(), { mode: 'qa-llm' })).rejects.toThrow(/need a generator/);
  });
});
