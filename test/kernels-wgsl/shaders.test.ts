/**
 * The WGSL sources themselves: the variant preprocessor, the uniform packer, every kernel file's header, and every
 * kernel compiling in every combination of its variant flags (on the device, when there is one).
 */
import { create } from 'webgpu';
import { describe, expect, it } from 'vitest';
import { GpuDevice } from '../../src/backends/webgpu/device.js';
import { WGSL_SOURCES, shaderKeyString, shaderSource, supportsF16 } from '../../src/backends/webgpu/shaders.js';
import { Uniforms, linearGrid } from '../../src/backends/webgpu/uniforms.js';
import { skipWithoutGpu } from './harness.js';

/** Dawn's null backend (one instance per process) and its devices, referenced until the process ends. */
let nullGpu: GPU | undefined;
const nullDevices: GPUDevice[] = [];

const KERNELS = Object.keys(WGSL_SOURCES).filter((file) => !file.startsWith('common/') && file !== 'gemm/gemm-tile.wgsl');

/** Flags a kernel (with its includes) tests with `// #if`. */
function flagsOf(file: string): string[] {
  const flags = new Set<string>();
  const visit = (path: string) => {
    for (const match of WGSL_SOURCES[path]!.matchAll(/^\s*\/\/\s*#(include|if)\s+!?(\S+)/gm)) {
      if (match[1] === 'include') visit(match[2]!);
      else flags.add(match[2]!);
    }
  };
  visit(file);
  return [...flags];
}

describe('WGSL variant preprocessor', () => {
  it('expands includes once and resolves nested #if / #else / negation', () => {
    const source = shaderSource('gemm/f32-gemm-minmax-4x4-tiled.wgsl', ['HAS_BIAS']);
    expect(source.match(/fn erf_f32/g)).toHaveLength(1);
    expect(source).toContain('var<storage, read> bias');
    expect(shaderSource('gemm/f32-gemm-minmax-4x4-tiled.wgsl')).not.toContain('bias[');
    const binary = shaderSource('elementwise/f32-binary-broadcast.wgsl');
    expect(binary).toContain('let a_offset = position;');
    expect(binary).not.toContain('view_offset(position, params.dims');
    expect(shaderSource('elementwise/f32-binary-broadcast.wgsl', ['BROADCAST'])).not.toContain('let a_offset = position;');
    expect(binary).not.toMatch(/^\s*\/\/\s*#/m);
  });

  it('binds an operand as vec4 only in its VEC4 variant', () => {
    const scalar = shaderSource('gemm/f32-gemm-minmax-4x4-tiled.wgsl');
    expect(scalar).toContain('var<storage, read> a: array<stored_float>');
    expect(scalar).not.toContain('load_a4(row0');
    const vec4 = shaderSource('gemm/f32-gemm-minmax-4x4-tiled.wgsl', ['VEC4_A']);
    expect(vec4).toContain('var<storage, read> a: array<vec4<stored_float>>');
    expect(vec4).toContain('var<storage, read> b: array<stored_float>');
    expect(vec4).toContain('load_a4(row0 + r, k0 + c)');
    expect(vec4).not.toMatch(/^fn load_a\(/m);
  });

  it('names a pipeline by file, sorted flags and constants', () => {
    expect(shaderKeyString({ file: 'f.wgsl', flags: ['B', 'A'], constants: { Z: true, A: 2 } })).toBe('f.wgsl|A,B|A=2,Z=1');
  });

  it('rejects unknown files and unbalanced directives', () => {
    expect(() => shaderSource('missing.wgsl')).toThrow(/no WGSL source/);
  });
});

describe('uniform packing', () => {
  it('aligns vec4s to 16 bytes and rounds the struct to 16', () => {
    const bytes = new Uniforms().u32(1, 2).dims([3, 4, 5]).strides([-1]).f32(0.5).bytes();
    const words = new Int32Array(bytes.buffer, 0, bytes.byteLength / 4);
    // u32 ×2, pad to 16; Dims (two vec4, missing axes 1); Strides (two vec4, missing axes 0); the f32; pad to 96.
    expect(Array.from(words.slice(0, 20))).toEqual([1, 2, 0, 0, 3, 4, 5, 1, 1, 1, 1, 1, -1, 0, 0, 0, 0, 0, 0, 0]);
    expect(new Float32Array(bytes.buffer, 80, 1)[0]).toBe(0.5);
    expect(bytes.byteLength).toBe(96);
  });

  it('spreads large 1-D grids over y', () => {
    expect(linearGrid(100)).toEqual([2, 1, 1]);
    expect(linearGrid(64 * 70000)).toEqual([65535, 2, 1]);
  });
});

describe('kernel files', () => {
  for (const file of KERNELS) {
    it(`${file} opens with the header (op, dtypes, layout, tile, remainder, tested)`, () => {
      const header = WGSL_SOURCES[file]!.split('\n').filter((line) => line.startsWith('//')).join('\n');
      for (const field of ['op', 'dtypes', 'layout', 'tile', 'remainder', 'tested']) expect(header, `${file}: ${field}`).toMatch(new RegExp(`^// ${field}\\b`, 'm'));
      expect(header).toMatch(/past the end/);
    });
  }

  it('every kernel compiles in every combination of its variant flags', async (context) => {
    if (skipWithoutGpu(context)) return;
    const gpu = await GpuDevice.create({ largestBuffer: 0, dynamic: false });
    try {
      for (const file of KERNELS) {
        const flags = flagsOf(file);
        for (let mask = 0; mask < 1 << flags.length; mask++) {
          const chosen = flags.filter((_, i) => mask & (1 << i));
          // F16 variants need shader-f16, which SwiftShader lacks: the next test compiles them on Dawn's null backend.
          if (chosen.includes('F16') && !gpu.device.features.has('shader-f16')) continue;
          const module = gpu.device.createShaderModule({ code: shaderSource(file, chosen) });
          const info = await module.getCompilationInfo();
          const errors = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
          expect(errors, `${file} [${chosen}]`).toEqual([]);
        }
      }
    } finally {
      gpu.destroy();
    }
  });

  it("every F16 variant compiles with 'shader-f16' (Tint's full WGSL validation on Dawn's null backend)", async (context) => {
    // The null backend runs nothing, but it offers shader-f16 and validates shaders exactly as a GPU device would.
    nullGpu ??= create(['backend=null']);
    const adapter = await nullGpu.requestAdapter();
    if (!adapter?.features.has('shader-f16')) {
      context.skip(`Dawn's null backend is not available or lacks shader-f16 (${adapter ? [...adapter.features].join(', ') : 'no adapter'})`);
      return;
    }
    const device = await adapter.requestDevice({ requiredFeatures: ['shader-f16'] });
    const f16Kernels = KERNELS.filter(supportsF16);
    expect(f16Kernels.sort()).toEqual([
      'conv/f32-conv2d-igemm-minmax-4x4-tiled.wgsl', 'conv/f32-dwconv2d-minmax-direct.wgsl', 'elementwise/f32-binary-broadcast.wgsl',
      'elementwise/f32-f16-convert.wgsl', 'elementwise/f32-unary.wgsl', 'gemm/f32-gemm-minmax-4x4-tiled.wgsl',
      'pool/f32-global-pool-workgroup.wgsl', 'pool/f32-pool3d-direct.wgsl',
    ]);
    for (const file of f16Kernels) {
      const flags = flagsOf(file).filter((flag) => flag !== 'F16');
      for (let mask = 0; mask < 1 << flags.length; mask++) {
        const chosen = ['F16', ...flags.filter((_, i) => mask & (1 << i))];
        const code = shaderSource(file, chosen);
        expect(code.startsWith('enable f16;\n'), file).toBe(true);
        // Every float binding is f16; nothing is bound as f32 except the conversion's f32 side.
        const bindings = [...code.matchAll(/var<storage, read(?:_write)?> (\w+): array<(?:vec4<)?(\w+)>/g)].map((m) => `${m[1]}:${m[2]}`);
        for (const binding of bindings) if (!(file.endsWith('convert.wgsl') && binding.endsWith(':f32'))) expect(binding, `${file} [${chosen}]`).toMatch(/:stored_float$/);
        const module = device.createShaderModule({ code });
        const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
        expect(errors, `${file} [${chosen}]`).toEqual([]);
      }
    }
    nullDevices.push(device); // kept, not destroyed: destroying null-backend devices has crashed Dawn
  });
});
