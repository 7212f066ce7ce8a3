/**
 * The part of Caffe's schema weblite reads, as a protobufjs JSON descriptor written from Caffe's published field
 * numbers (BVLC caffe.proto; Permute/Normalize/PriorBox from the SSD fork). One schema serves both the binary
 * .caffemodel decoder (protobufjs) and the text-format parser of deploy.prototxt, which checks every field name and
 * value kind against it. Messages weblite does not need (data layers, losses, solvers…) are left out: the text
 * parser accepts an unknown `*_param` of a layer untyped, and the binary decoder skips unknown fields.
 */

type FieldEntry = [id: number, type: string, rule?: 'repeated'];

const REPEATED = 'repeated' as const;

function message(fields: Record<string, FieldEntry>, nested?: Record<string, unknown>): Record<string, unknown> {
  const json: Record<string, unknown> = {
    edition: 'proto2',
    fields: Object.fromEntries(
      Object.entries(fields).map(([name, [id, type, rule]]) => [name, rule ? { rule, type, id } : { type, id }]),
    ),
  };
  if (nested) json.nested = nested;
  return json;
}

const enumeration = (values: Record<string, number>) => ({ edition: 'proto2', values });

/** The current layer message (`layer { type: "Convolution" }`). */
const layerParameterFields: Record<string, FieldEntry> = {
  name: [1, 'string'],
  type: [2, 'string'],
  bottom: [3, 'string', REPEATED],
  top: [4, 'string', REPEATED],
  phase: [10, 'Phase'],
  loss_weight: [5, 'float', REPEATED],
  param: [6, 'ParamSpec', REPEATED],
  blobs: [7, 'BlobProto', REPEATED],
  propagate_down: [11, 'bool', REPEATED],
  include: [8, 'NetStateRule', REPEATED],
  exclude: [9, 'NetStateRule', REPEATED],
  batch_norm_param: [139, 'BatchNormParameter'],
  bias_param: [141, 'BiasParameter'],
  clip_param: [148, 'ClipParameter'],
  concat_param: [104, 'ConcatParameter'],
  convolution_param: [106, 'ConvolutionParameter'],
  dropout_param: [108, 'DropoutParameter'],
  eltwise_param: [110, 'EltwiseParameter'],
  elu_param: [140, 'ELUParameter'],
  exp_param: [111, 'ExpParameter'],
  flatten_param: [135, 'FlattenParameter'],
  inner_product_param: [117, 'InnerProductParameter'],
  input_param: [143, 'InputParameter'],
  lrn_param: [118, 'LRNParameter'],
  pooling_param: [121, 'PoolingParameter'],
  power_param: [122, 'PowerParameter'],
  prelu_param: [131, 'PReLUParameter'],
  relu_param: [123, 'ReLUParameter'],
  reshape_param: [133, 'ReshapeParameter'],
  scale_param: [142, 'ScaleParameter'],
  sigmoid_param: [124, 'SigmoidParameter'],
  softmax_param: [125, 'SoftmaxParameter'],
  slice_param: [126, 'SliceParameter'],
  tanh_param: [127, 'TanHParameter'],
  // The SSD fork's layers.
  argmax_param: [103, 'ArgMaxParameter'],
  crop_param: [144, 'CropParameter'],
  embed_param: [137, 'EmbedParameter'],
  log_param: [134, 'LogParameter'],
  mvn_param: [120, 'MVNParameter'],
  parameter_param: [145, 'ParameterParameter'],
  reduction_param: [136, 'ReductionParameter'],
  threshold_param: [128, 'ThresholdParameter'],
  tile_param: [138, 'TileParameter'],
  permute_param: [202, 'PermuteParameter'],
  prior_box_param: [203, 'PriorBoxParameter'],
  norm_param: [206, 'NormalizeParameter'],
  // Forks' layers (DeepLab/PSPNet Interp, ShuffleNet's ShuffleChannel, Swish, darknet2caffe's Upsample). Their numbers clash between forks
  // (DeepLab's interp_param is 143, BVLC's input_param), and only the text parser meets them: weights are decoded
  // with WeightsNetParameter, which skips every layer parameter. So they sit at numbers no fork uses.
  interp_param: [10143, 'InterpParameter'],
  shuffle_channel_param: [10164, 'ShuffleChannelParameter'],
  swish_param: [10165, 'SwishParameter'],
  upsample_param: [10149, 'UpsampleParameter'],
};

