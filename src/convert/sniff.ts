/** Tells model formats apart from their first bytes. */
export type SourceFormat = 'onnx' | 'tflite' | 'caffe' | 'wlm';

function tag(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

export function sniffFormat(bytes: Uint8Array): SourceFormat {
  if (bytes.length >= 8 && tag(bytes, 4) === 'WLM1') return 'wlm';
  if (bytes.length >= 8 && tag(bytes, 4) === 'TFL3') return 'tflite';
  // Caffe's deploy.prototxt is text: starts with a name/input/layer(s) field, possibly after comments.
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).replace(/^(\s*#[^\n]*\n)*/, '').trimStart();
  if (/^(name|input|input_dim|input_shape|layers?)\s*[:{]/.test(head)) return 'caffe';
  return 'onnx';
}
