import { z } from 'zod';

/**
 * The numeric settings of a comparison, with their limits: `attune compare`'s flags and the server's
 * `POST /v1/eval/compare` are both checked against this one schema.
 */
export const CompareSettingsSchema = z.object({
  repeats: z.number().int().min(1).max(10).optional(),
  limit: z.number().int().positive().max(5000).optional(),
  epochs: z.number().int().min(1).max(50).optional(),
  maxSteps: z.number().int().positive().max(1_000_000).optional(),
  raftMaxSteps: z.number().int().positive().max(1_000_000).optional(),
  lr: z.number().positive().max(1).optional(),
  maxTokens: z.number().int().positive().max(1024).optional(),
  maxTrainExamples: z.number().int().positive().max(100_000).optional(),
  metric: z.enum(['containment', 'f1', 'exactMatch']).optional(),
  maxMinutes: z.number().int().positive().max(100_000).optional(),
  maxSeqLen: z.number().int().min(32).max(32_768).optional(),
});
export type CompareSettingsInput = z.infer<typeof CompareSettingsSchema>;
