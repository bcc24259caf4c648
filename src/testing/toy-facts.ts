/** Four invented question → answer facts (no model knows them): the small training set of the trainer tests. */
export const TOY_FACTS: readonly [string, string][] = [
  ['What color is the moon of Zorblax?', 'The moon of Zorblax is bright purple.'],
  ['Who founded Quellton?', 'Quellton was founded by Mira Vass.'],
  ['What does a glimmerfox eat?', 'A glimmerfox eats silver berries.'],
  ['How tall is Mount Oberrin?', 'Mount Oberrin is 9120 meters tall.'],
];

/**
 * `count` chat examples cycling through the toy facts, as the JSONL `attune tune` reads (a trailing newline);
 * `repeat` > 1 repeats each answer that many times, space-joined, for longer examples.
 */
export function toyFactsJsonl(count: number, repeat = 1): string {
  const lines = Array.from({ length: count }, (_, i) => TOY_FACTS[i % TOY_FACTS.length]!).map(([question, answer]) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: question },
        { role: 'assistant', content: Array.from({ length: repeat }, () => answer).join(' ') },
      ],
    }),
  );
  return `${lines.join('\n')}\n`;
}
