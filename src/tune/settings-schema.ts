import { z } from 'zod';

/** The numeric settings of `attune tune`, with their limits (the compare schema's for the shared ones). */
export const TuneSettingsSchema = z.object({
  epochs: z.number().int().min(1).max(50).optional(),
  lr: z.number().positive().max(1).optional(),
  rank: z.number().int().min(1).max(256).optional(),
  maxSteps: z.number().int().positive().max(1_000_000).optional(),
  maxSeqLen: z.number().int().min(32).max(32_768).optional(),
  /** The global batch: with --processes N each process computes about batchSize / N of its rows. */
  batchSize: z.number().int().min(1).max(4096).optional(),
  /** Steps between checkpoints: a killed run loses at most this many when rerun. */
  checkpointEvery: z.number().int().min(1).max(1_000_000).optional(),
  /** nf4: QLoRA, the base loaded in 4-bit NF4 through bitsandbytes (see docs/training-on-many-gpus.md). */
  quantize: z.enum(['nf4']).optional(),
});
