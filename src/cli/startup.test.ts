import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Help } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from './commands/index.ts';
import { buildProgram, commandName } from './main.ts';

// What a command loads before it runs, read from the module loader rather than timed (STYLE.md §13):
// `attune --help` and `attune collections list` must not pull in models, drivers or servers.
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'attune-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// a --import hook that records every module the process resolves (import and require alike)
const hook = join(dir, 'trace-modules.mjs');
writeFileSync(
  hook,
  `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = [];
registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); loaded.push(result.url); return result; } });
process.on('exit', () => writeFileSync(process.env.ATTUNE_TRACE_OUT, loaded.join('\\n')));
`,
);

/** Runs `node [args]` with the hook, by default from an empty folder (no attune.config.json); returns its output and the modules it loaded. */
function traced(
  args: string[],
  cwd = dir,
): { status: number | null; stdout: string; stderr: string; loaded: string[] } {
  const out = join(dir, `trace-${Math.random().toString(36).slice(2)}.txt`);
  const result = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--import', pathToFileURL(hook).href, ...args],
    {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ATTUNE_TRACE_OUT: out, ATTUNE_HOME: join(dir, 'home') },
      timeout: 60_000,
    },
  );
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    loaded: readFileSync(out, 'utf8').split('\n'),
  };
}

/** Packages and modules that cost from tens of milliseconds to seconds to load. */
const HEAVY = [
  'node-llama-cpp',
  '@huggingface/transformers',
  'onnxruntime-node',
  '@lancedb/lancedb',
  'apache-arrow',
  'pg',
  '@electric-sql/pglite',
  'hono',
  '@hono/node-server',
  '@modelcontextprotocol/sdk',
  'openai',
  'mammoth',
  'unpdf',
  'turndown',
  'node-sql-parser',
  'csv-parse',
  'cli-progress',
];
const HEAVY_SOURCES = [
  'src/config/runtime.ts',
  'src/models/python-env.ts',
  'src/tune/python-trainer.ts',
  'src/server/',
  'src/mcp/',
  'src/answer/',
  'src/compare/',
  'src/evaluate/',
];

function heavyIn(loaded: string[], extra: string[] = []): string[] {
  const packages = [...HEAVY, ...extra];
  return loaded.filter(
    (url) =>
      packages.some((name) => url.includes(`/node_modules/${name}/`)) ||
      HEAVY_SOURCES.some((path) => url.includes(`/${path}`)),
  );
}

describe('CLI startup', () => {
  it('sees a heavy module when one is loaded (the tracer itself)', () => {
    const run = traced(
      ['--input-type=module', '-e', "await import('pg')"],
      fileURLToPath(new URL('../..', import.meta.url)),
    );
    expect(run.status, run.stderr).toBe(0);
    expect(heavyIn(run.loaded).some((url) => url.includes('/node_modules/pg/'))).toBe(true);
  });

  it('shows `attune --help` without loading any command module or heavy dependency', () => {
    const run = traced([main, '--help']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: attune \[options\] \[command\]/);
    expect(run.stdout).toContain('watch [options] <paths...>');
    expect(run.loaded.some((url) => url.includes('/node_modules/commander/'))).toBe(true);
    expect(heavyIn(run.loaded, ['zod'])).toEqual([]);
    expect(
      run.loaded.filter((url) => url.includes('/src/cli/commands/') && !url.endsWith('/commands/index.ts')),
    ).toEqual([]);
  });

  it('runs `attune collections list` without loading a store driver, a model or the config schema', () => {
    const run = traced([main, 'collections', 'list']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('no collections\n');
    expect(run.loaded.some((url) => url.endsWith('/src/store/open.ts'))).toBe(true);
    expect(heavyIn(run.loaded, ['zod'])).toEqual([]);
  });
});

describe('the lazy command table', () => {
  it('lists every command as the command itself describes it', async () => {
    const help = new Help();
    const program = await buildProgram();
    expect(
      program.commands.map((command) => ({
        name: command.name(),
        term: help.subcommandTerm(command),
        description: command.description(),
      })),
    ).toEqual(commands.map(({ name, term, description }) => ({ name, term, description })));
  });

  it('finds the command name after the global options, and the command `help` is about', () => {
    const argv = (...args: string[]) => ['node', 'attune', ...args];
    expect(commandName(argv('--home', 'h', '--store', 'postgres://x', 'collections', 'list'))).toBe('collections');
    expect(commandName(argv('--home=h', 'ask', 'why?'))).toBe('ask');
    expect(commandName(argv('help', 'sql'))).toBe('sql');
    expect(commandName(argv('--help'))).toBeUndefined();
    expect(commandName(argv())).toBeUndefined();
    expect(commandName(argv('--', 'ask'))).toBeUndefined();
  });
});
