// The 32×32 tile loop shared by the GEMM-shaped kernels (included with `// #include gemm/gemm-tile.wgsl`).
//
// A workgroup of 8×8 invocations computes a 32×32 block of C = A·B; each invocation owns a 4×4 sub-block
// (rows 4·local.y…, columns 4·local.x…). K advances in steps of 32: both operand tiles are staged in workgroup
// memory (2 × 4 KiB), each invocation loading 16 elements of each.
// The including kernel defines how operands are read, with the workgroup's batch already resolved:
//   fn load_a(row: u32, k: u32) -> stored_float        A[row, k]
//   fn load_b(k: u32, column: u32) -> stored_float     B[k, column]
// variants  VEC4_A: instead of load_a, `fn load_a4(row, k) -> vec4<stored_float>` (A[row, k…k+3]; k is a multiple
//           of 4) — one vector load per 4 elements, 4 per invocation. The lowering sets it only when A is contiguous
//           along k, K is a multiple of 4 and every row starts 16-byte aligned, so a vector that starts below K
//           ends below K. VEC4_B likewise: `fn load_b4(k, column)` = B[k, column…column+3], N a multiple of 4.
// Remainder: positions past m, n or k are never loaded (the tiles hold zeros there), so no kernel reads past the
// end of a buffer; the caller masks its stores. Accumulation is f32, in K order within each invocation.
// Call it from uniform control flow (it contains barriers): m, n, k must be workgroup-uniform.

const TILE: u32 = 32u;
var<workgroup> tile_a: array<array<stored_float, 32>, 32>;
var<workgroup> tile_b: array<array<stored_float, 32>, 32>;

fn gemm_tile(row0: u32, column0: u32, local: vec2<u32>, local_index: u32, m: u32, n: u32, k: u32) -> array<vec4<f32>, 4> {
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < k; k0 += TILE) {
    // #if VEC4_A
    for (var i = 0u; i < 4u; i++) {
      let index = local_index + i * 64u;
      let r = index / 8u;
      let c = (index % 8u) * 4u;
      var a_value = vec4<stored_float>();
      if (row0 + r < m && k0 + c < k) { a_value = load_a4(row0 + r, k0 + c); }
      tile_a[r][c] = a_value.x;
      tile_a[r][c + 1u] = a_value.y;
      tile_a[r][c + 2u] = a_value.z;
      tile_a[r][c + 3u] = a_value.w;
    }
    // #else
    for (var i = 0u; i < 16u; i++) {
      let index = local_index + i * 64u;
      let r = index / TILE;
      let c = index % TILE;
      var a_value: stored_float = 0.0;
      if (row0 + r < m && k0 + c < k) { a_value = load_a(row0 + r, k0 + c); }
      tile_a[r][c] = a_value;
    }
    // #endif
    // #if VEC4_B
    for (var i = 0u; i < 4u; i++) {
      let index = local_index + i * 64u;
      let r = index / 8u;
      let c = (index % 8u) * 4u;
      var b_value = vec4<stored_float>();
      if (k0 + r < k && column0 + c < n) { b_value = load_b4(k0 + r, column0 + c); }
      tile_b[r][c] = b_value.x;
      tile_b[r][c + 1u] = b_value.y;
      tile_b[r][c + 2u] = b_value.z;
      tile_b[r][c + 3u] = b_value.w;
    }
    // #else
    for (var i = 0u; i < 16u; i++) {
      let index = local_index + i * 64u;
      let r = index / TILE;
      let c = index % TILE;
      var b_value: stored_float = 0.0;
      if (k0 + r < k && column0 + c < n) { b_value = load_b(k0 + r, column0 + c); }
      tile_b[r][c] = b_value;
    }
    // #endif
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
