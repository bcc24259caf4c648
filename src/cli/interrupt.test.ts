import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const helper = pathToFileURL(join(import.meta.dirname, 'interrupt.ts')).href;
const root = join(import.meta.dirname, '..', '..');

/**
 * Runs a command-like script in its own Node process: it installs its Ctrl-C cleanup, then a dependency loads
 * the real signal-exit (as node-llama-cpp's proper-lockfile does on import), then Ctrl-C arrives.
 */
function interrupted(body: string, signals = 1) {
  const script = `
    import { createRequire } from 'node:module';
    import { handleInterrupt } from ${JSON.stringify(helper)};
    const require = createRequire(${JSON.stringify(join(root, 'package.json'))});
    ${body}
    require('signal-exit')(() => {});
    for (let i = 0; i < ${signals}; i++) setTimeout(() => process.kill(process.pid, 'SIGINT'), 50 + 100 * i);
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
}

describe('handleInterrupt', () => {
  it('runs the whole cleanup on Ctrl-C even with signal-exit loaded after it, then lets the process exit', () => {
    const result = interrupted(`
      const work = setInterval(() => {}, 1000);
      const remove = handleInterrupt(() => setTimeout(() => {
        console.log('cleaned up');
        clearInterval(work);
        remove();
        process.exitCode = 1;
      }, 200));
    `);
    expect(result.signal).toBeNull();
    expect(result.stdout).toBe('cleaned up\n');
    expect(result.status).toBe(1);
  });

  it('exits on a second Ctrl-C while the cleanup hangs', () => {
    const result = interrupted(
      `
      const work = setInterval(() => {}, 1000);
      handleInterrupt(() => console.log('stopping'));
    `,
      2,
    );
    expect(result.stdout).toBe('stopping\n');
    expect(result.status).toBe(130);
  });
});
