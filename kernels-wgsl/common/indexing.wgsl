// Indexing helper shared by the kernels (included with `// #include common/indexing.wgsl`).
//
// Terms, as onnxruntime-web's shader helper defines them:
//   indices  the coordinates of one element, one per axis (Indices, up to MAX_RANK axes);
//   offset   the element's position in its buffer: base + Σ indices[axis] · strides[axis];
//   value    buffer[offset] — read and written directly on the kernel's bindings (WGSL cannot pass storage
//            pointers to functions portably, so the helper stops at offsets).
// Shapes and strides travel in uniforms as two vec4s (Dims / Strides: 16-byte aligned, as uniforms require);
// axes past `rank` are ignored. Strides are signed so that a Slice with negative steps is a plain strided view,
// and 0 on broadcast axes.

const MAX_RANK: u32 = 8u;
alias Indices = array<u32, 8>;
alias Dims = array<vec4<u32>, 2>;
alias Strides = array<vec4<i32>, 2>;

fn dim_at(dims: Dims, axis: u32) -> u32 {
  return dims[axis / 4u][axis % 4u];
}

fn stride_at(strides: Strides, axis: u32) -> i32 {
  return strides[axis / 4u][axis % 4u];
}

// The row-major indices of flat position `position` in a tensor of `dims`.
fn indices_of(position: u32, dims: Dims, rank: u32) -> Indices {
  var indices: Indices;
  var rest = position;
  for (var axis = i32(rank) - 1; axis >= 0; axis--) {
    let size = dim_at(dims, u32(axis));
    indices[axis] = rest % size;
    rest = rest / size;
  }
  return indices;
}

// The offset of `indices` in a view with `strides` starting at `base`.
fn offset_of(indices: Indices, strides: Strides, base: i32, rank: u32) -> u32 {
  var offset = base;
  for (var axis = 0u; axis < rank; axis++) {
    offset += i32(indices[axis]) * stride_at(strides, axis);
  }
  return u32(offset);
}

// indices_of then offset_of in one loop: flat position in `dims` → offset in a strided view of the same shape.
fn view_offset(position: u32, dims: Dims, strides: Strides, base: i32, rank: u32) -> u32 {
  var offset = base;
  var rest = position;
  for (var axis = i32(rank) - 1; axis >= 0; axis--) {
    let size = dim_at(dims, u32(axis));
    offset += i32(rest % size) * stride_at(strides, u32(axis));
    rest = rest / size;
  }
  return u32(offset);
}
