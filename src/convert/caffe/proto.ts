/**
 * Reading Caffe's two files: deploy.prototxt (protobuf text, our own parser) and .caffemodel (binary protobuf,
 * protobufjs). From the binary file only the weights are taken — blobs by layer name, from either layer form — since
 * a .caffemodel usually holds the training net (data and loss layers) while the prototxt holds the deploy net.
 */
import protobuf from 'protobufjs/light.js';
import { WebliteError } from '../../errors.js';
import { Tensor, limits, sizeOf } from '../../ir/tensor.js';
import { caffeDescriptor } from './caffe-descriptor.js';
import type { BlobProto, NetParameter } from './messages.js';
import { parseTextFormat } from './text-format.js';

let root: protobuf.Root | undefined;

/** A message type of the Caffe schema, e.g. `caffeType('NetParameter')`. */
export function caffeType(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(caffeDescriptor as protobuf.INamespace);
  return root.lookupType(`caffe.${name}`);
}

export function parseNetText(text: string, fileName: string): NetParameter {
  return parseTextFormat<NetParameter>(text, caffeType('NetParameter'), fileName);
}

/** protobufjs gives int64 as Long objects when the `long` package is present, else as numbers. */
type Int64 = number | { toNumber(): number };
const int64 = (value: Int64): number => (typeof value === 'number' ? value : value.toNumber());

interface DecodedBlob {
  shape?: { dim?: Int64[] } | null;
  data?: number[];
  double_data?: number[];
  num?: number;
  channels?: number;
  height?: number;
  width?: number;
}
interface DecodedLayer {
  name?: string;
  blobs?: DecodedBlob[];
}
interface DecodedNet {
  layer?: DecodedLayer[];
  layers?: DecodedLayer[];
}

/** Blobs by layer name from a binary .caffemodel (a later layer of the same name wins, as in Caffe). */
export function decodeWeights(bytes: Uint8Array, fileName: string): Map<string, BlobProto[]> {
  let net: DecodedNet;
  try {
    net = caffeType('WeightsNetParameter').decode(bytes) as unknown as DecodedNet;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebliteError('BAD_MODEL', `${fileName}: not a valid Caffe NetParameter (${reason})`, { cause: error });
  }
  const weights = new Map<string, BlobProto[]>();
  for (const layer of [...(net.layers ?? []), ...(net.layer ?? [])]) {
    if (!layer.name || !layer.blobs || layer.blobs.length === 0) continue;
    weights.set(layer.name, layer.blobs.map(plainBlob));
  }
  return weights;
}

function plainBlob(blob: DecodedBlob): BlobProto {
  const plain: BlobProto = {
    data: blob.data ?? [],
    double_data: blob.double_data ?? [],
    num: blob.num ?? 0,
    channels: blob.channels ?? 0,
    height: blob.height ?? 0,
    width: blob.width ?? 0,
  };
  if (blob.shape) plain.shape = { dim: (blob.shape.dim ?? []).map(int64) };
  return plain;
}

/**
 * A blob as a float32 tensor. Dims come from `shape`, or from the legacy num/channels/height/width (always 4-D
 * there: a legacy InnerProduct weight is 1×1×N×K). Callers reshape to the form their op needs.
 */
export function blobToTensor(blob: BlobProto, where: string): Tensor<'float32'> {
  const legacy = [blob.num ?? 0, blob.channels ?? 0, blob.height ?? 0, blob.width ?? 0];
  const dims = blob.shape ? blob.shape.dim ?? [] : legacy.some((d) => d > 0) ? legacy : [];
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new WebliteError('BAD_MODEL', `${where}: blob dims [${dims}] are invalid`);
  const count = sizeOf(dims);
  if (count > limits.maxElements) {
    throw new WebliteError('OUT_OF_MEMORY', `${where}: blob of [${dims}] has ${count} elements, above the limit ${limits.maxElements}`);
  }
  const single = blob.data ?? [];
  const double = blob.double_data ?? [];
  const values = single.length > 0 ? single : double;
  if (values.length !== count) {
    throw new WebliteError('BAD_MODEL', `${where}: blob of shape [${dims}] needs ${count} values, has ${values.length}`);
  }
  return new Tensor('float32', Float32Array.from(values), dims);
}
