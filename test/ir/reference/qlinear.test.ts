/**
 * The quantized operators' references (ops/qlinear.ts): ONNX's own QLinearConv / QLinearMatMul node tests (exact),
 * the integer formulas on hand-checked values, and shape/type errors. The wasm kernels are compared with these
 * references in test/backends/wasm-qs8.test.ts.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { opTable } from '../../../src/ir/ops.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { inferNode } from '../../../src/ir/infer.js';
import { Graph } from '../../../src/ir/graph.js';
import { NODE_TESTS, runCase } from '../../conformance/onnx-node.js';

const s = (v: number) => new Tensor('float32', Float32Array.of(v), []);
const i8 = (values: number[], dims: number[]) => new Tensor('int8', Int8Array.from(values), dims);
const z8 = (v: number) => new Tensor('int8', Int8Array.of(v), []);
const ctx = { outputCount: 1, nodeName: 'n' };

describe('QLinear references', () => {
  for (const test of ['test_qlinearconv', 'test_qlinearmatmul_2D', 'test_qlinearmatmul_3D']) {
    it.skipIf(!existsSync(`${NODE_TESTS}/${test}`))(`ONNX node test ${test} on reference and wasm (exact)`, async () => {
      for (const backend of ['reference', 'wasm'] as const) {
        const result = await runCase(test, 'QLinear', backend);
        expect(result.ok, `${backend}: ${result.message}`).toBe(true);
      }
    });
  }

  it('QLinearAdd: f32 multipliers, round half to even, saturation', () => {
    // a: scale 0.5, zp 0; b: scale 0.25, zp 1; c: scale 1, zp 0 → c = a·0.5 + (b − 1)·0.25
    const [out] = opTable.QLinearAdd.reference([i8([1, 3, 5, 127], [4]), s(0.5), z8(0), i8([1, 1, 3, 127], [4]), s(0.25), z8(1), s(1), z8(0)], {}, ctx);
    // 0.5 → 0 (even), 1.5 → 2, 2.5+0.5 = 3, 63.5+31.5 = 95
    expect(Array.from(out!.data as Int8Array)).toEqual([0, 2, 3, 95]);
    const [saturated] = opTable.QLinearAdd.reference([i8([127], [1]), s(1), z8(0), i8([127], [1]), s(1), z8(0), s(1), z8(0)], {}, ctx);
    expect(Array.from(saturated!.data as Int8Array)).toEqual([127]);
  });

  it('QLinearGlobalAveragePool and QLinearAveragePool (count_include_pad)', () => {
    const x = i8([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    const [g] = opTable.QLinearGlobalAveragePool.reference([x, s(1), z8(0), s(1), z8(0)], {}, ctx);
    expect(Array.from(g!.data as Int8Array)).toEqual([5]);
    const attrs = { auto_pad: 'NOTSET', kernel_shape: [2, 2], pads: [1, 1, 0, 0], strides: [2, 2], dilations: [], ceil_mode: 0, count_include_pad: 1 };
    const [a] = opTable.QLinearAveragePool.reference([x, s(1), z8(0), s(1), z8(0)], attrs, ctx);
    // windows: {1}/4 → 0 (0.25), {2,3}/4 → 1 (1.25), {4,7}/4 → 3 (2.75), {5,6,8,9}/4 → 7
    expect(Array.from(a!.data as Int8Array)).toEqual([0, 1, 3, 7]);
    const [b] = opTable.QLinearAveragePool.reference([x, s(1), z8(0), s(1), z8(0)], { ...attrs, count_include_pad: 0 }, ctx);
    // {1}/1, {2,3}/2 = 2.5 → 2 (even), {4,7}/2 = 5.5 → 6, 7
    expect(Array.from(b!.data as Int8Array)).toEqual([1, 2, 6, 7]);
  });

  it('QGemm: transB with a per-column int32 bias; shape inference and errors', () => {
    const a = i8([1, 2, 3], [1, 3]);
    const b = i8([1, 0, 0, 0, 1, 1], [2, 3]); // transB: columns (1,0,0) and (0,1,1)
    const bias = new Tensor('int32', Int32Array.of(10, -5), [2]);
    const [y] = opTable.QGemm.reference([a, s(1), z8(0), b, s(1), z8(0), bias, s(1), z8(0)], { alpha: 1, transA: 0, transB: 1 }, ctx);
    expect(Array.from(y!.data as Int8Array)).toEqual([11, 0]);
    const graph = new Graph();
    const add = (name: string, t: Tensor) => graph.tensors.set(name, { name, type: t.type, dims: [...t.dims], value: t });
    add('a', a); add('as', s(1)); add('az', z8(0)); add('b', b); add('bs', s(1)); add('bz', z8(0)); add('c', bias); add('ys', s(1)); add('yz', z8(0));
    const node = { name: 'q', op: 'QGemm' as const, inputs: ['a', 'as', 'az', 'b', 'bs', 'bz', 'c', 'ys', 'yz'], outputs: ['y'], attrs: { alpha: 1, transA: 0, transB: 1 } };
    expect(inferNode(graph, node, () => 'u')).toEqual([{ type: 'int8', dims: [1, 2] }]);
    expect(() => inferNode(graph, { ...node, attrs: { ...node.attrs, alpha: 2 } }, () => 'u')).toThrow(/alpha must be 1/);
    const f = new Tensor('float32', Float32Array.of(1, 2, 3), [1, 3]);
    add('f', f);
    expect(() => inferNode(graph, { ...node, inputs: ['f', ...node.inputs.slice(1)] }, () => 'u')).toThrow(/A must be int8 or uint8, got float32/);
  });

  it('QLinearConcat: inputs on the output grid copied, others requantized (ties to even, saturation); shape inference and errors', () => {
    const a = i8([1, 3, 5, -7], [1, 4]);
    const b = i8([100, -100], [1, 2]);
    // a: scale 0.5 → 1 halves (0.5 → 0, 1.5 → 2, 2.5 → 2, −3.5 → −4); b: on the output grid, copied as is.
    const [y] = opTable.QLinearConcat.reference([s(1), z8(0), a, s(0.5), z8(0), b, s(1), z8(0)], { axis: 1 }, ctx);
    expect(Array.from(y!.data as Int8Array)).toEqual([0, 2, 2, -4, 100, -100]);
    expect(y!.dims).toEqual([1, 6]);
    // b on a grid ten times finer than the output saturates both ways; zero points shift.
    const [c] = opTable.QLinearConcat.reference([s(0.1), z8(5), b, s(1), z8(-1)], { axis: 0 }, ctx);
    expect(Array.from(c!.data as Int8Array)).toEqual([127, -128]);
    const graph = new Graph();
    const add = (name: string, t: Tensor) => graph.tensors.set(name, { name, type: t.type, dims: [...t.dims], value: t });
    add('ys', s(1)); add('yz', z8(0)); add('s', s(0.5)); add('z', z8(0)); add('u', new Tensor('uint8', Uint8Array.of(0), []));
    graph.tensors.set('a', { name: 'a', type: 'int8', dims: [1, 4] });
    graph.tensors.set('b', { name: 'b', type: 'int8', dims: [1, 2] });
    graph.tensors.set('x', { name: 'x', type: 'uint8', dims: [1, 4] });
    const node = { name: 'q', op: 'QLinearConcat' as const, inputs: ['ys', 'yz', 'a', 's', 'z', 'b', 's', 'z'], outputs: ['y'], attrs: { axis: 1 } };
    expect(inferNode(graph, node, () => 'u')).toEqual([{ type: 'int8', dims: [1, 6] }]);
    expect(() => inferNode(graph, { ...node, inputs: node.inputs.slice(0, 7) }, () => 'u')).toThrow(/triples, got 7 inputs/);
    expect(() => inferNode(graph, { ...node, inputs: ['ys', 'yz', 'x', 's', 'u'] }, () => 'u')).toThrow(/input 2 is uint8, the output \(its zero point's type\) int8/);
  });
});
