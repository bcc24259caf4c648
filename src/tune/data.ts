import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DatasetError } from '../errors.ts';

/** One training example in chat form; the loss counts only the last (assistant) message. */
export interface ChatExample {
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  /** 1-based line in the source file, for error messages. */
  line: number;
}

const text = z.string().trim().min(1);
const chatSchema = z.object({
  messages: z
    .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
    .min(2)
    .refine((messages) => messages.at(-1)?.role === 'assistant', 'the last message must be the assistant answer'),
});
const instructionSchema = z.object({ instruction: text, input: z.string().optional(), output: text });
const questionSchema = z.object({ question: text, answer: text });

export const MIN_EXAMPLES = 4;

export interface TrainingData {
  file: string;
  examples: ChatExample[];
  /** Bad lines, each a DatasetError naming file:line, field and reason; training goes on without them. */
  errors: DatasetError[];
  /** sha256 of the file's bytes (recorded in the adapter's meta.json). */
  hash: string;
}

/** Reads chat, instruction or question/answer JSONL; keeps going past bad lines. */
export async function readTrainingData(file: string): Promise<TrainingData> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (error) {
    throw new DatasetError(`${file}: cannot read training data: ${(error as Error).message}`, {
      input: file,
      cause: error,
    });
  }
  const examples: ChatExample[] = [];
  const errors: DatasetError[] = [];
  raw
    .toString('utf8')
    .split('\n')
    .forEach((source, index) => {
      if (!source.trim()) return;
      const result = parseLine(source);
      if (typeof result === 'string')
        errors.push(new DatasetError(`${file}:${index + 1}: ${result}`, { input: `${file}:${index + 1}` }));
      else examples.push({ messages: result, line: index + 1 });
    });
  return { file, examples, errors, hash: createHash('sha256').update(raw).digest('hex') };
}

function parseLine(source: string): ChatExample['messages'] | string {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'expected a JSON object with messages, instruction/output or question/answer';
  const schema =
    'messages' in value
      ? chatSchema
      : 'instruction' in value
        ? instructionSchema
        : 'question' in value
          ? questionSchema
          : undefined;
  if (!schema) return 'unknown format: expected field messages, instruction or question';
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `field ${issue.path.join('.') || '(root)'}: ${issue.message}`;
  }
  const data = parsed.data as Record<string, unknown>;
  if ('messages' in data) return data.messages as ChatExample['messages'];
  if ('instruction' in data) {
    const input = (data.input as string | undefined)?.trim();
    return [
      { role: 'user', content: input ? `${data.instruction}\n\n${input}` : String(data.instruction) },
      { role: 'assistant', content: String(data.output) },
    ];
  }
  return [
    { role: 'user', content: String(data.question) },
    { role: 'assistant', content: String(data.answer) },
  ];
}

/** Deterministic shuffle + split; at least one validation example once there are 5 or more. */
export function splitExamples(
  examples: ChatExample[],
  valShare = 0.1,
  seed = 42,
): { train: ChatExample[]; val: ChatExample[] } {
  const shuffled = [...examples];
  let state = seed >>> 0;
  const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const valCount = shuffled.length >= 5 ? Math.max(1, Math.round(shuffled.length * valShare)) : 0;
  return { val: shuffled.slice(0, valCount), train: shuffled.slice(valCount) };
}

export interface TokenStats {
  examples: number;
  tokens: number;
  min: number;
  mean: number;
  max: number;
  maxSeqLen: number;
  /** Seconds, from a rough CPU throughput guess (tokens/s). */
  estimatedSeconds: number;
}

/** Stats for the pre-training summary; throws naming every line longer than maxSeqLen. */
export function tokenStats(
  file: string,
  examples: ChatExample[],
  lengths: number[],
  options: { maxSeqLen: number; epochs: number; tokensPerSecond: number },
): TokenStats {
  const tooLong = examples
    .map((example, i) => ({ line: example.line, length: lengths[i]! }))
    .filter((e) => e.length > options.maxSeqLen);
  if (tooLong.length > 0) {
    const list = tooLong
      .slice(0, 5)
      .map((e) => `line ${e.line} (${e.length} tokens)`)
      .join(', ');
    throw new DatasetError(
      `${file}: ${tooLong.length} example(s) longer than --max-seq-len ${options.maxSeqLen}: ${list}; shorten them or raise --max-seq-len`,
      { input: file },
    );
  }
  const tokens = lengths.reduce((a, b) => a + b, 0);
  return {
    examples: lengths.length,
    tokens,
    min: Math.min(...lengths),
    max: Math.max(...lengths),
    mean: Math.round(tokens / Math.max(lengths.length, 1)),
    maxSeqLen: options.maxSeqLen,
    estimatedSeconds: Math.round((tokens * options.epochs) / options.tokensPerSecond),
  };
}
