/**
 * Intermediate tensors share GPU buffers by lifetime: greedy by size (largest first), each tensor goes into the
 * first existing buffer none of whose tenants is alive at the same time, or a new buffer. Unlike one arena with
 * offsets (src/runtime/memory-plan.ts, which the wasm backend uses), separate buffers let a kernel bind its inputs
 * read-only and its output writable: WebGPU forbids a buffer being both within one dispatch, whatever the ranges.
 */
export interface BufferRequest {
  id: string;
  bytes: number;
  /** First step that writes the tensor (-1: before the first step, as graph inputs). */
  start: number;
  /** Last step that reads it. */
  end: number;
}

export interface BufferAssignment {
  /** Tensor id → index into `sizes`. */
  bufferOf: Map<string, number>;
  /** Byte size of each buffer (its largest tenant). */
  sizes: number[];
}

export function assignBuffers(requests: readonly BufferRequest[]): BufferAssignment {
  const order = [...requests].sort((a, b) => b.bytes - a.bytes || a.start - b.start || (a.id < b.id ? -1 : 1));
  const tenants: BufferRequest[][] = [];
  const sizes: number[] = [];
  const bufferOf = new Map<string, number>();
  for (const request of order) {
    const overlaps = (other: BufferRequest) => other.start <= request.end && request.start <= other.end;
    let index = tenants.findIndex((list) => !list.some(overlaps));
    if (index < 0) {
      index = tenants.length;
      tenants.push([]);
      sizes.push(request.bytes);
    }
    tenants[index]!.push(request);
    bufferOf.set(request.id, index);
  }
  return { bufferOf, sizes };
}
