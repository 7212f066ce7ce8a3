/**
 * Images for the CLI (calibration data): JPEG through jpeg-js, PNG through pngjs, uncompressed BMP read here;
 * a bilinear resize and the usual (pixel − mean) / std normalisation into an NHWC or NCHW float32 tensor.
 * Node-only (the CLI); the converter itself takes tensors and stays free of image formats.
 */
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { WebliteError } from '../errors.js';
import { Tensor } from '../ir/tensor.js';

/** 8-bit RGB pixels, row-major from the top-left, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp'];

/** Decodes a JPEG, PNG or BMP file (by its bytes) to RGB; alpha is dropped, grey is spread to three channels. */
export function decodeImage(bytes: Uint8Array, fileName: string): RgbImage {
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
      return { width: decoded.width, height: decoded.height, rgb: decoded.data };
    }
    if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      const rgb = new Uint8Array(png.width * png.height * 3);
      for (let i = 0, o = 0; o < rgb.length; i += 4, o += 3) rgb.set(png.data.subarray(i, i + 3), o);
      return { width: png.width, height: png.height, rgb };
    }
    if (bytes[0] === 0x42 && bytes[1] === 0x4d) return decodeBmp(bytes);
  } catch (error) {
    if (error instanceof WebliteError) throw error;
    throw new WebliteError('BAD_INPUT', `${fileName}: cannot decode the image (${(error as Error).message})`, { cause: error });
  }
  throw new WebliteError('BAD_INPUT', `${fileName}: not a JPEG, PNG or BMP image`);
}

/** Uncompressed 24- or 32-bit BMP; rows bottom-up (positive height) or top-down. */
function decodeBmp(bytes: Uint8Array): RgbImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const width = view.getInt32(18, true);
  const signedHeight = view.getInt32(22, true);
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if ((bitsPerPixel !== 24 && bitsPerPixel !== 32) || (compression !== 0 && compression !== 3)) {
    throw new Error(`unsupported BMP: ${bitsPerPixel} bits per pixel, compression ${compression}`);
  }
  const height = Math.abs(signedHeight);
  const pixelBytes = bitsPerPixel / 8;
  const stride = Math.ceil((width * pixelBytes) / 4) * 4;
  if (dataOffset + stride * height > bytes.length) throw new Error('truncated pixel data');
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (signedHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const at = row + x * pixelBytes;
      const out = (y * width + x) * 3;
      rgb[out] = bytes[at + 2]!; // stored as B, G, R
      rgb[out + 1] = bytes[at + 1]!;
      rgb[out + 2] = bytes[at]!;
    }
  }
  return { width, height, rgb };
}

/** Bilinear resize sampling at pixel centres ((i + ½)·scale − ½, as PIL and OpenCV do), rounded to bytes. */
export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return image;
  const rgb = new Uint8Array(width * height * 3);
  const sample = (size: number, outSize: number, i: number) => {
    const x = Math.min(Math.max((i + 0.5) * (size / outSize) - 0.5, 0), size - 1);
    const low = Math.floor(x);
    return { low, high: Math.min(low + 1, size - 1), t: x - low };
  };
  for (let y = 0; y < height; y++) {
    const sy = sample(image.height, height, y);
    for (let x = 0; x < width; x++) {
      const sx = sample(image.width, width, x);
      for (let c = 0; c < 3; c++) {
        const at = (row: number, column: number) => image.rgb[(row * image.width + column) * 3 + c]!;
        const top = at(sy.low, sx.low) * (1 - sx.t) + at(sy.low, sx.high) * sx.t;
        const bottom = at(sy.high, sx.low) * (1 - sx.t) + at(sy.high, sx.high) * sx.t;
        rgb[(y * width + x) * 3 + c] = Math.round(top * (1 - sy.t) + bottom * sy.t);
      }
    }
  }
  return { width, height, rgb };
}

export interface ImagePreprocessing {
  width: number;
  height: number;
  /** Per channel (R, G, B) or one value for all three, in pixel units (0–255). */
  mean: number[];
  std: number[];
  layout: 'nhwc' | 'nchw';
}

/** A [1, H, W, 3] or [1, 3, H, W] float32 tensor: the image resized, then (pixel − mean) / std per channel. */
export function imageTensor(image: RgbImage, pre: ImagePreprocessing): Tensor<'float32'> {
  const { width, height, layout } = pre;
  const resized = resizeBilinear(image, width, height);
  const channel = (values: number[], c: number) => values[values.length === 1 ? 0 : c]!;
  const data = new Float32Array(width * height * 3);
  for (let pixel = 0; pixel < width * height; pixel++) {
    for (let c = 0; c < 3; c++) {
      const value = (resized.rgb[pixel * 3 + c]! - channel(pre.mean, c)) / channel(pre.std, c);
      data[layout === 'nhwc' ? pixel * 3 + c : c * width * height + pixel] = value;
    }
  }
  return new Tensor('float32', data, layout === 'nhwc' ? [1, height, width, 3] : [1, 3, height, width]);
}
