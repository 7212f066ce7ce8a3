/** Sample images for model tests: a tiny BMP reader, JPEG through jpeg-js, and a bilinear resize. */
import jpeg from 'jpeg-js';

/** 8-bit RGB pixels, row-major from the top-left, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Uncompressed 24- or 32-bit BMP (BITMAPINFOHEADER or later); rows bottom-up (positive height) or top-down. */
export function readBmp(bytes: Uint8Array): RgbImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new Error('not a BMP file');
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

export function readJpeg(bytes: Uint8Array): RgbImage {
  const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  return { width: decoded.width, height: decoded.height, rgb: decoded.data };
}

export function readImage(bytes: Uint8Array): RgbImage {
  return bytes[0] === 0x42 && bytes[1] === 0x4d ? readBmp(bytes) : readJpeg(bytes);
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
