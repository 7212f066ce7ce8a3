/** Runs a model on onnxruntime-node (the reference runtime for ONNX models) with weblite tensors. */
import * as ort from 'onnxruntime-node';
import { Tensor } from '../../src/ir/tensor.js';

export async function runOrt(model: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(model);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, [...t.dims]);
  const results = await session.run(ortFeeds);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(results)) out[name] = new Tensor(t.type as Tensor['type'], t.data as Tensor['data'], [...t.dims]);
  await session.release();
  return out;
}

/** max |a − b| over two float tensors of the same size. */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let m = 0;
  for (let i = 0; i < y.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}
