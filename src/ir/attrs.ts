/** Attribute resolution against an op's spec: defaults filled, kinds checked, unknown attributes dropped. */
import { WebliteError } from '../errors.js';
import type { AttrValue, Attrs } from './graph.js';
import type { AttrSpec } from './op-spec.js';
import { Tensor } from './tensor.js';

function kindMatches(spec: AttrSpec, value: AttrValue): boolean {
  switch (spec.type) {
    case 'int':
    case 'float':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'ints':
    case 'floats':
      return Array.isArray(value) && value.every((v) => typeof v === 'number');
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'tensor':
      return value instanceof Tensor;
  }
}

/**
 * Returns the attributes the op declares, with defaults for absent ones. Attributes the spec does not declare are
 * dropped (legacy attributes such as `consumed_inputs` carry no meaning for inference).
 */
export function resolveAttrs(specs: Record<string, AttrSpec>, given: Attrs, where: string): Attrs {
  const out: Attrs = {};
  for (const [name, spec] of Object.entries(specs)) {
    let value = given[name];
    if (value === undefined) {
      if (spec.default === undefined) {
        if (spec.required) throw new WebliteError('BAD_MODEL', `${where}: required attribute '${name}' is missing`);
        continue;
      }
      value = Array.isArray(spec.default) ? [...(spec.default as number[])] : spec.default;
    }
    // An empty list carries no type information in ONNX; accept it for any list kind.
    if (Array.isArray(value) && value.length === 0 && spec.type.endsWith('s')) {
      out[name] = value;
      continue;
    }
    if (!kindMatches(spec, value)) {
      throw new WebliteError('BAD_MODEL', `${where}: attribute '${name}' must be ${spec.type}, got ${describe(value)}`);
    }
    if (spec.type === 'int' && !Number.isInteger(value)) {
      throw new WebliteError('BAD_MODEL', `${where}: attribute '${name}' must be an integer, got ${value}`);
    }
    out[name] = value;
  }
  return out;
}

function describe(value: AttrValue): string {
  if (value instanceof Tensor) return `a ${value.type} tensor`;
  if (Array.isArray(value)) return `[${value.slice(0, 8).join(', ')}${value.length > 8 ? ', …' : ''}]`;
  return JSON.stringify(value);
}
