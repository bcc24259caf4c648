/**
 * Cost of answering. Hosted models are priced per million tokens in and out; local runs by the hardware's
 * hourly cost times the wall time the answer took. The defaults are documented in docs and `attune eval --help`.
 */
export interface PriceTable {
  /** USD per million prompt tokens (hosted models). */
  inputPerMillion: number;
  /** USD per million completion tokens (hosted models). */
  outputPerMillion: number;
  /** USD per hour of the machine that runs a local model; 0 for hosted models. */
  hardwarePerHour: number;
}

/** A small cloud VM of the kind attune's defaults are measured on (2 vCPU, ~24 GB): about $0.10/hour. */
export const LOCAL_PRICES: PriceTable = { inputPerMillion: 0, outputPerMillion: 0, hardwarePerHour: 0.1 };

/** Published list prices (USD per million tokens) for a few hosted models; pass your own for others. */
export const HOSTED_PRICES: Record<string, PriceTable> = {
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6, hardwarePerHour: 0 },
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10, hardwarePerHour: 0 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6, hardwarePerHour: 0 },
};

/** Local models cost machine time; a hosted model known by name costs its token prices; unknown hosted → zero. */
export function defaultPrices(provider: string, model: string): PriceTable {
  if (provider !== 'openai') return LOCAL_PRICES;
  return HOSTED_PRICES[model] ?? { inputPerMillion: 0, outputPerMillion: 0, hardwarePerHour: 0 };
}

export function queryCost(
  prices: PriceTable,
  usage: { promptTokens: number; completionTokens: number },
  totalMs: number,
): number {
  return (
    (usage.promptTokens * prices.inputPerMillion) / 1e6 +
    (usage.completionTokens * prices.outputPerMillion) / 1e6 +
    (totalMs / 3_600_000) * prices.hardwarePerHour
  );
}