/** The old (V1) layer message: an enum type and its own field numbers. */
const v1LayerParameterFields: Record<string, FieldEntry> = {
  bottom: [2, 'string', REPEATED],
  top: [3, 'string', REPEATED],
  name: [4, 'string'],
  include: [32, 'NetStateRule', REPEATED],
  exclude: [33, 'NetStateRule', REPEATED],
  type: [5, 'LayerType'],
  blobs: [6, 'BlobProto', REPEATED],
  param: [1001, 'string', REPEATED],
  blob_share_mode: [1002, 'DimCheckMode', REPEATED],
  blobs_lr: [7, 'float', REPEATED],
  weight_decay: [8, 'float', REPEATED],
  loss_weight: [35, 'float', REPEATED],
  argmax_param: [23, 'ArgMaxParameter'],
  concat_param: [9, 'ConcatParameter'],
  convolution_param: [10, 'ConvolutionParameter'],
  dropout_param: [12, 'DropoutParameter'],
  eltwise_param: [24, 'EltwiseParameter'],
  exp_param: [41, 'ExpParameter'],
  inner_product_param: [17, 'InnerProductParameter'],
  lrn_param: [18, 'LRNParameter'],
  mvn_param: [34, 'MVNParameter'],
  pooling_param: [19, 'PoolingParameter'],
  power_param: [21, 'PowerParameter'],
  relu_param: [30, 'ReLUParameter'],
  sigmoid_param: [38, 'SigmoidParameter'],
  softmax_param: [39, 'SoftmaxParameter'],
  slice_param: [31, 'SliceParameter'],
  tanh_param: [37, 'TanHParameter'],
  threshold_param: [25, 'ThresholdParameter'],
};

const engine = enumeration({ DEFAULT: 0, CAFFE: 1, CUDNN: 2 });

