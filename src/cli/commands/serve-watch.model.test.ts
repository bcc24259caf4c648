import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `attune serve --watch`: the real CLI, server, embedder and store; a file written into the watched
// folder becomes searchable over HTTP, and an edit replaces it, without a restart.
const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'attune-serve-watch-'));
const folder = join(dir, 'notes');
let server: ChildProcess;
let url: string;

beforeAll(async () => {
  mkdirSync(folder);
  writeFileSync(join(folder, 'ferry.md'), '# Ferry\n\nThe Zorgon ferry leaves at dawn.');
  server = spawn(
    process.execPath,
    [
      main,
      'serve',
      '--home',
      join(dir, 'home'),
      '--no-auth',
      '--port',
      '0',
      '--watch',
      folder,
      '--watch-collection',
      'notes',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    server.stderr!.on('data', (data: Buffer) => {
      stderr += data.toString();
      const found = /serving .* at (http:\/\/\S+?),? /.exec(stderr);
      if (found) resolve(found[1]!);
    });
    server.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGINT');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function searchUntil(query: string, expected: string, timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/v1/collections/notes/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, k: 3, mode: 'keyword' }),
    });
    const texts = response.ok
      ? ((await response.json()) as { hits: { text: string }[] }).hits.map((hit) => hit.text)
      : [];
    if (texts.some((text) => text.includes(expected)) || Date.now() > deadline) return texts;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('attune serve --watch', () => {
  it('serves what was in the folder at start, then new and edited files as they are written', async () => {
    expect((await searchUntil('Zorgon ferry', 'dawn')).join('\n')).toContain('leaves at dawn');
    writeFileSync(join(folder, 'mint.md'), '# Mint\n\nThe Quellport mint strikes copper vrells.');
    expect((await searchUntil('Quellport mint vrells', 'copper vrells')).join('\n')).toContain('copper vrells');
    writeFileSync(join(folder, 'ferry.md'), '# Ferry\n\nThe Zorgon ferry now leaves at noon.');
    const after = await searchUntil('Zorgon ferry', 'noon');
    expect(after.join('\n')).toContain('leaves at noon');
    expect(after.join('\n')).not.toContain('leaves at dawn');
  }, 180_000);
});
