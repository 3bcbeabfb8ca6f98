// Canvas drawing shared by the pages: heatmaps from base64 bytes, data points, curves, line charts.
export const BLUE = [8, 119, 189], ORANGE = [245, 147, 34], WHITE = [255, 255, 255];
export const PALETTE = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189], [214, 39, 40],
                        [140, 86, 75], [227, 119, 194], [127, 127, 127]];

export function bytes(b64) {
  const raw = atob(b64), out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function mix(a, b, t) { return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t)); }

// 0 → orange, 127.5 → white, 255 → blue: the sign colours of TensorFlow Playground.
export function diverging(q) {
  const t = q / 255;
  return t < 0.5 ? mix(ORANGE, WHITE, t * 2) : mix(WHITE, BLUE, (t - 0.5) * 2);
}

// Paint an n×n byte grid (row 0 at the top) onto the whole canvas, through one reused n×n bitmap.
const grids = new Map();
export function paintGrid(canvas, data, n, colour) {
  if (!grids.has(n)) {
    const off = Object.assign(document.createElement("canvas"), { width: n, height: n });
    const ctx = off.getContext("2d");
    grids.set(n, { off, ctx, img: ctx.createImageData(n, n) });
  }
  const { off, ctx, img } = grids.get(n);
  for (let i = 0; i < n * n; i++) {
    const [r, g, b] = colour(i);
    img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  const c = canvas.getContext("2d");
  c.imageSmoothingEnabled = true;
  c.drawImage(off, 0, 0, canvas.width, canvas.height);
}

// The output's colours: class 1 blue, class 0 orange (TensorFlow Playground's; the figures use the same),
// paler where the model is unsure. `discrete`: each cell takes its predicted class's colour outright
// (regression: above or below the middle of the target's range).
export function boundaryColour(boundary, discrete = false) {
  const data = bytes(boundary.data);
  if (boundary.kind === "class") {
    const conf = bytes(boundary.confidence);
    return (i) => mix(WHITE, PALETTE[data[i] % PALETTE.length], discrete ? 0.85 : 0.25 + 0.6 * conf[i] / 255);
  }
  if (discrete) return (i) => mix(WHITE, data[i] >= 128 ? BLUE : ORANGE, 0.75);
  return (i) => mix(WHITE, diverging(data[i]), 0.75);
}

// Map raw input coordinates to canvas pixels.
export function scaler(canvas, extent, yRange) {
  const sx = (x) => (x - extent.x_min) / (extent.x_max - extent.x_min) * canvas.width;
  const [lo, hi] = yRange || [extent.y_min, extent.y_max];
  const sy = (y) => canvas.height - (y - lo) / (hi - lo || 1) * canvas.height;
  return { sx, sy };
}

export function classColour(kind, label) {
  if (kind === "binary") return label >= 1 ? BLUE : ORANGE;
  return PALETTE[label % PALETTE.length];
}

// `values`: [lo, hi] of a 2-D regression's target: each point then takes the heatmap's colour of its value
// (orange low, blue high), so the data shows the surface the network should find.
export function drawPoints(canvas, pts, map, kind, test, values = null) {
  const ctx = canvas.getContext("2d");
  const shade = values && ((v) => diverging(Math.max(0, Math.min(255, (v - values[0]) / (values[1] - values[0] || 1) * 255))));
  for (let i = 0; i < pts.x.length; i++) {
    const [x, y] = map(pts.x[i], pts.y[i]);
    const [r, g, b] = kind !== "regression" ? classColour(kind, pts.y[i]) : shade ? shade(pts.y[i]) : [80, 80, 80];
    ctx.beginPath();
    ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.strokeStyle = test ? "#000" : "#fff";
    ctx.lineWidth = test ? 1.2 : 1;
    ctx.fill(); ctx.stroke();
  }
}

export function drawCurve(canvas, xs, ys, map, colour = "#d62728", width = 2) {
  const ctx = canvas.getContext("2d");
  ctx.beginPath();
  let started = false;
  for (let i = 0; i < xs.length; i++) {
    if (ys[i] === null) { started = false; continue; }
    const [x, y] = map(xs[i], ys[i]);
    if (started) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    started = true;
  }
  ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.stroke();
}

// A small line chart: series = [{label, colour, x: [...], y: [...]}], log-free, autoscaled.
export function lineChart(canvas, series, { xLabel = "epoch" } = {}) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const pad = 30, W = canvas.width - pad - 8, H = canvas.height - pad - 8;
  const xs = series.flatMap((s) => s.x), ys = series.flatMap((s) => s.y).filter((v) => v !== null && isFinite(v));
  if (!xs.length || !ys.length) return;
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(0, ...ys), y1 = Math.max(...ys, y0 + 1e-9);
  const X = (x) => pad + (x - x0) / (x1 - x0) * W, Y = (y) => 8 + H - (y - y0) / (y1 - y0) * H;
  ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
  ctx.strokeRect(pad, 8, W, H);
  ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
  ctx.fillText(y1.toPrecision(3), 2, 14); ctx.fillText(y0.toPrecision(3), 2, 8 + H);
  ctx.fillText(`${xLabel} ${x0}–${x1}`, pad, canvas.height - 6);
  series.forEach((s, k) => {
    ctx.beginPath();
    let started = false;
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || !isFinite(y)) { started = false; return; }
      if (started) ctx.lineTo(X(x), Y(y)); else ctx.moveTo(X(x), Y(y));
      started = true;
    });
    ctx.strokeStyle = s.colour; ctx.lineWidth = 1.5; ctx.stroke();
    ctx.fillStyle = s.colour; ctx.fillText(s.label, pad + 6, 22 + 12 * k);
  });
}
