import { parsePriorities, type StrategyEvidence } from './recommend.ts';

/** The demo's priorities (scripts/demo.ts). */
export const DEMO_PRIORITIES = parsePriorities('accuracy=high,freshness=high,latency=medium,cost=medium');

/**
 * The demo run of issue #19 (3 documents × 3 probes, an update changing 4 facts), replayed `scale` times over:
 * containment ft 1/9, ft-rag 4/9, raft 4/9, rag 1/9, base 0/9; changed facts after the update rag, ft-rag, raft 1/4,
 * ft and base 0/4; ft is ~3.9 s faster than raft and ft-rag.
 */
export function demoEvidence(scale: number): StrategyEvidence[] {
  const questions = Array.from({ length: 9 * scale }, (_, i) => `q${i}`);
  const facts = questions.filter((_, i) => i % 9 < 4);
  const correct: Record<string, number[]> = { base: [], rag: [0], ft: [0], 'ft-rag': [0, 1, 2, 3], raft: [0, 1, 2, 4] };
  // the strategies that read the updated documents give the same changed fact
  const fresh: Record<string, number[]> = { base: [], rag: [1], ft: [], 'ft-rag': [1], raft: [1] };
  const seconds: Record<string, number> = { base: 1.5, rag: 3.1, ft: 0.55, 'ft-rag': 4.4, raft: 4.42 };
  return Object.keys(correct).map((name) => ({
    name,
    values: {
      accuracy: new Map(questions.map((id, i) => [id, correct[name]!.includes(i % 9) ? 1 : 0])),
      freshness: new Map(facts.map((id, i) => [id, fresh[name]!.includes(i % 4) ? 1 : 0])),
      latency: new Map(questions.map((id, i) => [id, -(seconds[name]! + (i % 3) * 0.05)])),
    },
    display: {},
    costPer1000: null,
  }));
}
