// The single-neuron step-through: each Step applies Neuron.step on the server and lists its numbers.
import { api, sig } from "./api.js";
import { boundaryColour, diverging, drawCurve, drawPoints, paintGrid, scaler } from "./draw.js";

const $ = (sel) => document.querySelector(sel);
const KEYS = ["task", "activation", "bias", "eta", "alpha", "seed", "show", "bayes"];
const nb = { id: null, info: null, last: null };
window.nb = nb;

function config() {
  return { task: $("#task").value, activation: $("#activation").value, bias: $("#bias").checked,
    eta: Number($("#eta").value), alpha: Number($("#alpha").value), seed: Number($("#seed").value),
    show: Number($("#show").value) };
}

function vec(v) { return `(${v.map((x) => sig(x)).join(", ")})`; }

function drawBoundary(b) {
  const canvas = $("#boundary"), info = nb.info;
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  if (b.kind === "curve") {
    const ys = [...info.train.y, ...b.y.filter((y) => y !== null)];
    const lo = Math.min(...ys), hi = Math.max(...ys), pad = (hi - lo) * 0.08 || 1;
    const { sx, sy } = scaler(canvas, info.extent, [lo - pad, hi + pad]);
    drawPoints(canvas, info.train, (x, y) => [sx(x[0]), sy(y)], "regression", false);
    drawCurve(canvas, b.x, b.y, (x, y) => [sx(x), sy(y)]);
  } else {
    paintGrid(canvas, b.data, b.shape[0], boundaryColour(b));
    const { sx, sy } = scaler(canvas, info.extent);
    drawPoints(canvas, info.train, (x) => [sx(x[0]), sy(x[1])], info.kind, false);
  }
}

function showWeights(w, b) {
  $("#weights").innerHTML = `<tr><th class="text">w</th><td id="w">${vec(w)}</td></tr><tr><th class="text">b</th><td id="b">${sig(b)}</td></tr>`;
}

function showStep(s) {
  nb.last = s;
  $("#step-count").textContent = s.step;
  $("#loss-before").textContent = sig(s.loss_before);
  $("#rows").innerHTML = "<tr><th>n</th><th>x</th><th>t</th><th>a</th><th>y</th><th>e = t − y</th><th>δ</th><th>g = δ x</th></tr>" +
    s.rows.map((r, i) => `<tr><td>${i + 1}</td><td>${vec(r.x)}</td><td>${sig(r.t)}</td><td>${sig(r.a)}</td><td>${sig(r.y)}</td>` +
      `<td>${sig(r.e)}</td><td>${sig(r.delta)}</td><td>${vec(r.g)}</td></tr>`).join("") +
    `<tr><td colspan="8" class="text muted">… ${s.n} samples in all</td></tr>`;
  $("#update").innerHTML = [
    ["w before", `<span id="w-before">${vec(s.w)}</span>`], ["b before", sig(s.b)],
    ["Σₙ g", `<span id="sum-g">${vec(s.sum_g)}</span>`], ["Σₙ δ", sig(s.sum_delta)],
    ["Δw = −η Σₙ g − η α w", `<span id="dw">${vec(s.dw)}</span>`], ["Δb = −η Σₙ δ", `<span id="db">${sig(s.db)}</span>`],
    ["w after", `<span id="w-new">${vec(s.w_new)}</span>`], ["b after", `<span id="b-new">${sig(s.b_new)}</span>`],
  ].map(([k, v]) => `<tr><th class="text">${k}</th><td>${v}</td></tr>`).join("");
  showWeights(s.w_new, s.b_new);
  drawBoundary(s.boundary);
}

