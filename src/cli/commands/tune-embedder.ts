import type { Command } from 'commander';
import { AttuneError, UsageError } from '../../errors.ts';
import { ensurePythonEnv } from '../../models/python-env.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { GENERATE_MODES, type GenerateMode } from '../../tune/embedder/pairs.ts';
import { checkEmbedderName, type EmbedderMeta } from '../../tune/embedder/registry.ts';
import { cliContext, output, parseNumber, parsePositiveInt } from '../context.ts';
import { progressBar } from '../progress.ts';
import { handleInterrupt } from '../interrupt.ts';

interface Flags {
  collection: string;
  name: string;
  questions?: string;
  generate?: string;
  maxPairs: string;
  devFraction: string;
  epochs: string;
  batchSize: string;
  lr: string;
  seed: string;
  json?: boolean;
  progress?: boolean;
}

export function registerTuneEmbedder(program: Command): void {
  program
    .command('tune-embedder')
    .description(
      "fine-tune the collection's embedding model on (question, passage) pairs with hard negatives; registers embedders/<name>",
    )
    .requiredOption('-c, --collection <name>', 'collection whose passages (and embedder) the training starts from')
    .requiredOption('--name <name>', 'name of the tuned embedder (<home>/embedders/<name>)')
    .option('--questions <file>', 'labelled question JSONL ({id, question, answers, goldDocIds?}, as eval reads)')
    .option('--generate <mode>', `pairs generated from the collection: ${GENERATE_MODES.join(' or ')} (default cloze)`)
    .option('--max-pairs <n>', 'most training pairs (generated: sampled before the split)', '2000')
    .option('--dev-fraction <f>', "share of the documents whose pairs train; the rest's are held out", '0.8')
    .option('--epochs <n>', 'passes over the training pairs', '1')
    .option('--batch-size <n>', 'pairs per step (each one is a negative for the others)', '16')
    .option('--lr <rate>', 'learning rate (AdamW, linear warm-up and decay)', '2e-5')
    .option('--seed <n>', 'seed for sampling, batching and initialisation', '7')
    .option('--json', 'print meta.json')
    .option('--progress', 'show progress bars even when stderr is not a terminal')
    .addHelpText(
      'after',
      `
Examples:
  attune tune-embedder --collection handbook --questions handbook-questions.jsonl --name handbook-minilm
  attune tune-embedder --collection handbook --generate cloze --max-pairs 500 --epochs 2 --name handbook-minilm
  attune collections reembed --from handbook --to handbook-ft --embedder handbook-minilm
  attune --embedder handbook-minilm ask "…" --collection handbook-ft`,
    )
    .action(async (flags: Flags, command: Command) => {
      const context = cliContext(command);
      checkEmbedderName(flags.name);
      if (flags.questions && flags.generate) throw new UsageError('give --questions FILE or --generate MODE, not both');
      const generate = (flags.generate ?? 'cloze') as GenerateMode;
      if (!GENERATE_MODES.includes(generate))
        throw new UsageError(`--generate must be ${GENERATE_MODES.join(' or ')}, got "${flags.generate}"`);
      const devFraction = parseNumber(flags.devFraction, '--dev-fraction');
      if (!(devFraction > 0 && devFraction <= 1))
        throw new UsageError(`--dev-fraction must be in (0, 1], got "${flags.devFraction}"`);
      const lr = parseNumber(flags.lr, '--lr');
      if (!(lr > 0)) throw new UsageError(`--lr must be positive, got "${flags.lr}"`);
      // loaded here, not with the command table: it brings the ONNX runtime
      const { trainableBase, tuneEmbedder } = await import('../../tune/embedder/tune-embedder.ts');
      const baseDir = trainableBase(context.config, context.env);
      const runtime = createRuntime(context);
      const bar = progressBar('tune-embedder', { force: flags.progress });
      const controller = new AbortController();
      const stop = () => controller.abort(new AttuneError('tune-embedder interrupted: no embedder was registered'));
      const removeInterrupt = handleInterrupt(stop);
      try {
        const python = await ensurePythonEnv({ env: context.env, log: (line) => process.stderr.write(`${line}\n`) });
        const { store, embedder } = await runtime.collection(flags.collection);
        const { meta, folder } = await tuneEmbedder({
          home: context.home,
          name: flags.name,
          collection: flags.collection,
          store,
          embedder,
          baseDir,
          python,
          source: flags.questions
            ? { file: flags.questions }
            : { generate, generator: generate === 'qa-llm' ? await runtime.generator() : undefined },
          maxPairs: parsePositiveInt(flags.maxPairs, '--max-pairs'),
          devFraction,
          epochs: parsePositiveInt(flags.epochs, '--epochs'),
          batchSize: parsePositiveInt(flags.batchSize, '--batch-size'),
          lr,
          seed: parsePositiveInt(flags.seed, '--seed'),
          env: context.env,
          signal: controller.signal,
          onProgress: (phase, done, total) => bar.update(done, total, phase),
        });
        bar.stop();
        output(flags.json, meta, () => describe(meta, folder));
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason;
        throw error;
      } finally {
        removeInterrupt();
        bar.stop();
        await runtime.dispose();
      }
    });
}

export function describe(meta: EmbedderMeta, folder: string): string {
  const f = (n: number) => n.toFixed(3);
  const { data, heldOut } = meta;
  return [
    `${data.pairs.train} training pairs (${data.pairs.withNegative} with a hard negative) from ${data.documents.train} documents; ${data.pairs.heldOut} held-out pairs from ${data.documents.heldOut} other documents`,
    `${meta.steps} steps in ${meta.trainSeconds.toFixed(0)} s, loss ${f(meta.lossCurve[0]?.loss ?? meta.trainLoss)} → ${f(meta.trainLoss)}; ONNX vs PyTorch max |Δ| ${meta.export.maxAbsDiff.toExponential(1)}`,
    heldOut
      ? `held out (${heldOut.questions} questions): nDCG@10 ${f(heldOut.before.ndcg10)} → ${f(heldOut.after.ndcg10)}, recall@10 ${f(heldOut.before.recall10)} → ${f(heldOut.after.recall10)}${heldOut.test ? `; difference ${heldOut.test.difference >= 0 ? '+' : ''}${f(heldOut.test.difference)} [${f(heldOut.test.low)}, ${f(heldOut.test.high)}], paired bootstrap p = ${heldOut.test.p.toFixed(3)}` : ''}`
      : 'nothing held out: no before/after check',
    ...data.notes.map((note) => `note: ${note}`),
    `registered ${folder}`,
    `next: attune collections reembed --from ${meta.collection} --to ${meta.collection}-${meta.name} --embedder ${meta.name}`,
  ].join('\n');
}
