// The playground's network view: every link (by weight sign and size) and every neuron's small heatmap
// drawn on ONE canvas, under a layer of transparent neuron buttons.
// Why one canvas: the browser composites each canvas element as its own layer, and an element per neuron
// (384 at 64×6) or per link (an SVG line each) made every frame a 0.2–18 s main-thread task of committing
// layers and re-measuring nodes. One bitmap is one layer; a frame decodes only the neurons whose bytes
// changed (into an atlas) and repaints the one canvas from it.
// Why buttons: Tab reaches every neuron and Enter opens the editor of its bias and incoming weights, so
// every weight is reachable without a mouse (a click on a link opens the same editor at that weight).
import { bytes } from "./draw.js";
import { drawLinks } from "./links_draw.js";

// px per neuron by the widest layer: a 64-neuron layer still fits on one screen.
const sizeFor = (n) => (n <= 8 ? 36 : n <= 16 ? 26 : n <= 32 ? 16 : 10);
const FEATURE_FN = {
  x1: (a) => a, x2: (a, b) => b, "x1^2": (a) => a * a, "x2^2": (a, b) => b * b, "x1*x2": (a, b) => a * b,
  "sin(x1)": (a) => Math.sin(a), "sin(x2)": (a, b) => Math.sin(b),
};
export const prettyFeature = (f) => f.replace("^2", "²").replace("*", "·");

// 0 → orange, 127.5 → white, 255 → blue as one RGBA word per byte value: no allocation per pixel.
const LUT = (() => {
  const out = new Uint32Array(256), mix = (a, b, t) => Math.round(a + (b - a) * t);
  const O = [245, 147, 34], W = [255, 255, 255], B = [8, 119, 189];
  for (let q = 0; q < 256; q++) {
    const t = q / 255, [p, r, u] = t < 0.5 ? [O, W, t * 2] : [W, B, (t - 0.5) * 2];
    out[q] = (255 << 24) | (mix(p[2], r[2], u) << 16) | (mix(p[1], r[1], u) << 8) | mix(p[0], r[0], u); // little-endian RGBA
  }
  return out;
})();

