/**
 * Mutation fuzzing of the .wlm reader: every mutated file must either parse into a Graph or be refused
 * with a WebliteError (never a TypeError/RangeError, a hang or a huge allocation), each within 5 s.
 * Deterministic: case i of seed graph g uses PRNG seed BASE_SEED + i, so a failure replays exactly.
 */
import { describe, expect, it } from 'vitest';
import * as flatbuffers from 'flatbuffers';
import * as fb from '../../src/format/generated/weblite_generated.js';
import { isWebliteError } from '../../src/errors.js';
import { Graph } from '../../src/ir/graph.js';
import { readWlm } from '../../src/ir/wlm/read.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { smallGraphs } from '../format/wlm-samples.js';
import { SeededRandom, mutate } from './mutate.js';

const CASES_PER_GRAPH = 100;
const BASE_SEED = 0x5eed;
const TIME_LIMIT_MS = 5000;

describe('.wlm reader under mutation', () => {
  it(`returns a Graph or throws WebliteError for ${CASES_PER_GRAPH} mutations of each seed graph`, () => {
    const tally = new Map<string, number>();
    const failures: string[] = [];
    let total = 0;
    for (const [graphName, graph] of Object.entries(smallGraphs())) {
      const original = writeWlm(graph);
      // Aim most mutations at the flatbuffer (offsets, lengths, enums) rather than raw weights.
      const hotLength = Number(fb.Model.getRootAsModel(new flatbuffers.ByteBuffer(original)).dataOffset());
      for (let i = 0; i < CASES_PER_GRAPH; i++) {
        const seed = BASE_SEED + i;
        const { bytes, applied } = mutate(original, new SeededRandom(seed), { hotLength });
        const started = performance.now();
        let outcome: string;
        try {
          outcome = readWlm(bytes, `${graphName}#${seed}.wlm`) instanceof Graph ? 'graph' : 'not a Graph';
        } catch (error) {
          outcome = isWebliteError(error) ? error.code : `${(error as Error)?.name ?? typeof error}`;
          if (!isWebliteError(error)) failures.push(`${graphName} seed ${seed} [${applied.join('; ')}]: ${String(error)}`);
        }
        const elapsed = performance.now() - started;
        if (elapsed > TIME_LIMIT_MS) failures.push(`${graphName} seed ${seed}: took ${elapsed.toFixed(0)} ms`);
        tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
        total++;
      }
    }
    console.log(`wlm fuzz: ${total} mutated files →`, Object.fromEntries([...tally].sort()));
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(300);
    expect(tally.get('not a Graph') ?? 0).toBe(0);
  });

  it('mutations are reproducible from the seed', () => {
    const original = writeWlm(smallGraphs().conv!);
    const first = mutate(original, new SeededRandom(42));
    const second = mutate(original, new SeededRandom(42));
    expect(second.bytes).toEqual(first.bytes);
    expect(second.applied).toEqual(first.applied);
  });
});
