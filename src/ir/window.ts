/**
 * 2-D window geometry (pads from attributes or auto_pad, output size) of Conv/Pool nodes for the backends, from the
 * reference's own windowGeometry so both agree by construction. 1-D windows are lifted to 2-D with height 1.
 */
import type { Node } from './graph.js';
import { windowGeometry } from './reference/conv.js';

export interface Window2d {
  batch: number;
  channels: number;
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

const ints = (value: unknown): number[] => (Array.isArray(value) ? (value as number[]) : []);

/** The window of a Conv/Pool node over NC+spatial input dims (1 or 2 spatial axes); undefined otherwise. */
export function window2d(node: Node, inputDims: readonly number[], kernel: readonly number[]): Window2d | undefined {
  // window3d lifts 1-D and 2-D windows with a leading depth of 1; the 2-D window is its height and width.
  if (inputDims.length !== 3 && inputDims.length !== 4) return undefined;
  const w = window3d(node, inputDims, kernel);
  if (!w) return undefined;
  return {
    batch: w.batch, channels: w.channels, inH: w.in[1], inW: w.in[2], outH: w.out[1], outW: w.out[2],
    kernelH: w.kernel[1], kernelW: w.kernel[2], strideH: w.strides[1], strideW: w.strides[2],
    dilationH: w.dilations[1], dilationW: w.dilations[2], padTop: w.padsBegin[1], padLeft: w.padsBegin[2],
    padBottom: w.padsEnd[1], padRight: w.padsEnd[2],
  };
}

/** A Conv/Pool window with every per-axis value lifted to three spatial axes (depth, height, width). */
export interface Window3d {
  batch: number;
  channels: number;
  in: [number, number, number];
  out: [number, number, number];
  kernel: [number, number, number];
  strides: [number, number, number];
  dilations: [number, number, number];
  padsBegin: [number, number, number];
  padsEnd: [number, number, number];
}

/**
 * The window of a Conv/Pool node over NC+spatial input dims (1 to 3 spatial axes), lifted to 3-D: missing leading
 * axes get size 1, kernel 1, stride 1, dilation 1 and no padding, which leaves the result unchanged.
 */
export function window3d(node: Node, inputDims: readonly number[], kernel: readonly number[]): Window3d | undefined {
  const spatial = inputDims.slice(2);
  if (spatial.length < 1 || spatial.length > 3 || kernel.length !== spatial.length) return undefined;
  let geometry;
  try {
    geometry = windowGeometry(spatial, {
      autoPad: (node.attrs.auto_pad as string | undefined) ?? 'NOTSET',
      kernel,
      strides: ints(node.attrs.strides),
      dilations: ints(node.attrs.dilations),
      pads: ints(node.attrs.pads),
      ceilMode: node.attrs.ceil_mode === 1,
    }, { where: `node '${node.name}' (${node.op})` });
  } catch {
    return undefined;
  }
  const lift = (values: readonly number[], fill: number): [number, number, number] => {
    const padded = [...Array<number>(3 - values.length).fill(fill), ...values];
    return [padded[0]!, padded[1]!, padded[2]!];
  };
  const out = lift(geometry.outSpatial as number[], 1);
  if (!out.every((d) => Number.isInteger(d) && d > 0)) return undefined;
  return {
    batch: inputDims[0]!, channels: inputDims[1]!, in: lift(spatial, 1), out, kernel: lift(geometry.kernel, 1),
    strides: lift(geometry.strides, 1), dilations: lift(geometry.dilations, 1), padsBegin: lift(geometry.padsBegin, 0),
    padsEnd: lift(geometry.padsEnd, 0),
  };
}
