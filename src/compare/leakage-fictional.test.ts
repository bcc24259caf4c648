import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFictionalKnowledge } from '../dataset/importers/fictional-knowledge.ts';
import { normalizeAnswer } from '../evaluate/metrics/answer.ts';
import { datasetsDir } from '../testing/datasets.ts';
import { CLOZE_PREFIX } from '../tune/cloze.ts';
import { countLeaks, findLeaks, questionPart } from './leakage.ts';
import { buildQaExamples } from './training-data.ts';

// The fictional-knowledge case of issue #12: compare's generated cloze data for the documents, the probes held out.
const source = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
const imported = importFictionalKnowledge([{ file: source, text: await readFile(source, 'utf8') }]);
const documents = imported.documents
  .slice(0, 20)
  .map((doc) => ({ docId: doc.path, title: doc.path, text: doc.text, chunks: [] }));
const probes = imported.questions.filter((q) => documents.some((d) => q.goldDocIds?.includes(d.docId)));
const generated = buildQaExamples(documents);
const pairs = generated.map((e, i) => ({ line: i + 1, prompt: e.prompt, completion: e.completion }));
const leaks = findLeaks(pairs, probes);
const leaking = new Set(leaks.map((l) => l.line));
const kept = pairs.filter((p) => !leaking.has(p.line));

const normalized = new Map(pairs.map((p) => [p, ` ${normalizeAnswer(`${questionPart(p.prompt)} ${p.completion}`)} `]));

/** Independent of findLeaks: the probe's own last 10 words (right before the blank) and its answer, in one example. */
function holdsProbe(example: (typeof pairs)[number], probe: { question: string; answers: string[] }): boolean {
  const text = normalized.get(example)!;
  const stem = normalizeAnswer(probe.question).split(' ').slice(-10).join(' ');
  return text.includes(` ${stem} `) && probe.answers.some((a) => text.includes(` ${normalizeAnswer(a)} `));
}

describe('leakage on fictional-knowledge (generated cloze data vs held-out probes, no models)', () => {
  it('the raw generated data does contain held-out memorisation probes with their answers (the bug of issue #12)', () => {
    const mem = probes.filter((p) => p.tags?.includes('mem'));
    expect(mem.filter((p) => pairs.some((e) => holdsProbe(e, p))).length).toBeGreaterThan(mem.length / 2);
  });

  it('after dropping leaks, 0 held-out probes have their own sentence + answer in the kept training data', () => {
    expect(probes.length).toBe(20 * 15);
    expect(probes.filter((p) => kept.some((e) => holdsProbe(e, p)))).toEqual([]);
    const counts = countLeaks(leaks);
    expect(counts.byReason.sentence).toBeGreaterThan(0);
    expect(counts.examples).toBe(leaking.size);
  });

  it('keeps knowledge: most generated examples survive, and held-out probes never use the training template', () => {
    expect(kept.length).toBeGreaterThan(pairs.length / 2);
    expect(probes.every((p) => !p.question.startsWith(CLOZE_PREFIX))).toBe(true);
    expect(generated.every((e) => e.prompt.startsWith(CLOZE_PREFIX))).toBe(true);
  });
});
