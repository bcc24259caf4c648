import { existsSync } from 'node:fs';
import { readQuestions, type Question, type QuestionSet } from '../dataset/questions.ts';
import { DatasetError, UsageError } from '../errors.ts';
import { isSupported } from '../ingest/parsers/index.ts';
import { walk } from '../ingest/walk.ts';
import { loadChatTokenizer, type ChatTokenizer } from '../tune/chat-tokens.ts';
import { MIN_EXAMPLES, readTrainingData, tokenStats } from '../tune/data.ts';
import type { CompareOptions } from './options.ts';
import { readFormatSpec, type FormatSpec } from './format-spec.ts';
import { assertNoLeakage } from './leakage.ts';
import type { GeneratedExample } from './training-data.ts';

export interface ValidatedInputs {
  set: QuestionSet;
  questions: Question[];
  format: FormatSpec | undefined;
  /** The base model's tokenizer, when adapters are trained. */
  tokenizer: ChatTokenizer | undefined;
  /** The user's --train examples, checked for leaks and length. */
  train: GeneratedExample[] | undefined;
}

/**
 * Every input checked before anything is computed: questions, format spec, corpus and update folders, the base
 * model's tokenizer and a given --train file (parsed, leakage-checked, every example within --max-seq-len).
 * A bad input fails here in one line, not after an adapter has trained for minutes.
 */
export async function validateInputs(
  options: CompareOptions,
  wantsAdapters: boolean,
  warnings: string[],
): Promise<ValidatedInputs> {
  const set = await readQuestions(options.questions);
  for (const error of set.errors) warnings.push(`skipped ${error.message}`);
  const questions: Question[] = options.limit ? set.questions.slice(0, options.limit) : set.questions;
  if (questions.length === 0) throw new UsageError(`${options.questions}: no valid questions to evaluate`);
  const format = options.format ? await readFormatSpec(options.format) : undefined;
  await checkFolder(options.corpus, '--corpus');
  if (options.update) await checkFolder(options.update, '--update');
  const tokenizer = wantsAdapters ? await loadChatTokenizer(options.base) : undefined;
  try {
    const train = options.train ? await readGivenTraining(options, questions, tokenizer, warnings) : undefined;
    return { set, questions, format, tokenizer, train };
  } catch (error) {
    await tokenizer?.dispose();
    throw error;
  }
}

async function checkFolder(path: string, flag: string): Promise<void> {
  if (!existsSync(path)) throw new UsageError(`${flag} ${path}: no such file or directory`);
  const found = await walk([path]);
  if (!found.files.some((file) => isSupported(file.source)))
    throw new UsageError(`${flag} ${path}: no supported documents (md, txt, html, pdf, docx, json, jsonl, csv)`);
}

/** A user's --train file: bad lines skipped with a warning; refused when it leaks or has an example over --max-seq-len. */
async function readGivenTraining(
  options: CompareOptions,
  questions: Question[],
  tokenizer: ChatTokenizer | undefined,
  warnings: string[],
): Promise<GeneratedExample[]> {
  const file = options.train!;
  const data = await readTrainingData(file);
  for (const error of data.errors) warnings.push(`skipped ${error.message}`);
  const pairs = data.examples.map((e) => ({
    line: e.line,
    prompt: e.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '',
    completion: e.messages.at(-1)!.content,
  }));
  assertNoLeakage(file, pairs, questions, options.questions);
  if (data.examples.length < MIN_EXAMPLES)
    throw new DatasetError(
      `${file}: only ${data.examples.length} valid example(s), at least ${MIN_EXAMPLES} are needed`,
      { input: file },
    );
  if (tokenizer) {
    const settings = options.training.ft;
    tokenStats(
      file,
      data.examples,
      data.examples.map((e) => tokenizer.countChat(e.messages)),
      { maxSeqLen: settings.maxSeqLen, epochs: settings.epochs, tokensPerSecond: 1 },
    );
  }
  return data.examples.map((e, i) => ({
    messages: e.messages,
    prompt: pairs[i]!.prompt,
    completion: pairs[i]!.completion,
    docId: '',
  }));
}
