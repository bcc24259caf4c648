import type { Generator } from '../generate/generator.ts';

/** One question/answer pair about a chunk of text. */
export interface QaPair {
  question: string;
  answer: string;
}

const QA_SYSTEM =
  'You write quiz questions about a text. Each question must be answerable from the text alone; each answer is short and uses the words of the text.';
const QA_SCHEMA = {
  type: 'object',
  properties: {
    pairs: {
      type: 'array',
      items: {
        type: 'object',
        properties: { question: { type: 'string' }, answer: { type: 'string' } },
        required: ['question', 'answer'],
      },
    },
  },
  required: ['pairs'],
};
const PARAPHRASE_SYSTEM = 'You rewrite a text in different words. Keep every name, number, date and fact; add nothing.';

/** Asks the generator for `count` question/answer pairs about the text; keeps only pairs grounded in it. */
export async function generateQaPairs(
  generator: Generator,
  text: string,
  count: number,
  options: { signal?: AbortSignal } = {},
): Promise<QaPair[]> {
  const result = await generator.generate({
    messages: [
      { role: 'system', content: QA_SYSTEM },
      {
        role: 'user',
        content: `Text:\n${text}\n\nWrite ${count} question/answer pairs about this text as JSON: {"pairs": [{"question": "...", "answer": "..."}]}`,
      },
    ],
    jsonSchema: QA_SCHEMA,
    maxTokens: 80 * count,
    temperature: 0,
    signal: options.signal,
  });
  return parseQaPairs(result.text)
    .filter((pair) => isGrounded(pair.answer, text))
    .slice(0, count);
}

/** Pairs from JSON `{pairs: [...]}` or, when a model ignores the format, from `Q: … / A: …` lines. */
export function parseQaPairs(output: string): QaPair[] {
  const clean = (pair: Partial<QaPair>): QaPair | undefined => {
    const question = String(pair.question ?? '').trim();
    const answer = String(pair.answer ?? '').trim();
    // a question that is no question, or that holds its own answer, teaches nothing
    const ok =
      question.length > 3 &&
      question.includes('?') &&
      answer.length > 0 &&
      !question.toLowerCase().includes(answer.toLowerCase());
    return ok ? { question, answer } : undefined;
  };
  try {
    const value = JSON.parse(output) as { pairs?: Partial<QaPair>[] };
    if (Array.isArray(value.pairs)) return value.pairs.map(clean).filter((p): p is QaPair => p !== undefined);
  } catch {
    // not JSON: fall through to the line format
  }
  const pairs: QaPair[] = [];
  for (const match of output.matchAll(/Q(?:uestion)?\s*\d*[:.]\s*(.+?)\s*\n\s*A(?:nswer)?\s*\d*[:.]\s*(.+)/gi)) {
    const pair = clean({ question: match[1], answer: match[2] });
    if (pair) pairs.push(pair);
  }
  return pairs;
}

/** Rewrites of the text (sampled, one seed each), kept only when they keep the text's key facts. */
export async function paraphrase(
  generator: Generator,
  text: string,
  count: number,
  options: { seed?: number; signal?: AbortSignal } = {},
): Promise<{ kept: string[]; dropped: number }> {
  const kept: string[] = [];
  let dropped = 0;
  for (let i = 0; i < count; i++) {
    const result = await generator.generate({
      messages: [
        { role: 'system', content: PARAPHRASE_SYSTEM },
        { role: 'user', content: `Rewrite this text in different words:\n\n${text}` },
      ],
      maxTokens: Math.min(512, Math.ceil(text.length / 3)),
      temperature: 0.8,
      seed: (options.seed ?? 1) * 1000 + i,
      signal: options.signal,
    });
    const rewritten = result.text.trim();
    if (keepsFacts(text, rewritten) && !kept.includes(rewritten) && rewritten !== text.trim()) kept.push(rewritten);
    else dropped++;
  }
  return { kept, dropped };
}

/** Key facts as tokens: capitalised words not at a sentence start, and numbers. */
export function keyTokens(text: string): Set<string> {
  const keys = new Set<string>();
  for (const match of text.matchAll(/(?<![.!?]\s|^)\b([A-Z][\p{L}'-]+|\d[\d.,]*)/gu))
    keys.add(match[1]!.replace(/[.,]$/, '').toLowerCase());
  return keys;
}

/**
 * A small model's paraphrase often drops or invents facts; one that keeps at least `share` of the
 * original's names and numbers (and invents at most as many as it keeps) is worth training on.
 */
export function keepsFacts(original: string, rewritten: string, share = 0.6): boolean {
  if (rewritten.length < original.length * 0.3) return false;
  const before = keyTokens(original);
  const after = new Set(
    [...rewritten.toLowerCase().matchAll(/[\p{L}\d][\p{L}\d'.,-]*/gu)].map((m) => m[0].replace(/[.,]$/, '')),
  );
  if (before.size === 0) return true;
  const kept = [...before].filter((token) => after.has(token)).length;
  const invented = [...keyTokens(rewritten)].filter(
    (token) => !before.has(token) && !original.toLowerCase().includes(token),
  ).length;
  return kept / before.size >= share && invented <= kept;
}

/** An answer is grounded when most of its content words occur in the text. */
export function isGrounded(answer: string, text: string): boolean {
  const words = answer.toLowerCase().match(/[\p{L}\d]{3,}/gu) ?? [];
  if (words.length === 0) return false;
  const haystack = text.toLowerCase();
  return words.filter((word) => haystack.includes(word)).length / words.length >= 0.6;
}
