/**
 * Malformed input: generates a corpus of hostile files into a temp folder, runs it through `ingest`
 * (as `attune ingest` does) and through the HTTP upload, and counts crashes, bad files without a reason,
 * and bad files that reached the collection. Targets: 0, 0, 0.
 *
 *   bash scripts/with-node.sh bench/malformed-input.ts [--append]
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { createApp } from '../src/server/app.ts';
import { createRuntime } from '../src/runtime/runtime.ts';
import { makePdf } from '../src/testing/documents.ts';
import { makeDocxBomb } from '../src/testing/zip.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const randomBytes = (n: number, from = 0, to = 256) =>
  Uint8Array.from({ length: n }, () => from + Math.floor(random() * (to - from)));
const utf8 = (s: string) => Buffer.from(s);
const TEXT_EXTENSIONS = ['.md', '.txt', '.html', '.csv', '.json', '.jsonl'];

/** Every generated file: its category, and whether its content is bad (hostile names carry good content). */
interface Generated {
  name: string;
  category: string;
  bad: boolean;
}

function generate(dir: string): Generated[] {
  const files: Generated[] = [];
  const add = (category: string, name: string, data: Uint8Array | string, bad = true) => {
    writeFileSync(join(dir, name), data);
    files.push({ name, category, bad });
  };
  const pdf = makePdf('A perfectly ordinary page of text about lanterns.');
  for (let i = 0; i < 300; i++)
    add('truncated PDF', `truncated-${i}.pdf`, pdf.subarray(0, 1 + Math.floor(random() * (pdf.length - 40))));
  const encrypted = Buffer.from(pdf)
    .toString('latin1')
    .replace(
      'trailer\n<< /Size 6 /Root 1 0 R >>',
      'trailer\n<< /Size 6 /Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /O (0123456789abcdef0123456789abcdef) /U (fedcba9876543210fedcba9876543210) /P -44 >> /ID [(abc) (abc)] >>',
    );
  for (let i = 0; i < 50; i++) add('encrypted PDF', `encrypted-${i}.pdf`, Buffer.from(encrypted, 'latin1'));
  for (let i = 0; i < 50; i++)
    add('garbage PDF', `garbage-${i}.pdf`, Buffer.concat([utf8('%PDF-1.7\n'), randomBytes(200 + i * 10)]));
  const bomb = makeDocxBomb(500);
  for (let i = 0; i < 20; i++) add('zip bomb as DOCX (500 MB inflated)', `bomb-${i}.docx`, bomb);
  for (let i = 0; i < 50; i++)
    add('corrupt DOCX', `corrupt-${i}.docx`, Buffer.concat([utf8('PK\x03\x04'), randomBytes(100 + i * 7)]));
  const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
  for (let i = 0; i < 10; i++) add('JSON nested 100k deep', `deep-${i}.json`, deep);
  for (let i = 0; i < 10; i++) add('JSONL nested 100k deep', `deep-${i}.jsonl`, `{"ok":1}\n${deep}\n`);
  for (let i = 0; i < 10; i++)
    add('HTML nested 100k deep', `deep-${i}.html`, `${'<div>'.repeat(100_000)}${'</div>'.repeat(100_000)}`);
  for (let i = 0; i < 250; i++) {
    const extension = TEXT_EXTENSIONS[i % TEXT_EXTENSIONS.length]!;
    // 0xFF never occurs in UTF-8; the random bytes around it may or may not form valid sequences
    add(
      'invalid UTF-8',
      `latin-${i}${extension}`,
      Buffer.concat([utf8('# Caf'), randomBytes(i % 5, 0x80, 0x100), Uint8Array.of(0xff), utf8(' text\n')]),
    );
  }
  for (let i = 0; i < 100; i++)
    add('binary (NUL bytes)', `binary-${i}${TEXT_EXTENSIONS[i % TEXT_EXTENSIONS.length]}`, randomBytes(64 + i));
  for (let i = 0; i < 100; i++) add('0-byte', `empty-${i}${[...TEXT_EXTENSIONS, '.pdf', '.docx'][i % 8]}`, '');
  for (let i = 0; i < 50; i++)
    add('CSV with an unclosed quote', `broken-${i}.csv`, `name,value\n"open,${i}\nmore,rows\n`);
  for (const extension of ['.txt', '.md', '.csv'])
    add('10 MB single line', `line-10mb${extension}`, 'lantern'.repeat((10 * 2 ** 20) / 7));
  add('1 GB sparse file', 'sparse-1gb.txt', '');
  truncateSync(join(dir, 'sparse-1gb.txt'), 2 ** 30);
  // names a file system allows and a client could send; the content is fine
  const names = [
    'back\\slash.md',
    '..\\..\\escape.md',
    'new\nline.md',
    '\u202Egnp.md',
    '-rf.md',
    `${'long'.repeat(60)}.md`,
    'semi;colon.md',
    'quote"s.md',
  ];
  for (const name of names)
    add(
      'hostile name, good content',
      name,
      `# Fine\n\nThis document has a strange name: ${JSON.stringify(name)}.\n`,
      false,
    );
  return files;
}

