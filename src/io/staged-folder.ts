import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A fresh temp folder `root/.staging-<name>-…` for a registry entry being built; `commitFolder` renames it into
 * place. Leftovers of a killed run (never committed) are cleared first, so a crash never leaves a half-written
 * entry under its own name.
 */
export async function stageFolder(root: string, name: string): Promise<string> {
  await mkdir(root, { recursive: true });
  for (const entry of await readdir(root))
    if (entry.startsWith(`.staging-${name}-`)) await rm(join(root, entry), { recursive: true, force: true });
  const dir = join(root, `.staging-${name}-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Renames the staged folder to `root/<name>`, replacing an old one (moved aside first, removed after). */
export async function commitFolder(root: string, staged: string, name: string): Promise<string> {
  const target = join(root, name);
  const old = `${target}.old-${process.pid}`;
  if (existsSync(target)) await rename(target, old);
  await rename(staged, target);
  await rm(old, { recursive: true, force: true });
  return target;
}
