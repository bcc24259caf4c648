import { answerTokens } from './answer.ts';

/** Function words that carry no claim: an answer is not "supported" by matching them. */
const STOPWORDS = new Set(
  (
    'i me my we our you your he him his she her it its they them their what which who whom this that these those am is are was were be been being ' +
    'have has had having do does did doing and but if or because as until while of at by for with about against between into through during ' +
    'before after above below to from up down in out on off over under again further then once here there when where why how all any both each ' +
    'few more most other some such no nor not only own same so than too very can will just should now also would could may might must shall ' +
    'according document documents answer question context based'
  ).split(' '),
);

export function contentTokens(text: string): string[] {
  return answerTokens(text).filter((token) => !STOPWORDS.has(token));
}

/**
 * Lexical faithfulness: the share of the answer's distinct content tokens that occur in the context.
 * Null when the answer has no content tokens (an empty answer or an abstention claims nothing).
 * An answer given with no context at all scores 0: nothing supports it.
 */
export function lexicalSupport(answer: string, contexts: string[]): number | null {
  const claimed = new Set(contentTokens(answer));
  if (claimed.size === 0) return null;
  const available = new Set(contexts.flatMap((context) => answerTokens(context)));
  let supported = 0;
  for (const token of claimed) if (available.has(token)) supported += 1;
  return supported / claimed.size;
}
