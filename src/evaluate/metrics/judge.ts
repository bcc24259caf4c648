import type { Generator } from '../../generate/generator.ts';
import type { ChatMessage } from '../../types.ts';

/** What the judge said, kept whole so a reader can audit it: the prompt, the raw reply and whether it parsed. */
export interface JudgeVerdict {
  /** 1 = yes (correct / supported), 0 = no, null = the reply could not be parsed. */
  score: number | null;
  prompt: ChatMessage[];
  raw: string;
  parseError?: string;
}

const VERDICT_SCHEMA = {
  type: 'object',
  properties: { verdict: { type: 'string', enum: ['yes', 'no'] } },
  required: ['verdict'],
} as const;

export function correctnessPrompt(question: string, references: string[], answer: string): ChatMessage[] {
  return [
    { role: 'system', content: 'You grade answers. Reply with JSON {"verdict": "yes"} if the candidate answer agrees with a reference answer on the facts asked for, otherwise {"verdict": "no"}.' },
    { role: 'user', content: `Question: ${question}\nReference answers:\n${references.map((r) => `- ${r}`).join('\n')}\nCandidate answer: ${answer}\nIs the candidate correct?` },
  ];
}

export function faithfulnessPrompt(answer: string, contexts: string[]): ChatMessage[] {
  return [
    { role: 'system', content: 'You check answers against sources. Reply with JSON {"verdict": "yes"} if every claim in the answer is stated in the context, otherwise {"verdict": "no"}.' },
    { role: 'user', content: `Context:\n${contexts.map((c, i) => `[${i + 1}] ${c}`).join('\n\n') || '(none)'}\n\nAnswer: ${answer}\nIs the answer fully supported by the context?` },
  ];
}

/** Reads {"verdict": "yes"|"no"}, or failing JSON, a leading yes/no/correct/incorrect word. */
export function parseVerdict(raw: string): { score: number | null; parseError?: string } {
  try {
    const value = JSON.parse(raw.trim().replace(/^```(?:json)?|```$/g, '')) as { verdict?: unknown };
    if (value.verdict === 'yes') return { score: 1 };
    if (value.verdict === 'no') return { score: 0 };
  } catch {
    // fall through to the plain-word reading
  }
  const word = /\b(yes|no|correct|incorrect|supported|unsupported)\b/i.exec(raw)?.[1]?.toLowerCase();
  if (word === 'yes' || word === 'correct' || word === 'supported') return { score: 1 };
  if (word === 'no' || word === 'incorrect' || word === 'unsupported') return { score: 0 };
  return { score: null, parseError: `no verdict in judge reply: ${JSON.stringify(raw.slice(0, 120))}` };
}

export async function askJudge(judge: Generator, prompt: ChatMessage[], signal?: AbortSignal): Promise<JudgeVerdict> {
  const result = await judge.generate({ messages: prompt, maxTokens: 16, temperature: 0, jsonSchema: VERDICT_SCHEMA as unknown as Record<string, unknown>, signal });
  return { prompt, raw: result.text, ...parseVerdict(result.text) };
}

/** Token F1 at or above this reads as clearly right; exactly 0 as clearly wrong; in between the references cannot say. */
export const CLEAR_RIGHT_F1 = 0.8;

/** How often the judge's correctness verdict agrees with the references where token F1 is unambiguous. */
export interface JudgeAgreement {
  /** Graded answers with an unambiguous token F1 (≥ CLEAR_RIGHT_F1 or 0). */
  items: number;
  agreed: number;
  /** agreed / items, null without such items. */
  rate: number | null;
  /** The judge said correct where F1 is 0. */
  judgedRightButWrong: number;
  /** The judge said wrong where F1 ≥ CLEAR_RIGHT_F1. */
  judgedWrongButRight: number;
}

export function judgeAgreement(rows: { scores?: { f1: number | null; judgeCorrect: number | null } }[]): JudgeAgreement {
  let [items, agreed, judgedRightButWrong, judgedWrongButRight] = [0, 0, 0, 0];
  for (const row of rows) {
    const f1 = row.scores?.f1;
    const verdict = row.scores?.judgeCorrect;
    if (typeof f1 !== 'number' || typeof verdict !== 'number' || (f1 > 0 && f1 < CLEAR_RIGHT_F1)) continue;
    items += 1;
    const right = f1 >= CLEAR_RIGHT_F1 ? 1 : 0;
    if (verdict === right) agreed += 1;
    else if (verdict === 1) judgedRightButWrong += 1;
    else judgedWrongButRight += 1;
  }
  return { items, agreed, rate: items ? agreed / items : null, judgedRightButWrong, judgedWrongButRight };
}
