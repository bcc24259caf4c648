import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UploadError } from './http-errors.ts';
import { DEFAULT_UPLOAD_LIMITS, safeFileName, saveUploads } from './uploads.ts';

describe('uploads', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it.each(['../../etc/passwd.md', '..\\secret.md', 'a/b.md', '.hidden.md', 'x\0.md', '..md'])(
    'refuses the path-escaping name %j',
    (name) => {
      expect(() => safeFileName(name)).toThrow(UploadError);
    },
  );

  it('refuses types outside the list with 415', () => {
    try {
      safeFileName('run.sh');
      expect.unreachable();
    } catch (error) {
      expect((error as UploadError).status).toBe(415);
    }
    expect(safeFileName('Guide (v2).md')).toBe('Guide (v2).md');
  });

  it('writes all files or none: one oversized file refuses the batch', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'attune-up-')), 'uploads');
    dirs.push(dir);
    const limits = { ...DEFAULT_UPLOAD_LIMITS, maxFileBytes: 10 };
    const small = new File(['hello'], 'a.md');
    const big = new File(['x'.repeat(11)], 'b.md');
    await expect(saveUploads(dir, [small, big], limits)).rejects.toMatchObject({ status: 413 });
    expect(existsSync(dir)).toBe(false);
    const paths = await saveUploads(dir, [small], limits);
    expect(readFileSync(paths[0]!, 'utf8')).toBe('hello');
    expect(readdirSync(dir)).toEqual(['a.md']);
  });

  it('keeps uploads within the collection quota and the quota of all uploads; a replaced file frees its size', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'attune-up-')), 'uploads');
    dirs.push(root);
    const limits = { ...DEFAULT_UPLOAD_LIMITS, maxCollectionBytes: 10, maxTotalBytes: 15 };
    await saveUploads(join(root, 'a'), [new File(['x'.repeat(8)], 'one.md')], limits);
    await expect(saveUploads(join(root, 'a'), [new File(['xxx'], 'two.md')], limits)).rejects.toMatchObject({
      status: 413,
    });
    await saveUploads(join(root, 'a'), [new File(['x'.repeat(10)], 'one.md')], limits); // replaces 8 bytes with 10
    await saveUploads(join(root, 'b'), [new File(['x'.repeat(5)], 'one.md')], limits);
    await expect(saveUploads(join(root, 'b'), [new File(['x'], 'two.md')], limits)).rejects.toMatchObject({
      message: /all uploads/,
    });
    expect(readdirSync(join(root, 'a'))).toEqual(['one.md']);
  });
});
