/**
 * The reference backend: runs every node with its plain TypeScript reference (src/ir/reference). Slow by design;
 * it is the truth the wasm and webgpu kernels are tested against, and it runs everywhere.
 */
import { WebliteError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { opTable } from '../../ir/ops.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Backend, CompiledModel, PlacementEntry, ProfileEntry } from '../../runtime/backend.js';

export const referenceBackend: Backend = {
  name: 'reference',
  async probe() {
    return { available: true, reason: 'plain TypeScript, runs everywhere' };
  },
  async compile(graph) {
    return new ReferenceModel(graph);
  },
};

class ReferenceModel implements CompiledModel {
  readonly placement: PlacementEntry[];
  /** For each node, the tensors whose last reader it is (freed after it runs). */
  private readonly lastUse: string[][];

  constructor(private readonly graph: Graph) {
    this.placement = graph.nodes.map((node) => ({ node: node.name, op: node.op, backend: 'reference', kernel: `reference/${node.op}` }));
    const last = new Map<string, number>();
    graph.nodes.forEach((node, i) => node.inputs.forEach((name) => name && last.set(name, i)));
    this.lastUse = graph.nodes.map(() => []);
    for (const [name, i] of last) this.lastUse[i]!.push(name);
  }

  private times: Float64Array | undefined;
  private runs = 0;

  setProfiling(on: boolean): void {
    this.times = on ? new Float64Array(this.graph.nodes.length) : this.times;
    if (on) this.runs = 0;
  }

  takeProfile(): ProfileEntry[] {
    const times = this.times;
    this.times = undefined;
    if (!times) return [];
    return this.placement.map((p, i) => ({ node: p.node, op: p.op, kernel: p.kernel, runs: this.runs, totalMs: times[i]! }));
  }

  async run(feeds: Map<string, Tensor>, outputs: readonly string[]): Promise<Map<string, Tensor>> {
    const times = this.times;
    if (times) this.runs++;
    const values = new Map<string, Tensor>(feeds);
    const wanted = new Set(outputs);
    const lookup = (name: string): Tensor | undefined => {
      if (name === '') return undefined;
      const value = values.get(name) ?? this.graph.constant(name);
      if (!value) throw new WebliteError('RUNTIME_ERROR', `tensor '${name}' has no value`);
      return value;
    };
    this.graph.nodes.forEach((node, index) => {
      const inputs = node.inputs.map(lookup);
      const started = times ? performance.now() : 0;
      let results: Tensor[];
      try {
        results = opTable[node.op].reference(inputs, node.attrs, { outputCount: node.outputs.length, nodeName: node.name });
      } catch (error) {
        if (error instanceof WebliteError) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new WebliteError('RUNTIME_ERROR', `node '${node.name}' (${node.op}) failed: ${reason}`, { cause: error });
      }
      if (times) times[index]! += performance.now() - started;
      node.outputs.forEach((name, i) => {
        if (name !== '' && results[i]) values.set(name, results[i]!);
      });
      for (const name of this.lastUse[index]!) if (!wanted.has(name) && !feeds.has(name)) values.delete(name);
    });
    const result = new Map<string, Tensor>();
    for (const name of outputs) result.set(name, lookup(name)!);
    return result;
  }

  release(): void {}
}
