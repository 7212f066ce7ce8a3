/**
 * The WGSL sources (kernels-wgsl/, imported as text), their one variant mechanism, and the pipeline cache.
 *
 * Specialisation has two levels:
 *   - override constants (`override ACTIVATION: u32`), set per pipeline: everything that only changes values
 *     (activation kind and parameters, operator codes, kernel sizes the compiler may unroll);
 *   - variant flags, for what changes a kernel's bindings (an optional bias or residual buffer). A kernel marks
 *     such lines with comment directives, so every file stays plain WGSL to editors:
 *         // #include common/math.wgsl     the file's text, once per shader
 *         // #if HAS_BIAS  /  // #if !HAS_BIAS  /  // #else  /  // #endif     kept when the flag is set (nestable)
 *   - the flag F16 selects f16 storage in kernels that include common/precision.wgsl (`supportsF16`), and puts
 *     `enable f16;` first in the module; F16_EMULATED marks the same plan with f32 storage (tests, precision.ts).
 * A pipeline is identified by (file, flags, constants); each distinct one is compiled once per device with
 * createComputePipelineAsync, and all of a plan's pipelines compile in parallel.
 */
import { WebliteError } from '../../errors.js';
import type { GpuDevice } from './device.js';
import activation from '../../../kernels-wgsl/common/activation.wgsl?raw';
import dispatch from '../../../kernels-wgsl/common/dispatch.wgsl?raw';
import indexing from '../../../kernels-wgsl/common/indexing.wgsl?raw';
import math from '../../../kernels-wgsl/common/math.wgsl?raw';
import precision from '../../../kernels-wgsl/common/precision.wgsl?raw';
import workgroupReduce from '../../../kernels-wgsl/common/workgroup-reduce.wgsl?raw';
import conv2dIgemm from '../../../kernels-wgsl/conv/f32-conv2d-igemm-minmax-4x4-tiled.wgsl?raw';
import conv3d from '../../../kernels-wgsl/conv/f32-conv3d-minmax-direct.wgsl?raw';
import convTranspose from '../../../kernels-wgsl/conv/f32-conv-transpose-minmax-direct.wgsl?raw';
import dwconv2d from '../../../kernels-wgsl/conv/f32-dwconv2d-minmax-direct.wgsl?raw';
import binary from '../../../kernels-wgsl/elementwise/f32-binary-broadcast.wgsl?raw';
import unary from '../../../kernels-wgsl/elementwise/f32-unary.wgsl?raw';
import integerBinary from '../../../kernels-wgsl/elementwise/i32-binary-broadcast.wgsl?raw';
import cast from '../../../kernels-wgsl/elementwise/x32-cast.wgsl?raw';
import convertF16 from '../../../kernels-wgsl/elementwise/f32-f16-convert.wgsl?raw';
import compare from '../../../kernels-wgsl/elementwise/x32-compare-broadcast.wgsl?raw';
import predicate from '../../../kernels-wgsl/elementwise/x32-predicate.wgsl?raw';
import where from '../../../kernels-wgsl/elementwise/x32-where-broadcast.wgsl?raw';
import gemm from '../../../kernels-wgsl/gemm/f32-gemm-minmax-4x4-tiled.wgsl?raw';
import gemmTile from '../../../kernels-wgsl/gemm/gemm-tile.wgsl?raw';
import concat4 from '../../../kernels-wgsl/movement/x32-concat-4.wgsl?raw';
import split4 from '../../../kernels-wgsl/movement/x32-split-4.wgsl?raw';
import copyStrided from '../../../kernels-wgsl/movement/x32-copy-strided.wgsl?raw';
import gatherElements from '../../../kernels-wgsl/movement/x32-gather-elements.wgsl?raw';
import gather from '../../../kernels-wgsl/movement/x32-gather.wgsl?raw';
import gatherND from '../../../kernels-wgsl/movement/x32-gather-nd.wgsl?raw';
import scatter from '../../../kernels-wgsl/movement/x32-scatter-search.wgsl?raw';
import pad from '../../../kernels-wgsl/movement/x32-pad.wgsl?raw';
import trilu from '../../../kernels-wgsl/movement/x32-trilu-direct.wgsl?raw';
import transpose16x16 from '../../../kernels-wgsl/movement/x32-transpose-16x16-tiled.wgsl?raw';
import instanceNorm from '../../../kernels-wgsl/normalization/f32-instancenorm-workgroup.wgsl?raw';
import layernorm from '../../../kernels-wgsl/normalization/f32-layernorm-workgroup.wgsl?raw';
import lrn from '../../../kernels-wgsl/normalization/f32-lrn-direct.wgsl?raw';
import softmax from '../../../kernels-wgsl/normalization/f32-softmax-workgroup.wgsl?raw';
import globalPool from '../../../kernels-wgsl/pool/f32-global-pool-workgroup.wgsl?raw';
import pool3d from '../../../kernels-wgsl/pool/f32-pool3d-direct.wgsl?raw';
import argExtreme from '../../../kernels-wgsl/reduce/f32-argextreme-workgroup.wgsl?raw';
import cumsum from '../../../kernels-wgsl/reduce/f32-cumsum-direct.wgsl?raw';
import hardmax from '../../../kernels-wgsl/reduce/f32-hardmax-direct.wgsl?raw';
import dequantize from '../../../kernels-wgsl/quantize/f32-dequantize-linear.wgsl?raw';
import quantize from '../../../kernels-wgsl/quantize/f32-quantize-linear.wgsl?raw';
import reduce from '../../../kernels-wgsl/reduce/f32-reduce-workgroup.wgsl?raw';
import topk from '../../../kernels-wgsl/reduce/x32-topk-rank.wgsl?raw';
import resize2d from '../../../kernels-wgsl/resize/f32-resize-2d-taps.wgsl?raw';

