// Text detection + recognition with PaddleOCR's PP-OCRv4 models (Apache-2.0) on weblite: DB text detector →
// boxes → CTC recognizer. Engine-neutral JavaScript shared by the Node demo (scripts/demo.ts) and the browser.
// Pre/post-processing follows PaddleOCR's defaults.
import { Tensor } from '../../src/index.js';

// PaddleOCR's defaults (DB detector post-processing and CTC recognizer).
const DETECTION_MEAN = [0.485, 0.456, 0.406];
const DETECTION_STD = [0.229, 0.224, 0.225];
const RECOGNITION_MEAN = [0.5, 0.5, 0.5];
const RECOGNITION_STD = [0.5, 0.5, 0.5];
const RECOGNITION_HEIGHT = 48;
const PIXEL_THRESHOLD = 0.3; // probability above which a pixel counts as text
const BOX_THRESHOLD = 0.6; // mean probability a text region needs to be kept
const UNCLIP_RATIO = 1.5; // DB shrinks text regions during training; grow them back by this much

/** Runs a single-input single-output weblite session on a float32 NCHW tensor; returns { data, dims }. */
async function runModel(session, data, dims) {
  const outputs = await session.run({ [session.inputs[0].name]: new Tensor('float32', data, dims) });
  const output = outputs[session.outputs[0].name];
  return { data: output.data, dims: output.dims };
}


/** An RGBA image (e.g. from a PNG decoder or a canvas) as RGB floats 0..255, transparent pixels over white. */
export function toRgb(png) {
  const rgb = new Float32Array(png.width * png.height * 3);
  for (let pixel = 0; pixel < png.width * png.height; pixel++) {
    const alpha = png.data[pixel * 4 + 3] / 255;
    for (let channel = 0; channel < 3; channel++) {
      rgb[pixel * 3 + channel] = png.data[pixel * 4 + channel] * alpha + 255 * (1 - alpha);
    }
  }
  return { width: png.width, height: png.height, rgb };
}

/** Bilinear read of channel `channel` at (x, y), clamped to the image border. */
function sampleBilinear(image, x, y, channel) {
  const clampedX = Math.min(Math.max(x, 0), image.width - 1);
  const clampedY = Math.min(Math.max(y, 0), image.height - 1);
  const left = Math.floor(clampedX);
  const top = Math.floor(clampedY);
  const right = Math.min(left + 1, image.width - 1);
  const bottom = Math.min(top + 1, image.height - 1);
  const fractionX = clampedX - left;
  const fractionY = clampedY - top;
  const at = (column, row) => image.rgb[(row * image.width + column) * 3 + channel];
  const upper = at(left, top) * (1 - fractionX) + at(right, top) * fractionX;
  const lower = at(left, bottom) * (1 - fractionX) + at(right, bottom) * fractionX;
  return upper * (1 - fractionY) + lower * fractionY;
}

/** Crops `region` out of `image`, resizes it to width x height and normalizes into NCHW float32. */
function toTensor(image, region, width, height, mean, std) {
  const data = new Float32Array(3 * width * height);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      // Pixel centres map onto pixel centres (align_corners = false), as cv2.resize does.
      const sourceX = region.x + ((column + 0.5) * region.width) / width - 0.5;
      const sourceY = region.y + ((row + 0.5) * region.height) / height - 0.5;
      for (let channel = 0; channel < 3; channel++) {
        const value = sampleBilinear(image, sourceX, sourceY, channel) / 255;
        data[channel * width * height + row * width + column] = (value - mean[channel]) / std[channel];
      }
    }
  }
  return data;
}

// ---- OCR --------------------------------------------------------------------------------------