export class NetworkView {
  // root: the #network element; info: the session's static info; onPick(layer, row, col): a neuron
  // (col null: its bias) or a link was chosen, by click or keyboard.
  constructor(root, info, onPick) {
    this.root = root; this.info = info; this.onPick = onPick; this.frame = null; this.output = null;
    root.innerHTML = "";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "maps";
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", "the network: each neuron's output over the input plane, and the links " +
      "between neurons (blue positive, orange negative, thicker is larger)");
    this.linksCanvas = Object.assign(document.createElement("canvas"), { className: "links" });
    this.linksCanvas.setAttribute("aria-hidden", "true");
    root.append(this.linksCanvas, this.canvas);
    if (window.Worker && this.linksCanvas.transferControlToOffscreen) {
      this.worker = new Worker("/static/js/links_worker.js", { type: "module" });
      const offscreen = this.linksCanvas.transferControlToOffscreen();
      this.worker.postMessage({ canvas: offscreen }, [offscreen]);
      this.worker.onmessage = () => {
        this.linksBusy = false;
        const next = this.linksNext;
        if (next) { this.linksNext = null; this.linksBusy = true; this.worker.postMessage(next, [next.xy.buffer]); }
      };
    }
    const titles = ["inputs", ...info.widths.slice(1, -1).map((_, i) => `layer ${i + 1}`), "output"];
    this.sizes = [info.features.length, ...info.widths.slice(1)];
    root.style.setProperty("--neuron", `${sizeFor(Math.max(...this.sizes))}px`);
    this.grid = info.n_inputs === 2 ? info.neuron_grid : 0; // 1-D tasks draw curves instead of maps
    // The atlas: one grid×grid tile per neuron (inputs and hidden), rows of tiles by layer.
    const rows = this.sizes.length, cols = Math.max(...this.sizes), g = Math.max(1, this.grid);
    this.atlas = Object.assign(document.createElement("canvas"), { width: g * cols, height: g * rows });
    this.atlasCtx = this.atlas.getContext("2d");
    this.tile = this.atlasCtx.createImageData(g, g);
    this.tileWords = new Uint32Array(this.tile.data.buffer);
    this.seen = this.sizes.map((n) => new Array(n).fill(null));
    this.curves = this.sizes.map((n) => new Array(n).fill(null));
    this.buttons = this.sizes.map((n, l) => {
      const col = document.createElement("div");
      col.className = "layer";
      col.innerHTML = `<div class="title">${titles[l]}</div>`;
      const cells = [];
      for (let j = 0; j < n; j++) {
        const b = document.createElement("div");
        b.className = "neuron"; b.dataset.layer = l; b.dataset.index = j;
        if (l === 0) {
          const name = prettyFeature(info.features[j]);
          b.setAttribute("role", "img"); b.setAttribute("aria-label", `input ${name}`); b.title = name;
          const wrap = document.createElement("div");
          wrap.className = "input";
          wrap.append(Object.assign(document.createElement("span"), { textContent: name }), b);
          col.appendChild(wrap);
        } else {
          const what = l === this.sizes.length - 1 ? (n > 1 ? `output ${j}` : "the output") : `neuron ${j} of ${titles[l]}`;
          b.tabIndex = 0; b.setAttribute("role", "button");
          b.setAttribute("aria-label", `${what}: Enter sets its bias and incoming weights`);
          b.title = `${what} (click or Enter: set its bias and incoming weights)`;
          const pick = () => onPick(l - 1, j, null);
          b.addEventListener("click", pick);
          b.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(); } });
          col.appendChild(b);
        }
        cells.push(b);
      }
      root.appendChild(col);
      return cells;
    });
    this.paintInputs();
    this.canvas.addEventListener("click", (ev) => this.hit(ev));
    this.centres = null;
    this.resize = new ResizeObserver(() => { this.centres = null; this.paint(); });
    this.resize.observe(root);
  }

  destroy() { this.resize.disconnect(); if (this.worker) this.worker.terminate(); }

  // Each input's own map (x1, x2, x1², …) over the drawn window, as TensorFlow Playground shows them.
  paintInputs() {
    const info = this.info, e = info.extent, g = this.grid;
    info.features.forEach((name, j) => {
      const f = FEATURE_FN[name];
      if (!g) {
        const ys = Array.from({ length: 32 }, (_, i) => f(e.x_min + (e.x_max - e.x_min) * i / 31, 0));
        const lo = Math.min(...ys), hi = Math.max(...ys);
        this.curves[0][j] = ys.map((y) => (hi > lo ? (y - lo) / (hi - lo) * 255 : 127.5));
        return;
      }
      const v = new Float64Array(g * g);
      for (let r = 0; r < g; r++) for (let c = 0; c < g; c++) {
        v[r * g + c] = f(e.x_min + (e.x_max - e.x_min) * c / (g - 1), e.y_max - (e.y_max - e.y_min) * r / (g - 1));
      }
      const m = Math.max(1e-12, ...v.map(Math.abs));
      this.putTile(0, j, Uint8Array.from(v, (x) => Math.round((x / m + 1) * 127.5)));
    });
  }

  putTile(l, j, data) {
    const g = this.grid;
    for (let i = 0; i < g * g; i++) this.tileWords[i] = LUT[data[i]];
    this.atlasCtx.putImageData(this.tile, j * g, l * g);
  }

  // One frame: decode the neurons whose bytes changed; `output` (a canvas: the decision map) is drawn in
  // the output neurons. Then one repaint of the canvas.
  draw(frame, output) {
    this.frame = frame; this.output = output;
    frame.neurons.forEach((layer, l) => layer.forEach((neuron, j) => {
      if (l + 1 >= this.sizes.length - 1 || this.seen[l + 1][j] === neuron.data) return;
      this.seen[l + 1][j] = neuron.data;
      if (this.grid) this.putTile(l + 1, j, bytes(neuron.data)); else this.curves[l + 1][j] = bytes(neuron.data);
    }));
    const key = frame.links ? frame.links.layers.join("") : "";
    const linksChanged = key !== this.linkKey;
    if (linksChanged) { this.linkKey = key; this.linkBytes = frame.links ? frame.links.layers.map(bytes) : null; }
    this.paint(linksChanged);
  }

  measure() {
    const box = this.root.getBoundingClientRect(), sl = this.root.scrollLeft, st = this.root.scrollTop;
    this.centres = this.buttons.map((cells) => cells.map((el) => {
      const r = el.getBoundingClientRect();
      return [r.left - box.left + sl + r.width / 2, r.top - box.top + st + r.height / 2, r.width];
    }));
    const w = this.root.scrollWidth, h = this.root.scrollHeight, dpr = window.devicePixelRatio || 1;
    for (const c of [this.canvas, this.linksCanvas]) { c.style.width = `${w}px`; c.style.height = `${h}px`; }
    this.canvas.width = Math.round(w * dpr); this.canvas.height = Math.round(h * dpr);
    if (!this.worker) { this.linksCanvas.width = this.canvas.width; this.linksCanvas.height = this.canvas.height; }
  }

  paint(linksChanged = true) {
    if (!this.frame) return;
    if (!this.centres) { this.measure(); linksChanged = true; }
    if (linksChanged) this.paintLinks();
    const ctx = this.canvas.getContext("2d"), dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.imageSmoothingEnabled = false;
    const g = this.grid, last = this.sizes.length - 1;
    this.centres.forEach((cells, l) => cells.forEach(([x, y, s], j) => {
      const x0 = x - s / 2, y0 = y - s / 2;
      ctx.fillStyle = "#fff"; ctx.fillRect(x0, y0, s, s);
      if (l === last) { if (this.output) ctx.drawImage(this.output, x0, y0, s, s); }
      else if (g) ctx.drawImage(this.atlas, j * g, l * g, g, g, x0, y0, s, s);
      else if (this.curves[l][j]) this.curve(ctx, this.curves[l][j], x0, y0, s);
      ctx.strokeStyle = "#bbb"; ctx.lineWidth = 1; ctx.strokeRect(x0 - 0.5, y0 - 0.5, s + 1, s + 1);
    }));
  }

  curve(ctx, values, x0, y0, s) {
    ctx.beginPath();
    values.forEach((q, i) => {
      const x = x0 + i / (values.length - 1) * s, y = y0 + s - q / 255 * s;
      if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    ctx.strokeStyle = "#0877bd"; ctx.lineWidth = 1.5; ctx.stroke();
  }

  // Links sorted into (sign, width) buckets, drawn (links_draw.js) by links_worker.js on their own canvas, so
  // however long they take to rasterise the main thread stays free; while one job draws, only the latest
  // next one is kept.
  paintLinks() {
    // Bucket 2k: positive, 2k + 1: negative, of size class k; thin before thick, so neither sign hides the
    // other and the strongest links are on top.
    const BUCKETS = 6, buckets = Array.from({ length: 2 * BUCKETS }, () => []);
    if (this.linkBytes) {
      this.forEachLink((l, i, k, w, x1, y1, x2, y2) => {
        buckets[2 * Math.min(BUCKETS - 1, Math.floor(Math.abs(w) * BUCKETS)) + (w >= 0 ? 0 : 1)].push(x1, y1, x2, y2);
      });
    }
    const dense = this.linkBytes ? this.linkBytes.reduce((n, d) => n + d.length, 0) > 2000 : false;
    const starts = [0];
    buckets.forEach((b) => starts.push(starts[starts.length - 1] + b.length));
    const dpr = window.devicePixelRatio || 1;
    const job = { width: this.canvas.width, height: this.canvas.height, dpr, xy: Float32Array.from(buckets.flat()), starts,
      alpha: dense ? 0.3 : 0.7, // thousands of links: fainter, so the network shows through
      colours: buckets.map((_, b) => (b % 2 === 0 ? "#0877bd" : "#f59322")),
      widths: buckets.map((_, b) => (dense ? 0.5 : 1) * (0.4 + 3.6 * (Math.floor(b / 2) + 0.5) / BUCKETS)) };
    if (this.worker) {
      if (this.linksBusy) { this.linksNext = job; return; }
      this.linksBusy = true;
      this.worker.postMessage(job, [job.xy.buffer]);
    } else drawLinks(this.linksCanvas, job);
  }

  // fn(layer, row, col, w / max, x1, y1, x2, y2) for every link (row: the neuron fed, col: its input).
  forEachLink(fn) {
    this.linkBytes.forEach((data, l) => {
      const from = this.centres[l], to = this.centres[l + 1], nIn = from.length;
      for (let i = 0; i < data.length; i++) {
        const row = Math.floor(i / nIn), col = i % nIn;
        fn(l, row, col, (data[i] - 127.5) / 127.5, from[col][0], from[col][1], to[row][0], to[row][1]);
      }
    });
  }

  // A click on the canvas picks the nearest link within 5 px.
  hit(ev) {
    if (!this.linkBytes || !this.centres) return;
    const box = this.root.getBoundingClientRect();
    const x = ev.clientX - box.left + this.root.scrollLeft, y = ev.clientY - box.top + this.root.scrollTop;
    let best = null, bestD = 25;
    this.forEachLink((l, row, col, w, x1, y1, x2, y2) => {
      const dx = x2 - x1, dy = y2 - y1, t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy || 1)));
      const d = (x1 + t * dx - x) ** 2 + (y1 + t * dy - y) ** 2;
      if (d < bestD) { bestD = d; best = [l, row, col]; }
    });
    if (best) this.onPick(...best);
  }

  // A link's value from the frame's bytes (≈, to 1/127 of the largest |w|) when exact weights are not sent.
  approx(layer, row, col) {
    if (!this.linkBytes || !this.frame.links) return null;
    return (this.linkBytes[layer][row * this.sizes[layer] + col] - 127.5) / 127.5 * this.frame.links.max;
  }
}
