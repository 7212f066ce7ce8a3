/**
 * Plans are per input shape (the wasm backend's specialisation: symbolic dims bound, then everything that became
 * constant folded), and here also per value of "shape inputs": small int64/int32 graph inputs that every consumer
 * reads only as a shape argument (Reshape's shape, Slice's starts…, Unsqueeze's axes, Resize's sizes…), and the
 * float32 ones Resize reads as its roi and scales (which decide its output shape and taps). Binding their
 * values at plan time folds the int64 arithmetic away and lets the GPU kernels, which need those arguments as
 * constants, run the nodes. Data inputs (token ids feeding a Gather…) never qualify, so a plan is not rebuilt
 * because data changed.
 */
import { type Graph, cloneGraph } from '../../ir/graph.js';
import { inferShapes } from '../../ir/infer.js';
import type { Tensor } from '../../ir/tensor.js';
import { eliminateDeadNodes } from '../../passes/eliminate-dead-nodes.js';
import { foldConstants } from '../../passes/fold-constants.js';

/** Input positions that are shape arguments, per op. */
const SHAPE_ARGUMENTS: Partial<Record<string, readonly number[]>> = {
  Reshape: [1], Expand: [1], Tile: [1], Slice: [1, 2, 3, 4], Squeeze: [1], Unsqueeze: [1], Split: [1], Resize: [3],
  ReduceL1: [1], ReduceL2: [1], ReduceLogSum: [1], ReduceLogSumExp: [1], ReduceMax: [1], ReduceMean: [1],
  ReduceMin: [1], ReduceProd: [1], ReduceSum: [1], ReduceSumSquare: [1], ConstantOfShape: [0], Pad: [1, 3], TopK: [1],
  Trilu: [1], CumSum: [1],
};
/** Float32 input positions that are shape arguments too: Resize's roi and scales. */
const FLOAT_SHAPE_ARGUMENTS: Partial<Record<string, readonly number[]>> = { Resize: [1, 2] };
const MAX_SHAPE_INPUT_ELEMENTS = 64;

/** Graph inputs whose values become plan-time constants. */
export function shapeInputs(graph: Graph): string[] {
  return graph.inputs.filter((name) => {
    const info = graph.tensor(name);
    const dims = info.dims;
    const table = info.type === 'int64' || info.type === 'int32' ? SHAPE_ARGUMENTS : info.type === 'float32' ? FLOAT_SHAPE_ARGUMENTS : undefined;
    if (!table || !dims || !dims.every((d) => typeof d === 'number') || (dims as number[]).reduce((a, b) => a * b, 1) > MAX_SHAPE_INPUT_ELEMENTS) return false;
    const readers = graph.nodes.filter((node) => node.inputs.includes(name));
    const asShape = (node: (typeof readers)[number]) => node.inputs.every((input, i) => input !== name || (table[node.op] ?? []).includes(i));
    return readers.length > 0 && readers.every(asShape) && !graph.outputs.includes(name);
  });
}

/** The key of the plan for these feeds: every input's dims, and the values of the shape inputs. */
export function planKey(graph: Graph, shapeNames: readonly string[], dims: Map<string, readonly number[]>, feeds?: Map<string, Tensor>): string {
  const parts = graph.inputs.map((name) => (dims.get(name) ?? []).join('x'));
  for (const name of shapeNames) {
    const value = feeds?.get(name);
    // Floats by their exact decimal form (String() round-trips every float32 value; -0 and NaN kept apart).
    parts.push(value ? Array.from(value.data as ArrayLike<number | bigint>, (v) => (Object.is(v, -0) ? '-0' : String(v))).join(',') : '?');
  }
  return parts.join('|');
}

/** A copy of the graph with input dims (and shape-input values, when given) bound and constants folded. */
export function specializeGraph(graph: Graph, dims: Map<string, readonly number[]>, shapeValues: Map<string, Tensor>): Graph {
  const g = cloneGraph(graph);
  for (const [name, value] of dims) g.tensor(name).dims = [...value];
  for (const [name, value] of shapeValues) g.tensor(name).value = value;
  inferShapes(g);
  for (let round = 0; round < 4 && foldConstants.run(g); round++) inferShapes(g);
  eliminateDeadNodes.run(g);
  return g;
}
