/**
 * NonMaxSuppression (ops/detection.ts): ONNX's own node tests (test_nonmaxsuppression_*, exact indices) on the
 * reference and wasm backends, plus the facts the TFLite detection post-process relies on: strict score and IoU
 * thresholds, stable order on equal scores, float32 IoU, and shape inference with an unknown row count.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src/ir/graph.js';
import { inferNode } from '../../../src/ir/infer.js';
import { opTable } from '../../../src/ir/ops.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { NODE_TESTS, runCase } from '../../conformance/onnx-node.js';

const ctx = { outputCount: 1, nodeName: 'nms' };
const f32 = (values: number[], dims: number[]) => new Tensor('float32', Float32Array.from(values), dims);
const i64 = (v: number) => new Tensor('int64', BigInt64Array.of(BigInt(v)), [1]);
const rows = (t: Tensor) => {
  const values = Array.from(t.data as BigInt64Array, Number);
  return Array.from({ length: t.dims[0]! }, (_, i) => values.slice(3 * i, 3 * i + 3));
};

const onnxTests = existsSync(NODE_TESTS) ? readdirSync(NODE_TESTS).filter((name) => name.startsWith('test_nonmaxsuppression_')) : [];

describe('NonMaxSuppression', () => {
  it.skipIf(onnxTests.length === 0)(`ONNX node tests (${onnxTests.length}) on reference and wasm, exact`, async () => {
    expect(onnxTests.length).toBeGreaterThanOrEqual(9);
    for (const test of onnxTests) {
      for (const backend of ['reference', 'wasm'] as const) {
        const result = await runCase(test, 'NonMaxSuppression', backend);
        expect(result.ok, `${test} on ${backend}: ${result.message}`).toBe(true);
      }
    }
  });

  it('keeps scores strictly above score_threshold, drops IoU strictly above iou_threshold, ties by lower index', () => {
    // Boxes 0 and 1 overlap with IoU exactly 0.5 (area 2 each, intersection 4/3 → union 8/3); box 2 is apart.
    const boxes = f32([0, 0, 1, 2, 0, 2 / 3, 1, 2 + 2 / 3, 5, 5, 6, 6, 0, 0, 1, 2], [1, 4, 4]);
    const scores = f32([0.9, 0.9, 0.5, 0.4], [1, 1, 4]);
    const run = (iou: number, score?: number) =>
      rows(opTable.NonMaxSuppression.reference([boxes, scores, i64(10), f32([iou], []), score === undefined ? undefined : f32([score], [])], { center_point_box: 0 }, ctx)[0]!);
    // IoU(0, 1) = 0.5 is not above 0.5: both kept; box 3 equals box 0 (IoU 1): dropped.
    expect(run(0.5)).toEqual([[0, 0, 0], [0, 0, 1], [0, 0, 2]]);
    expect(run(0.49)).toEqual([[0, 0, 0], [0, 0, 2]]);
    // score 0.5 is not above the threshold 0.5.
    expect(run(0.49, 0.5)).toEqual([[0, 0, 0]]);
    expect(run(0.49, 0.3)).toEqual([[0, 0, 0], [0, 0, 2]]);
  });

  it('max_output_boxes_per_class absent or 0 selects nothing; classes come out in order', () => {
    const boxes = f32([0, 0, 1, 1, 2, 2, 3, 3], [1, 2, 4]);
    const scores = f32([0.1, 0.2, 0.8, 0.7], [1, 2, 2]);
    expect(opTable.NonMaxSuppression.reference([boxes, scores], { center_point_box: 0 }, ctx)[0]!.dims).toEqual([0, 3]);
    const [out] = opTable.NonMaxSuppression.reference([boxes, scores, i64(1)], { center_point_box: 0 }, ctx);
    expect(rows(out!)).toEqual([[0, 0, 1], [0, 1, 0]]);
  });

  it('infers [unknown, 3] int64 and rejects mismatched inputs', () => {
    const graph = new Graph();
    graph.tensors.set('boxes', { name: 'boxes', type: 'float32', dims: [1, 5, 4] });
    graph.tensors.set('scores', { name: 'scores', type: 'float32', dims: [1, 2, 5] });
    graph.tensors.set('bad', { name: 'bad', type: 'float32', dims: [1, 2, 6] });
    const node = (inputs: string[]) => ({ name: 'n', op: 'NonMaxSuppression' as const, inputs, outputs: ['y'], attrs: { center_point_box: 0 } });
    const [facts] = inferNode(graph, node(['boxes', 'scores']), () => 'unk');
    expect(facts).toEqual({ type: 'int64', dims: ['unk', 3] });
    expect(() => inferNode(graph, node(['boxes', 'bad']), () => 'unk')).toThrow(/box count/);
  });
});
