/**
 * The custom operators weblite implements, by their custom_code (OperatorCode.custom_code). Any other custom
 * operator is reported with the unsupported builtins.
 */
import type { OpConverter } from '../registry.js';
import { detectionConverters } from './detection-postprocess.js';
import { mediapipeConverters } from './mediapipe.js';

export const CUSTOM_CONVERTERS: Readonly<Record<string, OpConverter>> = {
  ...detectionConverters,
  ...mediapipeConverters,
};
