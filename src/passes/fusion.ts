/**
 * The fusion stage, in the order the passes must run. It comes after the optimisation loop (identities removed,
 * constants folded: the patterns look for constant weights, biases and Clip bounds) and is followed by dead-node
 * elimination and shape inference.
 *
 * Order matters where one fusion feeds another:
 * - BatchNorm folds into a conv before the conv can take a residual or an activation.
 * - The residual Add fuses before the activation, since act(conv + Z) is the only order the epilogue computes.
 * - Gelu and LayerNorm collapse to single nodes first, so a Gelu after a conv or matmul can then be fused.
 * - MatMul + bias becomes FusedMatMul before fuse-activation looks for a product to attach the activation to.
 */
import { cancelTransposes } from './cancel-transposes.js';
import { fuseActivation } from './fuse-activation.js';
import { fuseConvBatchNorm } from './fuse-conv-batchnorm.js';
import { fuseGelu } from './fuse-gelu.js';
import { fuseLayerNorm } from './fuse-layernorm.js';
import { fuseMatMulAdd } from './fuse-matmul-add.js';
import { fuseResidualAdd } from './fuse-residual-add.js';
import type { Pass } from './pass.js';

export const FUSION_PASSES: readonly Pass[] = [
  cancelTransposes,
  fuseConvBatchNorm,
  fuseResidualAdd,
  fuseLayerNorm,
  fuseGelu,
  fuseMatMulAdd,
  fuseActivation,
];