export const caffeDescriptor = {
  nested: {
    caffe: {
      nested: {
        Phase: enumeration({ TRAIN: 0, TEST: 1 }),
        BlobShape: message({ dim: [1, 'int64', REPEATED] }),
        BlobProto: message({
          shape: [7, 'BlobShape'],
          data: [5, 'float', REPEATED],
          diff: [6, 'float', REPEATED],
          double_data: [8, 'double', REPEATED],
          double_diff: [9, 'double', REPEATED],
          num: [1, 'int32'],
          channels: [2, 'int32'],
          height: [3, 'int32'],
          width: [4, 'int32'],
        }),
        NetParameter: message({
          name: [1, 'string'],
          input: [3, 'string', REPEATED],
          input_shape: [8, 'BlobShape', REPEATED],
          input_dim: [4, 'int32', REPEATED],
          force_backward: [5, 'bool'],
          state: [6, 'NetState'],
          debug_info: [7, 'bool'],
          layer: [100, 'LayerParameter', REPEATED],
          layers: [2, 'V1LayerParameter', REPEATED],
        }),
        NetState: message({ phase: [1, 'Phase'], level: [2, 'int32'], stage: [3, 'string', REPEATED] }),
        NetStateRule: message({
          phase: [1, 'Phase'],
          min_level: [2, 'int32'],
          max_level: [3, 'int32'],
          stage: [4, 'string', REPEATED],
          not_stage: [5, 'string', REPEATED],
        }),
        ParamSpec: message(
          { name: [1, 'string'], share_mode: [2, 'DimCheckMode'], lr_mult: [3, 'float'], decay_mult: [4, 'float'] },
          { DimCheckMode: enumeration({ STRICT: 0, PERMISSIVE: 1 }) },
        ),
        FillerParameter: message(
          {
            type: [1, 'string'],
            value: [2, 'float'],
            min: [3, 'float'],
            max: [4, 'float'],
            mean: [5, 'float'],
            std: [6, 'float'],
            sparse: [7, 'int32'],
            variance_norm: [8, 'VarianceNorm'],
          },
          { VarianceNorm: enumeration({ FAN_IN: 0, FAN_OUT: 1, AVERAGE: 2 }) },
        ),
        LayerParameter: message(layerParameterFields),
        V1LayerParameter: message(v1LayerParameterFields, {
          LayerType: enumeration({
            NONE: 0, ABSVAL: 35, ACCURACY: 1, ARGMAX: 30, BNLL: 2, CONCAT: 3, CONTRASTIVE_LOSS: 37, CONVOLUTION: 4,
            DATA: 5, DECONVOLUTION: 39, DROPOUT: 6, DUMMY_DATA: 32, EUCLIDEAN_LOSS: 7, ELTWISE: 25, EXP: 38,
            FLATTEN: 8, HDF5_DATA: 9, HDF5_OUTPUT: 10, HINGE_LOSS: 28, IM2COL: 11, IMAGE_DATA: 12,
            INFOGAIN_LOSS: 13, INNER_PRODUCT: 14, LRN: 15, MEMORY_DATA: 29, MULTINOMIAL_LOGISTIC_LOSS: 16, MVN: 34,
            POOLING: 17, POWER: 26, RELU: 18, SIGMOID: 19, SIGMOID_CROSS_ENTROPY_LOSS: 27, SILENCE: 36,
            SOFTMAX: 20, SOFTMAX_LOSS: 21, SPLIT: 22, SLICE: 33, TANH: 23, WINDOW_DATA: 24, THRESHOLD: 31,
          }),
          DimCheckMode: enumeration({ STRICT: 0, PERMISSIVE: 1 }),
        }),
        BatchNormParameter: message({ use_global_stats: [1, 'bool'], moving_average_fraction: [2, 'float'], eps: [3, 'float'] }),
        BiasParameter: message({ axis: [1, 'int32'], num_axes: [2, 'int32'], filler: [3, 'FillerParameter'] }),
        ClipParameter: message({ min: [1, 'float'], max: [2, 'float'] }),
        ConcatParameter: message({ axis: [2, 'int32'], concat_dim: [1, 'uint32'] }),
        ConvolutionParameter: message(
          {
            num_output: [1, 'uint32'],
            bias_term: [2, 'bool'],
            pad: [3, 'uint32', REPEATED],
            kernel_size: [4, 'uint32', REPEATED],
            stride: [6, 'uint32', REPEATED],
            dilation: [18, 'uint32', REPEATED],
            pad_h: [9, 'uint32'],
            pad_w: [10, 'uint32'],
            kernel_h: [11, 'uint32'],
            kernel_w: [12, 'uint32'],
            stride_h: [13, 'uint32'],
            stride_w: [14, 'uint32'],
            group: [5, 'uint32'],
            weight_filler: [7, 'FillerParameter'],
            bias_filler: [8, 'FillerParameter'],
            engine: [15, 'Engine'],
            axis: [16, 'int32'],
            force_nd_im2col: [17, 'bool'],
          },
          { Engine: engine },
        ),
        DropoutParameter: message({ dropout_ratio: [1, 'float'] }),
        EltwiseParameter: message(
          { operation: [1, 'EltwiseOp'], coeff: [2, 'float', REPEATED], stable_prod_grad: [3, 'bool'] },
          { EltwiseOp: enumeration({ PROD: 0, SUM: 1, MAX: 2 }) },
        ),
        ELUParameter: message({ alpha: [1, 'float'] }),
        ExpParameter: message({ base: [1, 'float'], scale: [2, 'float'], shift: [3, 'float'] }),
        FlattenParameter: message({ axis: [1, 'int32'], end_axis: [2, 'int32'] }),
        InnerProductParameter: message({
          num_output: [1, 'uint32'],
          bias_term: [2, 'bool'],
          weight_filler: [3, 'FillerParameter'],
          bias_filler: [4, 'FillerParameter'],
          axis: [5, 'int32'],
          transpose: [6, 'bool'],
        }),
        InputParameter: message({ shape: [1, 'BlobShape', REPEATED] }),
        LRNParameter: message(
          {
            local_size: [1, 'uint32'],
            alpha: [2, 'float'],
            beta: [3, 'float'],
            norm_region: [4, 'NormRegion'],
            k: [5, 'float'],
            engine: [6, 'Engine'],
          },
          { NormRegion: enumeration({ ACROSS_CHANNELS: 0, WITHIN_CHANNEL: 1 }), Engine: engine },
        ),
        PoolingParameter: message(
          {
            pool: [1, 'PoolMethod'],
            pad: [4, 'uint32'],
            pad_h: [9, 'uint32'],
            pad_w: [10, 'uint32'],
            kernel_size: [2, 'uint32'],
            kernel_h: [5, 'uint32'],
            kernel_w: [6, 'uint32'],
            stride: [3, 'uint32'],
            stride_h: [7, 'uint32'],
            stride_w: [8, 'uint32'],
            engine: [11, 'Engine'],
            global_pooling: [12, 'bool'],
            round_mode: [13, 'RoundMode'],
            // OpenCV's copy of caffe.proto spells the rounding as a bool `ceil_mode`. Only the text parser meets it
            // (weblite reads no layer parameters from a .caffemodel), so it sits at a number Caffe does not use.
            ceil_mode: [10013, 'bool'],
          },
          {
            PoolMethod: enumeration({ MAX: 0, AVE: 1, STOCHASTIC: 2 }),
            RoundMode: enumeration({ CEIL: 0, FLOOR: 1 }),
            Engine: engine,
          },
        ),
        PowerParameter: message({ power: [1, 'float'], scale: [2, 'float'], shift: [3, 'float'] }),
        PReLUParameter: message({ filler: [1, 'FillerParameter'], channel_shared: [2, 'bool'] }),
        ReLUParameter: message({ negative_slope: [1, 'float'], engine: [2, 'Engine'] }, { Engine: engine }),
        ReshapeParameter: message({ shape: [1, 'BlobShape'], axis: [2, 'int32'], num_axes: [3, 'int32'] }),
        ScaleParameter: message({
          axis: [1, 'int32'],
          num_axes: [2, 'int32'],
          filler: [3, 'FillerParameter'],
          bias_term: [4, 'bool'],
          bias_filler: [5, 'FillerParameter'],
        }),
        SigmoidParameter: message({ engine: [1, 'Engine'] }, { Engine: engine }),
        SliceParameter: message({ axis: [3, 'int32'], slice_point: [2, 'uint32', REPEATED], slice_dim: [1, 'uint32'] }),
        SoftmaxParameter: message({ engine: [1, 'Engine'], axis: [2, 'int32'] }, { Engine: engine }),
        TanHParameter: message({ engine: [1, 'Engine'] }, { Engine: engine }),
        PermuteParameter: message({ order: [1, 'uint32', REPEATED] }),
        NormalizeParameter: message({
          across_spatial: [1, 'bool'],
          scale_filler: [2, 'FillerParameter'],
          channel_shared: [3, 'bool'],
          eps: [4, 'float'],
        }),
        ArgMaxParameter: message({ out_max_val: [1, 'bool'], top_k: [2, 'uint32'], axis: [3, 'int32'] }),
        CropParameter: message({ axis: [1, 'int32'], offset: [2, 'uint32', REPEATED] }),
        LogParameter: message({ base: [1, 'float'], scale: [2, 'float'], shift: [3, 'float'] }),
        MVNParameter: message({ normalize_variance: [1, 'bool'], across_channels: [2, 'bool'], eps: [3, 'float'] }),
        ReductionParameter: message(
          { operation: [1, 'ReductionOp'], axis: [2, 'int32'], coeff: [3, 'float'] },
          { ReductionOp: enumeration({ SUM: 1, ASUM: 2, SUMSQ: 3, MEAN: 4 }) },
        ),
        ThresholdParameter: message({ threshold: [1, 'float'] }),
        TileParameter: message({ axis: [1, 'int32'], tiles: [2, 'int32'] }),
        InterpParameter: message({
          height: [1, 'int32'],
          width: [2, 'int32'],
          zoom_factor: [3, 'int32'],
          shrink_factor: [4, 'int32'],
          pad_beg: [5, 'int32'],
          pad_end: [6, 'int32'],
        }),
        ShuffleChannelParameter: message({ group: [1, 'uint32'] }),
        UpsampleParameter: message({
          scale: [1, 'uint32'],
          scale_h: [2, 'uint32'],
          scale_w: [3, 'uint32'],
          pad_out_h: [4, 'bool'],
          pad_out_w: [5, 'bool'],
          upsample_h: [6, 'uint32'],
          upsample_w: [7, 'uint32'],
        }),
        EmbedParameter: message({
          num_output: [1, 'uint32'],
          input_dim: [2, 'uint32'],
          bias_term: [3, 'bool'],
          weight_filler: [4, 'FillerParameter'],
          bias_filler: [5, 'FillerParameter'],
        }),
        ParameterParameter: message({ shape: [1, 'BlobShape'] }),
        SwishParameter: message({ beta: [1, 'float'] }),
        // What decodeWeights reads of a .caffemodel: layer names and blobs, in both layer forms; everything else
        // (parameters, whose numbers differ between forks) is skipped unread.
        WeightsNetParameter: message({ layer: [100, 'WeightsLayer', REPEATED], layers: [2, 'WeightsV1Layer', REPEATED] }),
        WeightsLayer: message({ name: [1, 'string'], blobs: [7, 'BlobProto', REPEATED] }),
        WeightsV1Layer: message({ name: [4, 'string'], blobs: [6, 'BlobProto', REPEATED] }),
        PriorBoxParameter: message(
          {
            min_size: [1, 'float', REPEATED],
            max_size: [2, 'float', REPEATED],
            aspect_ratio: [3, 'float', REPEATED],
            flip: [4, 'bool'],
            clip: [5, 'bool'],
            variance: [6, 'float', REPEATED],
            img_size: [7, 'uint32'],
            img_h: [8, 'uint32'],
            img_w: [9, 'uint32'],
            step: [10, 'float'],
            step_h: [11, 'float'],
            step_w: [12, 'float'],
            offset: [13, 'float'],
          },
          { CodeType: enumeration({ CORNER: 1, CENTER_SIZE: 2, CORNER_SIZE: 3 }) },
        ),
      },
    },
  },
};
