/**
 * How a TFLite tensor is laid out in the IR. TFLite activations are NHWC; the IR (ONNX semantics) wants NCHW for
 * convolutions and pooling. A converted tensor may exist in several *forms*; a form is a permutation `form` with
 * IR axis i holding TFLite axis form[i]:
 *   - the identity ("native"): the IR tensor has TFLite's dims and element order;
 *   - NCHW = [0, 3, 1, 2] for 4-D activations: IR dims [N, C, H, W] from TFLite's [N, H, W, C].
 * Ops that can remap their axis parameters run on whichever form their input has; a Transpose appears only when
 * a reader needs a form nobody produced (graph inputs and outputs, and reshapes that mix H, W and C).
 */

export type Form = readonly number[];

export const NCHW: Form = [0, 3, 1, 2];

export function nativeForm(rank: number): Form {
  return Array.from({ length: rank }, (_, i) => i);
}

export function isNative(form: Form): boolean {
  return form.every((axis, i) => axis === i);
}

export function formKey(form: Form): string {
  return form.join(',');
}

/** IR dims of a tensor with TFLite dims `dims` in `form`. */
export function permuteDims<T>(dims: readonly T[], form: Form): T[] {
  return form.map((axis) => dims[axis]!);
}

/** TFLite dims from IR dims in `form`. */
export function unpermuteDims<T>(irDims: readonly T[], form: Form): T[] {
  const out = new Array<T>(irDims.length);
  form.forEach((axis, i) => (out[axis] = irDims[i]!));
  return out;
}

/** The IR axis holding TFLite axis `axis` (already normalised to [0, rank)). */
export function irAxis(form: Form, axis: number): number {
  return form.indexOf(axis);
}

/** The Transpose perm that turns a tensor in form `from` into form `to` (ONNX: output axis i = input axis perm[i]). */
export function transposePerm(from: Form, to: Form): number[] {
  return to.map((axis) => from.indexOf(axis));
}

/**
 * True when a 4-D tensor's NCHW and NHWC element orders coincide (C = 1, or H·W = 1), so a reshape may read or
 * write the NCHW form directly.
 */
export function sameOrderAsNchw(dims: readonly number[]): boolean {
  return dims.length === 4 && (dims[3] === 1 || dims[1]! * dims[2]! === 1);
}

/**
 * The form of an op's output when the op keeps some of its input's axes and drops the others: kept TFLite axes
 * keep their relative order in the output, so the output's form is the input form restricted to the kept axes,
 * renumbered. Returns undefined if that is neither native nor NCHW (the caller then transposes to native).
 */
export function keptAxesForm(inputForm: Form, kept: readonly number[]): Form {
  const irOrder = inputForm.filter((axis) => kept.includes(axis));
  const sorted = [...kept].sort((a, b) => a - b);
  return irOrder.map((axis) => sorted.indexOf(axis));
}

export function isNchw(form: Form): boolean {
  return form.length === 4 && form.every((axis, i) => axis === NCHW[i]);
}

/** Forms a tensor may be registered in: native, or NCHW for 4-D. */
export function isRegisteredForm(form: Form): boolean {
  return isNative(form) || isNchw(form);
}
