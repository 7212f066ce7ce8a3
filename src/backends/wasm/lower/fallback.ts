/**
 * The long tail: a node without a wasm kernel runs its TypeScript reference on values read from (and written back
 * to) the backend's memory. Placement reports it as backend 'cpu', kernel 'reference/<Op>'.
 */
import { WebliteError } from '../../../errors.js';
import { opTable } from '../../../ir/ops.js';
import type { Lowering } from '../lowering.js';

export const fallbackLowering: Lowering = {
  name: 'reference',
  requires: [],
  layout: 'nchw',
  supports: () => true,
  build(node, ctx) {
    const spec = opTable[node.op];
    const refContext = { outputCount: node.outputs.length, nodeName: node.name };
    return {
      kernel: `reference/${node.op}`,
      run() {
        const inputs = node.inputs.map((name) => (name === '' ? undefined : ctx.read(name)));
        let outputs;
        try {
          outputs = spec.reference(inputs, node.attrs, refContext);
        } catch (error) {
          if (error instanceof WebliteError) throw error;
          throw new WebliteError('RUNTIME_ERROR', `node '${node.name}' (${node.op}) failed: ${(error as Error).message}`, { cause: error });
        }
        node.outputs.forEach((name, i) => {
          if (name !== '' && outputs[i]) ctx.write(name, outputs[i]!);
        });
      },
    };
  },
};
