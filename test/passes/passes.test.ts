/** Each pass before/after, with the validator run on the result. */
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/convert/index.js';
import { WebliteError } from '../../src/errors.js';
import { Tensor } from '../../src/ir/tensor.js';
import { eliminateDeadNodes } from '../../src/passes/eliminate-dead-nodes.js';
import { foldConstants } from '../../src/passes/fold-constants.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { removeIdentity } from '../../src/passes/remove-identity.js';
import { validateGraph } from '../../src/passes/validate.js';
import { inferShapes } from '../../src/ir/infer.js';
import { InferenceSession } from '../../src/index.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';

const i64 = (...v: number[]) => new Tensor('int64', BigInt64Array.from(v, BigInt), [v.length]);
const scalar64 = (v: number) => new Tensor('int64', BigInt64Array.of(BigInt(v)), []);

/** What PyTorch exports for `x.view(x.size(0), -1)`. */
function flattenChain(batch: number | string) {
  return buildModel({
    inputs: [{ name: 'x', type: 'float32', dims: [batch, 3, 4, 4] }],
    outputs: [{ name: 'y', type: 'float32' }],
    initializers: { zero: scalar64(0), minus1: i64(-1), axes0: i64(0) },
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['shape'] },
      { op: 'Gather', inputs: ['shape', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
      { op: 'Unsqueeze', inputs: ['n', 'axes0'], outputs: ['n1'] },
      { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['target'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
    ],
  });
}

const ops = (graph: { nodes: { op: string }[] }) => graph.nodes.map((n) => n.op);

describe('fold-constants', () => {
  it('folds the Shape→Gather→Unsqueeze→Concat→Reshape chain when dims are static', () => {
    const graph = importModel(flattenChain(2), { optimize: false });
    expect(ops(graph)).toEqual(['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Reshape']);
    expect(foldConstants.run(graph)).toBe(true);
    eliminateDeadNodes.run(graph);
    inferShapes(graph);
    validateGraph(graph);
    expect(ops(graph)).toEqual(['Reshape']);
    expect(Array.from(graph.constant(graph.nodes[0]!.inputs[1]!)!.data as BigInt64Array, Number)).toEqual([2, -1]);
    expect(graph.tensor('y').dims).toEqual([2, 48]);
  });

  it('keeps the chain for a symbolic batch, and the result still runs', async () => {
    const bytes = flattenChain('batch');
    const graph = importModel(bytes, { validate: true });
    expect(ops(graph)).toEqual(['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Reshape']);
    expect(graph.tensor('y').dims?.length).toBe(2);
    const session = await InferenceSession.create(bytes, { backend: 'reference' });
    const { y } = await session.run({ x: randomTensor([5, 3, 4, 4]) });
    expect(y!.dims).toEqual([5, 48]);
  });

  it('folds a Gather of a static dim out of a Shape with a symbolic batch', () => {
    const graph = importModel(
      buildModel({
        inputs: [{ name: 'x', type: 'float32', dims: ['batch', 3, 4] }],
        outputs: [{ name: 'y', type: 'float32' }],
        initializers: { two: scalar64(2), axes0: i64(0) },
        nodes: [
          { op: 'Shape', inputs: ['x'], outputs: ['shape'] },
          { op: 'Gather', inputs: ['shape', 'two'], outputs: ['c'], attrs: { axis: 0 } },
          { op: 'Unsqueeze', inputs: ['c', 'axes0'], outputs: ['c1'] },
          { op: 'Expand', inputs: ['x', 'c1'], outputs: ['y'] },
        ],
      }),
      { optimize: false },
    );
    foldConstants.run(graph);
    eliminateDeadNodes.run(graph);
    inferShapes(graph);
    validateGraph(graph);
    expect(ops(graph)).toEqual(['Expand']);
  });

  it('does not fold outputs above the size cap', () => {
    const graph = importModel(
      buildModel({
        inputs: [{ name: 'x', type: 'float32', dims: [1] }],
        outputs: [{ name: 'y', type: 'float32' }],
        initializers: { shape: i64(2048, 1024) },
        nodes: [
          { op: 'ConstantOfShape', inputs: ['shape'], outputs: ['big'] },
          { op: 'Add', inputs: ['x', 'big'], outputs: ['y'] },
        ],
      }),
      { optimize: false },
    );
    foldConstants.run(graph);
    expect(ops(graph)).toEqual(['ConstantOfShape', 'Add']);
  });
});

describe('remove-identity', () => {
  it('bypasses Identity and Dropout between nodes, and renames into a graph output', () => {
    const graph = importModel(
      buildModel({
        inputs: [{ name: 'x', type: 'float32', dims: [2] }],
        outputs: [{ name: 'y', type: 'float32' }],
        nodes: [
          { op: 'Relu', inputs: ['x'], outputs: ['a'] },
          { op: 'Identity', inputs: ['a'], outputs: ['b'] },
          { op: 'Dropout', inputs: ['b'], outputs: ['c'] },
          { op: 'Neg', inputs: ['c'], outputs: ['d'] },
          { op: 'Identity', inputs: ['d'], outputs: ['y'] },
        ],
      }),
      { optimize: false },
    );
    expect(removeIdentity.run(graph)).toBe(true);
    validateGraph(graph);
    expect(ops(graph)).toEqual(['Relu', 'Neg']);
    expect(graph.nodes[1]!.inputs).toEqual(['a']);
    expect(graph.nodes[1]!.outputs).toEqual(['y']);
  });

  it('keeps an Identity that connects a graph input straight to a graph output', () => {
    const graph = importModel(
      buildModel({ inputs: [{ name: 'x', type: 'float32', dims: [2] }], outputs: [{ name: 'y', type: 'float32' }], nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }] }),
      { optimize: false },
    );
    expect(removeIdentity.run(graph)).toBe(false);
    expect(ops(graph)).toEqual(['Identity']);
  });

  it('keeps a Dropout whose mask is read', () => {
    const graph = importModel(
      buildModel({
        inputs: [{ name: 'x', type: 'float32', dims: [2] }],
        outputs: [{ name: 'm', type: 'bool' }],
        nodes: [{ op: 'Dropout', inputs: ['x'], outputs: ['y', 'm'] }],
      }),
      { optimize: false },
    );
    expect(removeIdentity.run(graph)).toBe(false);
  });
});

