/**
 * QuantizeLinear / DequantizeLinear (per-tensor and per-axis) on kernels-wgsl/quantize/f32-quantize-linear.wgsl and
 * f32-dequantize-linear.wgsl. Quantized tensors (int8/uint8/int16/uint16) stay on the GPU as i32 words and every
 * other kernel computes in f32, so a quantized (QDQ) model runs in f32 on the GPU: the placement's kernel name says
 * so. float16 scales or inputs, int32 DequantizeLinear inputs (beyond f32's exact integers) and blocked
 * quantization stay on the CPU reference.
 */
import type { DType } from '../../../ir/dtype.js';
import type { Graph, Node } from '../../../ir/graph.js';
import { QUANTIZED_RANGES } from '../../../ir/reference/quantize.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, isGpuTensor, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const QUANTIZE_KERNEL = 'quantize/f32-quantize-linear.wgsl';
export const DEQUANTIZE_KERNEL = 'quantize/f32-dequantize-linear.wgsl';
const NOTE = '(int values held as i32; f32 math on the GPU)';

const SMALL_INTEGERS: readonly DType[] = ['int8', 'uint8', 'int16', 'uint16'];

function parts(node: Node, graph: Graph) {
  if (node.op !== 'QuantizeLinear' && node.op !== 'DequantizeLinear') return undefined;
  if (node.attrs.block_size !== undefined && node.attrs.block_size !== 0) return undefined;
  const [x, scale, zeroPoint] = node.inputs;
  const y = node.outputs[0]!;
  const type = (name: string | undefined) => (name ? graph.tensors.get(name)?.type : undefined);
  const quantized = node.op === 'QuantizeLinear' ? type(y) : type(x);
  const real = node.op === 'QuantizeLinear' ? type(x) : type(y);
  if (!quantized || !SMALL_INTEGERS.includes(quantized) || real !== 'float32' || type(scale) !== 'float32') return undefined;
  if (zeroPoint && type(zeroPoint) !== quantized) return undefined;
  if (![x, scale, y, ...(zeroPoint ? [zeroPoint] : [])].every((name) => isGpuTensor(graph, name))) return undefined;
  const dims = staticDims(graph, x!)!;
  const scaleDims = staticDims(graph, scale!)!;
  const count = sizeOf(scaleDims);
  if (scaleDims.length > 1 || (zeroPoint && sizeOf(staticDims(graph, zeroPoint)!) !== count)) return undefined;
  let inner = 1;
  if (count > 1) {
    const given = (node.attrs.axis as number | undefined) ?? 1;
    const axis = given < 0 ? given + dims.length : given;
    if (!(axis >= 0 && axis < dims.length) || dims[axis] !== count) return undefined;
    inner = sizeOf(dims.slice(axis + 1));
  }
  return { x: x!, scale: scale!, zeroPoint: zeroPoint || undefined, y, count, inner, range: QUANTIZED_RANGES[quantized]!, quantized };
}

export const quantizeLowering: Lowering = {
  name: 'quantize',
  supports: (node, graph) => parts(node, graph) !== undefined,
  build(node, ctx) {
    const p = parts(node, ctx.graph)!;
    const size = sizeOf(ctx.dims(p.x));
    const quantize = node.op === 'QuantizeLinear';
    const file = quantize ? QUANTIZE_KERNEL : DEQUANTIZE_KERNEL;
    const constants: Record<string, number> = quantize ? { LOW: p.range[0], HIGH: p.range[1] } : {};
    return {
      kind: 'gpu',
      kernel: `${file} ${NOTE.replace('int', p.quantized)}`,
      dispatches: [{
        shader: { file, flags: p.zeroPoint ? ['HAS_ZERO_POINT'] : [], constants },
        uniforms: new Uniforms().u32(size, p.inner, p.count, 0),
        bindings: [p.x, p.scale, p.zeroPoint, p.y],
        grid: linearGrid(size),
      }],
    };
  },
};
