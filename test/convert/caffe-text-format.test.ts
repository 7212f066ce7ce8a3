/** The protobuf text-format parser behind deploy.prototxt: syntax forms, value kinds, and errors with positions. */
import { describe, expect, it } from 'vitest';
import type { LayerParameter, NetParameter } from '../../src/convert/caffe/messages.js';
import { caffeType, parseNetText } from '../../src/convert/caffe/proto.js';
import { parseTextFormat, positionOf } from '../../src/convert/caffe/text-format.js';

const parse = (text: string) => parseNetText(text, 'net.prototxt');

function parseError(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('BAD_MODEL');
    return (error as Error).message;
  }
  throw new Error('expected a parse error');
}

const layer = (text: string) => parse(`layer { ${text} }`).layer![0]!;

describe('Caffe text format: accepted forms', () => {
  it('reads nested messages, repeated fields, comments and separators', () => {
    const net = parse(`
      # a comment
      name: "net"  # trailing comment
      input: "a"; input: 'b',
      input_dim: 1 input_dim: 0x3 input_dim: 010 input_dim: 8
      layer {
        name: "conv" type: "Convolution" bottom: "a" top: "conv"
        convolution_param: { num_output: 4 kernel_size: [3, 3] pad: 1 }
      }
      layer < name: "relu" type: "ReLU" bottom: "conv" top: "conv" relu_param < negative_slope: -0.5 > >
    `);
    expect(net.name).toBe('net');
    expect(net.input).toEqual(['a', 'b']);
    expect(net.input_dim).toEqual([1, 3, 8, 8]);
    expect(net.layer!.map((l) => l.name)).toEqual(['conv', 'relu']);
    expect(net.layer![0]!.convolution_param).toEqual({ num_output: 4, kernel_size: [3, 3], pad: [1] });
    expect(net.layer![1]!.relu_param).toEqual({ negative_slope: -0.5 });
  });

  it('decodes strings: escapes, UTF-8, adjacent literals', () => {
    expect(layer(String.raw`name: "a\"b\\c\n\t\x41\101\u00e9"`).name).toBe('a"b\\c\n\tAAé');
    expect(layer(`name: 'it''s' "!"`).name).toBe('its!');
    expect(layer(`name: "größe ✓"`).name).toBe('größe ✓');
    expect(layer(String.raw`name: "\303\251"`).name).toBe('é');
  });

  it('reads floats, integers, booleans and enums in every spelling', () => {
    const l = layer(`
      power_param { power: 1e-3 scale: .5 shift: -2.5f }
      pooling_param { pool: 1 global_pooling: t }
      convolution_param { bias_term: False num_output: 7 }
      eltwise_param { operation: MAX coeff: [inf, -inf, nan, 2] }`);
    expect(l.power_param).toEqual({ power: 1e-3, scale: 0.5, shift: -2.5 });
    expect(l.pooling_param).toEqual({ pool: 'AVE', global_pooling: true });
    expect(l.convolution_param).toEqual({ bias_term: false, num_output: 7 });
    const coefficients = (l.eltwise_param as { coeff: number[] }).coeff;
    expect(coefficients.slice(0, 2)).toEqual([Infinity, -Infinity]);
    expect(Number.isNaN(coefficients[2])).toBe(true);
  });

  it('keeps unknown *_param messages of layers (fork layers) untyped', () => {
    const l = layer(`type: "PSROIPooling" psroi_pooling_param { scale: 2 mode: NEAREST nested { x: "y" } }`);
    // Without a schema every field may repeat, so each is a list.
    expect(l.psroi_pooling_param).toEqual([{ scale: ['2'], mode: ['NEAREST'], nested: [{ x: ['y'] }] }]);
  });

  it('parses V1 layers with enum types and blobs_lr', () => {
    const net = parse(`layers { name: "c" type: CONVOLUTION blobs_lr: 1 blobs_lr: 2 weight_decay: 1 top: "c" }`);
    expect(net.layers![0]).toMatchObject({ name: 'c', type: 'CONVOLUTION', blobs_lr: [1, 2] });
  });

  it('records where messages and fields were written', () => {
    const net = parse(`name: "n"\n\nlayer {\n  name: "x"\n    type: "ReLU"\n}`);
    const first = net.layer![0]!;
    expect(positionOf(first)).toEqual({ line: 3, column: 1 });
    expect(positionOf(first, 'type')).toEqual({ line: 5, column: 5 });
  });

  it('reads inline blobs and shapes', () => {
    const l = layer(`blobs { shape { dim: 2 } data: 1 data: 2.5 }`);
    expect(l.blobs).toEqual([{ shape: { dim: [2] }, data: [1, 2.5] }]);
  });

  it('strips a byte-order mark and accepts an empty file', () => {
    expect(parse('\ufeffname: "x"').name).toBe('x');
    expect(parse('  # only a comment\n')).toEqual({});
  });

  it('parses against any message type of the schema', () => {
    const shape = parseTextFormat<{ dim: number[] }>('dim: 1 dim: 2', caffeType('BlobShape'), 'shape.txt');
    expect(shape.dim).toEqual([1, 2]);
  });
});