const NOTES =
  'Notes: the HTTP column "with a reason" counts a 4xx answer with a message (one file per request) or the file\'s row in its ingest job\'s `failed` list; JSON/JSONL are not upload types, so the server answers 415 for them. Of the 8 good-content files with hostile names, ingest stores 7: `..\\..\\escape.md` starts with a dot and is skipped as hidden by design; the upload stores 1 (`-rf.md`) and refuses the other 7 by name (400, the reason names the rule).';

/** Names only a client can send (the file system refuses them): checked over HTTP. */
const UPLOAD_ONLY_NAMES = [
  '../../keys.json.md',
  'a/b.md',
  '/etc/passwd.md',
  'C:\\Windows\\x.md',
  '.hidden.md',
  'nul\0byte.md',
  '..md',
];

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'attune-malformed-'));
  const corpus = join(root, 'corpus');
  const home = join(root, 'home');
  mkdirSync(corpus);
  mkdirSync(join(home, 'data'), { recursive: true });
  try {
    const started = Date.now();
    const files = generate(corpus);
    const bytes = readdirSync(corpus).reduce((sum, name) => sum + statSync(join(corpus, name)).size, 0);
    console.log(
      `generated ${files.length} files (${(bytes / 2 ** 30).toFixed(2)} GB apparent) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const resources = createRuntime({ config: parseConfig({}), home });
    const embedder = await resources.embedder();
    const good = join(root, 'good');
    mkdirSync(good);
    writeFileSync(join(good, 'handbook.md'), '# Handbook\n\nThe guild hall opens at nine.\n');

    // --- ingest (the CLI path): one run over the whole folder, after a good document is in
    const store = await resources.store('direct', { create: true });
    const cacheDir = join(home, 'cache', 'direct');
    await ingest({ paths: [good], store, embedder, chunking: resources.config.chunking, cacheDir });
    const before = new Set((await store.documents()).map((d) => d.docId));
    let ingestCrash = '';
    let result: Awaited<ReturnType<typeof ingest>> | undefined;
    const ingestStarted = Date.now();
    try {
      result = await ingest({ paths: [corpus], store, embedder, chunking: resources.config.chunking, cacheDir });
    } catch (error) {
      ingestCrash = (error as Error).message;
    }
    const ingestSeconds = (Date.now() - ingestStarted) / 1000;
    const after = new Set((await store.documents()).map((d) => d.docId));
    const reasons = new Map((result?.failed ?? []).map((f) => [f.path.split('/').at(-1)!, f.reason]));
    const ingestRows = summarize(files, (file) => {
      const reason = reasons.get(file.name);
      return { named: reason !== undefined && reason.length > 0, stored: after.has(file.name), reason };
    });
    const goodKept = [...before].every((id) => after.has(id));

    // --- HTTP upload: each file in its own request, then its ingest job
    // no rate limit: the bench sends a thousand requests as fast as they are answered
    const attune = createApp({ resources, auth: false, rateLimit: { burst: 1e9, perSecond: 1e9 } });
    const request = (path: string, init: RequestInit = {}) =>
      attune.app.request(`http://127.0.0.1${path}`, {
        ...init,
        headers: {
          host: '127.0.0.1',
          ...(typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
        },
      });
    await request('/v1/collections', { method: 'POST', body: JSON.stringify({ name: 'uploads' }) });
    const uploadStarted = Date.now();
    const uploadOutcome = new Map<string, { named: boolean; stored: boolean; reason?: string; crash?: string }>();
    const upload = async (name: string, data: Blob) => {
      const form = new FormData();
      form.append('files', new File([data], name));
      const response = await request('/v1/collections/uploads/documents', { method: 'POST', body: form });
      const body = (await response.json()) as { id?: string; error?: { message: string } };
      if (response.status >= 500) return { named: false, stored: false, crash: `HTTP ${response.status}` };
      if (response.status !== 202)
        return {
          named: response.status < 500 && Boolean(body.error?.message),
          stored: false,
          reason: `${response.status} ${body.error?.message}`,
        };
      await attune.jobs.idle();
      const job = attune.jobs.get(body.id!)!;
      if (job.status !== 'done') return { named: false, stored: false, crash: `job ${job.status}: ${job.error}` };
      const failed = (job.result as { failed: { path: string; reason: string }[] }).failed.find((f) => f.path === name);
      return { named: failed !== undefined, stored: false, reason: failed?.reason };
    };
    for (const file of files) {
      // the 1 GB file is refused by its size before a byte is read: send its first 11 MB, over the 10 MB file limit
      const data =
        file.category === '1 GB sparse file'
          ? new Blob([new Uint8Array(11 * 2 ** 20)])
          : new Blob([readFileSync(join(corpus, file.name))]);
      uploadOutcome.set(file.name, await upload(file.name, data));
    }
    const uploadOnly: Generated[] = UPLOAD_ONLY_NAMES.map((name) => ({
      name,
      category: 'path separators / escapes (upload only)',
      bad: true,
    }));
    for (const file of uploadOnly)
      uploadOutcome.set(file.name, await upload(file.name, new Blob(['# Fine\n\ntext\n'])));
    const listing = (await (await request('/v1/collections/uploads/documents')).json()) as {
      documents?: { docId: string }[];
    };
    if (!listing.documents) throw new Error(`listing the uploads failed: ${JSON.stringify(listing)}`);
    const stored = new Set(listing.documents.map((d) => d.docId));
    const uploadRows = summarize([...files, ...uploadOnly], (file) => ({
      ...uploadOutcome.get(file.name)!,
      stored: stored.has(file.name),
    }));
    const uploadSeconds = (Date.now() - uploadStarted) / 1000;
    await attune.jobs.close();
    await resources.dispose();

    const table = (rows: Row[]) =>
      markdownTable(
        [
          'category',
          'files',
          'crashes',
          'bad files with a reason',
          'bad files stored',
          'good-content files stored',
          'example reason',
        ],
        rows.map((r) => [
          r.category,
          r.files,
          r.crashes,
          `${r.named}/${r.bad}`,
          r.badStored,
          `${r.goodStored}/${r.files - r.bad}`,
          r.example.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 90),
        ]),
      );
    const totals = (rows: Row[]) =>
      rows.reduce(
        (t, r) => ({
          files: t.files + r.files,
          crashes: t.crashes + r.crashes,
          unnamed: t.unnamed + (r.bad - r.named),
          badStored: t.badStored + r.badStored,
        }),
        { files: 0, crashes: 0, unnamed: 0, badStored: 0 },
      );
    const i = totals(ingestRows);
    const u = totals(uploadRows);
    const body = [
      `Generated ${files.length} hostile files (${(bytes / 2 ** 30).toFixed(2)} GB apparent size, the 1 GB file sparse) into a temp folder; ${UPLOAD_ONLY_NAMES.length} more names only a client can send go to the upload alone.`,
      '',
      `**ingest** (one \`ingest()\` run over the folder, as \`attune ingest\`; ${ingestSeconds.toFixed(1)} s): ${i.files} files, **${ingestCrash ? 1 : 0} crashes**${ingestCrash ? ` (${ingestCrash})` : ''}, **${i.unnamed} bad files without a reason**, **${i.badStored} bad files stored**; the document ingested before is ${goodKept ? 'still there' : 'GONE'}.`,
      '',
      table(ingestRows),
      '',
      `**HTTP upload** (\`POST /v1/collections/uploads/documents\`, one file per request, then its ingest job; ${uploadSeconds.toFixed(1)} s): ${u.files} files, **${u.crashes} crashes** (5xx or failed job), **${u.unnamed} bad files without a reason**, **${u.badStored} bad files stored**.`,
      '',
      table(uploadRows),
      '',
      NOTES,
    ].join('\n');
    console.log(body);
    if (process.argv.includes('--append'))
      appendBenchmark(
        'Malformed input (ingest and HTTP upload)',
        'bash scripts/with-node.sh bench/malformed-input.ts --append',
        body,
      );
    if (ingestCrash || i.crashes || u.crashes || i.unnamed || u.unnamed || i.badStored || u.badStored || !goodKept)
      process.exitCode = 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface Row {
  category: string;
  files: number;
  bad: number;
  named: number;
  crashes: number;
  badStored: number;
  goodStored: number;
  example: string;
}

function summarize(
  files: Generated[],
  outcome: (file: Generated) => { named: boolean; stored: boolean; reason?: string; crash?: string },
): Row[] {
  const rows = new Map<string, Row>();
  for (const file of files) {
    const row = rows.get(file.category) ?? {
      category: file.category,
      files: 0,
      bad: 0,
      named: 0,
      crashes: 0,
      badStored: 0,
      goodStored: 0,
      example: '',
    };
    const result = outcome(file);
    row.files++;
    if (result.crash) row.crashes++;
    if (file.bad) {
      row.bad++;
      if (result.named) row.named++;
      if (result.stored) row.badStored++;
    } else if (result.stored) row.goodStored++;
    if (!row.example && (result.reason || result.crash)) row.example = result.crash ?? result.reason!;
    rows.set(file.category, row);
  }
  return [...rows.values()];
}

await main();
