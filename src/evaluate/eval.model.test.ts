import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { datasetsDir } from '../testing/datasets.ts';
import type { EvalReport } from './eval-report.ts';

async function firstLines(file: string, n: number): Promise<string> {
  return `${(await readFile(file, 'utf8')).split('\n').filter(Boolean).slice(0, n).join('\n')}\n`;
}

async function attune(...args: string[]): Promise<void> {
  const code = await main(['node', 'attune', ...args]);
  expect(code, `attune ${args.join(' ')}`).toBe(0);
}

describe('attune eval end to end (real embedder, store and generator)', () => {
  it('clapnq slice: rag beats base on F1 and faithfulness; JSON and HTML written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-eval-model-'));
    const home = join(dir, 'home');
    // 6 answerable + 2 unanswerable questions; their passages are the whole corpus
    await writeFile(
      join(dir, 'answerable.jsonl'),
      await firstLines(join(datasetsDir, 'clapnq', 'clapnq_dev_answerable.jsonl'), 6),
    );
    await writeFile(
      join(dir, 'unanswerable.jsonl'),
      await firstLines(join(datasetsDir, 'clapnq', 'clapnq_dev_unanswerable.jsonl'), 2),
    );
    await attune(
      '--home',
      home,
      'dataset',
      'import',
      '--from',
      'clapnq',
      join(dir, 'answerable.jsonl'),
      join(dir, 'unanswerable.jsonl'),
      '--out',
      join(dir, 'set'),
    );
    await attune('--home', home, 'ingest', join(dir, 'set', 'corpus'), '--collection', 'clapnq');
    const json = join(dir, 'report.json');
    const html = join(dir, 'report.html');
    await attune(
      '--home',
      home,
      'eval',
      '--dataset',
      join(dir, 'set', 'questions.jsonl'),
      '--collection',
      'clapnq',
      '--strategies',
      'base,rag',
      '--max-tokens',
      '48',
      '--diagnostics',
      '--json',
      json,
      '--html',
      html,
    );

    const report = JSON.parse(await readFile(json, 'utf8')) as EvalReport;
    expect(Object.keys(report.strategies)).toEqual(['base', 'rag']);
    const [base, rag] = [report.strategies.base!, report.strategies.rag!];
    expect(base.items).toHaveLength(8);
    expect(rag.items).toHaveLength(8);
    expect(rag.metrics.errors).toBe(0);
    expect(rag.metrics.scores.f1.mean!).toBeGreaterThan(base.metrics.scores.f1.mean!);
    expect(rag.metrics.scores.faithfulness.mean!).toBeGreaterThan(base.metrics.scores.faithfulness.mean ?? 0);
    expect(rag.metrics.scores.recallAtK.mean!).toBeGreaterThan(0.5);
    expect(rag.metrics.latency.retrieve.p50!).toBeGreaterThan(0);
    expect(rag.items.every((item) => item.retrieved!.length > 0)).toBe(true);

    // reading diagnostics: rag only (base reads nothing), the 6 answerable questions, four conditions each
    const diagnostics = report.diagnostics!;
    expect(Object.keys(diagnostics)).toEqual(['rag']);
    const d = diagnostics.rag!;
    expect(d.questions).toBe(6);
    expect(d.conditions.gold.n).toBe(6);
    expect(d.conditions['closed-book'].n).toBe(6);
    expect(Object.values(d.outcomes).reduce((a, b) => a + b, 0)).toBe(6);
    // the same retrieval as the run: its gold recall is the run's recall@k on these questions
    const answerable = rag.items.filter((item) => item.answerable);
    expect(d.goldRecall).toBeCloseTo(
      answerable.reduce((s, item) => s + (item.scores!.recallAtK ?? 0), 0) / answerable.length,
      10,
    );
    // the "retrieved" condition is the rag prompt on the same passages at temperature 0: the run's own answers
    for (const item of answerable.filter((i) => !i.abstained))
      expect(d.rows.find((r) => r.questionId === item.questionId)!.answers.retrieved).toBe(item.answer);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('Reading diagnostics');
    expect(page).toContain('<svg');
    expect(page).toContain(rag.items[0]!.question);
    expect(page).toContain('Accuracy vs latency');

    const runDir = join(home, 'runs', report.runId);
    expect((await readFile(join(runDir, 'rows.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(16);
    expect(JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8'))).toMatchObject({
      status: 'complete',
      strategies: ['base', 'rag'],
      collection: 'clapnq',
    });
  });
});
