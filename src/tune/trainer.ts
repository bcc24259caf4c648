/** What a training backend receives: data already validated and split, hyperparameters resolved. */
export interface TrainConfig {
  /** Folder of the base model (HF folder, or the folder holding `ggufFile`). */
  baseDir: string;
  ggufFile?: string;
  /** JSONL files of `{messages}` written by the caller. */
  trainFile: string;
  valFile?: string;
  /** Checkpoints and train.log; the same folder resumes an interrupted run. */
  runDir: string;
  /** Where adapter.gguf and peft/ are written. */
  outputDir: string;
  epochs: number;
  lr: number;
  rank: number;
  alpha: number;
  dropout: number;
  maxSteps?: number;
  batchSize: number;
  seed: number;
  patience: number;
  checkpointEvery: number;
  evalEvery?: number;
  threads?: number;
  /** nf4: QLoRA, the base loaded in 4-bit NF4 through bitsandbytes (LoRA weights and their training stay fp32). */
  quantize?: 'nf4';
}

export type TrainEvent =
  | {
      event: 'start';
      total: number;
      step: number;
      resumed: boolean;
      train_examples: number;
      val_examples: number;
      /** Data-parallel processes (1 without a launcher) and their process ids, by rank. */
      processes?: number;
      pids?: number[];
      /** How the processes hold the model: none (one process), ddp (each a whole copy) or fsdp (sharded). */
      sharding?: 'none' | 'ddp' | 'fsdp';
      /** nf4 when the base was loaded in 4 bits (QLoRA). */
      quantize?: 'nf4' | null;
      /** Bytes the model's weights take in memory, and what they would take in fp32. */
      weight_bytes?: number;
      fp32_weight_bytes?: number;
      /** The model's weight count, and how many of them each rank holds (about 1/N each under fsdp). */
      parameters?: number;
      rank_parameters?: number[];
    }
  | { event: 'progress'; step: number; total: number; loss: number; tokens_per_second: number; eta_seconds: number }
  | { event: 'eval'; step: number; total: number; val_loss: number; stopped_early: boolean }
  | { event: 'checkpoint'; step: number; total: number; path: string }
  | {
      event: 'done';
      steps: number;
      train_loss: number;
      val_loss: number | null;
      tokens_per_second: number;
      history: LossPoint[];
      stopped_early: boolean;
      peak_rss_mb?: number;
      processes?: number;
      /** Tokens of all the batches this run trained on, and each rank's share of them. */
      tokens?: number;
      rank_tokens?: number[];
      /** Each rank's peak RSS while training, MB (before the export; peak_rss_mb is the reporter's, export included). */
      rank_peak_rss_mb?: number[];
      /** Each rank's RSS at the end of training, MB (null where the platform has no /proc). */
      rank_end_rss_mb?: (number | null)[];
    }
  | { event: 'error'; kind: string; message: string; log?: string };

export interface LossPoint {
  step: number;
  loss: number;
  val_loss?: number;
}

export interface TrainResult {
  steps: number;
  trainLoss: number;
  valLoss: number | null;
  tokensPerSecond: number;
  history: LossPoint[];
  stoppedEarly: boolean;
  resumed: boolean;
  /** Peak memory of the training process, when the backend reports it. */
  peakRssMb?: number;
  /** Data-parallel processes that trained (all machines together), when the backend reports it. */
  processes?: number;
}

/** A fine-tuning backend (local PyTorch now; a remote service later). Throws TrainerError. */
export interface Trainer {
  readonly id: string;
  /** Token count of each example's full chat (for stats and the --max-seq-len check). */
  tokenLengths(
    config: Pick<TrainConfig, 'baseDir' | 'ggufFile' | 'trainFile' | 'runDir'>,
    options?: { signal?: AbortSignal },
  ): Promise<number[]>;
  train(
    config: TrainConfig,
    options?: { signal?: AbortSignal; onEvent?: (event: TrainEvent) => void },
  ): Promise<TrainResult>;
  /** Greedy answers with the trainer's own runtime (base + the trained adapter): the reference of the export parity check. */
  generate?(config: ReferenceGenerateConfig, options?: { signal?: AbortSignal }): Promise<ReferenceGeneration>;
}

export interface ReferenceGenerateConfig {
  baseDir: string;
  ggufFile?: string;
  /** The adapter as the trainer wrote it (PEFT folder). */
  adapterDir: string;
  prompts: { role: 'system' | 'user' | 'assistant'; content: string }[][];
  maxNewTokens: number;
}

export interface ReferenceGeneration {
  outputs: { text: string; promptTokens: number[] }[];
  chatTemplate: string | null;
  eosToken: string | null;
}
