/// <reference types="@webgpu/types" />
/** WGSL kernels are imported as text (Vite's and Vitest's `?raw` suffix). */
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
