/**
 * Packing a kernel's `Params` uniform struct, and sizing 1-D grids. The WGSL structs use only 32-bit scalars and
 * vec4s (Dims/Strides are two vec4s); the writer applies WGSL's alignment rules for exactly those: scalars at 4
 * bytes, vec4 at 16, struct size a multiple of 16.
 */
import { WebliteError } from '../../errors.js';

export class Uniforms {
  private readonly view: DataView;
  private offset = 0;

  constructor(maxBytes = 256) {
    this.view = new DataView(new ArrayBuffer(maxBytes));
  }

  u32(...values: number[]): this {
    for (const value of values) this.put(4, (at) => this.view.setUint32(at, value, true));
    return this;
  }

  i32(...values: number[]): this {
    for (const value of values) this.put(4, (at) => this.view.setInt32(at, value, true));
    return this;
  }

  f32(...values: number[]): this {
    for (const value of values) this.put(4, (at) => this.view.setFloat32(at, value, true));
    return this;
  }

  /** A vec4<u32> (missing lanes 0). */
  vec4u(values: readonly number[], fill = 0): this {
    this.align(16);
    for (let i = 0; i < 4; i++) this.u32(values[i] ?? fill);
    return this;
  }

  /** `Dims` of common/indexing.wgsl: up to 8 sizes (missing axes 1). */
  dims(values: readonly number[]): this {
    this.checkRank(values);
    return this.vec4u(values.slice(0, 4), 1).vec4u(values.slice(4, 8), 1);
  }

  /** `Strides` of common/indexing.wgsl: up to 8 signed strides (missing axes 0). */
  strides(values: readonly number[]): this {
    this.checkRank(values);
    this.align(16);
    for (let i = 0; i < 8; i++) this.i32(values[i] ?? 0);
    return this;
  }

  /** The packed struct (size rounded up to 16 bytes). */
  bytes(): Uint8Array<ArrayBuffer> {
    this.align(16);
    return new Uint8Array(this.view.buffer as ArrayBuffer, 0, this.offset);
  }

  private checkRank(values: readonly number[]): void {
    if (values.length > 8) throw new WebliteError('RUNTIME_ERROR', `webgpu: rank ${values.length} is above the kernels' 8 axes`);
  }

  private align(to: number): void {
    while (this.offset % to !== 0) this.u32(0);
  }

  private put(bytes: number, write: (at: number) => void): void {
    if (this.offset + bytes > this.view.byteLength) throw new WebliteError('RUNTIME_ERROR', 'webgpu: uniform block overflow');
    write(this.offset);
    this.offset += bytes;
  }
}

/** WebGPU's limit on workgroups per grid dimension (maxComputeWorkgroupsPerDimension default). */
export const MAX_GROUPS_PER_DIMENSION = 65535;

/** A grid of ⌈count / workgroupSize⌉ workgroups spread over x and y (common/dispatch.wgsl flat_position). */
export function linearGrid(count: number, workgroupSize = 64): [number, number, number] {
  const groups = Math.max(1, Math.ceil(count / workgroupSize));
  const x = Math.min(groups, MAX_GROUPS_PER_DIMENSION);
  const y = Math.ceil(groups / x);
  if (y > MAX_GROUPS_PER_DIMENSION) throw new WebliteError('OUT_OF_MEMORY', `webgpu: ${count} elements exceed one dispatch`);
  return [x, y, 1];
}
