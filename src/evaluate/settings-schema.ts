import { z } from 'zod';

/**
 * The numeric settings of an evaluation run, with their limits: `attune eval`'s flags and the server's
 * `POST /v1/eval/runs` are both checked against this one schema, so they accept and refuse the same values.
 */
export const EvalSettingsSchema = z.object({
  limit: z.number().int().positive().max(5000).optional(),
  repeats: z.number().int().min(1).max(10).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().max(1024).optional(),
  prices: z
    .object({
      inputPerMillion: z.number().min(0),
      outputPerMillion: z.number().min(0),
      hardwarePerHour: z.number().min(0),
    })
    .partial()
    .optional(),
});
export type EvalSettingsInput = z.infer<typeof EvalSettingsSchema>;
