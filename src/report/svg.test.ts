import { describe, expect, it } from 'vitest';
import { placeLabels, scatterChart } from './svg.ts';

describe('scatter labels', () => {
  it('never overlap, even when points coincide', () => {
    const anchors = [
      { x: 100, y: 100, width: 40 },
      { x: 100, y: 100, width: 40 },
      { x: 104, y: 102, width: 40 },
      { x: 300, y: 100, width: 40 },
    ];
    const labels = placeLabels(anchors, { right: 500, top: 10 });
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i]!, labels[j]!];
        const horizontal = Math.abs(a.x - b.x) < 40;
        expect(horizontal && Math.abs(a.y - b.y) < 12, `labels ${i} and ${j} overlap`).toBe(false);
      }
    }
    expect(labels[3]!.y).toBe(92); // a label with room stays where it belongs
  });

  it('flips a label left at the right edge so it stays inside the chart', () => {
    const [label] = placeLabels([{ x: 490, y: 100, width: 40 }], { right: 500, top: 10 });
    expect(label).toEqual({ x: 481, y: 92, anchor: 'end' });
    const svg = scatterChart(
      [
        { label: 'ft-rag', color: '#000', x: 10, y: 0.5 },
        { label: 'raft', color: '#111', x: 10, y: 0.5 },
      ],
      { xLabel: 'x', yLabel: 'y', yMax: 1 },
    );
    const ys = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" text-anchor="\w+" class="point-label"/g)].map((m) =>
      Number(m[1]),
    );
    expect(ys).toHaveLength(2);
    expect(Math.abs(ys[0]! - ys[1]!)).toBeGreaterThanOrEqual(12);
  });
});
