/** Types for ocr.mjs (engine-neutral OCR pre/post-processing shared by the Node demo and the browser). */
import type { InferenceSession } from '../../src/index.js';

export interface RgbImage {
  width: number;
  height: number;
  /** RGB, 0..255, row-major, 3 floats per pixel. */
  rgb: Float32Array;
}
export interface TextBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}
export function toRgb(png: { width: number; height: number; data: Uint8Array }): RgbImage;
export function detectTextLines(detector: InferenceSession, image: RgbImage): Promise<TextBox[]>;
export function recognizeLine(
  recognizer: InferenceSession,
  image: RgbImage,
  box: TextBox,
  dictionary: string[],
): Promise<{ text: string; confidence: number }>;
