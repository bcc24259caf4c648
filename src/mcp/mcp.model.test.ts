import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { openCollection } from '../runtime/backends.ts';
import { ingest } from '../ingest/ingest.ts';
import { HR_DOC, HR_SECRET, PUBLIC_DOC, TEST_CONFIG } from '../server/test-fixtures.ts';

const root = join(import.meta.dirname, '../..');

// `attune mcp` spawned as a real process, driven by the MCP SDK's client over stdio.
describe('attune mcp (stdio)', () => {
  let home: string;
  let client: Client;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'attune-mcp-'));
    const docs = join(home, 'docs');
    const config = parseConfig(TEST_CONFIG);
    const { store, embedder } = await openCollection(config, home, 'handbook', { create: true });
    try {
      execFileSync('mkdir', ['-p', docs]);
      writeFileSync(join(docs, PUBLIC_DOC.name), PUBLIC_DOC.text);
      writeFileSync(join(docs, HR_DOC.name), HR_DOC.text);
      await ingest({
        paths: [join(docs, PUBLIC_DOC.name)],
        store,
        embedder,
        chunking: config.chunking,
        prune: false,
        labels: [],
        tags: [],
        cacheDir: join(home, 'cache'),
      });
      await ingest({
        paths: [join(docs, HR_DOC.name)],
        store,
        embedder,
        chunking: config.chunking,
        prune: false,
        labels: ['hr'],
        tags: [],
        cacheDir: join(home, 'cache'),
      });
    } finally {
      await store.dispose();
      await embedder.dispose();
    }
    writeFileSync(join(home, 'attune.config.json'), JSON.stringify(TEST_CONFIG));
    const node = execFileSync('bash', [join(root, 'scripts/node-path.sh')], { encoding: 'utf8' }).trim();
    const transport = new StdioClientTransport({
      command: node,
      args: [
        '--disable-warning=ExperimentalWarning',
        join(root, 'src/cli/main.ts'),
        '--home',
        home,
        'mcp',
        '--collection',
        'handbook',
        '--labels',
        'staff',
        '--max-tokens',
        '24',
      ],
      cwd: home, // attune.config.json there: one generation thread, as in the other tests
      stderr: 'pipe',
    });
    client = new Client({ name: 'attune-test', version: '1.0.0' });
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists the search and ask tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['ask', 'search']);
  });

  it('search returns matching chunks and respects --labels', async () => {
    const result = await client.callTool({ name: 'search', arguments: { query: 'paid holiday days', k: 5 } });
    const { hits } = JSON.parse((result.content as { text: string }[])[0]!.text);
    expect(hits[0].text).toContain('twenty-eight');
    const secret = await client.callTool({ name: 'search', arguments: { query: `salary band ${HR_SECRET}`, k: 5 } });
    expect((secret.content as { text: string }[])[0]!.text).not.toContain(HR_SECRET);
  });

  it('ask answers with the rag strategy', async () => {
    const result = await client.callTool({
      name: 'ask',
      arguments: { question: 'How many days of paid holiday does an employee get?' },
    });
    expect(result.isError).toBeFalsy();
    const answer = JSON.parse((result.content as { text: string }[])[0]!.text);
    expect(typeof answer.answer).toBe('string');
    expect(answer.answer.length).toBeGreaterThan(0);
  });

  it('a bad tool argument is an error result, not a crash', async () => {
    const result = await client.callTool({ name: 'search', arguments: { query: '' } });
    expect(result.isError).toBe(true);
  });
});
