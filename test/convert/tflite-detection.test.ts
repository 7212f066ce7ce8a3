/**
 * TFLite_Detection_PostProcess (SSD models) against the TFLite interpreter: fast and regular NMS, background column
 * or not, max_classes_per_detection above and below num_classes, float and uint8 (quantized: many equal scores)
 * inputs, on the reference and wasm backends. Only the slots below the detection count are compared: TFLite leaves
 * the rest of its fast-NMS outputs unwritten (weblite writes zeros).
 */
import * as flexbuffers from 'flatbuffers/mjs/flexbuffers.js';
import { describe, expect, it } from 'vitest';
import { float32Below } from '../../src/convert/tflite/ops/custom/detection-postprocess.js';
import { FlexbufferMap } from '../../src/convert/tflite/ops/custom/flexbuffers.js';
import { importTflite } from '../../src/convert/tflite/index.js';
import { Tensor } from '../../src/ir/tensor.js';
import { type ModelSpec, type TensorSpec, buildTflite } from '../helpers/tflite-builder.js';
import { f32, random } from '../helpers/tflite-check.js';
import { runTflite } from '../helpers/tflite-interpreter.js';
import { runWlm, toWlm } from '../helpers/tflite-models.js';

interface Case {
  anchors: number;
  columns: number;
  options: Record<string, number | boolean>;
  quantized?: boolean;
  seed: number;
}

// Float options as TFLite's converter writes them: float32 (a JS double that is not one is stored as a 64-bit float).
const defaults = { nms_score_threshold: Math.fround(0.2), nms_iou_threshold: 0.5, y_scale: 10, x_scale: 10, h_scale: 5, w_scale: 5 };

/** Anchors (y, x, h, w) over the unit square, sized so that many boxes overlap. */
function anchorValues(count: number, seed: number): number[] {
  const r = random(count * 4, 0, 1, seed);
  return Array.from({ length: count * 4 }, (_, i) => (i % 4 < 2 ? r[i]! : 0.08 + 0.25 * r[i]!));
}

function model(c: Case): { spec: ModelSpec; inputs: Tensor[] } {
  const slots = (c.options.max_detections as number) * (c.options.use_regular_nms ? 1 : (c.options.max_classes_per_detection as number));
  const encodingsCount = c.anchors * 4;
  const scoreCount = c.anchors * c.columns;
  let tensors: TensorSpec[];
  let inputs: Tensor[];
  if (c.quantized) {
    const q = (shape: number[], scale: number, zeroPoint: number, data?: number[]): TensorSpec => ({ type: 'uint8', shape, data, quantization: { scale: [scale], zeroPoint: [zeroPoint] } });
    tensors = [q([1, c.anchors, 4], 0.05, 128), q([1, c.anchors, c.columns], 1 / 64, 0), q([c.anchors, 4], 1 / 255, 0, anchorValues(c.anchors, c.seed).map((v) => Math.round(v * 255)))];
    inputs = [
      new Tensor('uint8', Uint8Array.from(random(encodingsCount, 88, 168, c.seed + 1), Math.round), [1, c.anchors, 4]),
      new Tensor('uint8', Uint8Array.from(random(scoreCount, 0, 64, c.seed + 2), Math.round), [1, c.anchors, c.columns]),
    ];
  } else {
    tensors = [f32([1, c.anchors, 4]), f32([1, c.anchors, c.columns]), f32([c.anchors, 4], anchorValues(c.anchors, c.seed))];
    inputs = [
      new Tensor('float32', Float32Array.from(random(encodingsCount, -2, 2, c.seed + 1)), [1, c.anchors, 4]),
      new Tensor('float32', Float32Array.from(random(scoreCount, 0, 1, c.seed + 2)), [1, c.anchors, c.columns]),
    ];
  }
  tensors.push(f32([1, slots, 4]), f32([1, slots]), f32([1, slots]), f32([1]));
  const spec: ModelSpec = {
    tensors,
    inputs: [0, 1],
    outputs: [3, 4, 5, 6],
    operators: [{ op: 'CUSTOM:TFLite_Detection_PostProcess', inputs: [0, 1, 2], outputs: [3, 4, 5, 6], customOptions: flexbuffers.encode(Object.fromEntries(Object.entries({ ...defaults, ...c.options }).map(([k, v]) => [k, typeof v === 'number' ? Math.fround(v) : v]))) }],
  };
  return { spec, inputs };
}

