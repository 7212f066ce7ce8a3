// 32-bit Pad: every output element reads one data element or takes the constant, one element per invocation.
//
// op        Pad (modes constant, reflect, edge, wrap; negative pads crop) (src/backends/webgpu/lower/pad.ts)
// dtypes    any 32-bit element (f32, or integers/bool stored as i32): bound as u32 words, values only moved;
//           the constant arrives as its word's bits
// layout    row-major. Per axis: out_dims (output size), kept (data size after cropping), lead (pad before, ≥ 0),
//           low (elements cropped at the front, ≥ 0); data element c along an axis sits at (low + c)·stride
// override  MODE: 0 constant, 1 reflect, 2 edge, 3 wrap — as src/ir/reference/pad.ts (crop first, then the mode
//           reads the cropped tensor; reflect never repeats the edge and is periodic with period 2·(kept − 1))
// tile      64 invocations, one output element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end (coordinates stay in [0, kept)).
// tested    against the reference Pad (test/kernels-wgsl/pad.test.ts)
// #include common/indexing.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, rank: u32, value: u32, _unused: u32,
  out_dims: Dims,
  kept: Dims,
  lead: Dims,
  low: Dims,
  source_strides: Strides,
}

override MODE: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> source_data: array<u32>;
@group(0) @binding(2) var<storage, read_write> target_data: array<u32>;

// The data coordinate that padded position `s` (relative to the first kept element) reads, or −1 for the constant.
fn source_coordinate(s: i32, kept: i32) -> i32 {
  if (s >= 0 && s < kept) { return s; }
  switch MODE {
    case 1u: {
      if (kept == 1) { return 0; }
      let period = 2 * (kept - 1);
      var folded = s % period;
      if (folded < 0) { folded += period; }
      return select(period - folded, folded, folded < kept);
    }
    case 2u: { return clamp(s, 0, kept - 1); }
    case 3u: {
      var folded = s % kept;
      if (folded < 0) { folded += kept; }
      return folded;
    }
    default: { return -1; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  var rest = position;
  var offset = 0;
  for (var axis = i32(params.rank) - 1; axis >= 0; axis--) {
    let a = u32(axis);
    let size = dim_at(params.out_dims, a);
    let s = i32(rest % size) - i32(dim_at(params.lead, a));
    rest = rest / size;
    let c = source_coordinate(s, i32(dim_at(params.kept, a)));
    if (c < 0) {
      target_data[position] = params.value;
      return;
    }
    offset += (i32(dim_at(params.low, a)) + c) * stride_at(params.source_strides, a);
  }
  target_data[position] = source_data[u32(offset)];
}
