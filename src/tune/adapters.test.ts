import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { adaptersDir, commitAdapter, listAdapters, loadAdapter, stagingDir, type AdapterMeta } from './adapters.ts';

// failure injection: while `failInstall` is set, renaming a staged folder into place fails, as if the process died there
let failInstall = false;
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const rename: typeof fs.rename = async (from, to) => {
    if (failInstall && String(from).includes('.staging-')) throw new Error('killed');
    return fs.rename(from, to);
  };
  return { ...fs, default: { ...fs, rename }, rename };
});

/** The PID of a process that has exited (so a folder named after it belongs to a killed run). */
const deadPid = () => spawnSync('true').pid!;

async function registered(home: string, name: string, steps: number): Promise<void> {
  const staged = await stagingDir(home, name);
  await writeFile(join(staged, 'adapter.gguf'), `weights after ${steps} steps`);
  await commitAdapter(home, staged, { name, steps } as AdapterMeta);
}

describe('adapter registry after a killed run', () => {
  it("clears a killed run's staging folder of the same name only, never another adapter's or a live run's", async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-adapters-'));
    const root = adaptersDir(home);
    const dead = deadPid();
    const mine = `.staging-toy-${dead}-1700000000000`;
    const other = `.staging-toy-2-${dead}-1700000000000`;
    const dotted = `.staging-toyX${dead}-1700000000000`;
    const live = `.staging-toy-${process.ppid}-1700000000000`;
    for (const dir of [mine, other, dotted, live]) await mkdir(join(root, dir), { recursive: true });
    const staged = await stagingDir(home, 'toy');
    const left = await readdir(root);
    expect(left).not.toContain(mine);
    expect(left).toEqual(expect.arrayContaining([other, dotted, live]));
    expect(left).toContain(staged.slice(root.length + 1));
    // settling toy.v1 must not read '.' as any character either
    await stagingDir(home, 'toy.v1');
    expect(await readdir(root)).toContain(dotted);
  });

  it('a replace killed between its two renames shows no half state, and the next run puts the old adapter back', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-adapters-'));
    await registered(home, 'toy', 10);
    const staged = await stagingDir(home, 'toy');
    failInstall = true;
    await expect(commitAdapter(home, staged, { name: 'toy', steps: 20 } as AdapterMeta)).rejects.toThrow('killed');
    failInstall = false;
    expect((await listAdapters(home)).map((a) => a.name)).toEqual([]);
    expect((await readdir(adaptersDir(home))).filter((e) => !e.startsWith('.'))).toEqual([]);
    await stagingDir(home, 'toy');
    expect((await loadAdapter(home, 'toy')).steps).toBe(10);
    expect((await readdir(adaptersDir(home))).filter((e) => e.startsWith('.replaced'))).toEqual([]);
  });

  it('drops the moved-aside adapter when the new one was already in place, and replaces cleanly otherwise', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-adapters-'));
    await registered(home, 'toy', 10);
    await registered(home, 'toy', 20);
    expect((await loadAdapter(home, 'toy')).steps).toBe(20);
    const root = adaptersDir(home);
    expect((await readdir(root)).filter((e) => e.startsWith('.'))).toEqual([]);
    // killed after the new adapter was renamed into place, before the old one was removed
    const aside = join(root, `.replaced-toy-${deadPid()}`);
    await mkdir(aside);
    await writeFile(join(aside, 'meta.json'), JSON.stringify({ name: 'toy', steps: 10 }));
    await stagingDir(home, 'toy');
    expect(existsSync(aside)).toBe(false);
    expect((await loadAdapter(home, 'toy')).steps).toBe(20);
  });
});
