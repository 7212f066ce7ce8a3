/**
 * Builtin options as converters read them: an absent options table reads like a table with every field absent,
 * i.e. the schema's defaults. Field ids are listed next to each converter, in schema order.
 */
import type { Table } from './flatbuffer.js';

export class Options {
  constructor(private readonly table: Table | undefined) {}

  int8(id: number, name: string, fallback = 0): number {
    return this.table ? this.table.int8(id, name, fallback) : fallback;
  }

  bool(id: number, name: string, fallback = false): boolean {
    return this.table ? this.table.bool(id, name, fallback) : fallback;
  }

  int32(id: number, name: string, fallback = 0): number {
    return this.table ? this.table.int32(id, name, fallback) : fallback;
  }

  float32(id: number, name: string, fallback = 0): number {
    return this.table ? this.table.float32(id, name, fallback) : fallback;
  }

  int32s(id: number, name: string): number[] | undefined {
    return this.table?.int32s(id, name);
  }
}
