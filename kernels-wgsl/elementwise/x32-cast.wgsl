// Cast between the 32-bit GPU storage types, one element per invocation.
//
// op        Cast, CastLike (src/backends/webgpu/lower/cast.ts)
// dtypes    in: float32 (f32 words), or int32/int16/uint16/int8/uint8/bool/int64-that-fits (i32 words);
//           out: float32, int32, int16, uint16, int8, uint8, bool, or int64 from a non-float source (i32 words)
// semantics numpy's astype, as src/ir/reference/elementwise-cast.ts: floats truncate toward zero and wrap modulo
//           2^32 (then 2^bits for narrower integers), NaN and ±inf become 0; integers wrap to narrower ones;
//           anything non-zero (NaN included) is true. Integer → float32 uses WGSL's conversion (exact below 2^24).
// layout    flat, element p of the input to element p of the output (any shape)
// override  FROM: 0 f32, 1 i32 words; TO: 0 float32, 1 int32 (and int64), 2 int16, 3 uint16, 4 int8, 5 uint8, 6 bool
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference Cast (test/kernels-wgsl/where-cast.test.ts)
// #include common/dispatch.wgsl

struct Params {
  size: u32, _unused0: u32, _unused1: u32, _unused2: u32,
}

override FROM: u32 = 0u;
override TO: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

const TWO_TO_32: f32 = 4294967296.0;

// trunc(x) modulo 2^32 as u32 bits; 0 for NaN and ±inf. For |x| ≥ 2^32 every step is exact: x is a multiple of
// 2^9 there, so x − ⌊x / 2^32⌋·2^32 is representable.
fn wrapped_word(x: f32) -> u32 {
  if ((bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u) { return 0u; }
  let magnitude = abs(trunc(x));
  var low: u32;
  if (magnitude < TWO_TO_32) {
    low = u32(magnitude);
  } else {
    low = u32(magnitude - floor(magnitude / TWO_TO_32) * TWO_TO_32);
  }
  return select(low, 0u - low, x < 0.0);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let word = input[position];
  if (TO == 0u) {
    output[position] = select(bitcast<u32>(f32(bitcast<i32>(word))), word, FROM == 0u);
    return;
  }
  if (TO == 6u) {
    let nonzero = select(word != 0u, (word & 0x7fffffffu) != 0u, FROM == 0u);
    output[position] = select(0u, 1u, nonzero);
    return;
  }
  let value = select(word, wrapped_word(bitcast<f32>(word)), FROM == 0u);
  let signed = bitcast<i32>(value);
  switch TO {
    case 2u: { output[position] = bitcast<u32>((signed << 16u) >> 16u); }
    case 3u: { output[position] = value & 0xffffu; }
    case 4u: { output[position] = bitcast<u32>((signed << 24u) >> 24u); }
    case 5u: { output[position] = value & 0xffu; }
    default: { output[position] = value; }
  }
}
