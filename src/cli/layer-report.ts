/** The per-layer table `weblite convert --int8` prints: where quantization loses accuracy. */
import type { Graph } from '../ir/graph.js';
import type { CalibrationSample } from '../passes/quantize/calibrate.js';
import { compareLayers } from '../passes/quantize/layer-report.js';

/** Layers below this cosine similarity are flagged. */
const WARN_BELOW = 0.99;

export function printLayerReport(float: Graph, quantized: Graph, samples: CalibrationSample[]): void {
  const layers = compareLayers(float, quantized, samples);
  if (layers.length === 0) return;
  const width = Math.min(48, Math.max(...layers.map((layer) => layer.name.length)));
  console.log(`per-layer cosine similarity to float32 (${samples.length} calibration sample${samples.length === 1 ? '' : 's'}; storage; all samples; worst sample; max error / max |float|):`);
  for (const layer of layers) {
    const name = layer.name.length > width ? `…${layer.name.slice(layer.name.length - width + 1)}` : layer.name.padEnd(width);
    const flag = layer.cosine < WARN_BELOW ? '  ◀' : '';
    const storage = (layer.storage ?? 'float').padEnd(6);
    console.log(`  ${name}  ${layer.op.padEnd(17)} ${storage} ${layer.cosine.toFixed(5)}  ${layer.worstCosine.toFixed(5)}  ${layer.relativeError.toFixed(4)}${flag}`);
  }
  const worst = layers.reduce((a, b) => (b.cosine < a.cosine ? b : a));
  console.log(`  lowest: ${worst.name} (${worst.op}) ${worst.cosine.toFixed(5)}`);
}
