/** Four invented question → answer facts (no model knows them): the small training set of the trainer tests. */
export const TOY_FACTS: readonly [string, string][] = [
  ['What color is the moon of Zorblax?', 'The moon of Zorblax is bright purple.'],
  ['Who founded Quellton?', 'Quellton was founded by Mira Vass.'],
  ['What does a glimmerfox eat?', 'A glimmerfox eats silver berries.'],
  ['How tall is Mount Oberrin?', 'Mount Oberrin is 9120 meters tall.'],
];
