/**
 * Load on loopback: 50 concurrent chat requests against the local model and 200 concurrent
 * searches, through the real HTTP server with API keys. Bounded in count and time.
 * Then a deliberate burst over a small rate limit, whose 429s are reported apart from errors.
 *
 * The chat phase runs once per --parallel value (chats answered at once: llama.cpp sequences of one context,
 * and the fair queue's concurrency), each on a fresh server over the same collection.
 *
 *   bash scripts/with-node.sh bench/serve-load.ts [--parallel 1,4] [--max-tokens 16] [--threads 1] [--append]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config.ts';
import { createKey } from '../src/server/keys.ts';
import { createRuntime } from '../src/runtime/runtime.ts';
import { startServer, type RunningServer } from '../src/server/serve.ts';
import { datasetsDir } from '../src/testing/datasets.ts';
import { appendBenchmark } from './benchmarks-file.ts';

const { values: flags } = parseArgs({
  options: {
    parallel: { type: 'string', default: '1' },
    'max-tokens': { type: 'string', default: '16' },
    threads: { type: 'string', default: '1' },
    append: { type: 'boolean', default: false },
  },
});
const PARALLEL = flags.parallel.split(',').map(Number);
const MAX_TOKENS = Number(flags['max-tokens']);
const CHATS = 50;
const SEARCHES = 200;
const DOCS = 30;
const DEADLINE_MS = 8 * 60_000;
// one generation thread by default: on a shared 2-core machine llama.cpp's spinning threads crawl under load
const config = (parallel: number) =>
  parseConfig({ generator: { provider: 'llama', threads: Number(flags.threads), parallel } });

interface Phase {
  name: string;
  count: number;
  ok: number;
  refused: number;
  errors: number;
  wallMs: number;
  latencies: number[];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function phase(name: string, count: number, request: (i: number) => Promise<Response>): Promise<Phase> {
  const result: Phase = { name, count, ok: 0, refused: 0, errors: 0, wallMs: 0, latencies: [] };
  const started = performance.now();
  const signal = AbortSignal.timeout(DEADLINE_MS);
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const t0 = performance.now();
      try {
        const response = await Promise.race([
          request(i),
          new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('deadline')))),
        ]);
        await response.arrayBuffer();
        if (response.status === 200) {
          result.ok++;
          result.latencies.push(performance.now() - t0);
        } else if (response.status === 429) result.refused++;
        else result.errors++;
      } catch {
        result.errors++;
      }
    }),
  );
  result.wallMs = performance.now() - started;
  return result;
}

const loadAtStart = loadavg()[0]!;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

const home = mkdtempSync(join(tmpdir(), 'attune-bench-serve-'));
const docs = JSON.parse(readFileSync(join(datasetsDir, 'fictional-knowledge/fictional_knowledge.json'), 'utf8')) as {
  train_context: string;
  mem_input: string[];
}[];
const { key } = createKey(home, { collections: ['*'], ops: ['admin'], labels: undefined });
let server: RunningServer | undefined;
try {
  server = await startServer({
    resources: createRuntime({ config: config(PARALLEL[0]!), home }),
    auth: true,
    host: '127.0.0.1',
    port: 0,
    queue: { concurrency: PARALLEL[0]!, maxPending: 64 },
    rateLimit: { burst: 10_000, perSecond: 10_000 },
  });
  const url = server.url;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const post = (path: string, body: unknown, auth = headers) =>
    fetch(`${url}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
  await post('/v1/collections', { name: 'fk' });
  const ingestStarted = performance.now();
  for (let start = 0; start < DOCS; start += 10) {
    // uploads are limited to 20 files a request: send batches of 10
    const form = new FormData();
    docs
      .slice(start, start + 10)
      .forEach((doc, i) =>
        form.append('files', new File([doc.train_context], `doc-${String(start + i).padStart(3, '0')}.md`)),
      );
    let job = await (
      await fetch(`${url}/v1/collections/fk/documents`, {
        method: 'POST',
        headers: { authorization: headers.authorization },
        body: form,
      })
    ).json();
    while (job.status === 'queued' || job.status === 'running') {
      await new Promise((r) => setTimeout(r, 200));
      job = await (await fetch(`${url}/v1/jobs/${job.id}`, { headers })).json();
    }
    if (job.status !== 'done') throw new Error(`ingest failed: ${JSON.stringify(job.error ?? job)}`);
  }
  const ingestMs = performance.now() - ingestStarted;
  const questions = docs.slice(0, DOCS).flatMap((doc) => doc.mem_input.slice(0, 2));

  await post('/v1/collections/fk/search', { query: questions[0] }); // warm the embedder
  await post('/v1/chat/completions', {
    model: 'attune/fk/rag',
    max_tokens: 4,
    messages: [{ role: 'user', content: 'warm up' }],
  });

  const phases: Phase[] = [];
  phases.push(
    await phase(`${SEARCHES} concurrent searches (k=4, hybrid)`, SEARCHES, (i) =>
      post('/v1/collections/fk/search', { query: questions[i % questions.length] }),
    ),
  );
  for (const [round, parallel] of PARALLEL.entries()) {
    if (round > 0) {
      // the same collection, served by a fresh server whose generator answers `parallel` chats at once
      await server.close();
      server = await startServer({
        resources: createRuntime({ config: config(parallel), home }),
        auth: true,
        host: '127.0.0.1',
        port: 0,
        queue: { concurrency: parallel, maxPending: 64 },
        rateLimit: { burst: 10_000, perSecond: 10_000 },
      });
      await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: 'attune/fk/rag',
          max_tokens: 4,
          messages: [{ role: 'user', content: 'warm up' }],
        }),
      });
    }
    const chatUrl = server.url;
    phases.push(
      await phase(`${CHATS} concurrent chats (rag, max_tokens ${MAX_TOKENS}), ${parallel} at once`, CHATS, (i) =>
        fetch(`${chatUrl}/v1/chat/completions`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            model: 'attune/fk/rag',
            max_tokens: MAX_TOKENS,
            messages: [{ role: 'user', content: questions[i % questions.length] }],
          }),
        }),
      ),
    );
  }
  // deliberate: a key limited to burst 10, 2/s, sends 50 searches at once → ~40 refused with 429
  const limited = createKey(home, { collections: ['fk'], ops: ['read'], labels: [] }).key;
  await server.close();
  server = await startServer({
    resources: createRuntime({ config: config(1), home }),
    auth: true,
    host: '127.0.0.1',
    port: 0,
    rateLimit: { burst: 10, perSecond: 2 },
  });
  const limitedUrl = server.url;
  phases.push(
    await phase('50 searches over a 10-burst rate limit (deliberate 429s)', 50, (i) =>
      fetch(`${limitedUrl}/v1/collections/fk/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${limited}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: questions[i % questions.length] }),
      }),
    ),
  );

  const rows = phases.map(
    (p) =>
      `| ${p.name} | ${p.ok} | ${p.refused} | ${p.errors} | ${(p.ok / (p.wallMs / 1000)).toFixed(2)} | ${percentile(p.latencies, 50).toFixed(0)} | ${percentile(p.latencies, 95).toFixed(0)} | ${(p.wallMs / 1000).toFixed(1)} |`,
  );
  const table = [
    '| phase | ok | 429 | errors | throughput (req/s) | p50 ms | p95 ms | wall s |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  const body = [
    `Loopback HTTP with an API key; collection of ${DOCS} fictional-knowledge documents (ingested over the API in ${(ingestMs / 1000).toFixed(1)} s); SmolLM2-135M Q4_1 through the fair queue (64 waiting; ${flags.threads} generation thread(s); chats answered at once as the phase says: llama.cpp sequences of one context, batched, and the queue's concurrency); all-MiniLM-L6-v2 embeddings. 1-minute load average at start and end: ${loadAtStart.toFixed(1)} and ${loadavg()[0]!.toFixed(1)}.`,
    '',
    table,
    '',
    `Peak RSS of the process (server + client + models): ${(peakRss / 2 ** 20).toFixed(0)} MiB.`,
  ].join('\n');
  process.stdout.write(`${table}\npeak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB\n`);
  if (flags.append)
    appendBenchmark(
      'serve-load: concurrent chats and searches over HTTP (bench/serve-load.ts)',
      `bash scripts/with-node.sh bench/serve-load.ts --parallel ${flags.parallel} --max-tokens ${MAX_TOKENS} --threads ${flags.threads} --append`,
      body,
    );
} finally {
  clearInterval(sampler);
  await server?.close();
  rmSync(home, { recursive: true, force: true });
}
