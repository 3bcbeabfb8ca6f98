// Hover-to-enlarge (TensorFlow Playground's): while the mouse is over a hidden neuron, or the keyboard's
// focus is on it, the main boundary view shows that neuron's own output map instead of the model's, from
// the frame's per-neuron bytes (16×16 for 2-D tasks, upscaled smoothly; a 40-point curve for 1-D ones).
// Leaving it (the mouse moves off, the focus moves on) brings the model's output back. The page draws through paintNeuron on every
// frame, so while playing each new frame draws the hovered neuron's new map.
import { boundaryColour, bytes, drawCurve, paintGrid, scaler } from "./draw.js";

const $ = (sel) => document.querySelector(sel);
const OUTPUT = "showing the model's output · hover or focus a hidden neuron to see its own map here";
const held = { mouse: null, focus: null }; // the .neuron element under the mouse, and the focused one
let showing = false; // the boundary canvas shows a neuron (its output kept in `copy`)
const copy = document.createElement("canvas");

// The hidden neuron (layer: 1 = first hidden layer, index) to show: the mouse's, else the focused one, if
// it is a hidden neuron still on the page (not an input or the output, nor one of a network rebuilt since).
function current(frame, info) {
  if (!frame || !frame.neurons) return null;
  for (const el of [held.mouse, held.focus]) {
    if (!el || !el.isConnected) continue;
    const layer = Number(el.dataset.layer), index = Number(el.dataset.index);
    const neuron = layer >= 1 && layer <= info.widths.length - 2 ? (frame.neurons[layer - 1] || [])[index] : undefined;
    if (neuron) return { layer, index, neuron };
  }
  return null;
}

function caption(text) {
  const el = $("#enlarged");
  if (el && el.textContent !== text) el.textContent = text;
}

// Called once the model's output is drawn on `canvas` (the boundary view): when a hidden neuron is hovered,
// keep a copy of the output (the network view's output tile shows it: outputView) and paint the neuron's
// map over the canvas, with `points` (the data points' layer, 2-D) stamped on top as over the output.
export function paintNeuron(canvas, frame, info, points = null) {
  const shown = current(frame, info);
  showing = Boolean(shown);
  if (!shown) { caption(OUTPUT); return; }
  if (copy.width !== canvas.width || copy.height !== canvas.height) Object.assign(copy, { width: canvas.width, height: canvas.height });
  const out = copy.getContext("2d");
  out.clearRect(0, 0, copy.width, copy.height);
  out.drawImage(canvas, 0, 0);
  const { layer, index, neuron } = shown, q = bytes(neuron.data);
  const m = Number(neuron.m) || 1, range = `orange −${m.toPrecision(3)}, white 0, blue +${m.toPrecision(3)}`;
  caption(`showing neuron ${layer}.${index} (neuron ${index} of layer ${layer}: ${range}) · move off it to see the output`);
  const ctx = canvas.getContext("2d");
  if (info.n_inputs === 2) {
    const n = Math.round(Math.sqrt(q.length));
    paintGrid(canvas, q, n, boundaryColour({ kind: "value", data: neuron.data })); // a regression output's colours
    if (points) ctx.drawImage(points, 0, 0);
    return;
  }
  // 1-D: the neuron's output against x1, on its own scale (±m), with the zero line.
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const { sx, sy } = scaler(canvas, info.extent, [-1.1 * m, 1.1 * m]);
  ctx.strokeStyle = "#bbb"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(0, sy(0)); ctx.lineTo(canvas.width, sy(0)); ctx.stroke();
  const e = info.extent, xs = [...q].map((_, i) => e.x_min + (e.x_max - e.x_min) * i / (q.length - 1));
  drawCurve(canvas, xs, [...q].map((v) => (v / 127.5 - 1) * m), (x, y) => [sx(x), sy(y)], "#0877bd", 2.5);
}

// What the network view's output tile should copy: the boundary canvas, or the model's output kept aside
// while the canvas shows a neuron.
export function outputView(canvas) { return showing ? copy : canvas; }

// Follow the mouse and the focus over `root` (the #network element, which keeps its listeners when the
// network is rebuilt); `draw()` repaints the boundary view.
export function watchNeurons(root, draw) {
  const neuronOf = (ev) => (ev.target instanceof Element ? ev.target.closest(".neuron") : null);
  const follow = (how, entering) => (ev) => {
    const el = neuronOf(ev);
    if (!el || (entering ? held[how] === el : held[how] !== el)) return;
    held[how] = entering ? el : null;
    draw();
  };
  root.addEventListener("mouseover", follow("mouse", true));
  root.addEventListener("mouseout", follow("mouse", false));
  root.addEventListener("focusin", follow("focus", true));
  root.addEventListener("focusout", follow("focus", false));
}
