import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A fresh temp folder `root/.staging-<name>-PID-TIME` for a registry entry being built; `commitFolder` renames it
 * into place. What a killed run of the same name left is settled first: its staging folders are removed, and an
 * entry it was replacing is put back (or dropped, when the new one was already in place). So a crash never leaves
 * a half-written entry under its own name, nor loses the old one.
 */
export async function stageFolder(root: string, name: string): Promise<string> {
  await mkdir(root, { recursive: true });
  for (const leftover of await leftovers(root, name)) {
    const path = join(root, leftover.entry);
    const target = join(root, name);
    if (leftover.kind === 'replaced' && !existsSync(target)) await rename(path, target);
    else await rm(path, { recursive: true, force: true });
  }
  const dir = join(root, `.staging-${name}-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * The hidden folders of runs of `name` whose process is gone: `.staging-NAME-PID-TIME` and `.replaced-NAME-PID`.
 * Matched exactly, so settling `toy` never touches `toy-2`'s, and a run still going (its PID alive) is left alone.
 */
async function leftovers(root: string, name: string): Promise<{ entry: string; kind: 'staging' | 'replaced' }[]> {
  const escaped = name.replaceAll('.', '\\.');
  const patterns = {
    staging: new RegExp(`^\\.staging-${escaped}-(\\d+)-\\d+$`),
    replaced: new RegExp(`^\\.replaced-${escaped}-(\\d+)$`),
  };
  const found: { entry: string; kind: 'staging' | 'replaced' }[] = [];
  for (const entry of await readdir(root))
    for (const kind of ['staging', 'replaced'] as const) {
      const pid = patterns[kind].exec(entry)?.[1];
      if (pid !== undefined && !isRunning(Number(pid))) found.push({ entry, kind });
    }
  return found;
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Renames the staged folder to `root/<name>`. An entry it replaces is first moved to a hidden
 * `.replaced-NAME-PID`, so a kill between the two renames leaves nothing half-registered in a listing; the next
 * run of the same name puts it back (see `stageFolder`).
 */
export async function commitFolder(root: string, staged: string, name: string): Promise<string> {
  const target = join(root, name);
  const replaced = join(root, `.replaced-${name}-${process.pid}`);
  if (existsSync(target)) await rename(target, replaced);
  await rename(staged, target);
  await rm(replaced, { recursive: true, force: true });
  return target;
}