/** Every WGSL file, by its path under kernels-wgsl/. */
export const WGSL_SOURCES: Readonly<Record<string, string>> = {
  'common/activation.wgsl': activation,
  'common/dispatch.wgsl': dispatch,
  'common/indexing.wgsl': indexing,
  'common/math.wgsl': math,
  'common/precision.wgsl': precision,
  'common/workgroup-reduce.wgsl': workgroupReduce,
  'conv/f32-conv2d-igemm-minmax-4x4-tiled.wgsl': conv2dIgemm,
  'conv/f32-conv3d-minmax-direct.wgsl': conv3d,
  'conv/f32-conv-transpose-minmax-direct.wgsl': convTranspose,
  'conv/f32-dwconv2d-minmax-direct.wgsl': dwconv2d,
  'elementwise/f32-binary-broadcast.wgsl': binary,
  'elementwise/f32-f16-convert.wgsl': convertF16,
  'elementwise/f32-unary.wgsl': unary,
  'elementwise/i32-binary-broadcast.wgsl': integerBinary,
  'elementwise/x32-cast.wgsl': cast,
  'elementwise/x32-compare-broadcast.wgsl': compare,
  'elementwise/x32-predicate.wgsl': predicate,
  'elementwise/x32-where-broadcast.wgsl': where,
  'gemm/f32-gemm-minmax-4x4-tiled.wgsl': gemm,
  'gemm/gemm-tile.wgsl': gemmTile,
  'movement/x32-concat-4.wgsl': concat4,
  'movement/x32-copy-strided.wgsl': copyStrided,
  'movement/x32-gather-elements.wgsl': gatherElements,
  'movement/x32-gather.wgsl': gather,
  'movement/x32-gather-nd.wgsl': gatherND,
  'movement/x32-scatter-search.wgsl': scatter,
  'movement/x32-pad.wgsl': pad,
  'movement/x32-split-4.wgsl': split4,
  'movement/x32-trilu-direct.wgsl': trilu,
  'movement/x32-transpose-16x16-tiled.wgsl': transpose16x16,
  'normalization/f32-instancenorm-workgroup.wgsl': instanceNorm,
  'normalization/f32-layernorm-workgroup.wgsl': layernorm,
  'normalization/f32-lrn-direct.wgsl': lrn,
  'normalization/f32-softmax-workgroup.wgsl': softmax,
  'pool/f32-global-pool-workgroup.wgsl': globalPool,
  'pool/f32-pool3d-direct.wgsl': pool3d,
  'quantize/f32-dequantize-linear.wgsl': dequantize,
  'quantize/f32-quantize-linear.wgsl': quantize,
  'reduce/f32-argextreme-workgroup.wgsl': argExtreme,
  'reduce/f32-cumsum-direct.wgsl': cumsum,
  'reduce/f32-hardmax-direct.wgsl': hardmax,
  'reduce/f32-reduce-workgroup.wgsl': reduce,
  'reduce/x32-topk-rank.wgsl': topk,
  'resize/f32-resize-2d-taps.wgsl': resize2d,
};

