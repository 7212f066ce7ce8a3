/**
 * Builds the IR graph layer by layer. Caffe names blobs, not values: in-place layers (top == bottom) write the same
 * blob again, so every write gets its own SSA tensor name. The last write of a blob keeps the plain blob name (so
 * outputs read as in Caffe, e.g. 'prob'); earlier writes become `blob/layer`. Net inputs always keep their names.
 * Shapes are inferred node by node, because converting a layer often needs its input's shape (Slice, Reshape,
 * Scale's broadcast axes).
 */
import { WebliteError } from '../../errors.js';
import { resolveAttrs } from '../../ir/attrs.js';
import type { Attrs, Dim, Graph, Node } from '../../ir/graph.js';
import { inferNode } from '../../ir/infer.js';
import { type OpType, opTable } from '../../ir/ops.js';
import { Tensor, sizeOf } from '../../ir/tensor.js';
import type { BlobProto } from './messages.js';
import type { CaffeLayer, CaffeNet } from './net.js';
import { blobToTensor } from './proto.js';

export interface LayerContext {
  readonly layer: CaffeLayer;
  /** Tensor names of the layer's bottoms. */
  readonly inputs: readonly string[];
  /** Tensor names the layer must produce for its tops (or alias, see `alias`). */
  readonly outputs: readonly string[];
  /** Dims of input i (its rank must be known). */
  dims(i: number): Dim[];
  /** Dims of input i, all of which must be known numbers. */
  knownDims(i: number): number[];
  /** The layer's `<name>_param` message, or {} when absent. */
  param<T>(name: string): T;
  /** How many weight blobs the layer has (inline in the prototxt, else from the .caffemodel). */
  blobCount(): number;
  /** Weight blob i as a float32 tensor of `dims` (its element count must match; legacy 4-D shapes are reshaped). */
  blob(i: number, dims: readonly number[], what: string): Tensor<'float32'>;
  /** Adds a node; its name is the layer's, or `layer/suffix` for helper nodes. Returns the output names. */
  node(op: OpType, inputs: string[], outputs: string[], attrs?: Attrs, suffix?: string): string[];
  /** A fresh intermediate tensor name. */
  temp(hint: string): string;
  constant(hint: string, value: Tensor): string;
  /** An int64 constant (shapes, axes, split sizes). */
  int64s(hint: string, values: readonly number[]): string;
  /** Top i is another name for an existing tensor (Split); no node is added. */
  alias(i: number, tensor: string): void;
  fail(message: string): WebliteError;
  unsupported(message: string): WebliteError;
}

export class CaffeGraphBuilder {
  private readonly current = new Map<string, string>();
  /** Blob writes not yet converted, to tell which write is a blob's last. */
  private readonly writesLeft = new Map<string, number>();
  private readonly inputNames: Set<string>;
  private readonly nodeNames = new Set<string>();
  /** Blobs written and not read since, in order: Caffe's net outputs. */
  private readonly unread = new Map<string, string>();
  private readonly poisoned = new Set<string>();
  private unknownCount = 0;

  constructor(
    private readonly graph: Graph,
    net: CaffeNet,
    private readonly weights: Map<string, BlobProto[]>,
    private readonly fileName: string,
  ) {
    this.inputNames = new Set(net.inputs.map((input) => input.name));
    for (const input of net.inputs) {
      graph.tensors.set(input.name, { name: input.name, type: 'float32', dims: [...input.dims] });
      graph.inputs.push(input.name);
      this.current.set(input.name, input.name);
      this.unread.set(input.name, input.name);
    }
    for (const layer of net.layers) for (const top of layer.tops) this.writesLeft.set(top, (this.writesLeft.get(top) ?? 0) + 1);
  }

  /** True when the layer reads a blob that an unconvertible layer should have produced (it is then skipped). */
  readsPoisoned(layer: CaffeLayer): boolean {
    return layer.bottoms.some((bottom) => this.poisoned.has(bottom));
  }

  /** Marks the layer's tops as never produced, so later readers are skipped instead of failing. */
  poison(layer: CaffeLayer): void {
    for (const bottom of layer.bottoms) this.unread.delete(bottom);
    for (const top of layer.tops) {
      this.poisoned.add(top);
      this.unread.delete(top);
    }
  }

  convert(layer: CaffeLayer, run: (ctx: LayerContext) => void): void {
    const inputs = layer.bottoms.map((bottom) => {
      const tensor = this.current.get(bottom);
      if (tensor === undefined) throw new WebliteError('BAD_MODEL', `${layer.where}: reads blob '${bottom}', which no earlier layer or input produces`);
      return tensor;
    });
    const outputs = layer.tops.map((top) => this.writeName(top, layer));
    const produced = new Map<number, string>();
    const ctx = this.context(layer, inputs, outputs, produced);
    run(ctx);
    for (const bottom of layer.bottoms) this.unread.delete(bottom);
    layer.tops.forEach((top, i) => {
      const tensor = produced.get(i) ?? outputs[i]!;
      if (!produced.has(i) && !this.graph.tensors.has(tensor)) throw new Error(`internal: layer '${layer.name}' did not produce top '${top}'`);
      this.current.set(top, tensor);
      this.unread.delete(top); // re-inserted last: outputs keep the order of their final writes
      this.unread.set(top, tensor);
    });
  }