/** Compares weblite's outputs with the interpreter's in the valid slots; returns the worst box error and the count. */
async function check(c: Case): Promise<{ worst: number; count: number }> {
  const { spec, inputs } = model(c);
  const bytes = buildTflite(spec);
  const want = (await runTflite(bytes, inputs)).map((r) => r.tensor);
  const count = (want[3]!.data as Float32Array)[0]!;
  const perDetection = c.options.use_regular_nms ? 1 : (c.options.max_classes_per_detection as number);
  const written = c.options.use_regular_nms ? 1 : Math.min(perDetection, c.options.num_classes as number);
  const valid = (slot: number) => Math.floor(slot / perDetection) < count && slot % perDetection < written;
  const wlm = toWlm(bytes, 'ssd.tflite');
  let worst = 0;
  for (const backend of ['reference', 'wasm'] as const) {
    const got = await runWlm(wlm, inputs, backend);
    got.forEach((tensor, i) => expect(tensor.dims, `${backend} output ${i}`).toEqual(want[i]!.dims));
    expect((got[3]!.data as Float32Array)[0], `${backend} count`).toBe(count);
    const slots = want[1]!.dims[1]!;
    for (let slot = 0; slot < slots; slot++) {
      if (!valid(slot)) {
        // weblite zero-fills what TFLite leaves unwritten.
        expect([(got[1]!.data as Float32Array)[slot], (got[2]!.data as Float32Array)[slot]], `${backend} slot ${slot}`).toEqual([0, 0]);
        continue;
      }
      const where = `${backend} slot ${slot}`;
      expect((got[1]!.data as Float32Array)[slot], `${where} class`).toBe((want[1]!.data as Float32Array)[slot]);
      expect((got[2]!.data as Float32Array)[slot], `${where} score`).toBe((want[2]!.data as Float32Array)[slot]);
      for (let k = 0; k < 4; k++) worst = Math.max(worst, Math.abs((got[0]!.data as Float32Array)[slot * 4 + k]! - (want[0]!.data as Float32Array)[slot * 4 + k]!));
    }
  }
  expect(worst).toBeLessThanOrEqual(1e-5);
  return { worst, count };
}

