/** Validation of `run()` feeds against the model's declared inputs, symbolic dims bound consistently. */
import { WebliteError } from '../errors.js';
import { dataMatchesType } from '../ir/dtype.js';
import type { TensorInfo } from '../ir/graph.js';
import { Tensor, sizeOf } from '../ir/tensor.js';

/** `cpuBackend`: the backend's name when it reads CPU tensors only (GPU-tensor feeds are refused, by name). */
export function checkFeeds(feeds: unknown, inputs: readonly TensorInfo[], cpuBackend?: string): Map<string, Tensor> {
  if (typeof feeds !== 'object' || feeds === null) {
    throw new WebliteError('BAD_INPUT', `run: feeds must be an object mapping input names to Tensors, got ${String(feeds)}`);
  }
  const given = feeds as Record<string, unknown>;
  const expected = new Map(inputs.map((info) => [info.name, info]));
  const expectedList = inputs.map((i) => `'${i.name}'`).join(', ');
  for (const name of Object.keys(given)) {
    if (!expected.has(name)) throw new WebliteError('BAD_INPUT', `run: unknown input '${name}' (the model's inputs are ${expectedList})`);
  }
  const bindings = new Map<string, { value: number; input: string }>();
  const result = new Map<string, Tensor>();
  for (const info of inputs) {
    const feed = given[info.name];
    if (feed === undefined) throw new WebliteError('BAD_INPUT', `run: missing input '${info.name}' (the model's inputs are ${expectedList})`);
    const tensor = asTensor(feed, info.name);
    if (cpuBackend && tensor.location === 'gpu-buffer') {
      throw new WebliteError(
        'BAD_INPUT',
        `run: input '${info.name}' is a GPU tensor (location 'gpu-buffer'), but this session runs on the ${cpuBackend} backend, which reads CPU tensors only; ` +
          `pass 'await tensor.getData()' in a Tensor, or use the webgpu backend`,
      );
    }
    if (tensor.type !== info.type) {
      throw new WebliteError('BAD_INPUT', `run: input '${info.name}' must be ${info.type}, got ${tensor.type}`);
    }
    const want = info.dims;
    const dimsText = `[${tensor.dims.join(', ')}]`;
    if (want) {
      if (want.length !== tensor.dims.length) {
        throw new WebliteError('BAD_INPUT', `run: input '${info.name}' must have rank ${want.length} [${want.join(', ')}], got ${dimsText}`);
      }
      want.forEach((dim, axis) => {
        const got = tensor.dims[axis]!;
        if (typeof dim === 'number') {
          if (dim !== got) {
            throw new WebliteError('BAD_INPUT', `run: input '${info.name}' dim ${axis} must be ${dim} (dims [${want.join(', ')}]), got ${dimsText}`);
          }
          return;
        }
        const bound = bindings.get(dim);
        if (bound && bound.value !== got) {
          throw new WebliteError(
            'BAD_INPUT',
            `run: symbolic dim '${dim}' is ${bound.value} in input '${bound.input}' but ${got} in input '${info.name}' ${dimsText}`,
          );
        }
        bindings.set(dim, { value: got, input: info.name });
      });
    }
    result.set(info.name, tensor);
  }
  return result;
}

function asTensor(feed: unknown, name: string): Tensor {
  if (feed instanceof Tensor) return feed;
  // Accept tensor-like objects (e.g. an onnxruntime-web Tensor) by re-validating through the constructor.
  const like = feed as { type?: unknown; data?: unknown; dims?: unknown };
  if (like && typeof like === 'object' && typeof like.type === 'string' && Array.isArray(like.dims)) {
    if (!dataMatchesType(like.type as Tensor['type'], like.data)) {
      throw new WebliteError('BAD_INPUT', `run: input '${name}' has data that does not match its type '${like.type}'`);
    }
    const dims = like.dims as number[];
    const length = (like.data as ArrayLike<unknown>).length;
    if (sizeOf(dims) !== length) {
      throw new WebliteError('BAD_INPUT', `run: input '${name}' has ${length} values but dims [${dims.join(', ')}] need ${sizeOf(dims)}`);
    }
    return new Tensor(like.type as Tensor['type'], like.data as Tensor['data'], dims);
  }
  throw new WebliteError('BAD_INPUT', `run: input '${name}' must be a Tensor, got ${Object.prototype.toString.call(feed)}`);
}
