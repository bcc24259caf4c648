import { existsSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { ModelError } from '../errors.ts';
import type { AdapterRuntime } from './generator.ts';

/**
 * The PEFT folder a hosted engine loads for an adapter registered at <home>/adapters/<name>/adapter.gguf:
 * <home>/adapters/<name>/peft, or under `pathOnServer` (the adapters folder as the engine's file system sees it).
 */
export function peftPathOnServer(adapterGguf: string, pathOnServer?: string): string {
  const folder = dirname(adapterGguf);
  if (!pathOnServer) return join(folder, 'peft');
  return posix.join(pathOnServer, basename(folder), 'peft');
}

/** Loads every adapter a command uses (name → registered adapter.gguf) into the hosted engine by name. */
export async function loadHostedAdapters(
  runtime: AdapterRuntime,
  adapters: Record<string, string>,
  pathOnServer?: string,
): Promise<void> {
  for (const [name, gguf] of Object.entries(adapters)) {
    // checked here only when the engine shares this file system: a remote one reports a missing folder itself
    if (!pathOnServer && !existsSync(join(dirname(gguf), 'peft'))) {
      throw new ModelError(
        `adapter ${name}: no PEFT folder at ${join(dirname(gguf), 'peft')}: a hosted engine loads the PEFT adapter, not the GGUF one`,
        { input: gguf },
      );
    }
    await runtime.loadAdapter(name, peftPathOnServer(gguf, pathOnServer));
  }
}

export interface PushAdapterOptions {
  name: string;
  /** The attune adapter registry's adapter.gguf (its peft/ folder sits beside it). */
  adapterGguf: string;
  /** The engine's OpenAI-compatible base URL, e.g. http://gpu-host:8000/v1. */
  to: string;
  /** The PEFT folder as the engine's file system sees it (default: the local path, for an engine on this machine or a shared mount). */
  pathOnServer?: string;
  apiKey?: string;
}

/**
 * `attune adapters push`: loads the adapter's PEFT folder into a hosted engine's runtime LoRA endpoint.
 * The engine serves it as a model named after the adapter, which is what the openai generator asks for.
 */
export async function pushAdapter(options: PushAdapterOptions): Promise<{ name: string; lora_path: string }> {
  const local = join(dirname(options.adapterGguf), 'peft');
  if (!options.pathOnServer && !existsSync(join(local, 'adapter_config.json'))) {
    throw new ModelError(
      `adapter ${options.name}: no PEFT folder at ${local} (adapter_config.json): retrain it with attune tune`,
      { input: local },
    );
  }
  const path = options.pathOnServer ?? local;
  const { OpenAIGenerator } = await import('./openai-generator.ts');
  await new OpenAIGenerator({ model: options.name, baseURL: options.to, apiKey: options.apiKey }).loadAdapter(
    options.name,
    path,
  );
  return { name: options.name, lora_path: path };
}
