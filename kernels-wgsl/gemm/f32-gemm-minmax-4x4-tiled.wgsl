// f32 GEMM, batched and strided: Y[b] = act(alpha · A[b]·B[b] + beta · C), 32×32 tiles, 4×4 outputs per invocation.
//
// op        MatMul, FusedMatMul, Gemm, FusedGemm (src/backends/webgpu/lower/gemm.ts)
// dtypes    f32 in, f32 out, f32 accumulation (in K order per output)
//           variant F16 (common/precision.wgsl): f16 operands, tiles and products, f32 accumulation and epilogue
// layout    A and B are strided views: element (row, k) of A at a_base + row·a_row + k·a_column, so transA/transB
//           and Gemm's 1-D promotions are strides, never copies. Up to 4 batch axes (row-major in batch_dims) with
//           per-operand batch strides (0 = broadcast). Y is dense [batch, m, n].
// variants  VEC4_A / VEC4_B: the operand is bound as array<vec4<stored_float>> and the tiles load 4 elements per
//           vector load (gemm/gemm-tile.wgsl). The lowering sets them only when the operand is contiguous along the
//           loaded axis (A along k, B along n), that axis' extent and every row and batch stride are multiples of 4
//           (bindings start at offset 0), so every vector is aligned and lies within K (or N); scalar loads otherwise.
//           Placement shows them as `#VEC4_A` / `#VEC4_B` after the file name.
// bias      (variant HAS_BIAS) C at row·bias_row + column·bias_column — Gemm's broadcast C and FusedMatMul's
//           per-column bias; scaled by beta.
// tile      workgroup 8×8, tile 32×32×32 in workgroup memory (gemm/gemm-tile.wgsl); grid (⌈n/32⌉, ⌈m/32⌉, batch)
// remainder out-of-range operand elements are never read (zeros in the tile); stores are masked.
//           No reads past the end of any buffer.
// epilogue  alpha, bias, then the fused activation (common/activation.wgsl)
// tested    against the reference MatMul/Gemm/FusedMatMul/FusedGemm (test/kernels-wgsl/gemm.test.ts)
// #include common/precision.wgsl
// #include common/math.wgsl
// #include common/activation.wgsl
// #include gemm/gemm-tile.wgsl

struct Params {
  m: u32, n: u32, k: u32, batch_rank: u32,
  a_row: u32, a_column: u32, b_row: u32, b_column: u32,
  bias_row: u32, bias_column: u32, alpha: f32, beta: f32,
  batch_dims: vec4<u32>,
  a_batch: vec4<u32>,
  b_batch: vec4<u32>,
}

@group(0) @binding(0) var<uniform> params: Params;
// #if VEC4_A
@group(0) @binding(1) var<storage, read> a: array<vec4<stored_float>>;
// #else
@group(0) @binding(1) var<storage, read> a: array<stored_float>;
// #endif
// #if VEC4_B
@group(0) @binding(2) var<storage, read> b: array<vec4<stored_float>>;
// #else
@group(0) @binding(2) var<storage, read> b: array<stored_float>;
// #endif
// #if HAS_BIAS
@group(0) @binding(3) var<storage, read> bias: array<stored_float>;
// #endif
@group(0) @binding(4) var<storage, read_write> y: array<stored_float>;

var<private> a_base: u32;
var<private> b_base: u32;

// #if VEC4_A
fn load_a4(row: u32, k: u32) -> vec4<stored_float> {
  return a[(a_base + row * params.a_row + k) / 4u];
}
// #else
fn load_a(row: u32, k: u32) -> stored_float {
  return a[a_base + row * params.a_row + k * params.a_column];
}
// #endif

// #if VEC4_B
fn load_b4(k: u32, column: u32) -> vec4<stored_float> {
  return b[(b_base + k * params.b_row + column) / 4u];
}
// #else
fn load_b(k: u32, column: u32) -> stored_float {
  return b[b_base + k * params.b_row + column * params.b_column];
}
// #endif

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let batch = workgroup.z;
  var rest = batch;
  a_base = 0u;
  b_base = 0u;
  for (var axis = i32(params.batch_rank) - 1; axis >= 0; axis--) {
    let size = params.batch_dims[axis];
    let index = rest % size;
    rest = rest / size;
    a_base += index * params.a_batch[axis];
    b_base += index * params.b_batch[axis];
  }
  let row0 = workgroup.y * TILE;
  let column0 = workgroup.x * TILE;
  let acc = gemm_tile(row0, column0, local.xy, local_index, params.m, params.n, params.k);
  let y_base = batch * params.m * params.n;
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + local.y * 4u + i;
    if (row >= params.m) { break; }
    for (var j = 0u; j < 4u; j++) {
      let column = column0 + local.x * 4u + j;
      if (column >= params.n) { break; }
      var value = params.alpha * acc[i][j];
      // #if HAS_BIAS
      value += params.beta * f32(bias[row * params.bias_row + column * params.bias_column]);
      // #endif
      y[y_base + row * params.n + column] = store_float(activate(value));
    }
  }
}
