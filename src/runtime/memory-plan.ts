/**
 * Static memory planning: tensors with known byte sizes and lifetimes [first step, last step] get offsets in one
 * arena so that tensors alive at the same time never overlap. Greedy by size (TFLite's arena planner; arXiv
 * 2001.03288): place the largest tensors first, each at the lowest offset that fits between the already placed
 * tensors whose lifetimes intersect its own.
 */
export interface PlanRequest {
  id: string;
  bytes: number;
  /** Step that writes the tensor first. */
  start: number;
  /** Last step that reads it (≥ start). */
  end: number;
}

export interface MemoryPlan {
  offsets: Map<string, number>;
  /** Arena size in bytes (the peak). */
  size: number;
  /** What the plan would need without any sharing, for reporting. */
  unshared: number;
}

export function planMemory(requests: readonly PlanRequest[], alignment = 64): MemoryPlan {
  const alignUp = (n: number) => Math.ceil(n / alignment) * alignment;
  const order = [...requests].sort((a, b) => b.bytes - a.bytes || a.start - b.start || (a.id < b.id ? -1 : 1));
  const placed: { offset: number; end: number; request: PlanRequest }[] = [];
  const offsets = new Map<string, number>();
  let size = 0;
  let unshared = 0;
  for (const request of order) {
    const bytes = alignUp(request.bytes);
    unshared += bytes;
    const overlapping = placed
      .filter((p) => p.request.start <= request.end && request.start <= p.request.end)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of overlapping) {
      if (offset + bytes <= p.offset) break;
      offset = Math.max(offset, p.end);
    }
    placed.push({ offset, end: offset + bytes, request });
    offsets.set(request.id, offset);
    size = Math.max(size, offset + bytes);
  }
  return { offsets, size, unshared };
}
