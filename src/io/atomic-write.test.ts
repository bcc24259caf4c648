import { statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomic, writeAtomicSync } from './atomic-write.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeAtomic', () => {
  it('creates the folder, replaces an existing file and leaves no temp file behind', async () => {
    const file = join(dir, 'a', 'b', 'run.json');
    await writeAtomic(file, 'first');
    await writeAtomic(file, 'second');
    expect(await readFile(file, 'utf8')).toBe('second');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['run.json']);
  });

  it('concurrent writers each land whole: the file ends as one of them, never a mix', async () => {
    const file = join(dir, 'x.txt');
    const texts = Array.from({ length: 20 }, (_, i) => String(i).repeat(50_000));
    await Promise.all(texts.map((text) => writeAtomic(file, text)));
    expect(texts).toContain(await readFile(file, 'utf8'));
    expect(await readdir(dir)).toEqual(['x.txt']);
  });

  it('a failed write keeps the old file and removes its temp file', async () => {
    const file = join(dir, 'keep.txt');
    await writeFile(file, 'old');
    // a folder where the file should go makes the rename fail
    const blocked = join(dir, 'blocked');
    await writeAtomic(join(blocked, 'inner'), 'x');
    await expect(writeAtomic(blocked, 'new')).rejects.toThrow();
    expect(await readFile(file, 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['blocked', 'keep.txt']);
  });

  it('writeAtomicSync: the same for sync callers, with the permissions asked for (keys are 0600)', async () => {
    const file = join(dir, 'keys', 'keys.json');
    writeAtomicSync(file, '{"keys":[]}', { mode: 0o600 });
    expect(await readFile(file, 'utf8')).toBe('{"keys":[]}');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'keys'))).toEqual(['keys.json']);
  });
});
