// The single-neuron step-through: each Step applies Neuron.step on the server and lists its numbers.
import { api, sig } from "./api.js";
import { boundaryColour, drawCurve, drawPoints, paintGrid, scaler } from "./draw.js";

const $ = (sel) => document.querySelector(sel);
const KEYS = ["task", "activation", "bias", "eta", "alpha", "seed", "show"];
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

async function start() {
  $("#error").textContent = "";
  try {
    const out = await api("POST", "/api/neuron", { config: config() });
    nb.id = out.id; nb.info = out.info;
    $("#step-count").textContent = "0"; $("#loss-name").textContent = out.state.loss;
    $("#rows").innerHTML = ""; $("#update").innerHTML = "";
    showWeights(out.state.w, out.state.b);
    drawBoundary(out.state.boundary);
    const q = new URLSearchParams(Object.entries(config()).map(([k, v]) => [k, String(v)]));
    history.replaceState(null, "", `${location.pathname}?${q}`);
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
  document.querySelectorAll("#controls input, #controls select").forEach((el) => el.addEventListener("change", start));
  $("#start").addEventListener("click", start);
  $("#step").addEventListener("click", step);
  await start();
  document.body.dataset.ready = "1";
}

init().catch((err) => { $("#error").textContent = err.message; });
