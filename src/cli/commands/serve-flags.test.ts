import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const main = join(import.meta.dirname, '..', 'main.ts');

function serve(...args: string[]) {
  const home = mkdtempSync(join(tmpdir(), 'attune-serve-flags-'));
  return spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', main, 'serve', ...args], {
    cwd: home,
    encoding: 'utf8',
    env: { ...process.env, ATTUNE_HOME: join(home, 'home') },
    timeout: 60_000,
  });
}

describe('attune serve --parallel', () => {
  it('refuses more than 64 sequences, and 0, in one line naming the flag, before loading anything', () => {
    const tooMany = serve('--parallel', '100', '--port', '0');
    expect(tooMany.status).toBe(2);
    expect(tooMany.stderr.trim()).toBe('attune: --parallel must be at most 64 (each holds its own context), got 100');
    const zero = serve('--parallel', '0', '--port', '0');
    expect(zero.status).not.toBe(0);
    expect(zero.stderr).toMatch(/--parallel must be a positive integer, got "0"/);
  });
});
