import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createKey } from '../server/keys.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { startServer, type RunningServer } from '../server/serve.ts';
import { PUBLIC_DOC, TEST_CONFIG, writeCompareFixture } from '../server/test-fixtures.ts';
import { launchChromium } from './chromium.ts';

const artifacts = join(import.meta.dirname, '../../test-artifacts/web');
const QUESTIONS = [
  {
    id: 'holiday',
    question: 'How many days of paid holiday does an employee get?',
    answers: ['twenty-eight'],
    goldDocIds: ['holidays.md'],
  },
  { id: 'requests', question: 'Where do holiday requests go?', answers: ['rota office'], goldDocIds: ['holidays.md'] },
];

// The web UI in a real headless chromium against a real server and models: upload → ingest → chat → citation.
describe('web UI (chromium)', () => {
  let home: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let key: string;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    home = mkdtempSync(join(tmpdir(), 'attune-web-'));
    key = createKey(home, { collections: ['*'], ops: ['admin'], labels: undefined }).key;
    server = await startServer({
      resources: createRuntime({ config: parseConfig(TEST_CONFIG), home }),
      auth: true,
      host: '127.0.0.1',
      port: 0,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.on('pageerror', (error) => {
      throw error;
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('asks for a key, then creates a collection and uploads a document with ingest progress', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.locator('#chat-error').textContent()).toBe('unauthorized');
    await page.fill('#api-key', key);
    await page.dispatchEvent('#api-key', 'change');
    await page.click('nav button[data-view="documents"]');
    await page.fill('#new-collection-name', 'guide');
    await page.click('#new-collection button');
    // creating the collection loads the embedder on the server's first use (seconds on a cold cache)
    await expect.poll(() => page.locator('#doc-collection').inputValue(), { timeout: 60_000 }).toBe('guide');
    const file = join(home, PUBLIC_DOC.name);
    writeFileSync(file, PUBLIC_DOC.text);
    await page.setInputFiles('#upload-files', file);
    await page.click('#upload-form button');
    await page.waitForSelector('#ingest-text:has-text("ingested")', { timeout: 60_000 });
    await page.waitForSelector('#documents tbody tr');
    expect(await page.locator('#documents tbody td').first().textContent()).toContain('holidays.md');
    await page.screenshot({ path: join(artifacts, 'documents.png'), fullPage: true });
  });

  it('streams a chat answer with clickable sources that open the chunk', async () => {
    await page.click('nav button[data-view="chat"]');
    await expect.poll(() => page.locator('#chat-collection').inputValue(), { timeout: 60_000 }).toBe('guide');
    await page.fill('#chat-input', 'How many days of paid holiday does an employee get?');
    await page.click('#chat-form button');
    await page.waitForSelector('.message.assistant .citation', { timeout: 120_000 });
    expect((await page.locator('.message.assistant .body').textContent())!.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, 'chat.png'), fullPage: true });
    await page.locator('.message.assistant .citation').first().click();
    await page.waitForSelector('#chunk-dialog[open]');
    expect(await page.locator('#chunk-text').textContent()).toContain('twenty-eight days');
    await page.screenshot({ path: join(artifacts, 'citation.png') });
    await page.click('#chunk-dialog button');
  });

  it('starts an evaluation run from the Evaluations view, follows its progress and shows its charts and report', async () => {
    await page.click('nav button[data-view="eval"]');
    await expect.poll(() => page.locator('#eval-note').textContent()).toMatch(/No runs yet/);
    await page.click('#eval-start summary');
    await expect.poll(() => page.locator('#eval-collection').inputValue()).toBe('guide');
    await page.fill('#eval-max-tokens', '16');
    await page.fill('#eval-questions', QUESTIONS.map((q) => JSON.stringify(q)).join('\n'));
    await page.click('#eval-form button[type="submit"]');
    await page.waitForSelector('#eval-progress-text:has-text("complete")', { timeout: 180_000 });
    await page.waitForSelector('#eval-runs tbody tr');
    expect(await page.locator('#eval-runs tbody tr').first().textContent()).toContain('complete');
    await page.waitForSelector('#detail-charts svg');
    expect(await page.locator('#detail-charts svg').count()).toBeGreaterThan(2);
    expect(await page.locator('#detail-charts svg line.whisker').count()).toBeGreaterThan(0);
    expect(await page.locator('#detail-charts').textContent()).toContain('token F1 (95% CI)');
    await page.screenshot({ path: join(artifacts, 'eval-run.png'), fullPage: true });

    const [report] = await Promise.all([page.context().waitForEvent('page'), page.click('#open-report')]);
    await report.waitForLoadState();
    expect(await report.locator('h1').textContent()).toMatch(/^attune eval · /);
    expect(await report.locator('svg').count()).toBeGreaterThan(0);
    // the report's own filter script runs under its CSP (allowed by hash, sandboxed)
    await report.fill('#filter', 'requests go');
    await expect.poll(() => report.locator('details.item:visible').count()).toBe(1);
    await report.fill('#filter', '');
    await report.screenshot({ path: join(artifacts, 'eval-report.png'), fullPage: true });
    await report.close();
  });

  it('shows a stored comparison with its recommendation and trade-off charts', async () => {
    await writeCompareFixture(home, 'demo-compare');
    await page.click('nav button[data-view="chat"]');
    await page.click('nav button[data-view="eval"]');
    await page.locator('#compare-results tbody tr', { hasText: 'demo-compare' }).click();
    await page.waitForSelector('.recommendation h3');
    expect(await page.locator('.recommendation h3').textContent()).toBe('Recommendation: rag');
    expect(await page.locator('#detail-charts svg[aria-label="Accuracy vs latency vs cost"] circle').count()).toBe(2);
    await page.screenshot({ path: join(artifacts, 'compare.png'), fullPage: true });
  });
});
