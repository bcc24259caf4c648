// Node strips TypeScript types itself, except in files under node_modules, which is where npm puts
// an installed attune (a global install, npx, a dependency). This hook strips them there too.
// The attune bin registers it; a program that imports attune from node_modules runs with
// NODE_OPTIONS="--import attune/register" (the variable, not the flag, so that the child processes
// attune forks, such as the SQLite query worker, get it too). Plain JavaScript: it runs before any .ts.
import { readFileSync } from 'node:fs';
import module from 'node:module';

module.registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:') && url.endsWith('.ts') && url.includes('/node_modules/')) {
      const source = readFileSync(new URL(url), 'utf8');
      return { format: 'module', source: strip(source), shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});

/** Without the one-time "stripTypeScriptTypes is experimental" notice: attune pins the Node it runs on. */
function strip(source) {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return module.stripTypeScriptTypes(source);
  } finally {
    process.emitWarning = emitWarning;
  }
}