  /** Caffe's outputs: blobs nobody read after their last write. An aliased output gets an Identity with its blob name. */
  finish(): void {
    for (const [blob, tensor] of this.unread) {
      if (tensor !== blob && !this.graph.tensors.has(blob)) {
        this.addNode({ name: this.nodeName(`${blob}/output`), op: 'Identity', inputs: [tensor], outputs: [blob], attrs: {} }, blob);
        this.graph.outputs.push(blob);
      } else {
        this.graph.outputs.push(tensor);
      }
    }
  }

  private writeName(top: string, layer: CaffeLayer): string {
    const left = (this.writesLeft.get(top) ?? 1) - 1;
    this.writesLeft.set(top, left);
    if (left === 0 && !this.inputNames.has(top)) return top;
    return this.freshName(`${top}/${layer.name}`);
  }

  /** Not yet used, and not a blob name some later write will claim. */
  private freshName(prefix: string): string {
    let name = prefix;
    for (let i = 1; this.graph.tensors.has(name) || this.writesLeft.has(name) || this.inputNames.has(name); i++) name = `${prefix}_${i}`;
    return name;
  }

  private nodeName(prefix: string): string {
    let name = prefix;
    for (let i = 1; this.nodeNames.has(name); i++) name = `${prefix}_${i}`;
    this.nodeNames.add(name);
    return name;
  }

  private addNode(node: Node, where: string): void {
    this.graph.nodes.push(node);
    let facts;
    try {
      facts = inferNode(this.graph, node, () => `unk__caffe${++this.unknownCount}`);
    } catch (error) {
      if (error instanceof WebliteError) throw new WebliteError(error.code, `${where}: ${error.message.replace(/^\[\w+\] /, '')}`, { cause: error });
      throw error;
    }
    node.outputs.forEach((name, i) => {
      const fact = facts[i]!;
      this.graph.tensors.set(name, { name, type: fact.type, dims: fact.dims ? [...fact.dims] : undefined });
    });
  }

  private context(layer: CaffeLayer, inputs: string[], outputs: string[], produced: Map<number, string>): LayerContext {
    const graph = this.graph;
    let blobs: BlobProto[] | undefined;
    const blobList = () => (blobs ??= layer.message.blobs?.length ? layer.message.blobs : this.weights.get(layer.name) ?? []);
    const ctx: LayerContext = {
      layer,
      inputs,
      outputs,
      dims: (i) => {
        const dims = graph.tensor(inputs[i]!).dims;
        if (!dims) throw ctx.unsupported(`the rank of bottom '${layer.bottoms[i]}' is unknown`);
        return dims;
      },
      knownDims: (i) => {
        const dims = ctx.dims(i);
        if (dims.some((d) => typeof d !== 'number')) throw ctx.unsupported(`needs the static shape of bottom '${layer.bottoms[i]}', got [${dims}]`);
        return dims as number[];
      },
      param: <T>(name: string) => (layer.message[`${name}_param`] ?? {}) as T,
      blobCount: () => blobList().length,
      blob: (i, dims, what) => {
        const blob = blobList()[i];
        if (!blob) {
          const source = layer.message.blobs?.length ? 'the prototxt gives' : this.weights.size > 0 ? 'the .caffemodel has' : 'no .caffemodel was given, so it has';
          throw ctx.fail(`needs ${what} (blob ${i}), but ${source} ${blobList().length} blob(s) for this layer`);
        }
        const tensor = blobToTensor(blob, `${layer.where}: ${what}`);
        if (tensor.size !== sizeOf(dims)) throw ctx.fail(`${what} should be [${dims}] (${sizeOf(dims)} values), the blob is [${tensor.dims}]`);
        return tensor.reshape(dims);
      },
      node: (op, nodeInputs, nodeOutputs, attrs = {}, suffix) => {
        const name = this.nodeName(suffix ? `${layer.name}/${suffix}` : layer.name);
        const resolved = resolveAttrs(opTable[op].attrs, attrs, `${layer.where}: ${op}`);
        this.addNode({ name, op, inputs: nodeInputs, outputs: nodeOutputs, attrs: resolved }, layer.where);
        return nodeOutputs;
      },
      temp: (hint) => {
        const name = this.freshName(`${layer.name}/${hint}`);
        graph.tensors.set(name, { name, type: 'float32' }); // placeholder; the producing node's inference replaces it
        return name;
      },
      constant: (hint, value) => {
        const name = this.freshName(`${layer.name}/${hint}`);
        graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
        return name;
      },
      int64s: (hint, values) => ctx.constant(hint, new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [values.length])),
      alias: (i, tensor) => void produced.set(i, tensor),
      fail: (message) => new WebliteError('BAD_MODEL', `${layer.where}: ${message}`),
      unsupported: (message) => new WebliteError('UNSUPPORTED_OP', `${layer.where}: ${message}`),
    };
    return ctx;
  }
}