export interface ShaderKey {
  /** Path under kernels-wgsl/. */
  file: string;
  /** Variant flags (`// #if NAME`). */
  flags?: readonly string[];
  /** Override constants; booleans become 0/1. */
  constants?: Readonly<Record<string, number | boolean>>;
}

const DIRECTIVE = /^\s*\/\/\s*#(include|if|else|endif)\b\s*(\S*)\s*$/;

/** The kernel's text with includes expanded and variant blocks resolved. */
export function shaderSource(file: string, flags: readonly string[] = []): string {
  const set = new Set(flags);
  const included = new Set<string>();
  const expand = (path: string): string[] => {
    const source = WGSL_SOURCES[path];
    if (source === undefined) throw new WebliteError('RUNTIME_ERROR', `webgpu: no WGSL source '${path}'`);
    included.add(path);
    const out: string[] = [];
    // Each entry: is this block kept, and was its #if branch taken (for #else)?
    const stack: { keep: boolean; taken: boolean }[] = [];
    const keeping = () => stack.every((level) => level.keep);
    for (const line of source.split('\n')) {
      const match = DIRECTIVE.exec(line);
      if (!match) {
        if (keeping()) out.push(line);
        continue;
      }
      const [, directive, argument] = match as unknown as [string, string, string];
      if (directive === 'include') {
        if (keeping() && !included.has(argument)) out.push(...expand(argument));
      } else if (directive === 'if') {
        const wanted = argument.startsWith('!') ? !set.has(argument.slice(1)) : set.has(argument);
        stack.push({ keep: wanted, taken: wanted });
      } else if (directive === 'else') {
        const level = stack[stack.length - 1];
        if (!level) throw new WebliteError('RUNTIME_ERROR', `webgpu: ${path}: #else without #if`);
        level.keep = !level.taken;
      } else {
        if (!stack.pop()) throw new WebliteError('RUNTIME_ERROR', `webgpu: ${path}: #endif without #if`);
      }
    }
    if (stack.length) throw new WebliteError('RUNTIME_ERROR', `webgpu: ${path}: unterminated #if`);
    return out;
  };
  const text = expand(file).join('\n');
  return set.has('F16') ? `enable f16;\n${text}` : text;
}

/** Whether a kernel has the F16 variant: it includes common/precision.wgsl itself. */
export function supportsF16(file: string): boolean {
  return /^\s*\/\/\s*#include\s+common\/precision\.wgsl\s*$/m.test(WGSL_SOURCES[file] ?? '');
}

export function shaderKeyString(key: ShaderKey): string {
  const flags = [...(key.flags ?? [])].sort().join(',');
  const constants = Object.entries(key.constants ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${Number(value)}`)
    .join(',');
  return `${key.file}|${flags}|${constants}`;
}

/** Pipelines of one device, compiled once per ShaderKey. */
export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(private readonly gpu: GpuDevice) {}

  /** Whether `file` has the F16 variant (see `supportsF16`). */
  supportsF16(file: string): boolean {
    return supportsF16(file);
  }

  get(key: ShaderKey): Promise<GPUComputePipeline> {
    const id = shaderKeyString(key);
    let pipeline = this.pipelines.get(id);
    if (!pipeline) {
      pipeline = this.compile(key);
      this.pipelines.set(id, pipeline);
    }
    return pipeline;
  }

  private async compile(key: ShaderKey): Promise<GPUComputePipeline> {
    const moduleId = `${key.file}|${[...(key.flags ?? [])].sort().join(',')}`;
    let module = this.modules.get(moduleId);
    if (!module) {
      this.gpu.created.shaderModules++;
      module = this.gpu.device.createShaderModule({ code: shaderSource(key.file, key.flags), label: moduleId });
      this.modules.set(moduleId, module);
    }
    const constants: Record<string, number> = {};
    for (const [name, value] of Object.entries(key.constants ?? {})) constants[name] = Number(value);
    this.gpu.created.pipelines++;
    try {
      return await this.gpu.device.createComputePipelineAsync({
        layout: 'auto',
        compute: { module, entryPoint: 'main', constants },
        label: shaderKeyString(key),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new WebliteError('RUNTIME_ERROR', `webgpu: compiling ${shaderKeyString(key)} failed: ${reason}`, { cause: error });
    }
  }
}
