/**
 * Data movement where every output element is one input element (or a pad constant): Slice, Split, Pad, Tile,
 * Expand, DepthToSpace, SpaceToDepth, and Gather / GatherElements with constant indices — as TypeScript on the
 * backend's memory. The map from output to input element is computed once per plan by running the op's own
 * reference on the element numbers 1…n (float64, exact), so it agrees with the reference by construction; a run is
 * one indexed copy. Gather with indices computed at run time (token embeddings, …) copies whole rows instead.
 * Handles float32 and 8-bit tensors (the dtypes resident in wasm memory).
 */
import { WebliteError } from '../../../errors.js';
import type { DType } from '../../../ir/dtype.js';
import type { Graph, Node } from '../../../ir/graph.js';
import { opTable, type OpType } from '../../../ir/ops.js';
import { Tensor, sizeOf } from '../../../ir/tensor.js';
import { type Lowering, type LoweringContext, elementBytes, staticDims } from '../lowering.js';

/** Ops whose every non-data input must be a constant for an index map; the value input of Pad is read for the fill. */
const MAPPED: ReadonlySet<OpType> = new Set<OpType>(['Slice', 'Split', 'Pad', 'Tile', 'Expand', 'DepthToSpace', 'SpaceToDepth', 'Gather', 'GatherElements']);

/** Largest output an index map is built for (4 bytes of map per element). */
const MAX_MAPPED = 1 << 24;

const typeOf = (graph: Graph, name: string) => graph.tensors.get(name)?.type;

function mappable(node: Node, graph: Graph): boolean {
  if (!MAPPED.has(node.op)) return false;
  const data = node.inputs[0]!;
  if (graph.constant(data) || !mappedBytes(typeOf(graph, data)) || !staticDims(graph, data)) return false;
  if (node.inputs.slice(1).some((name) => name !== '' && !graph.constant(name))) return false;
  return node.outputs.every((name) => name === '' || (typeOf(graph, name) === typeOf(graph, data) && (staticDims(graph, name) !== undefined && sizeOf(staticDims(graph, name)!) <= MAX_MAPPED)));
}

/** Output element → input element (−1: Pad's constant), per output, from the reference run on element numbers. */
function indexMaps(node: Node, graph: Graph): Int32Array[] {
  const dims = staticDims(graph, node.inputs[0]!)!;
  const numbers = new Float64Array(sizeOf(dims));
  for (let i = 0; i < numbers.length; i++) numbers[i] = i + 1;
  const inputs = node.inputs.map((name, i) => {
    if (i === 0) return new Tensor('float64', numbers, dims);
    if (name === '') return undefined;
    // Pad's constant value becomes 0: "no input element".
    if (node.op === 'Pad' && i === 2) return new Tensor('float64', Float64Array.of(0), graph.constant(name)!.dims);
    return graph.constant(name);
  });
  if (node.op === 'Pad' && (node.inputs[2] ?? '') === '') inputs[2] = new Tensor('float64', Float64Array.of(0), []);
  const outputs = opTable[node.op].reference(inputs, node.attrs, { outputCount: node.outputs.length, nodeName: node.name });
  return outputs.map((t) => Int32Array.from(t.data as Float64Array, (v) => v - 1));
}

/** The element sizes these copies handle: 8-bit and 32-bit (float32) tensors. */
function mappedBytes(type: DType | undefined): boolean {
  const bytes = elementBytes(type);
  return bytes === 1 || bytes === 4;
}

function view(ctx: LoweringContext, type: string | undefined, ptr: number, length: number): Float32Array | Int8Array | Uint8Array {
  const buffer = ctx.heap.kernels.memory.buffer;
  if (type === 'int8') return new Int8Array(buffer, ptr, length);
  if (type === 'uint8') return new Uint8Array(buffer, ptr, length);
  return new Float32Array(buffer, ptr, length);
}

