// One-dimensional work over a two-dimensional grid of workgroups (included with `// #include common/dispatch.wgsl`).
// A dispatch may have at most 65535 workgroups per dimension, so the host spreads ⌈count / size⌉ workgroups over
// x and y (src/backends/webgpu/uniforms.ts linearGrid) and each invocation recovers its flat position here.
// Positions past the end exist (the last row of the grid is partial): kernels return early for them.

fn flat_position(workgroup: vec3<u32>, groups: vec3<u32>, local: u32, workgroup_size: u32) -> u32 {
  return (workgroup.y * groups.x + workgroup.x) * workgroup_size + local;
}
