#!/usr/bin/env node
// Entry point for the installed CLI; Node >= 22.18 strips the TypeScript types itself.
await import('../src/cli/main.ts');