function copyMapped(x: Float32Array | Int8Array | Uint8Array, y: Float32Array | Int8Array | Uint8Array, map: Int32Array, fill: number): void {
  for (let i = 0; i < map.length; i++) {
    const source = map[i]!;
    y[i] = source >= 0 ? x[source]! : fill;
  }
}

export const indexMapLowering: Lowering = {
  name: 'index-map',
  requires: [],
  layout: 'nchw',
  supports: (node, graph) => mappable(node, graph),
  build(node, ctx) {
    const maps = indexMaps(node, ctx.graph);
    const data = node.inputs[0]!;
    const type = typeOf(ctx.graph, data);
    const inSize = sizeOf(ctx.dims(data));
    const x = ctx.ptr(data);
    const fillTensor = node.op === 'Pad' && node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
    const fill = fillTensor ? Number((fillTensor.data as ArrayLike<number>)[0] ?? 0) : 0;
    const targets = node.outputs.map((name, i) => (name === '' ? undefined : { y: ctx.ptr(name), map: maps[i]! }));
    return {
      kernel: `ts/index-map-${elementBytes(type) === 1 ? 'x8' : 'x32'}`,
      run() {
        const source = view(ctx, type, x, inSize);
        for (const target of targets) if (target) copyMapped(source, view(ctx, type, target.y, target.map.length), target.map, fill);
      },
    };
  },
};

/**
 * Gather along `axis` with indices known only at run time (not resident: int32/int64 read from JS): row copies from
 * the data (an activation, or a constant table copied into wasm memory once).
 */
export const gatherRowsLowering: Lowering = {
  name: 'gather-rows',
  requires: [],
  layout: 'nchw',
  supports(node, graph) {
    if (node.op !== 'Gather') return false;
    const [data, indices] = node.inputs as [string, string];
    const type = typeOf(graph, indices);
    return mappedBytes(typeOf(graph, data)) && staticDims(graph, data) !== undefined
      && (type === 'int32' || type === 'int64') && !graph.constant(indices) && staticDims(graph, node.outputs[0]!) !== undefined;
  },
  build(node, ctx) {
    const [data, indices] = node.inputs as [string, string];
    const dims = ctx.dims(data);
    const rawAxis = (node.attrs.axis as number | undefined) ?? 0;
    const axis = rawAxis < 0 ? rawAxis + dims.length : rawAxis;
    const outer = sizeOf(dims.slice(0, axis));
    const length = dims[axis]!;
    const inner = sizeOf(dims.slice(axis + 1));
    const type = typeOf(ctx.graph, data);
    // A constant table (embeddings) is copied into wasm memory once per session.
    const table = ctx.constant(data);
    const x = table
      ? ctx.cached(table, 'gather-table', () => {
        const bytes = new Uint8Array((table.data as Float32Array).buffer, (table.data as Float32Array).byteOffset, (table.data as Float32Array).byteLength);
        const ptr = ctx.heap.alloc(bytes.length, `gather table ${table.dims.join('x')}`);
        new Uint8Array(ctx.heap.kernels.memory.buffer, ptr, bytes.length).set(bytes);
        return ptr;
      })
      : ctx.ptr(data);
    const y = ctx.ptr(node.outputs[0]!);
    const outSize = sizeOf(ctx.dims(node.outputs[0]!));
    return {
      kernel: `ts/gather-rows-${elementBytes(type) === 1 ? 'x8' : 'x32'}`,
      run() {
        const ids = ctx.read(indices).data as Int32Array | BigInt64Array;
        const source = view(ctx, type, x, outer * length * inner);
        const target = view(ctx, type, y, outSize);
        const count = ids.length;
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < count; j++) {
            let index = Number(ids[j]!);
            if (index < 0) index += length;
            if (!(index >= 0 && index < length)) {
              throw new WebliteError('RUNTIME_ERROR', `node '${node.name}' (Gather): index ${Number(ids[j]!)} is out of range for axis ${axis} of size ${length}`);
            }
            const from = (o * length + index) * inner;
            target.set(source.subarray(from, from + inner), (o * count + j) * inner);
          }
        }
      },
    };
  },
};
