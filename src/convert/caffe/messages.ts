/**
 * The Caffe messages as plain objects, shaped the same whether they come from deploy.prototxt (text parser) or
 * from a .caffemodel (binary decoder): snake_case field names, only the fields that were set, repeated fields as
 * arrays, enums as their names, int64 as numbers. Absent fields take Caffe's defaults where they are read.
 */

export interface BlobShape {
  dim?: number[];
}

export interface BlobProto {
  shape?: BlobShape;
  data?: ArrayLike<number>;
  double_data?: ArrayLike<number>;
  num?: number;
  channels?: number;
  height?: number;
  width?: number;
}

export interface NetStateRule {
  phase?: string;
  min_level?: number;
  max_level?: number;
  stage?: string[];
  not_stage?: string[];
}

export interface NetState {
  phase?: string;
  level?: number;
  stage?: string[];
}

/** Both layer forms: `layer` (type is a string such as "Convolution") and V1 `layers` (type is an enum name). */
export interface LayerParameter {
  name?: string;
  type?: string;
  bottom?: string[];
  top?: string[];
  phase?: string;
  include?: NetStateRule[];
  exclude?: NetStateRule[];
  blobs?: BlobProto[];
  [param: string]: unknown;
}

export interface NetParameter {
  name?: string;
  input?: string[];
  input_shape?: BlobShape[];
  input_dim?: number[];
  state?: NetState;
  layer?: LayerParameter[];
  layers?: LayerParameter[];
}

export interface ConvolutionParameter {
  num_output?: number;
  bias_term?: boolean;
  pad?: number[];
  kernel_size?: number[];
  stride?: number[];
  dilation?: number[];
  pad_h?: number;
  pad_w?: number;
  kernel_h?: number;
  kernel_w?: number;
  stride_h?: number;
  stride_w?: number;
  group?: number;
  axis?: number;
}

export interface PoolingParameter {
  pool?: 'MAX' | 'AVE' | 'STOCHASTIC';
  pad?: number;
  pad_h?: number;
  pad_w?: number;
  kernel_size?: number;
  kernel_h?: number;
  kernel_w?: number;
  stride?: number;
  stride_h?: number;
  stride_w?: number;
  global_pooling?: boolean;
  round_mode?: 'CEIL' | 'FLOOR';
  ceil_mode?: boolean;
}

export interface InnerProductParameter {
  num_output?: number;
  bias_term?: boolean;
  axis?: number;
  transpose?: boolean;
}

export interface LRNParameter {
  local_size?: number;
  alpha?: number;
  beta?: number;
  norm_region?: 'ACROSS_CHANNELS' | 'WITHIN_CHANNEL';
  k?: number;
}

export interface EltwiseParameter {
  operation?: 'PROD' | 'SUM' | 'MAX';
  coeff?: number[];
}

export interface ScaleParameter {
  axis?: number;
  num_axes?: number;
  bias_term?: boolean;
}

export interface PriorBoxParameter {
  min_size?: number[];
  max_size?: number[];
  aspect_ratio?: number[];
  flip?: boolean;
  clip?: boolean;
  variance?: number[];
  img_size?: number;
  img_h?: number;
  img_w?: number;
  step?: number;
  step_h?: number;
  step_w?: number;
  offset?: number;
}

/** Parameters with only scalar fields, read where they are used. */
export interface ScalarParameters {
  [field: string]: number | boolean | string | number[] | BlobShape | undefined;
}
