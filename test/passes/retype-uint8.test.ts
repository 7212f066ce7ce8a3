/**
 * retype-uint8 (step 1 of fuse-qdq) before/after: which uint8 tensors become int8 with zero point − 128, what stays
 * uint8, and that the graph computes the same bytes afterwards (reference backend, exact: the change is one of
 * representation).
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { retypeUint8 } from '../../src/passes/quantize/retype-uint8.js';
import type { ModelSpec, NodeSpec } from '../helpers/onnx-builder.js';
import { importGraph, ops, runGraph, runPasses } from './fusion-harness.js';

const scalar = (v: number) => new Tensor('float32', Float32Array.of(v), []);
const u8 = (values: number[], dims: number[] = []) => new Tensor('uint8', Uint8Array.from(values), dims);
const retype = { name: 'retype-uint8', run: retypeUint8 };
const typeOf = (graph: Graph, name: string) => graph.tensors.get(name)?.type;
const zeroPointOf = (graph: Graph, node: string, index: number) => Array.from(graph.constant(graph.nodes.find((n) => n.name === node)!.inputs[index]!)!.data as Int8Array);

async function sameResults(spec: ModelSpec, feeds: Record<string, Tensor>): Promise<Graph> {
  const before = importGraph(spec);
  const after = importGraph(spec);
  expect(runPasses(after, [retype])).toBe(true);
  const want = await runGraph(before, feeds);
  const got = await runGraph(after, feeds);
  for (const [name, tensor] of Object.entries(want)) {
    expect(got[name]!.type, name).toBe(tensor.type);
    expect(Array.from(got[name]!.data as ArrayLike<number>), name).toEqual(Array.from(tensor.data as ArrayLike<number>));
  }
  return after;
}

const image = new Tensor('uint8', Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256), [1, 2, 3, 4]);

describe('retype-uint8', () => {
  it('a QOperator chain: the uint8 graph input is shifted once on entry, MaxPool joins its group, the uint8 graph output is shifted back, uint8 weights become int8', async () => {
    const nodes: NodeSpec[] = [
      { name: 'conv', op: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], outputs: ['c'] },
      { name: 'pool', op: 'MaxPool', inputs: ['c'], outputs: ['p'], attrs: { kernel_shape: [2, 2] } },
      { name: 'add', op: 'QLinearAdd', domain: 'com.microsoft', inputs: ['p', 'ys', 'yz', 'k', 'ks', 'kz', 'as'], outputs: ['y'] },
    ];
    const spec: ModelSpec = {
      inputs: [{ name: 'x', type: 'uint8', dims: [1, 2, 3, 4] }], outputs: [{ name: 'y', type: 'uint8' }], nodes,
      initializers: {
        xs: scalar(0.02), xz: u8([100]), w: u8([3, 200, 129, 0], [2, 2, 1, 1]), ws: scalar(0.01), wz: u8([128]), ys: scalar(0.03), yz: u8([7]),
        k: u8([5, 250], [1, 2, 1, 1]), ks: scalar(0.05), kz: u8([50]), as: scalar(0.04),
      },
    };
    const graph = await sameResults(spec, { x: image });
    expect(typeOf(graph, 'x')).toBe('uint8');
    expect(typeOf(graph, 'y')).toBe('uint8');
    expect(typeOf(graph, 'c')).toBe('int8');
    expect(typeOf(graph, 'p')).toBe('int8');
    expect(ops(graph)).toEqual(['DequantizeLinear', 'QuantizeLinear', 'QLinearConv', 'MaxPool', 'QLinearAdd', 'DequantizeLinear', 'QuantizeLinear']);
    expect(zeroPointOf(graph, 'conv', 2)).toEqual([-28]);
    expect(zeroPointOf(graph, 'conv', 5)).toEqual([0]);
    expect(Array.from(graph.constant(graph.nodes.find((n) => n.name === 'conv')!.inputs[3]!)!.data as Int8Array)).toEqual([-125, 72, 1, -128]);
    expect(zeroPointOf(graph, 'conv', 7)).toEqual([-121]);
    expect(zeroPointOf(graph, 'add', 5)).toEqual([-78]);
    expect(zeroPointOf(graph, 'add', 7)).toEqual([-128]); // omitted (uint8 0) → int8 −128
  });

  it('QDQ: an internal QuantizeLinear → DequantizeLinear pair becomes int8; a graph input read only by DequantizeLinear and a QuantizeLinear graph output stay uint8', async () => {
    const nodes: NodeSpec[] = [
      { name: 'dq_in', op: 'DequantizeLinear', inputs: ['x', 's', 'z'], outputs: ['f'] },
      { name: 'q_mid', op: 'QuantizeLinear', inputs: ['f', 's2', 'z2'], outputs: ['m'] },
      { name: 'dq_mid', op: 'DequantizeLinear', inputs: ['m', 's2', 'z2'], outputs: ['g'] },
      { name: 'q_out', op: 'QuantizeLinear', inputs: ['g', 's', 'z'], outputs: ['y'] },
    ];
    const spec: ModelSpec = {
      inputs: [{ name: 'x', type: 'uint8', dims: [1, 2, 3, 4] }], outputs: [{ name: 'y', type: 'uint8' }], nodes,
      initializers: { s: scalar(0.02), z: u8([3]), s2: scalar(0.037), z2: u8([201]) },
    };
    const graph = await sameResults(spec, { x: image });
    expect(ops(graph)).toEqual(['DequantizeLinear', 'QuantizeLinear', 'DequantizeLinear', 'QuantizeLinear']);
    expect(typeOf(graph, 'x')).toBe('uint8');
    expect(typeOf(graph, 'm')).toBe('int8');
    expect(typeOf(graph, 'y')).toBe('uint8');
    expect(zeroPointOf(graph, 'q_mid', 2)).toEqual([73]);
    expect(zeroPointOf(graph, 'dq_mid', 2)).toEqual([73]);
  });

  it('a group with a reader that does not commute with the shift (Pad with a constant) stays uint8, QLinearConcat\'s inputs with it', () => {
    const nodes: NodeSpec[] = [
      { op: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['q'] },
      { op: 'QuantizeLinear', inputs: ['x', 's2', 'z'], outputs: ['q2'] },
      { op: 'QLinearConcat', domain: 'com.microsoft', inputs: ['s', 'z', 'q', 's', 'z', 'q2', 's2', 'z'], outputs: ['c'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['c', 'shape'], outputs: ['r'] },
      { op: 'Pad', inputs: ['r', 'pads'], outputs: ['p'] },
      { op: 'DequantizeLinear', inputs: ['p', 's', 'z'], outputs: ['y'] },
    ];
    const graph = importGraph({
      inputs: [{ name: 'x', type: 'float32', dims: [2, 3] }], outputs: [{ name: 'y', type: 'float32' }], nodes,
      initializers: { s: scalar(0.1), s2: scalar(0.07), z: u8([9]), shape: new Tensor('int64', BigInt64Array.of(6n, 2n), [2]), pads: new Tensor('int64', BigInt64Array.of(1n, 0n, 0n, 0n), [4]) },
    });
    expect(retypeUint8(graph)).toBe(false);
    expect(['q', 'q2', 'c', 'r', 'p'].map((name) => typeOf(graph, name))).toEqual(['uint8', 'uint8', 'uint8', 'uint8', 'uint8']);
  });
});
