import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const peersDir = import.meta.dirname;
const PACKAGES = [
  '@langchain/core',
  '@langchain/classic',
  '@langchain/community',
  '@langchain/textsplitters',
  'llamaindex',
];

/**
 * Installs the peer frameworks from bench/peers/package-lock.json into bench/peers/node_modules, once per lock
 * (a stamp holds the lock's hash); attune's own install never sees them. .npmrc there turns off install scripts
 * and optional peer integrations, so nothing but the npm registry is contacted.
 */
export function ensurePeersInstalled(log: (line: string) => void): void {
  const lock = readFileSync(join(peersDir, 'package-lock.json'));
  const want = createHash('sha256').update(lock).digest('hex');
  const stamp = join(peersDir, 'node_modules', '.attune-peers-lock.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return;
  log('installing the peer frameworks into bench/peers/node_modules (npm ci, once)…');
  const result = spawnSync('npm', ['ci'], {
    cwd: peersDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (result.status !== 0) throw new Error(`npm ci in ${peersDir} failed (exit ${result.status ?? result.signal})`);
  writeFileSync(stamp, `${want}\n`);
}

/** The installed versions, for the report: "llamaindex 0.12.1, …". */
export function peerVersions(): string {
  return PACKAGES.map((name) => {
    const manifest = JSON.parse(readFileSync(join(peersDir, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    };
    return `${name} ${manifest.version}`;
  }).join(', ');
}
