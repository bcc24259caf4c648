/** Cloze questions: the no-LLM way to turn documents into many phrasings of their facts. */
const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const MIN_WORDS = 8;
/** Where a sentence is cut into prompt and completion: several cuts = several phrasings of one fact. */
const CUTS = [0.4, 0.6, 0.8];
export const CLOZE_PREFIX = 'Complete: ';

/** Cloze pairs from every sentence of the documents: "Complete: <first part> …" → "<rest>". No LLM needed. */
export function clozePairs(
  documents: Iterable<{ docId: string; text: string }>,
): { prompt: string; completion: string; docId: string; sentence: string }[] {
  const pairs: { prompt: string; completion: string; docId: string; sentence: string }[] = [];
  for (const doc of documents) {
    for (const { segment } of segmenter.segment(doc.text)) {
      const sentence = segment.trim().replace(/\s+/g, ' ');
      const words = sentence.split(' ');
      if (words.length < MIN_WORDS) continue;
      const cuts = [...new Set(CUTS.map((f) => Math.round(words.length * f)))].filter((c) => c > 2 && c < words.length);
      for (const cut of cuts)
        pairs.push({
          prompt: `${CLOZE_PREFIX}${words.slice(0, cut).join(' ')} …`,
          completion: words.slice(cut).join(' '),
          docId: doc.docId,
          sentence,
        });
    }
  }
  return pairs;
}

/** The search query of a cloze prompt: its words without the "Complete: … …" wording. */
export function clozeQuery(prompt: string): string {
  return prompt.slice(CLOZE_PREFIX.length).replace(/ …$/, '');
}

/**
 * One query per sentence: its middle cut (the first ~60% of the sentence) as a search query, the rest as the
 * answer. A sentence met again (chunk overlap repeats sentences) gives no second query; pass one `seen` set
 * across calls to keep that true across documents given one at a time.
 */
export function clozeQueries(
  documents: Iterable<{ docId: string; text: string }>,
  seen = new Set<string>(),
): { query: string; answer: string; docId: string; sentence: string }[] {
  return clozePairs(documents).flatMap((pair) => {
    const query = clozeQuery(pair.prompt);
    const share = query.split(' ').length / pair.sentence.split(' ').length;
    if (seen.has(pair.sentence) || share < 0.5 || share > 0.7) return [];
    seen.add(pair.sentence);
    return [{ query, answer: pair.completion, docId: pair.docId, sentence: pair.sentence }];
  });
}
