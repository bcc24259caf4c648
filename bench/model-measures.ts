/** The measures behind bench/models.ts, for one model in one process, appended as JSON lines. */
import { appendFileSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRagMessages } from '../src/answer/prompt.ts';
import { createStrategy } from '../src/answer/create-strategy.ts';
import { main } from '../src/cli/main.ts';
import { parseConfig } from '../src/config/config.ts';
import { createGenerator, openCollection } from '../src/runtime/backends.ts';
import { importDataset, writeImport } from '../src/dataset/import.ts';
import { tokenF1 } from '../src/evaluate/metrics/answer.ts';
import { askSql } from '../src/sql/ask.ts';
import { openDatabase } from '../src/sql/database.ts';
import { evaluateSql } from '../src/sql/evaluate.ts';
import { loadGeoquery } from '../src/sql/geoquery.ts';
import { buildSqlIndex } from '../src/sql/sql-index.ts';
import { datasetsDir } from '../src/testing/datasets.ts';
import { ensurePythonEnv } from '../src/models/python-env.ts';
import { resolveModel } from '../src/models/resolve.ts';
import { PythonTrainer } from '../src/tune/python-trainer.ts';
import { tune } from '../src/tune/tune.ts';
import type { Question } from '../src/dataset/questions.ts';

export interface ModelRecord {
  kind: 'speed' | 'clapnq' | 'geo' | 'train';
  id?: string;
  answerable?: boolean;
  f1?: number | null;
  abstained?: boolean;
  correct?: boolean | null;
  ms?: number;
  loadMs?: number;
  rssMb?: number;
  ttftMs?: number;
  tokensPerSecond?: number;
  promptTokens?: number;
  answer?: string;
  steps?: number;
  trainTokens?: number;
}

const CLAPNQ_FILES = ['answerable', 'unanswerable'].map((kind) =>
  join(datasetsDir, 'clapnq', `clapnq_dev_${kind}.jsonl`),
);

