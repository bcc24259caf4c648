/**
 * Mixed load through the real HTTP server with API keys: searches, chats, embeddings and uploads from
 * concurrent clients, and an eval run in the background, for --minutes (the issue's target is 30).
 * Records errors (anything but 2xx and deliberate 429s), p50/p95 per route, and the server's RSS over time.
 *
 *   bash scripts/with-node.sh bench/mixed-load.ts [--minutes 30] [--steady] [--upload-every 10] [--skip eval,upload,...] [--samples FILE] [--append]
 * `--upload-every S`: seconds between uploads (default 10).
 * `--steady`: each upload replaces one of the first 20 documents (new text, same name) instead of adding one, so
 * the collection does not grow and RSS growth is not data growth.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/config.ts';
import { createKey } from '../src/server/keys.ts';
import { createRuntime } from '../src/runtime/runtime.ts';
import type { LanceStore } from '../src/store/lance-store.ts';
import { startServer } from '../src/server/serve.ts';
import { fictionalContexts } from './fictional-contexts.ts';
import { appendBenchmark, markdownTable, percentileOf, slopeMbPerMinute, windowPeaks } from './benchmarks-file.ts';

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    steady: { type: 'boolean', default: false },
    // seconds between uploads (each upload is one store commit)
    'upload-every': { type: 'string', default: '10' },
    // leave these clients out (eval,upload,chat,embeddings,search), to find which one RSS growth follows
    skip: { type: 'string', default: '' },
    // write every memory sample (rss, heapUsed, external, arrayBuffers) as JSON
    samples: { type: 'string' },
    append: { type: 'boolean', default: false },
  },
});
const minutes = Number(flags.minutes);
if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got "${flags.minutes}"`);
const steady = flags.steady;
const uploadEvery = Number(flags['upload-every']);
if (!(uploadEvery > 0)) throw new Error(`--upload-every must be a positive number, got "${flags['upload-every']}"`);
const skip = new Set(flags.skip.split(',').filter(Boolean));
const samplesFile = flags.samples;
const CONFIG = { generator: { provider: 'llama', threads: 1 } };
const contexts = fictionalContexts();

interface Route {
  ok: number;
  refused: number;
  errors: number;
  latencies: number[];
  examples: string[];
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'attune-load-'));
  const admin = createKey(home, { collections: ['*'], ops: ['admin'], labels: undefined }).key;
  const reader = createKey(home, { collections: ['load'], ops: ['read'], labels: [] }).key;
  const resources = createRuntime({ config: parseConfig(CONFIG), home });
  const server = await startServer({
    resources,
    auth: true,
    host: '127.0.0.1',
    port: 0,
  });
  const routes = new Map<string, Route>();
  const call = async (route: string, path: string, key: string, init: RequestInit = {}) => {
    const entry = routes.get(route) ?? { ok: 0, refused: 0, errors: 0, latencies: [], examples: [] };
    routes.set(route, entry);
    const started = performance.now();
    try {
      const response = await fetch(`${server.url}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${key}`,
          ...(typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
        },
      });
      const body = await response.text();
      if (response.status === 429) entry.refused++;
      else if (response.ok) entry.ok++, entry.latencies.push(performance.now() - started);
      else entry.errors++, entry.examples.length < 3 && entry.examples.push(`${response.status} ${body.slice(0, 100)}`);
      return response.ok ? JSON.parse(body) : undefined;
    } catch (error) {
      entry.errors++;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (entry.examples.length < 3)
        entry.examples.push(`${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`);
      return undefined;
    }
  };
  try {
    await call('POST /v1/collections', '/v1/collections', admin, {
      method: 'POST',
      body: JSON.stringify({ name: 'load' }),
    });
    const upload = (i: number, text = i) => {
      const form = new FormData();
      form.append('files', new File([`# Document ${i}\n\n${contexts[text % contexts.length]}`], `doc-${i}.md`));
      return call('POST documents (upload)', '/v1/collections/load/documents', admin, { method: 'POST', body: form });
    };
    for (let i = 0; i < 20; i++) await upload(i);
    // the collection's LanceDB caches (bounded by config storeCacheMB), sampled with the memory
    const store = (await resources.store('load')) as LanceStore;
    const sample = () => ({ ...process.memoryUsage(), lanceCache: store.cachedBytes() });
    const samples: ReturnType<typeof sample>[] = [];
    const deadline = Date.now() + minutes * 60_000;
    const sampler = setInterval(() => samples.push(sample()), 10_000);
    samples.push(sample());
    const questions = contexts.slice(0, 6).map((text, i) => ({
      id: `q${i}`,
      question: `What does document ${i} say about ${text.split(' ').slice(2, 5).join(' ')}?`,
      answers: [text.split(' ')[0]!],
    }));
    let evalRuns = 0;
    const worker = async (name: string, work: (i: number) => Promise<unknown>, pauseMs: number) => {
      for (let i = 0; Date.now() < deadline && !skip.has(name); i++) {
        await work(i);
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    };
    await Promise.all([
      worker(
        'search',
        (i) =>
          call('POST search', '/v1/collections/load/search', reader, {
            method: 'POST',
            body: JSON.stringify({ query: contexts[i % contexts.length]!.slice(0, 60), k: 5 }),
          }),
        200,
      ),
      worker(
        'search',
        (i) =>
          call('POST search', '/v1/collections/load/search', reader, {
            method: 'POST',
            body: JSON.stringify({ query: `document ${i} facts`, k: 3, mode: 'keyword' }),
          }),
        300,
      ),
      worker(
        'chat',
        (i) =>
          call('POST chat (rag)', '/v1/chat/completions', reader, {
            method: 'POST',
            body: JSON.stringify({
              model: 'attune/load/rag',
              max_tokens: 16,
              messages: [{ role: 'user', content: `What does document ${i % 20} say?` }],
            }),
          }),
        500,
      ),
      worker(
        'embeddings',
        (i) =>
          call('POST embeddings', '/v1/embeddings', reader, {
            method: 'POST',
            body: JSON.stringify({
              model: 'm',
              input: [`sentence ${i}`, contexts[i % contexts.length]!.slice(0, 200)],
            }),
          }),
        1000,
      ),
      // steady: the same 20 names with another context each time; otherwise a new document each time
      worker('upload', (i) => (steady ? upload(i % 20, 20 + i) : upload(100 + i)), uploadEvery * 1000),
      worker(
        'eval',
        async () => {
          const started = await call('POST eval run', '/v1/eval/runs', admin, {
            method: 'POST',
            body: JSON.stringify({ collection: 'load', strategies: ['base', 'rag'], questions, maxTokens: 16 }),
          });
          if (!started) return;
          evalRuns++;
          for (;;) {
            const job = await call('GET job', `/v1/jobs/${started.jobId}`, admin);
            if (!job || job.status === 'done' || job.status === 'failed' || Date.now() > deadline) break;
            await new Promise((resolve) => setTimeout(resolve, 2000));
          }
        },
        5000,
      ),
    ]);
    clearInterval(sampler);
    samples.push(sample());
    if (samplesFile) writeFileSync(samplesFile, JSON.stringify(samples));
    const rss = samples.map((s) => s.rss);
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
    const firstMinute = rss.slice(0, Math.min(rss.length, 7));
    // the peak of each 5-minute window (30 samples): flat means these stop rising
    const windows = (values: number[]) => windowPeaks(values, 30).map(mb);
    const lastMinute = rss.slice(-7);
    // least-squares slope of RSS over the second half of the run, in MB per minute (samples every 10 s)
    const slope = slopeMbPerMinute(rss.slice(Math.floor(rss.length / 2)), 6);
    const rows = [...routes.entries()].map(([route, r]) => [
      route,
      r.ok,
      r.refused,
      r.errors,
      r.latencies.length ? Math.round(percentileOf(r.latencies, 50)) : '-',
      r.latencies.length ? Math.round(percentileOf(r.latencies, 95)) : '-',
      r.examples.join('; ').replace(/\|/g, '\\|').slice(0, 120),
    ]);
    const errors = [...routes.values()].reduce((sum, r) => sum + r.errors, 0);
    const body = [
      `${minutes} minutes of mixed traffic against one \`attune serve\` (in-process, API keys, default limits, generator on 1 thread): two search clients, one chat client (rag, 16 tokens), one embeddings client, an upload every ${uploadEvery} s${steady ? ' (steady: each replaces one of the 20 documents with new text, so the collection does not grow)' : ' (each a new document)'}, and eval runs (base + rag, 6 questions) one after another in the background. Server and clients share the process, so RSS includes the clients.`,
      '',
      `**${errors} errors** (responses other than 2xx and 429); ${evalRuns} eval runs started; RSS ${mb(rss[0]!)} at the start, ${mb(Math.max(...firstMinute))} max in the first minute, ${mb(Math.max(...lastMinute))} max in the last minute, ${mb(Math.max(...rss))} max overall (${rss.length} samples, every 10 s); peak RSS per 5-minute window: ${windows(rss).join(', ')}; least-squares RSS trend over the second half: ${slope.toFixed(2)} MB per minute; of it, V8 heap in use ${windows(samples.map((s) => s.heapUsed)).join(', ')} and memory outside the V8 heap held by JS objects (\`external\`) ${windows(samples.map((s) => s.external)).join(', ')}; LanceDB's caches of the collection ${windows(samples.map((s) => s.lanceCache)).join(', ')}.${skip.size > 0 ? ` Clients left out: ${[...skip].join(', ')}.` : ''}`,
      '',
      markdownTable(['route', 'ok', '429', 'errors', 'p50 ms', 'p95 ms', 'error examples'], rows),
    ].join('\n');
    console.log(body);
    if (flags.append)
      appendBenchmark(
        `Load: ${minutes} minutes of mixed traffic${steady ? ', steady collection' : ''}`,
        `bash scripts/with-node.sh bench/mixed-load.ts --minutes ${minutes}${steady ? ' --steady' : ''}${uploadEvery !== 10 ? ` --upload-every ${uploadEvery}` : ''}${skip.size > 0 ? ` --skip ${[...skip].join(',')}` : ''} --append`,
        body,
      );
  } finally {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
