#!/usr/bin/env node
// The installed CLI (`npx attune`, `npm install -g`). attune's sources are TypeScript that
// Node >= 22.18 runs by stripping types, but `#!/usr/bin/env node` may find an older system Node.
// So this file stays plain JavaScript that Node 18 and 20 can run: on an older Node it finds the
// Node that scripts/node-path.sh provisions (Node 24 LTS from the npm registry, cached in
// ~/.cache/attune) and runs itself again under it.
import { spawnSync } from 'node:child_process';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MINIMUM = [22, 18];
const self = fileURLToPath(import.meta.url);

function isRecent(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1]);
}

function fail(message) {
  process.stderr.write(`attune: ${message}\n`);
  process.exit(1);
}

/** A Node >= 22.18: $ATTUNE_NODE when set, else the one scripts/node-path.sh prints (provisioning it once). */
function findRecentNode() {
  if (process.env.ATTUNE_NODE) return process.env.ATTUNE_NODE;
  const script = join(dirname(self), '..', 'scripts', 'node-path.sh');
  const found = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (found.error)
    fail(
      `Node ${process.versions.node} is too old (attune needs >= ${MINIMUM.join('.')}) and bash is not available to provision one: ${found.error.message}`,
    );
  if (found.status !== 0)
    fail(
      `Node ${process.versions.node} is too old (attune needs >= ${MINIMUM.join('.')}) and provisioning Node 24 failed: install Node 24 LTS or set ATTUNE_NODE`,
    );
  return found.stdout.trim();
}

if (isRecent(process.versions.node)) {
  if (self.split(sep).includes('node_modules')) {
    // installed by npm: Node will not strip types there by itself; children (the SQLite query worker) need it too
    const hook = pathToFileURL(join(dirname(self), 'strip-types.mjs')).href;
    await import(hook);
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${hook}`.trim();
  }
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv);
} else if (process.env.ATTUNE_REEXEC) {
  // the Node we re-ran under is old too: stop instead of looping
  fail(`${process.execPath} is Node ${process.versions.node}; attune needs >= ${MINIMUM.join('.')}: check ATTUNE_NODE`);
} else {
  const node = findRecentNode();
  const child = spawnSync(node, ['--disable-warning=ExperimentalWarning', self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    // 2 malloc arenas unless set, as scripts/with-node.sh does (it must be in the environment before Node starts)
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ATTUNE_REEXEC: '1' },
  });
  if (child.error) fail(`could not run ${node}: ${child.error.message}`);
  // a child killed by a signal (Ctrl-C) ends this process the same way
  if (child.signal) process.kill(process.pid, child.signal);
  process.exitCode = child.status ?? 1;
}
