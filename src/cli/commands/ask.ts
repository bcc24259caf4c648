import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { createStrategy, STRATEGY_NAMES } from '../../answer/create-strategy.ts';
import { resolve } from 'node:path';
import { adapterGgufPath, createGenerator, generatorModelPath, openCollection } from '../../config/runtime.ts';
import { loadAdapter } from '../../tune/adapters.ts';
import { assertUsableAdapter } from '../../tune/parity-judge.ts';
import { ModelError, UsageError } from '../../errors.ts';
import type { Answer } from '../../types.ts';
import { cliContext, parsePositiveInt, MODEL_FLAG, MODEL_FLAG_HELP } from '../context.ts';

interface AskFlags {
  collection?: string;
  strategy: string;
  adapter?: string;
  k?: string;
  mode?: string;
  maxTokens?: string;
  json?: boolean;
  allowDegraded?: boolean;
}

export function registerAsk(program: Command): void {
  program
    .command('ask')
    .argument('<question>', 'the question')
    .description('answer a question from a collection (rag) or from the model alone (base), with numbered citations')
    .option('-c, --collection <name>', 'collection to retrieve from (rag, ft-rag, raft)')
    .option('-s, --strategy <name>', `one of ${STRATEGY_NAMES.join(', ')}`, 'rag')
    .option('--adapter <name>', 'LoRA adapter from `attune adapters list` (ft, ft-rag, raft)')
    .option('--k <n>', 'chunks to retrieve')
    .option('--mode <mode>', 'retrieval: hybrid, vector or keyword')
    .option('--max-tokens <n>', 'most tokens in the answer', '64')
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .option('--allow-degraded', 'use an adapter whose export parity check failed (see `attune adapters show NAME`)')
    .option('--json', 'print {answer, abstained, citations, timings, usage} as JSON')
    .addHelpText('after', '\nExamples:\n  attune ask "Who founded the guild?" --collection handbook\n  attune ask "Who founded the guild?" --strategy base --json')
    .action(async (question: string, flags: AskFlags, command: Command) => {
      const context = cliContext(command);
      const retrieval = { ...context.config.retrieval };
      if (flags.k) retrieval.k = parsePositiveInt(flags.k, '--k');
      if (flags.mode) {
        if (!['hybrid', 'vector', 'keyword'].includes(flags.mode)) throw new UsageError(`--mode must be hybrid, vector or keyword, got "${flags.mode}"`);
        retrieval.mode = flags.mode as typeof retrieval.mode;
      }
      const needsCollection = !['base', 'ft'].includes(flags.strategy);
      if (needsCollection && !flags.collection) throw new UsageError(`strategy ${flags.strategy} needs --collection NAME`);
      const adapters: Record<string, string> = {};
      if (flags.adapter) {
        const path = existsSync(flags.adapter) ? flags.adapter : adapterGgufPath(context.home, flags.adapter);
        if (!existsSync(path)) throw new ModelError(`unknown adapter "${flags.adapter}": not found at ${path} (see \`attune adapters list\`)`);
        adapters[flags.adapter] = path;
        // an adapter only fits the base it was trained on: with --model another base it would load, or not, and answer nonsense
        const meta = existsSync(flags.adapter) ? undefined : await loadAdapter(context.home, flags.adapter).catch(() => undefined);
        assertUsableAdapter(flags.adapter, meta?.parity, { allowDegraded: flags.allowDegraded });
        const model = generatorModelPath(context.config, context.env);
        if (meta && model && resolve(meta.baseModel) !== resolve(model)) {
          throw new UsageError(`adapter ${flags.adapter} was trained on ${meta.baseModel}, not on ${model}: pass --model ${meta.baseModel} (or retrain it with attune tune --model …)`);
        }
      }
      const opened = needsCollection ? await openCollection(context.config, context.home, flags.collection!) : undefined;
      const generator = await createGenerator(context.config, { adapters });
      try {
        const strategy = createStrategy(flags.strategy, { generator, store: opened?.store, embedder: opened?.embedder, retrieval }, {
          adapter: flags.adapter,
          maxTokens: parsePositiveInt(flags.maxTokens ?? '64', '--max-tokens'),
        });
        const stream = !flags.json && process.stdout.isTTY;
        const answer = await strategy.answer(question, { onToken: stream ? (text) => process.stdout.write(text) : undefined });
        if (flags.json) process.stdout.write(`${JSON.stringify(toJson(answer), null, 2)}\n`);
        else process.stdout.write(`${stream ? '' : answer.answer}\n${renderSources(answer)}`);
      } finally {
        await generator.dispose();
        await opened?.store.dispose();
        await opened?.embedder.dispose();
      }
    });
}

function toJson(answer: Answer) {
  const { answer: text, abstained, citations, timings, usage, retrieved } = answer;
  return { answer: text, abstained, citations, timings, usage, retrieved: retrieved.map(({ chunkId, docId, source, score }) => ({ chunkId, docId, source, score })) };
}

function renderSources(answer: Answer): string {
  if (answer.abstained) return '(abstained: the documents do not support an answer)\n';
  if (answer.citations.length === 0) return '';
  return `\nSources:\n${answer.citations.map((c) => `  [${c.n}] ${c.source}${c.inferred ? ' (attributed by overlap)' : ''}`).join('\n')}\n`;
}
