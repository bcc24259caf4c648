import { Hono } from 'hono';
import { authorize, type ServerEnv } from './context.ts';
import { NotImplementedError } from './http-errors.ts';

/**
 * Eval and compare runs (start, status, results, report). Placeholder until src/evaluate lands:
 * every route answers 501 with a message, after the same scope checks the real routes will make.
 */
export function evalRoutes(): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const notYet = () => {
    throw new NotImplementedError('evaluation runs are not available in this build yet: use `attune eval` from the CLI');
  };
  app.get('/runs', (c) => (authorize(c, 'read'), notYet()));
  app.post('/runs', (c) => (authorize(c, 'admin'), notYet()));
  app.get('/runs/:id', (c) => (authorize(c, 'read'), notYet()));
  app.get('/runs/:id/results', (c) => (authorize(c, 'read'), notYet()));
  app.get('/runs/:id/report', (c) => (authorize(c, 'read'), notYet()));
  app.post('/compare', (c) => (authorize(c, 'read'), notYet()));
  return app;
}