/** Finds text lines: DB probability map -> connected regions -> grown boxes in image pixels. */
export async function detectTextLines(detector, image) {
  // The detector downsamples by 32, so its input sides must be multiples of 32.
  const inputWidth = Math.max(32, Math.round(image.width / 32) * 32);
  const inputHeight = Math.max(32, Math.round(image.height / 32) * 32);
  const whole = { x: 0, y: 0, width: image.width, height: image.height };
  const input = toTensor(image, whole, inputWidth, inputHeight, DETECTION_MEAN, DETECTION_STD);
  const probability = await runModel(detector, input, [1, 3, inputHeight, inputWidth]);
  const [mapHeight, mapWidth] = probability.dims.slice(2);
  const visited = new Uint8Array(mapWidth * mapHeight);
  const boxes = [];
  for (let start = 0; start < visited.length; start++) {
    if (visited[start] || probability.data[start] <= PIXEL_THRESHOLD) continue;
    // Flood-fill one 4-connected text region, tracking its bounding box and mean probability.
    let minX = mapWidth, minY = mapHeight, maxX = 0, maxY = 0, sum = 0, count = 0;
    const stack = [start];
    visited[start] = 1;
    while (stack.length > 0) {
      const index = stack.pop();
      const x = index % mapWidth;
      const y = (index - x) / mapWidth;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x);
      minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      sum += probability.data[index];
      count++;
      for (const [stepX, stepY] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const nextX = x + stepX, nextY = y + stepY;
        if (nextX < 0 || nextY < 0 || nextX >= mapWidth || nextY >= mapHeight) continue;
        const next = nextY * mapWidth + nextX;
        if (!visited[next] && probability.data[next] > PIXEL_THRESHOLD) {
          visited[next] = 1;
          stack.push(next);
        }
      }
    }
    const boxWidth = maxX - minX + 1, boxHeight = maxY - minY + 1;
    const score = sum / count;
    if (Math.min(boxWidth, boxHeight) < 3 || score < BOX_THRESHOLD) continue;
    // DB's "unclip": grow by area * ratio / perimeter on every side.
    const grow = (boxWidth * boxHeight * UNCLIP_RATIO) / (2 * (boxWidth + boxHeight));
    const scaleX = image.width / mapWidth, scaleY = image.height / mapHeight;
    const left = Math.max(0, (minX - grow) * scaleX);
    const top = Math.max(0, (minY - grow) * scaleY);
    const right = Math.min(image.width, (maxX + 1 + grow) * scaleX);
    const bottom = Math.min(image.height, (maxY + 1 + grow) * scaleY);
    boxes.push({ x: left, y: top, width: right - left, height: bottom - top, score });
  }
  // Reading order: top to bottom, then left to right within a line.
  return boxes.sort((a, b) => (Math.abs(a.y - b.y) < a.height / 2 ? a.x - b.x : a.y - b.y));
}

/** Reads one text line: resize to height 48, run the recognizer, greedy CTC decode. */
export async function recognizeLine(recognizer, image, box, dictionary) {
  const width = Math.max(8, Math.ceil((RECOGNITION_HEIGHT * box.width) / box.height));
  const input = toTensor(image, box, width, RECOGNITION_HEIGHT, RECOGNITION_MEAN, RECOGNITION_STD);
  const output = await runModel(recognizer, input, [1, 3, RECOGNITION_HEIGHT, width]);
  const [, steps, classes] = output.dims;
  let text = '', confidenceSum = 0, characters = 0, previous = 0;
  for (let step = 0; step < steps; step++) {
    let best = 0, bestProbability = -1;
    for (let label = 0; label < classes; label++) {
      const value = output.data[step * classes + label];
      if (value > bestProbability) { bestProbability = value; best = label; }
    }
    // CTC: label 0 is "blank"; a repeated label without a blank between is one character.
    if (best !== 0 && best !== previous) {
      text += dictionary[best - 1] ?? ' '; // the class after the dictionary is the space
      confidenceSum += bestProbability;
      characters++;
    }
    previous = best;
  }
  return { text, confidence: characters > 0 ? confidenceSum / characters : 0 };
}

