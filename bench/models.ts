/**
 * The model table: for each catalog model, load time, peak RSS, time to first token on a ~800-token
 * RAG prompt, generation tokens/s, rag token F1 on clapnq answerable questions, abstention on
 * unanswerable ones, GeoQuery execution accuracy (query split, retrieved-schema) — measured in a
 * child process per model so RSS is that model's. Every answer is appended to `<out>/NAME.jsonl`
 * as it comes, so a long run can be read (and resumed) while it goes; `--table` renders the
 * results so far and appends them to BENCHMARKS.md.
 *
 *   bash scripts/with-node.sh bench/models.ts --out /tmp/model-bench [--models a,b] [--clapnq 100] [--geo 40] [--minutes 30]
 * (`--threads N`: llama.cpp threads, default all cores but one; `--minutes`: per model; it stops answering then, and the table says how many items each cell covers)
 *   bash scripts/with-node.sh bench/models.ts --out /tmp/model-bench --models a,b --train 6   # LoRA tokens/s, 6 steps
 *   bash scripts/with-node.sh bench/models.ts --out /tmp/model-bench --table [--speed DIR] [--note TEXT]
 * (`--speed DIR`: take the speed columns from DIR's records instead — e.g. a `--clapnq 0 --geo 0` run made
 * while the machine was idle, since the quality runs are long and share the cores; `--note`: how it was run)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOG } from '../src/models/catalog.ts';
import { pairedBootstrap } from '../src/evaluate/metrics/statistics.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';
import { measureModel, measureTraining, prepareCorpus, type ModelRecord } from './model-measures.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    models: { type: 'string', default: CATALOG.map((m) => m.name).join(',') },
    clapnq: { type: 'string', default: '100' },
    geo: { type: 'string', default: '40' },
    minutes: { type: 'string', default: '30' },
    one: { type: 'string' },
    threads: { type: 'string' },
    speed: { type: 'string' },
    note: { type: 'string' },
    table: { type: 'boolean' },
    train: { type: 'string' },
  },
});
if (!values.out) throw new Error('--out DIR is required');
const out = values.out;
mkdirSync(out, { recursive: true });

if (values.train) {
  for (const name of values.models!.split(',')) await measureTraining(name, { out, steps: Number(values.train) });
} else if (values.one) {
  await measureModel(values.one, {
    out,
    clapnq: Number(values.clapnq),
    geo: Number(values.geo),
    minutes: Number(values.minutes),
    threads: values.threads ? Number(values.threads) : undefined,
  });
} else if (!values.table) {
  await prepareCorpus(out);
  for (const name of values.models!.split(',')) {
    process.stderr.write(`bench: ${name}\n`);
    execFileSync(
      process.execPath,
      [
        import.meta.filename,
        '--out',
        out,
        '--one',
        name,
        '--clapnq',
        values.clapnq!,
        '--geo',
        values.geo!,
        '--minutes',
        values.minutes!,
        ...(values.threads ? ['--threads', values.threads] : []),
      ],
      { stdio: 'inherit' },
    );
  }
} else {
  const speedOf = (name: string) =>
    values.speed && existsSync(join(values.speed, `${name}.jsonl`))
      ? readRecords(join(values.speed, `${name}.jsonl`)).filter((r) => r.kind === 'speed')
      : undefined;
  const rows = values
    .models!.split(',')
    .filter((name) => existsSync(join(out, `${name}.jsonl`)))
    .map((name) => {
      const records = readRecords(join(out, `${name}.jsonl`));
      const speed = speedOf(name);
      return summarize(name, speed ? [...speed, ...records.filter((r) => r.kind !== 'speed')] : records);
    });
  const table = markdownTable(
    [
      'model',
      'load s',
      'peak RSS MB',
      'TTFT (~800-token prompt) s',
      'generation tok/s',
      'clapnq rag token F1 (answerable)',
      'clapnq abstention (unanswerable)',
      'GeoQuery exec accuracy (query split)',
      'LoRA training tok/s',
    ],
    rows.map((r) => [r.name, r.load, r.rss, r.ttft, r.tokensPerSecond, r.f1, r.abstention, r.geo, r.train]),
  );
  const paired = pairedAgainstFirst(
    values
      .models!.split(',')
      .filter((name) => existsSync(join(out, `${name}.jsonl`)))
      .map((name) => ({ name, records: readRecords(join(out, `${name}.jsonl`)) })),
  );
  const body = `${values.note ? `${values.note}\n\n` : ''}Each model in its own process, greedy. TTFT and generation tok/s: median of 3 rag prompts of ~800 tokens (clapnq passages) with 64 answer tokens. LoRA: PyTorch + PEFT on the dequantised base, rank 16, batch 4, 48 clapnq question → answer pairs (--train N steps). clapnq: rag over all 600 dev gold passages (hybrid, k = 4, ≤ 48 answer tokens), the first N answerable / unanswerable questions (N in the cells). GeoQuery: the template-disjoint *query* split, retrieved-schema (k = 3, 3 train examples from the query split's train part), evenly spaced test questions.\n\n${table}${paired}`;
  process.stdout.write(`${body}\n`);
  appendBenchmark(
    'Model catalog: speed, memory and quality per model',
    `bash scripts/with-node.sh bench/models.ts --out DIR --models ${values.models} --clapnq N --geo N [--threads N]; then --table${values.speed ? ' --speed DIR' : ''}`,
    body,
  );
}

/** Each model after the first against the first, on the items both answered: paired bootstrap per column. */
function pairedAgainstFirst(models: { name: string; records: ModelRecord[] }[]): string {
  const [first, ...rest] = models;
  if (!first || rest.length === 0) return '';
  const columns: [string, (r: ModelRecord) => boolean, (r: ModelRecord) => number][] = [
    ['clapnq token F1 (answerable)', (r) => r.kind === 'clapnq' && r.answerable === true, (r) => r.f1 ?? 0],
    [
      'clapnq abstention (unanswerable)',
      (r) => r.kind === 'clapnq' && r.answerable === false,
      (r) => (r.abstained ? 1 : 0),
    ],
    ['GeoQuery exec accuracy', (r) => r.kind === 'geo', (r) => (r.correct ? 1 : 0)],
  ];
  const rows: (string | number)[][] = [];
  for (const other of rest) {
    for (const [label, keep, score] of columns) {
      const mine = new Map(first.records.filter(keep).map((r) => [r.id, score(r)]));
      const both = other.records.filter((r) => keep(r) && mine.has(r.id));
      const result = pairedBootstrap(
        both.map(score),
        both.map((r) => mine.get(r.id)!),
        { resamples: 10_000 },
      );
      if (!result) continue;
      rows.push([
        `${other.name} − ${first.name}`,
        label,
        `${result.difference >= 0 ? '+' : ''}${result.difference.toFixed(3)}`,
        `[${result.low.toFixed(3)}, ${result.high.toFixed(3)}]`,
        result.p < 0.001 ? '< 0.001' : result.p.toFixed(3),
        result.n,
      ]);
    }
  }
  if (rows.length === 0) return '';
  return `\n\nPaired on the items both models answered (bootstrap, 10,000 resamples, 95% interval):\n\n${markdownTable(['models', 'measure', 'difference', '95% CI', 'p', 'n'], rows)}`;
}