describe('TFLite_Detection_PostProcess vs the TFLite interpreter', () => {
  it('fast NMS: one class per detection, with and without a background column', async () => {
    const a = await check({ anchors: 60, columns: 6, seed: 3, options: { max_detections: 10, max_classes_per_detection: 1, num_classes: 5 } });
    const b = await check({ anchors: 40, columns: 3, seed: 5, options: { max_detections: 50, max_classes_per_detection: 1, num_classes: 3, nms_iou_threshold: 0.3 } });
    expect(a.count).toBe(10); // capped by max_detections
    expect(b.count).toBeGreaterThan(3);
    expect(b.count).toBeLessThan(40); // boxes were suppressed
  });

  it('fast NMS: several classes per detection (below and above num_classes)', async () => {
    await check({ anchors: 30, columns: 5, seed: 7, options: { max_detections: 6, max_classes_per_detection: 3, num_classes: 4 } });
    await check({ anchors: 30, columns: 2, seed: 9, options: { max_detections: 6, max_classes_per_detection: 3, num_classes: 2 } });
  });

  it('regular NMS: per-class selection merged by score', async () => {
    const a = await check({ anchors: 50, columns: 5, seed: 11, options: { max_detections: 12, max_classes_per_detection: 1, detections_per_class: 4, num_classes: 4, use_regular_nms: true } });
    expect(a.count).toBe(12);
    // classes · per-class bound below max_detections: the tail is zero-filled.
    const b = await check({ anchors: 20, columns: 2, seed: 13, options: { max_detections: 15, max_classes_per_detection: 1, detections_per_class: 5, num_classes: 2, use_regular_nms: true, nms_score_threshold: 0.5 } });
    expect(b.count).toBeLessThanOrEqual(10);
  });

  it('uint8 box encodings, scores and anchors (many equal scores): fast and regular NMS', async () => {
    await check({ anchors: 64, columns: 4, seed: 17, quantized: true, options: { max_detections: 10, max_classes_per_detection: 1, num_classes: 3, nms_score_threshold: 0.25 } });
    await check({ anchors: 64, columns: 4, seed: 19, quantized: true, options: { max_detections: 20, max_classes_per_detection: 1, detections_per_class: 8, num_classes: 3, use_regular_nms: true, nms_score_threshold: 0.25 } });
  });

  it('the score threshold keeps scores equal to it (TFLite ≥), via the float32 just below', async () => {
    expect(float32Below(0.5)).toBeLessThan(0.5);
    expect(Math.fround(float32Below(0.5))).toBe(float32Below(0.5));
    expect(float32Below(0) < 0 && float32Below(-1) < -1).toBe(true);
    // Quantized scores are multiples of 1/64: a threshold of 16/64 hits many of them exactly.
    await check({ anchors: 64, columns: 4, seed: 23, quantized: true, options: { max_detections: 30, max_classes_per_detection: 1, num_classes: 3, nms_score_threshold: 0.25, use_regular_nms: true, detections_per_class: 30 } });
  });

  it('flexbuffers options: 1- to 8-byte widths, ints, floats, bools, missing keys', () => {
    const narrow = new FlexbufferMap(flexbuffers.encode({ a: 3, b: Math.fround(0.25), c: true, d: -2 }), 'test');
    expect([narrow.number('a'), narrow.number('b'), narrow.bool('c'), narrow.number('d'), narrow.number('e', 100), narrow.has('e')]).toEqual([3, 0.25, true, -2, 100, false]);
    // 0.2 and 2^40 need 8-byte values: the whole map is then 8 bytes wide.
    const wide = new FlexbufferMap(flexbuffers.encode({ max_detections: 2 ** 40, nms_iou_threshold: 0.2, use_regular_nms: false }), 'test');
    expect([wide.number('max_detections'), wide.number('nms_iou_threshold'), wide.bool('use_regular_nms', true)]).toEqual([2 ** 40, 0.2, false]);
  });

  it('corrupt or invalid options are BAD_MODEL', () => {
    const { spec } = model({ anchors: 4, columns: 2, seed: 1, options: { max_detections: 2, max_classes_per_detection: 1, num_classes: 2 } });
    const withOptions = (bytes: Uint8Array) => buildTflite({ ...spec, operators: [{ ...spec.operators[0]!, customOptions: bytes }] });
    expect(() => importTflite(withOptions(new Uint8Array([1, 2])))).toThrow(expect.objectContaining({ code: 'BAD_MODEL' }));
    expect(() => importTflite(withOptions(new Uint8Array([200, 1, 7, 255, 9, 4, 1])))).toThrow(expect.objectContaining({ code: 'BAD_MODEL' }));
    expect(() => importTflite(withOptions(flexbuffers.encode([1, 2, 3])))).toThrow(/must be a flexbuffers map/);
    expect(() => importTflite(withOptions(flexbuffers.encode({ ...defaults, max_detections: 2, max_classes_per_detection: 1, num_classes: 2, nms_iou_threshold: 0 })))).toThrow(/nms_iou_threshold must be in \(0, 1\]/);
    expect(() => importTflite(withOptions(flexbuffers.encode({ ...defaults, max_detections: 2, max_classes_per_detection: 1, num_classes: 5 })))).toThrow(/2 columns for 5 classes/);
  });
});
