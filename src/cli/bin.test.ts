import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// bin/attune.mjs as npx and a global install run it: by its shebang's `node`, the first on the PATH.
const bin = fileURLToPath(new URL('../../bin/attune.mjs', import.meta.url));
const systemNode = execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
const [major, minor] = systemNode.split('.').map(Number) as [number, number];
const systemIsOld = major < 22 || (major === 22 && minor < 18);
const links = mkdtempSync(join(tmpdir(), 'attune-bin-'));
afterAll(() => rmSync(links, { recursive: true, force: true }));

const run = (node: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(node, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ATTUNE_NODE: '', ATTUNE_REEXEC: '', ...env },
    timeout: 60_000,
  });

describe('bin/attune.mjs', () => {
  it('runs in place under a Node >= 22.18', () => {
    const result = run(process.execPath, ['--help']);
    expect(result.stdout).toMatch(/^Usage: attune \[options\] \[command\]/);
    expect(result.stdout).toContain('compare [options]');
    expect(result.status).toBe(0);
  });

  it.runIf(systemIsOld)(
    `re-runs itself under the provisioned Node when the system Node (${systemNode}) is older than 22.18`,
    () => {
      // through a symbolic link, as a global install (and npx) link the bin
      const link = join(links, 'attune');
      symlinkSync(bin, link);
      const result = spawnSync('node', [link, '--help'], {
        encoding: 'utf8',
        env: { ...process.env, ATTUNE_NODE: '', ATTUNE_REEXEC: '' },
        timeout: 60_000,
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^Usage: attune \[options\] \[command\]/);
      expect(result.status).toBe(0);
      // exit codes pass through: a usage error is 2
      const usage = run('node', ['no-such-command']);
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain("unknown command 'no-such-command'");
    },
  );

  it.runIf(systemIsOld)('re-runs itself with 2 malloc arenas unless the environment sets another number', () => {
    // in place of the provisioned Node, a script that prints the MALLOC_ARENA_MAX it was started with
    const shim = join(links, 'print-arenas');
    writeFileSync(shim, '#!/bin/sh\nprintf "%s" "$MALLOC_ARENA_MAX"\n', { mode: 0o755 });
    expect(run('node', ['--help'], { ATTUNE_NODE: shim, MALLOC_ARENA_MAX: undefined }).stdout).toBe('2');
    expect(run('node', ['--help'], { ATTUNE_NODE: shim, MALLOC_ARENA_MAX: '8' }).stdout).toBe('8');
  });

  it.runIf(systemIsOld)('stops with a one-line error when the Node it would re-run under is old too', () => {
    const result = run('node', ['--help'], { ATTUNE_NODE: 'node' });
    expect(result.stderr.trim()).toMatch(
      new RegExp(
        `^attune: \\S+ is Node ${systemNode.replaceAll('.', '\\.')}; attune needs >= 22\\.18: check ATTUNE_NODE$`,
      ),
    );
    expect(result.status).toBe(1);
  });
});

describe('attune installed under node_modules (as npm installs a registry tarball, globally or for npx)', () => {
  // a copy, not a link: Node refuses to strip types under node_modules, and a link would hide that
  const root = mkdtempSync(join(tmpdir(), 'attune-installed-'));
  const installed = join(root, 'node_modules', 'attune');
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  mkdirSync(installed, { recursive: true });
  for (const entry of ['bin', 'src', 'scripts', 'package.json'])
    cpSync(join(repo, entry), join(installed, entry), { recursive: true });
  symlinkSync(realpathSync(join(repo, 'node_modules')), join(installed, 'node_modules'));
  // the SQLite query runs in a child process that attune forks: it must strip types too
  const towns = new DatabaseSync(join(root, 'towns.sqlite'));
  towns.exec("CREATE TABLE town (name text); INSERT INTO town VALUES ('Arnsby'), ('Lume')");
  towns.close();
  writeFileSync(
    join(root, 'consumer.mjs'),
    [
      "const attune = await import('attune');",
      "const db = await attune.openDatabase('sqlite:towns.sqlite');",
      "console.log(typeof attune.ingest, JSON.stringify((await db.query('SELECT name FROM town ORDER BY name')).rows));",
      'await db.dispose();',
    ].join('\n'),
  );
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const env = { ...process.env, ATTUNE_NODE: '', ATTUNE_REEXEC: '' };

  it('runs the installed bin', () => {
    const result = spawnSync(process.execPath, [join(installed, 'bin', 'attune.mjs'), '--help'], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: attune \[options\] \[command\]/);
    expect(result.status).toBe(0);
  });

  it('lets another program import it with NODE_OPTIONS="--import attune/register", and says why without it', () => {
    const plain = spawnSync(process.execPath, ['consumer.mjs'], { cwd: root, encoding: 'utf8', env, timeout: 60_000 });
    expect(plain.stderr).toContain('ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING');
    const registered = spawnSync(process.execPath, ['consumer.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...env, NODE_OPTIONS: '--import attune/register' },
      timeout: 60_000,
    });
    expect(registered.stderr).toBe('');
    expect(registered.stdout.trim()).toBe('function [["Arnsby"],["Lume"]]');
  });
});

describe('scripts/with-node.sh (every npm script: demo, tests, benchmarks)', () => {
  const script = fileURLToPath(new URL('../../scripts/with-node.sh', import.meta.url));
  const arenas = (env: NodeJS.ProcessEnv) =>
    spawnSync('bash', [script, '-p', 'process.env.MALLOC_ARENA_MAX'], { encoding: 'utf8', env, timeout: 60_000 });

  it('runs Node with 2 malloc arenas unless the environment sets another number', () => {
    const { MALLOC_ARENA_MAX: _, ...unset } = process.env;
    expect(arenas(unset).stdout.trim()).toBe('2');
    expect(arenas({ ...unset, MALLOC_ARENA_MAX: '8' }).stdout.trim()).toBe('8');
  });
});
