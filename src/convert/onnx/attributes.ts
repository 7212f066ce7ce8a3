/** ONNX AttributeProto → IR attribute values. */
import { WebliteError } from '../../errors.js';
import type { AttrValue } from '../../ir/graph.js';
import { type AttributeProto, int64ToNumber } from './proto.js';
import { type ExternalFiles, tensorFromProto } from './tensor.js';

const decoder = new TextDecoder();

/** Which ONNX attribute type a proto carries (old exporters leave `type` unset). */
function attributeType(attr: AttributeProto): number {
  if (attr.type) return attr.type;
  if (attr.t) return 4;
  if (attr.g) return 5;
  if (attr.floats?.length) return 6;
  if (attr.ints?.length) return 7;
  if (attr.strings?.length) return 8;
  if (attr.s?.length) return 3;
  if (attr.i !== undefined && int64ToNumber(attr.i) !== 0) return 2;
  if (attr.f !== undefined && attr.f !== 0) return 1;
  return 2;
}

export function convertAttribute(attr: AttributeProto, where: string, files: ExternalFiles): AttrValue {
  const type = attributeType(attr);
  switch (type) {
    case 1:
      return attr.f ?? 0;
    case 2:
      return int64ToNumber(attr.i);
    case 3:
      return decoder.decode(attr.s ?? new Uint8Array());
    case 4:
      return tensorFromProto(attr.t!, `${where} attribute '${attr.name}'`, files);
    case 6:
      return [...(attr.floats ?? [])];
    case 7:
      return (attr.ints ?? []).map((v) => int64ToNumber(v));
    case 8:
      return (attr.strings ?? []).map((s) => decoder.decode(s));
    default: {
      const names: Record<number, string> = { 5: 'GRAPH', 9: 'TENSORS', 10: 'GRAPHS', 11: 'SPARSE_TENSOR', 12: 'SPARSE_TENSORS', 13: 'TYPE_PROTO', 14: 'TYPE_PROTOS' };
      throw new WebliteError('UNSUPPORTED_OP', `${where}: attribute '${attr.name}' of type ${names[type] ?? type} is not supported`);
    }
  }
}
