import type { StrategyName } from '../answer/catalog.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { Config } from '../config/config.ts';
import type { PriceTable } from '../evaluate/metrics/cost.ts';
import type { Trainer } from '../tune/trainer.ts';
import type { MinEffects, Priorities } from './evidence.ts';
import type { TrainSettings } from './steps.ts';

/** What a compare run is given (its steps import this, not compare.ts, which imports them). */
export interface CompareOptions {
  corpus: string;
  questions: string;
  train?: string;
  update?: string;
  format?: string;
  priorities: Priorities;
  /** Smallest differences that matter, per consideration (`--min-effect`); defaults in recommend.ts. */
  minEffects?: Partial<MinEffects>;
  strategies: StrategyName[];
  repeats: number;
  limit?: number;
  out: string;
  config: Config;
  env: NodeJS.ProcessEnv;
  prices: PriceTable;
  maxTokens: number;
  /** The per-question accuracy measure the recommendation compares. */
  metric: 'containment' | 'f1' | 'exactMatch';
  /** Base model GGUF the adapters are trained on (the generator's model). */
  base: string;
  /** rag-ft-retriever's embedder: the folder of one `attune tune-embedder` registered (`--tuned-embedder NAME`). */
  tunedEmbedder?: string;
  /** Needed when ft, ft-rag or raft are compared. */
  trainer?: Trainer;
  training: { ft: TrainSettings; raft: TrainSettings; maxQaExamples?: number; maxRaftExamples?: number };
  /** Also run the RAFT-style reading diagnostics of rag, ft-rag and raft (no context, gold passage only, retrieved, distractors only). */
  diagnostics?: boolean;
  /** Refuse to start training when the estimated remaining work exceeds this (default: no limit). */
  maxMinutes?: number;
  /**
   * The runtime whose models the compare borrows (the server's, so a compare it starts loads no second embedder
   * or generator); without one the compare makes its own and disposes it. Either way its stores are its own.
   */
  runtime?: Runtime;
  signal?: AbortSignal;
  onProgress?: (event: CompareProgress) => void;
  /** One-line messages for the user: reused steps, the estimate, strategies that failed. */
  onNotice?: (line: string) => void;
}

export interface CompareProgress {
  step: string;
  index: number;
  steps: number;
  state: 'start' | 'progress' | 'done';
  done?: number;
  total?: number;
  detail?: string;
}
