/**
 * Builds small ONNX models in tests (protobufjs encode with the same descriptor the front-end decodes with).
 * Attributes: integer → INT, other number → FLOAT, number[] → INTS (or FLOATS if any is fractional or wrapped
 * as { floats }), string → STRING, string[] → STRINGS, Tensor → TENSOR.
 */
import protobuf from 'protobufjs/light.js';
import { onnxDescriptor } from '../../src/convert/onnx/onnx-proto.generated.js';
import { onnxDTypeCode } from '../../src/convert/onnx/tensor.js';
import type { DType } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';

const root = protobuf.Root.fromJSON(onnxDescriptor as protobuf.INamespace);
const ModelProto = root.lookupType('onnx.ModelProto');

export type AttrInput = number | string | number[] | string[] | Tensor | { floats: number[] } | { float: number };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrInput>;
  name?: string;
  domain?: string;
}

export interface ValueSpec {
  name: string;
  type: DType;
  dims?: (number | string)[];
}

export interface ModelSpec {
  opset?: number;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: Record<string, Tensor>;
  /** Raw TensorProto objects for initializers in special storage forms. */
  rawInitializers?: Record<string, unknown>[];
  irVersion?: number;
}

export function tensorProto(name: string, t: Tensor): Record<string, unknown> {
  const bytes = t.type === 'string' ? undefined : new Uint8Array((t.data as Uint8Array).buffer, (t.data as Uint8Array).byteOffset, (t.data as Uint8Array).byteLength);
  return {
    name,
    dims: [...t.dims],
    data_type: onnxDTypeCode(t.type),
    ...(t.type === 'string' ? { string_data: (t.data as string[]).map((s) => new TextEncoder().encode(s)) } : { raw_data: bytes }),
  };
}

function attribute(name: string, value: AttrInput): Record<string, unknown> {
  if (value instanceof Tensor) return { name, type: 4, t: tensorProto('', value) };
  if (typeof value === 'string') return { name, type: 3, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return Number.isInteger(value) ? { name, type: 2, i: value } : { name, type: 1, f: value };
  if ('floats' in value) return { name, type: 6, floats: value.floats };
  if ('float' in value) return { name, type: 1, f: value.float };
  if (value.length > 0 && typeof value[0] === 'string') return { name, type: 8, strings: (value as string[]).map((s) => new TextEncoder().encode(s)) };
  const numbers = value as number[];
  return numbers.every(Number.isInteger) ? { name, type: 7, ints: numbers } : { name, type: 6, floats: numbers };
}

function valueInfo(v: ValueSpec): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: onnxDTypeCode(v.type),
        ...(v.dims ? { shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } : {}),
      },
    },
  };
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const model = {
    ir_version: spec.irVersion ?? 8,
    producer_name: 'weblite-test',
    // Other domains a node uses (com.microsoft for onnxruntime's quantized operators) at version 1.
    opset_import: [{ domain: '', version: spec.opset ?? 13 }, ...[...new Set(spec.nodes.map((n) => n.domain ?? ''))].filter((d) => d !== '' && d !== 'ai.onnx').map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        op_type: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: [
        ...Object.entries(spec.initializers ?? {}).map(([name, t]) => tensorProto(name, t)),
        ...(spec.rawInitializers ?? []),
      ],
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  };
  const message = ModelProto.fromObject(model);
  return ModelProto.encode(message).finish();
}

/** Seeded uniform random float32 tensor in [-1, 1). */
export function randomTensor(dims: number[], seed = 1): Tensor<'float32'> {
  let s = seed >>> 0 || 1;
  const size = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return new Tensor('float32', data, dims);
}
