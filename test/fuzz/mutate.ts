/**
 * A seeded byte-level mutator for fuzzing model parsers (.wlm now, .onnx later). The same seed always
 * gives the same mutations, so a failing case can be replayed from its seed alone.
 *
 * Mutations aim at what breaks binary parsers: truncation, bit flips, 4-byte integers overwritten with
 * 0 / 0x7fffffff / 0xffffffff (offsets and lengths in flatbuffers and protobuf are 32-bit), and duplicated
 * or deleted chunks (shifting everything after them).
 */

/** mulberry32: a small, fast 32-bit PRNG; good enough for fuzzing, not for cryptography. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, bound); 0 when bound ≤ 0. */
  below(bound: number): number {
    return bound <= 0 ? 0 : Math.floor(this.next() * bound);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.below(items.length)]!;
  }
}

export const MUTATION_KINDS = ['truncate', 'flipBits', 'overwriteInt', 'duplicateChunk', 'deleteChunk'] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface MutationOptions {
  /** Mutations applied one after another (default: 1 to 3, chosen by the PRNG). */
  rounds?: number;
  /** Restrict to these kinds (default: all). */
  kinds?: readonly MutationKind[];
  /**
   * Bytes [0, hotLength) get most of the position-based mutations (e.g. the flatbuffer part of a .wlm,
   * where offsets live, rather than its raw weights). Default: the whole input.
   */
  hotLength?: number;
}

export interface Mutated {
  bytes: Uint8Array;
  /** Human-readable list of what was done, for failure messages. */
  applied: string[];
}

const INT_VALUES = [0, 0x7fffffff, 0xffffffff] as const;

/** A mutated copy of `input`; `input` itself is never modified. */
export function mutate(input: Uint8Array, random: SeededRandom, options: MutationOptions = {}): Mutated {
  let bytes: Uint8Array = input.slice();
  const applied: string[] = [];
  const rounds = options.rounds ?? 1 + random.below(3);
  const kinds = options.kinds ?? MUTATION_KINDS;
  for (let round = 0; round < rounds; round++) {
    const hotLength = Math.min(options.hotLength ?? bytes.length, bytes.length);
    // 80% of positions fall in the hot region, the rest anywhere.
    const position = (): number => (random.next() < 0.8 ? random.below(hotLength) : random.below(bytes.length));
    const kind = random.pick(kinds);
    switch (kind) {
      case 'truncate': {
        const length = random.below(bytes.length);
        bytes = bytes.slice(0, length);
        applied.push(`truncate to ${length}`);
        break;
      }
      case 'flipBits': {
        const flips = 1 + random.below(4);
        for (let i = 0; i < flips && bytes.length > 0; i++) {
          const at = position();
          const bit = random.below(8);
          bytes[at]! ^= 1 << bit;
          applied.push(`flip bit ${bit} of byte ${at}`);
        }
        break;
      }
      case 'overwriteInt': {
        if (bytes.length < 4) break;
        // Mostly 4-byte aligned positions, where offsets and lengths actually sit.
        let at = Math.min(position(), bytes.length - 4);
        if (random.next() < 0.75) at -= at % 4;
        const value = random.pick(INT_VALUES);
        new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, value, true);
        applied.push(`write 0x${value.toString(16)} at byte ${at}`);
        break;
      }
      case 'duplicateChunk': {
        const start = position();
        const length = 1 + random.below(Math.min(64, bytes.length - start));
        const insertAt = position();
        const chunk = bytes.slice(start, start + length);
        bytes = concat(bytes.subarray(0, insertAt), chunk, bytes.subarray(insertAt));
        applied.push(`duplicate [${start}, ${start + length}) at ${insertAt}`);
        break;
      }
      case 'deleteChunk': {
        const start = position();
        const length = 1 + random.below(Math.min(64, bytes.length - start));
        bytes = concat(bytes.subarray(0, start), bytes.subarray(start + length));
        applied.push(`delete [${start}, ${start + length})`);
        break;
      }
    }
  }
  return { bytes, applied };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
