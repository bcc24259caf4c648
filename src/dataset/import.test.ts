import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetsDir } from '../testing/datasets.ts';
import { importDataset, writeImport } from './import.ts';
import { importBeir } from './importers/beir.ts';
import { importCsv } from './importers/csv.ts';
import { importSquad } from './importers/squad.ts';
import { CLOZE_PREFIX } from '../tune/cloze.ts';
import { parseQuestions } from './questions.ts';

const clapnq = (name: string) => join(datasetsDir, 'clapnq', name);

describe('dataset importers', () => {
  it('clapnq: 300 answerable + 300 unanswerable, gold passages as documents', async () => {
    const result = await importDataset('clapnq', [
      clapnq('clapnq_dev_answerable.jsonl'),
      clapnq('clapnq_dev_unanswerable.jsonl'),
    ]);
    expect(result.errors).toEqual([]);
    expect(result.questions.filter((q) => q.answerable)).toHaveLength(300);
    expect(result.questions.filter((q) => !q.answerable)).toHaveLength(300);
    const paths = new Set(result.documents.map((d) => d.path));
    for (const q of result.questions.filter((q) => q.answerable)) expect(paths.has(q.goldDocIds![0]!)).toBe(true);
    expect(result.questions.find((q) => q.id === '6401197308716204890')!.answers[0]).toMatch(/^Seasonality/);
  });

  it('fictional-knowledge: cloze probes become questions about their document', async () => {
    const result = await importDataset('fictional-knowledge', [
      join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json'),
    ]);
    expect(result.documents).toHaveLength(130);
    expect(result.questions.length).toBeGreaterThan(130 * 10);
    const first = result.questions[0]!;
    expect(first).toMatchObject({ id: 'fk-0-mem-0', goldDocIds: ['doc-000.md'], tags: ['mem'] });
    expect(first.question).toMatch(/^Finish the sentence: The fortieth government of Mars/);
    expect(first.question).not.toContain(CLOZE_PREFIX.trim()); // never the generated training template
  });

  it('squad v2: contexts become documents, impossible questions are unanswerable', () => {
    const squad = {
      data: [
        {
          title: 'Tower',
          paragraphs: [
            {
              context: 'Built in 1889.',
              qas: [
                { id: '1', question: 'When?', answers: [{ text: '1889' }, { text: '1889' }] },
                { id: '2', question: 'Who?', answers: [], is_impossible: true },
              ],
            },
          ],
        },
      ],
    };
    const result = importSquad([{ file: 's.json', text: JSON.stringify(squad) }]);
    expect(result.documents).toEqual([{ path: 'tower/0.md', text: '# Tower\n\nBuilt in 1889.\n' }]);
    expect(result.questions).toEqual([
      { id: '1', question: 'When?', answers: ['1889'], goldDocIds: ['tower/0.md'], answerable: true },
      { id: '2', question: 'Who?', answers: [], goldDocIds: undefined, answerable: false },
    ]);
    expect(importSquad([{ file: 'bad.json', text: '{"data": 3}' }]).errors[0]!.message).toMatch(
      /^bad\.json field "data"/,
    );
  });

  it('beir: qrels link queries to corpus documents; unknown ids are reported', () => {
    const result = importBeir([
      { file: 'corpus.jsonl', text: '{"_id":"d1","title":"T","text":"alpha"}\n{"_id":"d2","text":"beta"}\n' },
      { file: 'queries.jsonl', text: '{"_id":"q1","text":"alpha?"}\n{"_id":"q2","text":"none?"}\n' },
      { file: 'qrels/test.tsv', text: 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td9\t1\n' },
    ]);
    expect(result.questions).toEqual([
      { id: 'q1', question: 'alpha?', answers: [], goldDocIds: ['d1.md'], answerable: true },
    ]);
    expect(result.errors.map((e) => e.message)).toEqual([
      'qrels/test.tsv:3 field "corpus-id": "d9" is not in the corpus',
    ]);
  });

  it('csv: question/answer columns, optional context, per-line errors', () => {
    const result = importCsv([
      {
        file: 'faq.csv',
        text: 'Question,Answer,context\nWhat is X?,A thing | An item,X is a thing.\n,orphan,\nWhy?,,\n',
      },
    ]);
    expect(result.questions).toEqual([
      {
        id: 'row-2',
        question: 'What is X?',
        answers: ['A thing', 'An item'],
        goldDocIds: ['row-2.md'],
        answerable: true,
      },
      { id: 'row-4', question: 'Why?', answers: [], goldDocIds: undefined, answerable: false },
    ]);
    expect(result.errors[0]!.message).toBe('faq.csv:3 field "question": empty');
    expect(importCsv([{ file: 'x.csv', text: 'a,b\n1,2\n' }]).errors[0]!.message).toMatch(
      /needs "question" and "answer"/,
    );
  });

  it('writes corpus/ and questions.jsonl that read back', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'attune-import-')), 'set');
    const result = importSquad([
      {
        file: 's.json',
        text: JSON.stringify({
          data: [
            {
              title: 'A',
              paragraphs: [{ context: 'c', qas: [{ id: '1', question: 'q?', answers: [{ text: 'c' }] }] }],
            },
          ],
        }),
      },
    ]);
    const written = await writeImport(out, result);
    expect(await readdir(join(out, 'corpus', 'a'))).toEqual(['0.md']);
    const back = parseQuestions(await readFile(written.questionsFile, 'utf8'), written.questionsFile);
    expect(back.errors).toEqual([]);
    expect(back.questions).toEqual([
      { id: '1', question: 'q?', answers: ['c'], goldDocIds: ['a/0.md'], answerable: true },
    ]);
    expect((await readdir(join(out, '..'))).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});
