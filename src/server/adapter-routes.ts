import { Hono } from 'hono';
import { adapterGgufPath } from '../runtime/adapters.ts';
import { hasAdapterRuntime } from '../generate/generator.ts';
import { peftPathOnServer } from '../generate/hosted-adapters.ts';
import { adapterParity, requireServableAdapter, requireVisibleAdapter, visibleAdapters } from './adapter-access.ts';
import { authorize, type ServerEnv } from './context.ts';
import { NotImplementedError } from './http-errors.ts';
import type { Runtime } from '../runtime/runtime.ts';

export interface AdapterServingOptions {
  /** Serve adapters whose export parity check failed (`serve --allow-degraded`). */
  allowDegraded?: boolean;
}

/**
 * The adapters a key may see, which of them are loaded, and (admin keys) loading and unloading them without a
 * restart. A chat request for an adapter that is not loaded loads it too; past generator.maxAdapters the least
 * recently used one is unloaded.
 */
export function adapterRoutes(resources: Runtime, options: AdapterServingOptions = {}): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();

  app.get('/adapters', async (c) => {
    const scope = authorize(c, 'read');
    const loaded = await loadedAdapters(resources);
    return c.json({
      adapters: visibleAdapters(resources, scope).map((name) => ({
        name,
        loaded: loaded.includes(name),
        parity: adapterParity(resources.home, name)?.status ?? 'unchecked',
      })),
      ...(resources.config.generator.provider === 'llama'
        ? { maxAdapters: resources.config.generator.maxAdapters ?? 4 }
        : {}),
    });
  });

  app.post('/adapters/:name/load', async (c) => {
    const scope = authorize(c, 'admin');
    const name = c.req.param('name');
    requireVisibleAdapter(resources, scope, name);
    requireServableAdapter(resources, name, options);
    const generator = await runtime(resources);
    const spec = resources.config.generator;
    const gguf = adapterGgufPath(resources.home, name);
    const started = performance.now();
    await generator.loadAdapter(
      name,
      spec.provider === 'openai' ? peftPathOnServer(gguf, spec.adaptersPathOnServer) : gguf,
    );
    return c.json({
      name,
      loaded: true,
      seconds: (performance.now() - started) / 1000,
      adapters: generator.loadedAdapters(),
    });
  });

  app.delete('/adapters/:name/load', async (c) => {
    const scope = authorize(c, 'admin');
    const name = c.req.param('name');
    requireVisibleAdapter(resources, scope, name);
    const generator = await runtime(resources);
    const unloaded = await generator.unloadAdapter(name);
    return c.json({ name, loaded: false, unloaded, adapters: generator.loadedAdapters() });
  });

  return app;
}

async function runtime(resources: Runtime) {
  const generator = await resources.generator();
  if (!hasAdapterRuntime(generator))
    throw new NotImplementedError('this generator cannot load or unload adapters at run time');
  return generator;
}

/** Listing does not start the model: before the first chat request nothing is loaded. */
async function loadedAdapters(resources: Runtime): Promise<string[]> {
  if (!resources.generatorStarted()) return [];
  const generator = await resources.generator();
  return hasAdapterRuntime(generator) ? generator.loadedAdapters() : [];
}
