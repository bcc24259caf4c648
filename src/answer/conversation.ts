import type { Generator } from '../generate/generator.ts';
import type { ChatMessage, Usage } from '../types.ts';

/** Earlier turns of a chat, oldest first (the question being answered is not among them). */
export type History = ChatMessage[];

const MAX_TURNS = 6;
const MAX_TURN_CHARS = 500;
const MAX_QUERY_CHARS = 300;

export const REWRITE_SYSTEM_PROMPT = [
  'Rewrite the last question of the conversation as one standalone question that names everything it refers to.',
  'Reply with the rewritten question only.',
].join(' ');

const STOP_WORDS = new Set(
  'a an and are as at be but by can do does for from has have how i in is it its me my of on or so than that the their them then there these they this to was what when where which who why will with you your about also much many more'.split(
    ' ',
  ),
);

/** Lower-case content words (letters and digits, stop words left out). */
export function contentWords(text: string): Set<string> {
  return new Set(
    (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => word.length > 2 && !STOP_WORDS.has(word)),
  );
}

function recent(history: History): History {
  return history.filter((turn) => turn.role !== 'system' && turn.content.trim()).slice(-MAX_TURNS);
}

/** The prompt that asks the generator for a standalone question (turns shortened: only what they refer to matters). */
export function buildRewriteMessages(history: History, question: string): ChatMessage[] {
  const lines = recent(history).map(
    (turn) =>
      `${turn.role === 'user' ? 'User' : 'Assistant'}: ${turn.content.replace(/\s+/g, ' ').slice(0, MAX_TURN_CHARS)}`,
  );
  return [
    { role: 'system', content: REWRITE_SYSTEM_PROMPT },
    {
      role: 'user',
      content: `Conversation:\n${lines.join('\n')}\n\nLast question: ${question}\n\nStandalone question:`,
    },
  ];
}

/** Without a usable rewrite: the previous user question joined with the follow-up, so retrieval still sees the topic. */
export function fallbackQuery(history: History, question: string): string {
  const previous =
    recent(history)
      .filter((turn) => turn.role === 'user')
      .at(-1)?.content ?? '';
  return `${previous.slice(0, MAX_TURN_CHARS)} ${question}`.trim();
}

/**
 * A rewrite is used when it is one short line that carries a content word of the conversation the
 * follow-up does not have itself, and keeps one of the follow-up's own; otherwise (a small model that
 * echoed the follow-up, or repeated the earlier question) the fallback.
 */
export function acceptRewrite(history: History, question: string, rewrite: string): string | undefined {
  const line = rewrite
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean)
    ?.replace(/^["'“”]+|["'“”]+$/g, '')
    .replace(/^standalone question:\s*/i, '');
  if (!line || line.length > MAX_QUERY_CHARS) return undefined;
  const own = contentWords(question);
  const earlier = contentWords(
    recent(history)
      .map((turn) => turn.content)
      .join(' '),
  );
  const words = [...contentWords(line)];
  const carried = words.some((word) => earlier.has(word) && !own.has(word));
  const kept = own.size === 0 || words.some((word) => own.has(word));
  return carried && kept ? line : undefined;
}

export interface RewrittenQuery {
  query: string;
  /** 'model' (the generator's rewrite), 'fallback' (previous question + follow-up) or 'none' (no earlier user turn). */
  source: 'model' | 'fallback' | 'none';
  usage: Usage;
}

/** The retrieval query for a follow-up question: the conversation decides what "it" and "that" mean. */
export async function rewriteQuery(
  generator: Generator,
  history: History,
  question: string,
  options: { signal?: AbortSignal } = {},
): Promise<RewrittenQuery> {
  if (!recent(history).some((turn) => turn.role === 'user'))
    return { query: question, source: 'none', usage: { promptTokens: 0, completionTokens: 0 } };
  const result = await generator.generate({
    messages: buildRewriteMessages(history, question),
    maxTokens: 48,
    temperature: 0,
    signal: options.signal,
  });
  const accepted = acceptRewrite(history, question, result.text);
  return {
    query: accepted ?? fallbackQuery(history, question),
    source: accepted ? 'model' : 'fallback',
    usage: result.usage,
  };
}
