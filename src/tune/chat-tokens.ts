import { existsSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { getLlama, type LlamaModel } from 'node-llama-cpp';
import { ModelError } from '../errors.ts';
import type { ChatMessage } from '../types.ts';

/** Token counts in the base model's own tokens, as the trainer counts them (chat template included). */
export interface ChatTokenizer {
  /** Tokens of the whole chat rendered by the model's chat template: what `--max-seq-len` limits. */
  countChat(messages: ChatMessage[]): number;
  /** Tokens of a piece of plain text (no template). */
  countText(text: string): number;
  /** The longest prefix of `text` that is at most `tokens` tokens long. */
  truncateText(text: string, tokens: number): string;
  dispose(): Promise<void>;
}

/**
 * The tokenizer and chat template of a GGUF file, read with node-llama-cpp (vocabulary only, no weights)
 * and rendered with the template stored in the file — the same template and vocabulary that the trainer's
 * `apply_chat_template` uses, so the counts match the trainer's token for token (checked by
 * chat-tokens.model.test.ts against the Python worker).
 */
export async function loadChatTokenizer(ggufPath: string): Promise<ChatTokenizer> {
  if (!existsSync(ggufPath))
    throw new ModelError(`base model not found: ${ggufPath}: run \`attune models pull\` or set generator.model`, {
      input: ggufPath,
    });
  let model: LlamaModel;
  try {
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
    model = await llama.loadModel({ modelPath: ggufPath, vocabOnly: true });
  } catch (error) {
    throw new ModelError(`could not read the tokenizer of ${ggufPath}: ${(error as Error).message}`, {
      input: ggufPath,
      cause: error,
    });
  }
  const metadata = model.fileInfo.metadata as { tokenizer?: { chat_template?: string } };
  const source = metadata.tokenizer?.chat_template;
  if (!source) {
    await model.dispose();
    throw new ModelError(
      `${ggufPath} has no chat template (tokenizer.chat_template): training data cannot be counted as the trainer sees it`,
      { input: ggufPath },
    );
  }
  const template = new Template(source);
  const special = { bos_token: model.tokens.bosString ?? '', eos_token: model.tokens.eosString ?? '' };
  return {
    countChat: (messages) =>
      model.tokenize(template.render({ messages, add_generation_prompt: false, ...special }), true).length,
    countText: (text) => model.tokenize(text, false).length,
    truncateText(text, tokens) {
      const ids = model.tokenize(text, false);
      if (ids.length <= tokens) return text;
      return tokens <= 0 ? '' : model.detokenize(ids.slice(0, tokens));
    },
    dispose: () => model.dispose(),
  };
}
