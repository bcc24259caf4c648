import { DegradedAdapterError } from '../errors.ts';
import { answerTokens, tokenF1 } from '../evaluate/metrics/answer.ts';

/**
 * The export parity tolerance. The GGUF side runs the same weights as PyTorch (the dequantised copy of
 * the same GGUF base) but llama.cpp computes in quantised blocks, so a greedy answer may flip a word
 * where two tokens were nearly tied. That costs little quality; a wrong template, a wrong EOS token or a
 * broken tensor layout changes answers from the first words on and drops token F1 far more. Hence:
 * - agreement: answers agree when their first AGREEMENT_WORDS normalised words are equal; at least
 *   MIN_AGREEMENT of the prompts must agree (a broken export agrees on almost none);
 * - quality: GGUF token F1 against the references may be at most MAX_F1_DROP below PEFT's.
 */
export const PARITY_TOLERANCE = { agreementWords: 8, minAgreement: 0.5, maxF1Drop: 0.1 } as const;

export type ParityCheckName = 'chat-template' | 'eos-token' | 'agreement' | 'token-f1' | 'gguf-load';

export interface ParitySample {
  prompt: string;
  reference: string;
  peft: string;
  gguf: string;
}

/** What the check measured, before judging. */
export interface ParityMeasurement {
  samples: ParitySample[];
  /** Where the prompts came from: the validation split, or (too few examples for one) the training data. */
  source: 'val' | 'train';
  chatTemplate: { match: boolean; note?: string };
  eosToken: { peft: string | null; gguf: string | null };
  /** First prompt position where the GGUF side's prompt tokens differ from PyTorch's (null: identical). */
  promptTokensDiffer: { prompt: number; position: number; peft: number[]; gguf: number[] } | null;
}

/** Recorded in the adapter's meta.json as `parity`; `adapters show` prints it. */
export interface ParityResult {
  status: 'ok' | 'degraded' | 'skipped';
  /** Names of the checks that failed (status degraded), or why the check did not run (skipped). */
  failed: ParityCheckName[];
  reason?: string;
  checkedAt: string;
  tolerance: typeof PARITY_TOLERANCE;
  prompts: number;
  source?: 'val' | 'train';
  agreement?: number;
  peftTokenF1?: number;
  ggufTokenF1?: number;
  chatTemplateMatch?: boolean;
  eosToken?: { peft: string | null; gguf: string | null };
  /** A warning, not a failure: the prompt token ids differ though the template string is the same. */
  promptTokensDiffer?: ParityMeasurement['promptTokensDiffer'];
  /** The first few samples, to read what differs. */
  samples?: ParitySample[];
  seconds: number;
}

function leadingWords(text: string): string {
  return answerTokens(text).slice(0, PARITY_TOLERANCE.agreementWords).join(' ');
}

const mean = (values: number[]): number =>
  values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;

/** Judges a measurement against PARITY_TOLERANCE. */
export function judgeParity(
  measurement: ParityMeasurement,
  seconds: number,
  checkedAt = new Date().toISOString(),
): ParityResult {
  const { samples } = measurement;
  const agreement = mean(samples.map((s) => (leadingWords(s.peft) === leadingWords(s.gguf) ? 1 : 0)));
  const peftTokenF1 = mean(samples.map((s) => tokenF1(s.peft, [s.reference]) ?? 0));
  const ggufTokenF1 = mean(samples.map((s) => tokenF1(s.gguf, [s.reference]) ?? 0));
  const failed: ParityCheckName[] = [];
  if (!measurement.chatTemplate.match) failed.push('chat-template');
  if (measurement.eosToken.peft !== measurement.eosToken.gguf) failed.push('eos-token');
  if (agreement < PARITY_TOLERANCE.minAgreement) failed.push('agreement');
  // rounded so that a drop of exactly the tolerance (0.1 in floating point) passes
  if (Math.round((peftTokenF1 - ggufTokenF1) * 1e9) / 1e9 > PARITY_TOLERANCE.maxF1Drop) failed.push('token-f1');
  return {
    status: failed.length > 0 ? 'degraded' : 'ok',
    failed,
    checkedAt,
    tolerance: PARITY_TOLERANCE,
    prompts: samples.length,
    source: measurement.source,
    agreement,
    peftTokenF1,
    ggufTokenF1,
    chatTemplateMatch: measurement.chatTemplate.match,
    eosToken: measurement.eosToken,
    ...(measurement.promptTokensDiffer ? { promptTokensDiffer: measurement.promptTokensDiffer } : {}),
    samples: samples.slice(0, 3),
    seconds,
  };
}

/** One line naming the failed checks, for `adapters show`, refusals and logs. */
export function describeParity(parity: ParityResult | undefined): string {
  if (!parity) return 'export parity: not checked (adapter trained before the check existed, or with --no-parity)';
  if (parity.status === 'skipped') return `export parity: skipped (${parity.reason ?? 'no reason recorded'})`;
  const numbers =
    parity.agreement === undefined
      ? ''
      : `: ${parity.prompts} ${parity.source ?? ''} prompts, agreement ${(parity.agreement * 100).toFixed(0)}%, token F1 PEFT ${parity.peftTokenF1!.toFixed(2)} vs GGUF ${parity.ggufTokenF1!.toFixed(2)}, chat template ${parity.chatTemplateMatch ? 'same' : 'different'}, EOS ${parity.eosToken?.peft} / ${parity.eosToken?.gguf}`;
  const failed =
    parity.status === 'degraded'
      ? ` (failed: ${parity.failed.join(', ')}${parity.reason ? `: ${parity.reason}` : ''})`
      : '';
  return `export parity: ${parity.status}${failed}${numbers}`;
}

/** Refuses a degraded adapter with a one-line error naming the failed check, unless forced. */
export function assertUsableAdapter(
  name: string,
  parity: ParityResult | undefined,
  options: { allowDegraded?: boolean } = {},
): void {
  if (parity?.status !== 'degraded' || options.allowDegraded) return;
  throw new DegradedAdapterError(
    `adapter ${name} is degraded: its GGUF export failed the export parity check (${parity.failed.join(', ')}); see \`attune adapters show ${name}\`, retrain, or pass --allow-degraded`,
    { input: name },
  );
}
