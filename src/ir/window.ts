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
  const spatial = inputDims.slice(2);
  if (spatial.length !== 1 && spatial.length !== 2) return undefined;
  if (kernel.length !== spatial.length) return undefined;
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
    return undefined; // the reference fallback reports the problem at run time
  }
  const out = geometry.outSpatial as number[];
  // Lift 1-D to 2-D: a leading axis of size 1, kernel 1, stride 1, no padding.
  const lift = <T>(values: readonly T[], fill: T): [T, T] => (values.length === 1 ? [fill, values[0]!] : [values[0]!, values[1]!]);
  const [inH, inW] = lift(spatial, 1);
  const [outH, outW] = lift(out, 1);
  const [kernelH, kernelW] = lift(geometry.kernel, 1);
  const [strideH, strideW] = lift(geometry.strides, 1);
  const [dilationH, dilationW] = lift(geometry.dilations, 1);
  const [padTop, padLeft] = lift(geometry.padsBegin, 0);
  const [padBottom, padRight] = lift(geometry.padsEnd, 0);
  if (![outH, outW].every((d) => Number.isInteger(d) && d > 0)) return undefined;
  return {
    batch: inputDims[0]!, channels: inputDims[1]!, inH, inW, outH, outW, kernelH, kernelW,
    strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight,
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
