// The 32×32 tile loop shared by the GEMM-shaped kernels (included with `// #include gemm/gemm-tile.wgsl`).
//
// A workgroup of 8×8 invocations computes a 32×32 block of C = A·B; each invocation owns a 4×4 sub-block
// (rows 4·local.y…, columns 4·local.x…). K advances in steps of 32: both operand tiles are staged in workgroup
// memory (2 × 4 KiB), each invocation loading 16 elements of each.
// The including kernel defines how operands are read, with the workgroup's batch already resolved:
//   fn load_a(row: u32, k: u32) -> f32      A[row, k]
//   fn load_b(k: u32, column: u32) -> f32   B[k, column]
// Remainder: positions past m, n or k are never loaded (the tiles hold zeros there), so no kernel reads past the
// end of a buffer; the caller masks its stores. Accumulation is f32, in K order within each invocation.
// Call it from uniform control flow (it contains barriers): m, n, k must be workgroup-uniform.

const TILE: u32 = 32u;
var<workgroup> tile_a: array<array<stored_float, 32>, 32>;
var<workgroup> tile_b: array<array<stored_float, 32>, 32>;

fn gemm_tile(row0: u32, column0: u32, local: vec2<u32>, local_index: u32, m: u32, n: u32, k: u32) -> array<vec4<f32>, 4> {
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < k; k0 += TILE) {
    for (var i = 0u; i < 16u; i++) {
      let index = local_index + i * 64u;
      let r = index / TILE;
      let c = index % TILE;
      var a_value: stored_float = 0.0;
      if (row0 + r < m && k0 + c < k) { a_value = load_a(row0 + r, k0 + c); }
      tile_a[r][c] = a_value;
      var b_value: stored_float = 0.0;
      if (k0 + r < k && column0 + c < n) { b_value = load_b(k0 + r, column0 + c); }
      tile_b[r][c] = b_value;
    }
    workgroupBarrier();
    let row = local.y * 4u;
    let column = local.x * 4u;
    for (var kk = 0u; kk < TILE; kk++) {
      let b = vec4<stored_float>(tile_b[kk][column], tile_b[kk][column + 1u], tile_b[kk][column + 2u], tile_b[kk][column + 3u]);
      acc[0] += vec4<f32>(tile_a[row][kk] * b);
      acc[1] += vec4<f32>(tile_a[row + 1u][kk] * b);
      acc[2] += vec4<f32>(tile_a[row + 2u][kk] * b);
      acc[3] += vec4<f32>(tile_a[row + 3u][kk] * b);
    }
    workgroupBarrier();
  }
  return acc;
}