// The level lines of an n×n grid (row 0 at the top) by marching squares: each cell's edge crossings, joined.
function contour(ctx, grid, n, level, map) {
  const at = (i, j) => grid[i * n + j];
  ctx.beginPath();
  for (let i = 0; i + 1 < n; i++) {
    for (let j = 0; j + 1 < n; j++) {
      const corners = [[i, j], [i, j + 1], [i + 1, j + 1], [i + 1, j]];
      const cuts = [];
      for (let k = 0; k < 4; k++) {
        const [a, b] = [corners[k], corners[(k + 1) % 4]];
        const va = at(...a) - level, vb = at(...b) - level;
        if ((va < 0) === (vb < 0)) continue;
        const t = va / (va - vb);
        cuts.push(map(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])));
      }
      for (let k = 0; k + 1 < cuts.length; k += 2) { ctx.moveTo(...cuts[k]); ctx.lineTo(...cuts[k + 1]); }
    }
  }
  ctx.stroke();
}

// Bayesian mode: the most probable neuron's contours (dashed) against the moderated ones (solid).
async function drawBayes() {
  const view = $("#bayes-view");
  view.hidden = !$("#bayes").checked;
  nb.bayes = null;
  if (view.hidden || !nb.id) return;
  const out = await api("GET", `/api/neuron/${nb.id}/bayes`);
  nb.bayes = out;
  $("#bayes-what").textContent = `${out.posterior}, α = ${out.alpha}`;
  const canvas = $("#bayes-canvas"), ctx = canvas.getContext("2d"), n = out.shape[0];
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  paintGrid(canvas, null, n, (i) => diverging(Math.round(out.moderated[i] * 255)));
  const cell = (i, j) => [(j + 0.5) * canvas.width / n, (i + 0.5) * canvas.height / n];
  for (const [grid, dash] of [[out.most_probable, [5, 4]], [out.moderated, []]]) {
    ctx.setLineDash(dash);
    for (const level of out.levels) {
      ctx.lineWidth = level === 0.5 ? 2 : 1.2;
      ctx.strokeStyle = level === 0.5 ? "#222" : "#555";
      contour(ctx, grid, n, level, cell);
    }
  }
  ctx.setLineDash([]);
  const { sx, sy } = scaler(canvas, out.extent);
  drawPoints(canvas, nb.info.train, (x) => [sx(x[0]), sy(x[1])], nb.info.kind, false);
}

function saveUrl() {
  const q = new URLSearchParams(Object.entries(config()).map(([k, v]) => [k, String(v)]));
  if ($("#bayes").checked) q.set("bayes", "true");
  history.replaceState(null, "", `${location.pathname}?${q}`);
}

async function start() {
  $("#error").textContent = "";
  try {
    const out = await api("POST", "/api/neuron", { config: config() });
    nb.id = out.id; nb.info = out.info;
    $("#step-count").textContent = "0"; $("#loss-name").textContent = out.state.loss;
    $("#rows").innerHTML = ""; $("#update").innerHTML = "";
    showWeights(out.state.w, out.state.b);
    drawBoundary(out.state.boundary);
    saveUrl();
    await drawBayes();
  } catch (err) { $("#error").textContent = err.message; }
}

async function step() {
  try { showStep(await api("POST", `/api/neuron/${nb.id}/step`)); } catch (err) { $("#error").textContent = err.message; }
}

async function init() {
  const tasks = (await api("GET", "/api/tasks")).filter((t) => t.n_features <= 2 && t.kind !== "multiclass");
  $("#task").innerHTML = tasks.map((t) => `<option value="${t.name}">${t.name} (${t.kind})</option>`).join("");
  $("#task").value = "and";
  const q = new URLSearchParams(location.search);
  for (const key of KEYS) {
    if (!q.has(key)) continue;
    const el = $(`#${key}`);
    if (el.type === "checkbox") el.checked = q.get(key) === "true"; else el.value = q.get(key);
  }
  document.querySelectorAll("#controls input:not(#bayes), #controls select").forEach((el) => el.addEventListener("change", start));
  $("#bayes").addEventListener("change", () => {
    saveUrl();
    drawBayes().catch((err) => { $("#error").textContent = err.message; });
  });
  $("#start").addEventListener("click", start);
  $("#step").addEventListener("click", step);
  await start();
  document.body.dataset.ready = "1";
}

init().catch((err) => { $("#error").textContent = err.message; });