describe('Caffe text format: errors name file:line:column', () => {
  const cases: [name: string, text: string, message: RegExp][] = [
    ['unknown field', 'name: "n"\nlayre { }', /net\.prototxt:2:1: unknown field 'layre' in NetParameter/],
    ['unknown field in a parameter message', 'layer {\n  convolution_param { kernal_size: 3 }\n}', /2:23: unknown field 'kernal_size' in ConvolutionParameter/],
    ['missing colon before a scalar', 'name "n"', /1:6: expected ':' after field 'name'/],
    ['string for an integer', 'input_dim: "3"', /1:12: field 'input_dim' expects an integer \(int32\), got a string/],
    ['float for an integer', 'input_dim: 2.5', /1:12: field 'input_dim' expects an integer/],
    ['negative unsigned', 'layer { convolution_param { num_output: -4 } }', /1:42: value -4 is out of range for uint32 field 'num_output'/],
    ['int32 overflow', 'input_dim: 2147483648', /out of range for int32/],
    ['unknown enum name', 'layer { pooling_param { pool: MIN } }', /1:31: field 'pool' expects one of MAX, AVE, STOCHASTIC; got 'MIN'/],
    ['bad boolean', 'layer { convolution_param { bias_term: yes } }', /field 'bias_term' expects true or false, got 'yes'/],
    ['non-repeated field twice', 'name: "a"\nname: "b"', /2:1: field 'name' is not repeated but is set again \(first at 1:1\)/],
    ['scalar given a message', 'name { }', /1:6: field 'name' holds a string, not a message/],
    ['message given a scalar', 'layer: 3', /1:8: expected '\{' after message field 'layer'/],
    ['list for a non-repeated field', 'name: ["a"]', /1:7: field 'name' is not repeated/],
    ['unclosed message', 'layer {\n  name: "a"\n', /3:1: expected '\}' to close the message opened at 1:7/],
    ['stray closing brace', 'name: "a" }', /1:11: expected a field name, got '\}'/],
    ['mismatched delimiters', 'layer { name: "a" >', /1:19: expected a field name, got '>'/],
    ['unterminated string', 'name: "abc\nlayer {}', /1:7: unterminated string/],
    ['invalid escape', 'name: "a\\qb"', /1:9: invalid escape '\\q'/],
    ['malformed number', 'input_dim: 1.2.3', /1:12: invalid number '1\.2\.3'/],
    ['number glued to letters', 'input_dim: 12abc', /1:12: invalid number '12abc'/],
    ['bad octal', 'input_dim: 09', /field 'input_dim' expects an integer/],
    ['unexpected character', 'name: "a" @', /1:11: unexpected character '@'/],
    ['unclosed list', 'input_dim: [1, 2', /expected ',' or '\]' in the list of 'input_dim', got the end of the file/],
    ['extensions', '[ext] { }', /1:1: expected a field name, got '\['.*extensions are not supported/],
    ['invalid UTF-8 from escapes', 'name: "\\xff"', /1:7: string for field 'name' is not valid UTF-8/],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => expect(parseError(text)).toMatch(message));
  }

  it('counts columns after multi-byte characters and tabs as one each', () => {
    expect(parseError('name: "é"\tfoo: 1')).toMatch(/1:11: unknown field 'foo'/);
  });
});

describe('Caffe text format: typed output', () => {
  it('returns plain objects with snake_case fields', () => {
    const net: NetParameter = parse('state { phase: TRAIN level: 2 stage: "x" }');
    expect(net.state).toEqual({ phase: 'TRAIN', level: 2, stage: ['x'] });
    const l: LayerParameter = layer('include { phase: TEST } exclude { not_stage: "y" }');
    expect(l.include).toEqual([{ phase: 'TEST' }]);
  });
});
