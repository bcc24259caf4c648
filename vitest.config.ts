import { defineConfig } from 'vitest/config';

// Two tiers (STYLE.md §11): fast unit tests in parallel, then the model tests
// that load the real local models, one file at a time so they do not fight over 2 cores.
export default defineConfig({
  test: {
    globalSetup: ['src/testing/global-setup.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['src/**/*.model.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'model',
          include: ['src/**/*.model.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
