/** Window geometry shared by convolution and pooling lowerings: pads from attributes or auto_pad, 2-D only. */
import type { Node } from '../../../ir/graph.js';

export interface Window {
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

/** The 2-D window of a Conv/Pool node given NCHW input and output dims and the kernel size. */
export function windowOf(node: Node, input: readonly number[], output: readonly number[], kernelH: number, kernelW: number): Window {
  const strides = (node.attrs.strides as number[] | undefined) ?? [];
  const dilations = (node.attrs.dilations as number[] | undefined) ?? [];
  const pads = (node.attrs.pads as number[] | undefined) ?? [];
  const autoPad = (node.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  const w: Window = {
    inH: input[2]!,
    inW: input[3]!,
    outH: output[2]!,
    outW: output[3]!,
    kernelH,
    kernelW,
    strideH: strides[0] ?? 1,
    strideW: strides[1] ?? 1,
    dilationH: dilations[0] ?? 1,
    dilationW: dilations[1] ?? 1,
    padTop: pads[0] ?? 0,
    padLeft: pads[1] ?? 0,
    padBottom: pads[2] ?? 0,
    padRight: pads[3] ?? 0,
  };
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = (inSize: number, outSize: number, k: number, s: number, d: number) => Math.max(0, (outSize - 1) * s + (k - 1) * d + 1 - inSize);
    const th = total(w.inH, w.outH, kernelH, w.strideH, w.dilationH);
    const tw = total(w.inW, w.outW, kernelW, w.strideW, w.dilationW);
    const upper = autoPad === 'SAME_UPPER';
    w.padTop = upper ? Math.floor(th / 2) : Math.ceil(th / 2);
    w.padBottom = th - w.padTop;
    w.padLeft = upper ? Math.floor(tw / 2) : Math.ceil(tw / 2);
    w.padRight = tw - w.padLeft;
  } else if (autoPad === 'VALID') {
    w.padTop = w.padLeft = w.padBottom = w.padRight = 0;
  }
  return w;
}

/** Only 2-D windows (4-D tensors) with known sizes go to the wasm kernels. */
export function is2d(dims: readonly number[] | undefined): dims is number[] {
  return dims !== undefined && dims.length === 4;
}
