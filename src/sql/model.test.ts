import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { SQL_DEFAULT_MODEL, sqlGeneratorConfig } from './model.ts';

describe('sqlGeneratorConfig', () => {
  it('answers SQL with the SQL default when no model is set', () => {
    expect(sqlGeneratorConfig(parseConfig({})).generator).toMatchObject({
      provider: 'llama',
      model: SQL_DEFAULT_MODEL,
    });
  });

  it("keeps the user's model (--model or the config file)", () => {
    const config = parseConfig({ generator: { provider: 'llama', model: 'smollm2-135m' } });
    expect(sqlGeneratorConfig(config).generator).toMatchObject({ model: 'smollm2-135m' });
  });

  it('uses a registered adapter’s base, and leaves the default alone for an adapter file of unknown base', () => {
    expect(sqlGeneratorConfig(parseConfig({}), { baseModel: '/m/SmolLM2.gguf' }).generator).toMatchObject({
      model: '/m/SmolLM2.gguf',
    });
    expect(sqlGeneratorConfig(parseConfig({}), { baseModel: undefined }).generator.model).toBeUndefined();
  });

  it('leaves a hosted generator alone', () => {
    const config = parseConfig({
      generator: { provider: 'openai', model: 'gpt-x', baseURL: 'http://localhost:1/v1' },
    });
    expect(sqlGeneratorConfig(config)).toBe(config);
  });
});
