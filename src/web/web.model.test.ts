import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createKey } from '../server/keys.ts';
import { createResources } from '../server/resources.ts';
import { startServer, type RunningServer } from '../server/serve.ts';
import { PUBLIC_DOC, TEST_CONFIG } from '../server/test-fixtures.ts';
import { launchChromium } from './chromium.ts';

const artifacts = join(import.meta.dirname, '../../test-artifacts/web');

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
    server = await startServer({ resources: createResources(parseConfig(TEST_CONFIG), home), auth: true, host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.on('pageerror', (error) => { throw error; });
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
    await expect.poll(() => page.locator('#doc-collection').inputValue()).toBe('guide');
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
    await expect.poll(() => page.locator('#chat-collection').inputValue()).toBe('guide');
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

  it('shows the evaluation view without errors', async () => {
    await page.click('nav button[data-view="eval"]');
    await expect.poll(() => page.locator('#eval-note').textContent()).not.toBe('');
    await page.screenshot({ path: join(artifacts, 'eval.png'), fullPage: true });
  });
});
