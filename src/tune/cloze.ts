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
