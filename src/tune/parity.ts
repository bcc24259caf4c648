import { join } from 'node:path';
import { judgeParity, PARITY_TOLERANCE, type ParityResult, type ParitySample } from './parity-judge.ts';
import type { ChatExample } from './data.ts';
import type { Trainer } from './trainer.ts';

export interface ExportParityOptions {
  trainer: Trainer;
  baseDir: string;
  /** The GGUF base llama.cpp serves; without one there is nothing to compare. */
  ggufFile?: string;
  /** The exported adapter (adapter.gguf) and the trainer's own (peft/). */
  adapterGguf: string;
  /** A merged GGUF (`attune adapters merge`) to check instead of the base + adapterGguf. */
  mergedGguf?: string;
  adapterPeft: string;
  examples: ChatExample[];
  source: 'val' | 'train';
  /** Default 8: enough to see a broken export (it fails on nearly every prompt), cheap on 2 cores. */
  maxPrompts?: number;
  /** Default 32: a broken template or EOS shows in the first tokens. */
  maxNewTokens?: number;
  threads?: number;
  signal?: AbortSignal;
}

const skipped = (reason: string, started: number): ParityResult => ({
  status: 'skipped',
  failed: [],
  reason,
  checkedAt: new Date().toISOString(),
  tolerance: PARITY_TOLERANCE,
  prompts: 0,
  seconds: (performance.now() - started) / 1000,
});

/**
 * The export parity check: the same prompts answered greedily by the trainer's runtime (PyTorch + PEFT)
 * and by llama.cpp with the GGUF adapter, judged by judgeParity. Never throws for a failed comparison:
 * a GGUF side that cannot load or answer is `degraded`, a reference side that cannot run is `skipped`.
 */
export async function checkExportParity(options: ExportParityOptions): Promise<ParityResult> {
  const started = performance.now();
  if (!options.trainer.generate)
    return skipped(`trainer ${options.trainer.id} cannot answer with its own runtime`, started);
  if (!options.ggufFile)
    return skipped(
      'the base is a Hugging Face folder, not a GGUF file: llama.cpp has no base to load the adapter on',
      started,
    );
  const examples = options.examples.slice(0, options.maxPrompts ?? 8);
  if (examples.length === 0) return skipped('no examples to ask', started);
  const prompts = examples.map((example) => example.messages.slice(0, -1));
  const maxNewTokens = options.maxNewTokens ?? 32;

  // the file llama.cpp serves: its metadata (chat template, EOS) is what serving uses
  const basePath = options.mergedGguf ?? join(options.baseDir, options.ggufFile);
  const adapter = options.mergedGguf ? undefined : 'parity';
  // loaded here, not at the top: the tune command should not pay for node-llama-cpp when the check is off
  const { LlamaGenerator } = await import('../generate/llama-generator.ts');
  const { readGgufFileInfo } = await import('node-llama-cpp');
  // the GGUF side first: a broken export fails here in seconds, before PyTorch loads
  let generator: Awaited<ReturnType<typeof LlamaGenerator.load>> | undefined;
  const gguf: string[] = [];
  const tokens: { promptTokens: number[]; eosToken: string | undefined }[] = [];
  try {
    generator = await LlamaGenerator.load({
      modelPath: basePath,
      contextSize: 1024,
      threads: options.threads,
      adapters: adapter ? { parity: options.adapterGguf } : {},
    });
    for (const messages of prompts) {
      gguf.push(
        (
          await generator.generate({
            messages,
            maxTokens: maxNewTokens,
            temperature: 0,
            adapter,
            signal: options.signal,
          })
        ).text,
      );
      tokens.push(generator.chatTokens(messages));
    }
  } catch (error) {
    options.signal?.throwIfAborted();
    return {
      ...skipped('', started),
      status: 'degraded',
      failed: ['gguf-load'],
      reason: `llama.cpp could not answer with ${adapter ? 'the GGUF adapter' : 'the merged GGUF'}: ${(error as Error).message.split('\n')[0]}`,
    };
  } finally {
    // freed before PyTorch loads: two copies of the model at once do not fit every small machine
    await generator?.dispose().catch(() => {});
  }

  let reference: Awaited<ReturnType<NonNullable<Trainer['generate']>>>;
  try {
    reference = await options.trainer.generate(
      { baseDir: options.baseDir, ggufFile: options.ggufFile, adapterDir: options.adapterPeft, prompts, maxNewTokens },
      { signal: options.signal },
    );
  } catch (error) {
    options.signal?.throwIfAborted();
    return skipped(`the PyTorch reference failed: ${(error as Error).message}`, started);
  }

  const ggufTemplate =
    (await readGgufFileInfo(basePath, { readTensorInfo: false })).metadata.tokenizer?.chat_template ?? null;
  const differ = tokens.findIndex((t, i) => !sameTokens(t.promptTokens, reference.outputs[i]!.promptTokens));
  const samples: ParitySample[] = examples.map((example, i) => ({
    prompt: prompts[i]!.at(-1)!.content,
    reference: example.messages.at(-1)!.content,
    peft: reference.outputs[i]!.text.trim(),
    gguf: gguf[i]!,
  }));
  return judgeParity(
    {
      samples,
      source: options.source,
      chatTemplate: { match: (ggufTemplate ?? null) === reference.chatTemplate },
      eosToken: { peft: reference.eosToken, gguf: tokens[0]?.eosToken ?? null },
      promptTokensDiffer:
        differ < 0
          ? null
          : firstDifference(differ, reference.outputs[differ]!.promptTokens, tokens[differ]!.promptTokens),
    },
    (performance.now() - started) / 1000,
  );
}

function sameTokens(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}

/** Where two prompts' token ids part, with a few tokens of context each side. */
function firstDifference(prompt: number, peft: number[], gguf: number[]) {
  let position = 0;
  while (position < peft.length && peft[position] === gguf[position]) position += 1;
  const from = Math.max(0, position - 2);
  return { prompt, position, peft: peft.slice(from, position + 4), gguf: gguf.slice(from, position + 4) };
}
