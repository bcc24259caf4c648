import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { ADAPTER_STRATEGIES, COLLECTION_STRATEGIES, STRATEGY_NAMES, strategySpec } from '../../answer/catalog.ts';
import { createStrategy } from '../../answer/create-strategy.ts';
import { resolve } from 'node:path';
import { generatorModelPath } from '../../runtime/backends.ts';
import { createRuntime, type RuntimeFactories } from '../../runtime/runtime.ts';
import { loadAdapter } from '../../tune/adapters.ts';
import { assertUsableAdapter } from '../../tune/parity-judge.ts';
import { UsageError } from '../../errors.ts';
import type { Answer } from '../../types.ts';
import { cliContext, parsePositiveInt, MODEL_FLAG, MODEL_FLAG_HELP, type CliContext } from '../context.ts';

export interface AskFlags {
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
    .option('-c, --collection <name>', `collection to retrieve from (${COLLECTION_STRATEGIES.join(', ')})`)
    .option('-s, --strategy <name>', `one of ${STRATEGY_NAMES.join(', ')}`, 'rag')
    .option('--adapter <name>', `LoRA adapter from \`attune adapters list\` (${ADAPTER_STRATEGIES.join(', ')})`)
    .option('--k <n>', 'chunks to retrieve')
    .option('--mode <mode>', 'retrieval: hybrid, vector or keyword')
    .option('--max-tokens <n>', 'most tokens in the answer', '64')
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .option('--allow-degraded', 'use an adapter whose export parity check failed (see `attune adapters show NAME`)')
    .option('--json', 'print {answer, abstained, citations, timings, usage} as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  attune ask "Who founded the guild?" --collection handbook\n  attune ask "Who founded the guild?" --strategy base --json',
    )
    .action(async (question: string, flags: AskFlags, command: Command) => {
      const stream = !flags.json && process.stdout.isTTY;
      const answer = await runAsk(question, flags, cliContext(command), {
        onToken: stream ? (text) => process.stdout.write(text) : undefined,
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(toJson(answer), null, 2)}\n`);
      else process.stdout.write(`${stream ? '' : answer.answer}\n${renderSources(answer)}`);
    });
}

/**
 * `attune ask` without the printing: flags checked before anything loads, then the models and the collection
 * from one runtime, disposed whatever fails (`factories` lets a test inject a backend).
 */
export async function runAsk(
  question: string,
  flags: AskFlags,
  context: CliContext & { factories?: Partial<RuntimeFactories> },
  options: { onToken?: (text: string) => void } = {},
): Promise<Answer> {
  const spec = strategySpec(flags.strategy, '--strategy');
  const retrieval = { ...context.config.retrieval };
  if (flags.k) retrieval.k = parsePositiveInt(flags.k, '--k');
  if (flags.mode) {
    if (!['hybrid', 'vector', 'keyword'].includes(flags.mode))
      throw new UsageError(`--mode must be hybrid, vector or keyword, got "${flags.mode}"`);
    retrieval.mode = flags.mode as typeof retrieval.mode;
  }
  const maxTokens = parsePositiveInt(flags.maxTokens ?? '64', '--max-tokens');
  if (spec.collection && !flags.collection) throw new UsageError(`strategy ${flags.strategy} needs --collection NAME`);
  const runtime = createRuntime({
    config: context.config,
    home: context.home,
    env: context.env,
    factories: context.factories,
  });
  try {
    if (flags.adapter) {
      runtime.resolveAdapter(flags.adapter);
      // an adapter only fits the base it was trained on: with --model another base it would load, or not, and answer nonsense
      const meta = existsSync(flags.adapter)
        ? undefined
        : await loadAdapter(context.home, flags.adapter).catch(() => undefined);
      assertUsableAdapter(flags.adapter, meta?.parity, { allowDegraded: flags.allowDegraded });
      const model = generatorModelPath(context.config, context.env);
      if (meta && model && resolve(meta.baseModel) !== resolve(model)) {
        throw new UsageError(
          `adapter ${flags.adapter} was trained on ${meta.baseModel}, not on ${model}: pass --model ${meta.baseModel} (or retrain it with attune tune --model …)`,
        );
      }
    }
    const [generator, opened] = await Promise.all([
      runtime.generator(),
      spec.collection ? runtime.collection(flags.collection!) : undefined,
    ]);
    const strategy = createStrategy(
      flags.strategy,
      { generator, store: opened?.store, embedder: opened?.embedder, retrieval },
      { adapter: flags.adapter, maxTokens },
    );
    return await strategy.answer(question, { onToken: options.onToken });
  } finally {
    await runtime.dispose();
  }
}

function toJson(answer: Answer) {
  const { answer: text, abstained, citations, timings, usage, retrieved } = answer;
  return {
    answer: text,
    abstained,
    citations,
    timings,
    usage,
    retrieved: retrieved.map(({ chunkId, docId, source, score }) => ({ chunkId, docId, source, score })),
  };
}

function renderSources(answer: Answer): string {
  if (answer.abstained) return '(abstained: the documents do not support an answer)\n';
  if (answer.citations.length === 0) return '';
  return `\nSources:\n${answer.citations.map((c) => `  [${c.n}] ${c.source}${c.inferred ? ' (attributed by overlap)' : ''}`).join('\n')}\n`;
}