/** Imports clapnq and ingests all its gold passages once, shared by every model's process. */
export async function prepareCorpus(out: string): Promise<void> {
  if (existsSync(join(out, 'corpus.done'))) return;
  const imported = await importDataset('clapnq', CLAPNQ_FILES);
  const { corpusDir } = await writeImport(join(out, 'set'), imported);
  if (
    (await main(['node', 'attune', '--home', join(out, 'home'), 'ingest', corpusDir, '--collection', 'clapnq'])) !== 0
  )
    throw new Error('ingest failed');
  appendFileSync(join(out, 'corpus.done'), `${imported.documents.length} passages\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Answers until `clapnq`/`geo` items are done or `minutes` have passed (the interleaved order keeps every measure going). */
export async function measureModel(
  name: string,
  options: { out: string; clapnq: number; geo: number; minutes: number; threads?: number },
): Promise<void> {
  const deadline = performance.now() + options.minutes * 60_000;
  const file = join(options.out, `${name}.jsonl`);
  const done = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ModelRecord)
    : [];
  const record = (r: ModelRecord) => appendFileSync(file, `${JSON.stringify(r)}\n`);
  const config = parseConfig({
    generator: { provider: 'llama', model: name, ...(options.threads ? { threads: options.threads } : {}) },
  });
  const imported = await importDataset('clapnq', CLAPNQ_FILES);

  const loadStarted = performance.now();
  const generator = await createGenerator(config);
  const loadMs = performance.now() - loadStarted;
  if (!done.some((r) => r.kind === 'speed')) {
    const ttft: number[] = [];
    const rates: number[] = [];
    let promptTokens = 0;
    for (let round = 0; round < 3; round++) {
      // different passages each round, so no prompt prefix is reused from the previous one
      const hits: { title: string; text: string; headingPath: string[] }[] = [];
      for (const doc of imported.documents.slice(round * 20)) {
        hits.push({ title: doc.path, text: doc.text, headingPath: [] });
        if (
          (await generator.countTokens(
            buildRagMessages('What is it about?', hits)
              .map((m) => m.content)
              .join('\n'),
          )) >= 800
        )
          break;
      }
      // trim the last passage so the prompt lands near 800 tokens rather than a passage beyond it
      const last = hits.at(-1)!;
      while (
        (await generator.countTokens(
          buildRagMessages('What is it about?', hits)
            .map((m) => m.content)
            .join('\n'),
        )) > 840
      ) {
        last.text = last.text.split(' ').slice(0, -20).join(' ');
      }
      const messages = buildRagMessages(imported.questions[round]!.question, hits);
      promptTokens = await generator.countTokens(messages.map((m) => m.content).join('\n'));
      const result = await generator.generate({ messages, maxTokens: 64, temperature: 0 });
      ttft.push(result.firstTokenMs ?? result.totalMs);
      rates.push((result.usage.completionTokens - 1) / ((result.totalMs - (result.firstTokenMs ?? 0)) / 1000));
    }
    record({
      kind: 'speed',
      loadMs,
      rssMb: process.resourceUsage().maxRSS / 1024,
      ttftMs: median(ttft),
      tokensPerSecond: median(rates),
      promptTokens,
    });
  }

  const { store, embedder } = await openCollection(config, join(options.out, 'home'), 'clapnq');
  const rag = createStrategy('rag', { generator, store, embedder, retrieval: config.retrieval }, { maxTokens: 48 });
  const answerable = imported.questions.filter((q) => q.answerable).slice(0, options.clapnq);
  const unanswerable = imported.questions.filter((q) => !q.answerable).slice(0, options.clapnq);

  const geoFile = join(datasetsDir, 'geoquery', 'geography.json');
  const test = loadGeoquery(geoFile, 'test', 'query');
  const step = test.length / Math.max(1, options.geo);
  const geoItems = Array.from({ length: Math.min(options.geo, test.length) }, (_, i) => test[Math.floor(i * step)]!);
  const dbPath = join(options.out, 'geo.sqlite');
  if (!existsSync(dbPath)) copyFileSync(join(datasetsDir, 'geoquery', 'geography-db.added-in-2020.sqlite'), dbPath);
  const db = await openDatabase(dbPath);
  const index = await buildSqlIndex(
    {
      databaseId: db.id,
      dialect: db.dialect,
      tables: await db.introspect(),
      examples: loadGeoquery(geoFile, 'train', 'query'),
    },
    embedder,
  );

  const seen = new Set(done.map((r) => `${r.kind}:${r.id}`));
  const answer = async (question: Question) => {
    if (seen.has(`clapnq:${question.id}`)) return;
    const started = performance.now();
    const result = await rag.answer(question.question);
    record({
      kind: 'clapnq',
      id: question.id,
      answerable: question.answerable !== false,
      f1: question.answerable === false ? null : tokenF1(result.abstained ? '' : result.answer, question.answers),
      abstained: result.abstained,
      ms: performance.now() - started,
      answer: result.answer.slice(0, 200),
    });
  };
  // interleaved, so that a run cut short still has every measure on its first questions
  const rounds = Math.max(answerable.length, unanswerable.length, geoItems.length);
  for (let i = 0; i < rounds && performance.now() < deadline; i++) {
    if (answerable[i]) await answer(answerable[i]!);
    if (unanswerable[i]) await answer(unanswerable[i]!);
    const example = geoItems[i];
    if (example && !seen.has(`geo:${i}`)) {
      const { rows } = await evaluateSql([example], ['retrieved-schema'], {
        db,
        ask: (question, strategy) => askSql(question, { db, index, embedder, generator }, { strategy, k: 3 }),
      });
      record({
        kind: 'geo',
        id: String(i),
        correct: rows[0]!.correct,
        ms: rows[0]!.latencyMs,
        answer: `${rows[0]!.sql ?? ''}${rows[0]!.error ? ` (${rows[0]!.error.kind}: ${rows[0]!.error.message.slice(0, 120)})` : ''}`,
      });
    }
  }
  await db.dispose();
  await store.dispose();
  await embedder.dispose();
  await generator.dispose();
}

/**
 * LoRA training throughput (PyTorch + PEFT on the dequantised base, rank 16, batch 4): `steps`
 * optimiser steps on 48 clapnq question → answer pairs, 1 thread per core as the trainer sets it.
 */
export async function measureTraining(name: string, options: { out: string; steps: number }): Promise<void> {
  const file = join(options.out, `${name}.jsonl`);
  const imported = await importDataset('clapnq', CLAPNQ_FILES);
  const data = join(options.out, 'train-speed.jsonl');
  const pairs = imported.questions.filter((q) => q.answerable).slice(-48);
  writeFileSync(
    data,
    `${pairs.map((q) => JSON.stringify({ question: q.question, answer: q.answers[0] })).join('\n')}\n`,
  );
  const home = join(options.out, `train-home-${name}`);
  const result = await tune({
    home,
    name: 'speed',
    data,
    base: resolveModel(name).path,
    trainer: new PythonTrainer({ python: await ensurePythonEnv() }),
    maxSteps: options.steps,
    epochs: 10,
    maxSeqLen: 512,
    // the column is training speed: the export parity check (generation with PyTorch and llama.cpp) is not timed
    parity: false,
  });
  appendFileSync(
    file,
    `${JSON.stringify({ kind: 'train', tokensPerSecond: result.tokensPerSecond, steps: result.steps, ms: result.wallSeconds * 1000 } satisfies ModelRecord)}\n`,
  );
  rmSync(home, { recursive: true, force: true });
}
