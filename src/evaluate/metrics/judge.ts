import type { Generator } from '../../generate/generator.ts';
import { UsageError } from '../../errors.ts';
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
    {
      role: 'system',
      content:
        'You grade answers. Reply with JSON {"verdict": "yes"} if the candidate answer agrees with a reference answer on the facts asked for, otherwise {"verdict": "no"}.',
    },
    {
      role: 'user',
      content: `Question: ${question}\nReference answers:\n${references.map((r) => `- ${r}`).join('\n')}\nCandidate answer: ${answer}\nIs the candidate correct?`,
    },
  ];
}

export function faithfulnessPrompt(answer: string, contexts: string[]): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You check answers against sources. Reply with JSON {"verdict": "yes"} if every claim in the answer is stated in the context, otherwise {"verdict": "no"}.',
    },
    {
      role: 'user',
      content: `Context:\n${contexts.map((c, i) => `[${i + 1}] ${c}`).join('\n\n') || '(none)'}\n\nAnswer: ${answer}\nIs the answer fully supported by the context?`,
    },
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
  const result = await judge.generate({
    messages: prompt,
    maxTokens: 16,
    temperature: 0,
    jsonSchema: VERDICT_SCHEMA as unknown as Record<string, unknown>,
    signal,
  });
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

export function judgeAgreement(
  rows: { scores?: { f1: number | null; judgeCorrect: number | null } }[],
): JudgeAgreement {
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

/** What the caller asked for: another model (an OpenAI-compatible endpoint, or a local GGUF file), or `self` to force the model under test. */
export interface JudgeRequest {
  baseURL?: string;
  /** Model name at `baseURL`, or without it a local GGUF path. */
  model?: string;
  apiKeyEnv?: string;
  /** Let the model under test grade its own answers (it tends to approve them): only when asked for by name. */
  self?: boolean;
}

export type JudgeChoice =
  | { kind: 'remote'; baseURL: string; model: string; apiKeyEnv?: string }
  | { kind: 'local'; model: string }
  | { kind: 'self' };

/** The id a run records for its judge: "generator" (forced self-judging), "local:PATH" or "MODEL@URL". */
export function judgeId(choice: JudgeChoice): string {
  return choice.kind === 'self'
    ? 'generator'
    : choice.kind === 'local'
      ? `local:${choice.model}`
      : `${choice.model}@${choice.baseURL}`;
}

/** The request a stored judge id stands for (resume). */
export function judgeRequestFromId(id: string, apiKeyEnv?: string): JudgeRequest {
  if (id === 'generator') return { self: true };
  if (id.startsWith('local:')) return { model: id.slice('local:'.length) };
  const at = id.lastIndexOf('@');
  return { model: id.slice(0, at), baseURL: id.slice(at + 1), apiKeyEnv };
}

/**
 * Picks the judge, refusing the model under test unless `self` forces it: a model grading its own answers is
 * not an independent check. `underTest` is the generator's identity: its GGUF path, or "MODEL@URL".
 */
export function chooseJudge(
  request: JudgeRequest,
  underTest: string,
  resolvePath: (path: string) => string = (path) => path,
): JudgeChoice {
  const how =
    'give another model with --judge-model PATH.gguf, or --judge-base-url URL --judge-model NAME, or force self-grading with --judge-self';
  if (request.self) return { kind: 'self' };
  if (request.baseURL) {
    if (!request.model) throw new UsageError('--judge-base-url needs --judge-model NAME');
    if (`${request.model}@${request.baseURL}` === underTest)
      throw new UsageError(`--judge: ${request.model} at ${request.baseURL} is the model under test; ${how}`);
    return { kind: 'remote', baseURL: request.baseURL, model: request.model, apiKeyEnv: request.apiKeyEnv };
  }
  if (request.model) {
    if (resolvePath(request.model) === resolvePath(underTest))
      throw new UsageError(`--judge-model ${request.model} is the model under test; ${how}`);
    return { kind: 'local', model: request.model };
  }
  throw new UsageError(
    `--judge: the judge would be the model under test (${underTest}), grading its own answers; ${how}`,
  );
}
