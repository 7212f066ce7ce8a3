/**
 * Sample images for model tests: decoding is the CLI's (src/cli/images.ts: JPEG, PNG, BMP); the resize here has
 * the options libcoral's and TFLite's test inputs need.
 */
import { type RgbImage, decodeImage } from '../../src/cli/images.js';

export type { RgbImage };

export function readImage(bytes: Uint8Array): RgbImage {
  return decodeImage(bytes, 'test image');
}

export interface ResizeOptions {
  /** Sample at (i + ½)·scale − ½ (default; PIL/OpenCV) or at i·scale (TFLite's ResizeBilinear defaults). */
  halfPixel?: boolean;
  /** Round to the nearest byte (default) or truncate (a float result stored into uint8 by C++). */
  rounding?: 'nearest' | 'truncate';
}

/** Bilinear resize. The defaults match PIL's BILINEAR for upscaling; libcoral's test inputs use halfPixel false, truncate. */
export function resizeBilinear(image: RgbImage, width: number, height: number, options: ResizeOptions = {}): RgbImage {
  const halfPixel = options.halfPixel ?? true;
  const round = options.rounding === 'truncate' ? Math.trunc : Math.round;
  const rgb = new Uint8Array(width * height * 3);
  const sample = (size: number, outSize: number, i: number) => {
    const scale = Math.fround(size / outSize);
    const x = Math.min(Math.max(halfPixel ? (i + 0.5) * scale - 0.5 : i * scale, 0), size - 1);
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
        rgb[(y * width + x) * 3 + c] = round(top * (1 - sy.t) + bottom * sy.t);
      }
    }
  }
  return { width, height, rgb };
}
