/** Content-keyed reuse of flatbuffer structures while writing a .wlm (write.ts, tensor-data.ts). */
import type * as flatbuffers from 'flatbuffers';

/**
 * Offsets of structures already written in this build, by content: identical dims, shape vectors and quantization
 * tables are written once and referenced from every tensor that has them (flatbuffers allows shared references;
 * the reader verifies each reference like any other). Quantized graphs repeat the same few shapes and parameters.
 */
export function sharedOffset(builder: flatbuffers.Builder, key: string, make: () => number): number {
  let cache = SHARED.get(builder);
  if (!cache) SHARED.set(builder, (cache = new Map()));
  let offset = cache.get(key);
  if (offset === undefined) cache.set(key, (offset = make()));
  return offset;
}
const SHARED = new WeakMap<flatbuffers.Builder, Map<string, number>>();
