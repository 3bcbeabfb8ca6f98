// The data picker of TensorFlow Playground: a small picture of every task the page can draw, beside the
// task select. A thumbnail is a button; clicking it (or Enter / Space) picks its task exactly as the
// select does — it sets the select and fires its "change" — and the select stays, for keyboard and
// screen-reader users who prefer a list. The current task's thumbnail is aria-pressed="true".
// Data: GET /api/tasks/thumbnails (a fixed sample of each task's default data, ≤ 200 points).
import { api } from "./api.js";
import { BLUE, classColour, diverging } from "./draw.js";

const SIZE = 40; // CSS pixels of a thumbnail (the canvas has devicePixelRatio times as many)
const PAD = 3; // CSS pixels kept free at each edge, so edge dots are whole

// [lo, hi] of values, widened when they are all equal (a flat target still gets a scale).
function range(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return hi > lo ? [lo, hi] : [lo - 1, hi + 1];
}

// Scatter (2-D: classes in the page's orange / blue, values shaded low orange → high blue) or the data's
// curve over its dots (1-D), on a light ground so a near-zero value (white) still shows.
function draw(canvas, t) {
  const ratio = window.devicePixelRatio || 1, ctx = canvas.getContext("2d");
  canvas.width = canvas.height = Math.round(SIZE * ratio);
  ctx.scale(ratio, ratio);
  ctx.fillStyle = "#f3f3f3";
  ctx.fillRect(0, 0, SIZE, SIZE);
  const one = t.n_inputs === 1;
  const [x0, x1] = range(t.x.map((r) => r[0]));
  const [y0, y1] = range(one ? [...t.y, ...t.curve_y] : t.x.map((r) => r[1]));
  const sx = (v) => PAD + (v - x0) / (x1 - x0) * (SIZE - 2 * PAD);
  const sy = (v) => SIZE - PAD - (v - y0) / (y1 - y0) * (SIZE - 2 * PAD);
  const [v0, v1] = range(t.y);
  const colour = (v) => (t.kind !== "regression" ? classColour(t.kind, v) : one ? [150, 150, 150]
    : diverging(Math.round((v - v0) / (v1 - v0) * 255)));
  t.x.forEach((row, i) => {
    const [r, g, b] = colour(t.y[i]);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.beginPath();
    ctx.arc(sx(row[0]), sy(one ? t.y[i] : row[1]), one ? 1 : 1.4, 0, 2 * Math.PI);
    ctx.fill();
  });
  if (one && t.curve_x.length) {
    ctx.beginPath();
    t.curve_x.forEach((x, i) => (i ? ctx.lineTo(sx(x), sy(t.curve_y[i])) : ctx.moveTo(sx(x), sy(t.curve_y[i]))));
    ctx.strokeStyle = `rgb(${BLUE.join(",")})`; ctx.lineWidth = 1.5; ctx.stroke();
  }
}

// Put the thumbnails of the tasks `select` lists right after the select's label; keep aria-pressed on the
// select's current value (a change, or an option added by a CSV upload, re-marks them).
export async function mountThumbnails(select) {
  let tasks;
  try { tasks = await api("GET", "/api/tasks/thumbnails"); } catch (err) { return null; } // the select still works
  const listed = new Set([...select.options].map((o) => o.value));
  const box = Object.assign(document.createElement("div"), { id: "thumbs", className: "thumbs" });
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "datasets");
  for (const t of tasks.filter((x) => listed.has(x.name))) {
    const button = Object.assign(document.createElement("button"), { type: "button", className: "thumb",
      title: `${t.name} (${t.kind}): ${t.description}` });
    button.dataset.task = t.name;
    button.setAttribute("aria-label", t.name);
    const canvas = document.createElement("canvas");
    canvas.setAttribute("aria-hidden", "true"); // the button's name says what it shows
    draw(canvas, t);
    button.appendChild(canvas);
    button.addEventListener("click", () => {
      if (select.value === t.name) return;
      select.value = t.name;
      select.dispatchEvent(new Event("change"));
    });
    box.appendChild(button);
  }
  const mark = () => box.querySelectorAll("button.thumb").forEach((b) => {
    b.setAttribute("aria-pressed", String(b.dataset.task === select.value));
  });
  mark();
  select.addEventListener("change", mark);
  new MutationObserver(mark).observe(select, { childList: true });
  (select.closest("label") || select).after(box);
  return box;
}
