import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { UsageError } from '../errors.ts';
import { withTunedEmbedder } from './context.ts';

const home = mkdtempSync(join(tmpdir(), 'attune-embedder-flag-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('--embedder NAME', () => {
  it("replaces the config's embedder with the tuned one's folder, and refuses a name the home lacks", () => {
    mkdirSync(join(home, 'embedders', 'docs-ft'), { recursive: true });
    writeFileSync(join(home, 'embedders', 'docs-ft', 'meta.json'), '{}');
    const config = parseConfig({ retrieval: { k: 7 } });
    expect(withTunedEmbedder(config, home, 'docs-ft')).toEqual({
      ...config,
      embedder: { provider: 'transformers', model: join(home, 'embedders', 'docs-ft') },
    });
    expect(() => withTunedEmbedder(config, home, 'other')).toThrow(UsageError);
    expect(() => withTunedEmbedder(config, home, 'other')).toThrow(/no tuned embedder "other" .*attune models list/);
  });
});