function readRecords(path: string): ModelRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ModelRecord);
}

function summarize(name: string, records: ModelRecord[]) {
  const speed = records.find((r) => r.kind === 'speed');
  const answerable = records.filter((r) => r.kind === 'clapnq' && r.answerable);
  const unanswerable = records.filter((r) => r.kind === 'clapnq' && !r.answerable);
  const geo = records.filter((r) => r.kind === 'geo');
  const train = records.find((r) => r.kind === 'train');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
  const ci = (xs: number[]) => {
    const m = mean(xs);
    const half =
      xs.length > 1
        ? 1.96 * Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) / xs.length)
        : Number.NaN;
    return `${m.toFixed(2)} ± ${half.toFixed(2)} (n = ${xs.length})`;
  };
  return {
    name,
    load: speed ? speed.loadMs! / 1000 : '-',
    rss: speed ? Math.round(speed.rssMb!) : '-',
    ttft: speed ? speed.ttftMs! / 1000 : '-',
    tokensPerSecond: speed ? speed.tokensPerSecond! : '-',
    f1: answerable.length ? ci(answerable.map((r) => r.f1 ?? 0)) : '-',
    abstention: unanswerable.length ? ci(unanswerable.map((r) => (r.abstained ? 1 : 0))) : '-',
    geo: geo.length ? ci(geo.map((r) => (r.correct ? 1 : 0))) : '-',
    train: train ? `${train.tokensPerSecond!.toFixed(0)} (${train.steps} steps)` : '-',
  };
}