describe('eliminate-dead-nodes', () => {
  it('removes unused branches and unused constants', () => {
    const graph = importModel(
      buildModel({
        inputs: [{ name: 'x', type: 'float32', dims: [2] }],
        outputs: [{ name: 'y', type: 'float32' }],
        initializers: { unused: new Tensor('float32', [1, 2]), w: new Tensor('float32', [3, 4]) },
        nodes: [
          { op: 'Mul', inputs: ['x', 'w'], outputs: ['y'] },
          { op: 'Exp', inputs: ['x'], outputs: ['dead1'] },
          { op: 'Add', inputs: ['dead1', 'unused'], outputs: ['dead2'] },
        ],
      }),
      { optimize: false },
    );
    expect(eliminateDeadNodes.run(graph)).toBe(true);
    validateGraph(graph);
    expect(ops(graph)).toEqual(['Mul']);
    expect(graph.tensors.has('unused')).toBe(false);
    expect(graph.tensors.has('dead1')).toBe(false);
  });
});

describe('validator', () => {
  const base = () =>
    importModel(
      buildModel({
        inputs: [{ name: 'x', type: 'float32', dims: [2] }],
        outputs: [{ name: 'z', type: 'float32' }],
        nodes: [
          { op: 'Relu', inputs: ['x'], outputs: ['y'] },
          { op: 'Neg', inputs: ['y'], outputs: ['z'] },
        ],
      }),
      { optimize: false },
    );
  const expectInvalid = (mutate: (g: ReturnType<typeof base>) => void, pattern: RegExp) => {
    const graph = base();
    mutate(graph);
    let error: unknown;
    try {
      validateGraph(graph);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WebliteError);
    expect((error as Error).message).toMatch(pattern);
  };
  it('accepts a valid graph', () => validateGraph(base()));
  it('catches use before definition', () => expectInvalid((g) => g.nodes.reverse(), /before it is defined/));
  it('catches a tensor produced twice', () => expectInvalid((g) => (g.nodes[1]!.outputs = ['y']), /produced twice/));
  it('catches a wrong recorded dtype', () => expectInvalid((g) => (g.tensor('y').type = 'int32'), /recorded as int32/));
  it('catches a missing graph output', () => expectInvalid((g) => g.outputs.push('ghost'), /'ghost' is never produced/));
});

describe('pipeline', () => {
  it('runs every pass with validation on a mixed graph', () => {
    const graph = importModel(flattenChain(1), { validate: true });
    expect(ops(graph)).toEqual(['Reshape']);
    runPipeline(graph, { validate: true });
  });
});
