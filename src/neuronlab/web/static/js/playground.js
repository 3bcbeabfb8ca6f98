// The playground page: controls ⇄ URL ⇄ server session; while playing, the page pulls the next frame
// once it has drawn the last (so a slow tab never falls behind and a hidden one stops asking).
import { api, fmt } from "./api.js";
import { boundaryColour, bytes, diverging, drawCurve, drawPoints, lineChart, paintGrid, scaler } from "./draw.js";

const $ = (sel) => document.querySelector(sel);
// Class names come from users' CSV files: escape them before they go into markup.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const DEFAULTS = { task: "moons", noise: "", n_samples: "", train_ratio: 0.5, seed: 0, features: "x1,x2",
  hidden: "4,4", activation: "tanh", bias: 1, eta: 0.3, regularization: "none", alpha: 0, batch_size: 0,
  optimizer: "sgd", loss: "auto", epf: 5 };
const KEYS = Object.keys(DEFAULTS);

const lab = { tasks: [], session: null, info: null, frame: null, state: null, source: null, curve: [],
  busy: false, urlTimer: 0 };
window.lab = lab; // for the browser tests and the curious

function setError(message) { $("#error").textContent = message || ""; }

// --- controls <-> URL ----------------------------------------------------------------------------
function readControls() {
  const v = {};
  for (const key of KEYS) {
    const el = $(`#${key}`);
    if (!el) continue;
    v[key] = el.type === "checkbox" ? (el.checked ? 1 : 0) : el.value;
  }
  v.features = FEATURES.filter((f) => $(`#f-${CSS.escape(f)}`).checked).join(",");
  return v;
}

function writeControls(v) {
  for (const key of KEYS) {
    const el = $(`#${key}`);
    if (!el || v[key] === undefined) continue;
    if (el.type === "checkbox") el.checked = String(v[key]) === "1" || v[key] === true; else el.value = v[key];
  }
  const feats = String(v.features).split(",");
  FEATURES.forEach((f) => { $(`#f-${CSS.escape(f)}`).checked = feats.includes(f); });
}

function configOf(v) {
  const num = (x) => (x === "" || x === null || x === undefined ? null : Number(x));
  return {
    task: v.task, noise: num(v.noise), n_samples: num(v.n_samples), train_ratio: Number(v.train_ratio),
    seed: Number(v.seed), features: String(v.features).split(",").filter(Boolean),
    hidden: String(v.hidden).split(",").map((s) => s.trim()).filter(Boolean).map(Number),
    activation: v.activation, bias: String(v.bias) === "1", eta: Number(v.eta), regularization: v.regularization,
    alpha: Number(v.alpha), batch_size: Number(v.batch_size), optimizer: v.optimizer, loss: v.loss,
  };
}

function fromUrl() {
  const q = new URLSearchParams(location.search), v = { ...DEFAULTS };
  for (const key of KEYS) if (q.has(key)) v[key] = q.get(key);
  const epoch = Number(q.get("epoch") || 0);
  const edits = (q.get("edits") || "").split(";").filter(Boolean).map((s) => {
    const [e, l, r, c, val] = s.split(":");
    return { epoch: Number(e), layer: Number(l), row: Number(r), col: c === "b" ? null : Number(c), value: Number(val) };
  });
  return { v, epoch, edits, showTest: q.get("test") !== "0" };
}

function urlOf() {
  const v = readControls(), q = new URLSearchParams();
  for (const key of KEYS) if (String(v[key]) !== String(DEFAULTS[key])) q.set(key, v[key]);
  if (lab.state && lab.state.epoch) q.set("epoch", lab.state.epoch);
  if (lab.state && lab.state.edits.length) {
    q.set("edits", lab.state.edits.map((e) => [e.epoch, e.layer, e.row, e.col === null ? "b" : e.col, e.value].join(":")).join(";"));
  }
  if (!$("#show-test").checked) q.set("test", "0");
  const s = q.toString();
  return location.pathname + (s ? `?${s}` : "");
}

function saveUrl() { history.replaceState(null, "", urlOf()); }

// --- session ---------------------------------------------------------------------------------------
async function start(epoch = 0, edits = []) {
  await pause();
  setError("");
  const v = readControls();
  lab.busy = true;
  try {
    const out = await api("POST", "/api/playground", { config: configOf(v), epoch, edits });
    if (lab.session) api("DELETE", `/api/playground/${lab.session}`).catch(() => {});
    lab.session = out.id; lab.info = out.info; lab.state = out.state;
    lab.curve = out.state.curve.map(([e, tr, te]) => ({ epoch: e, train: tr, test: te }));
    $("#ceiling").textContent = out.info.ceiling === null ? "unknown" : fmt(out.info.ceiling);
    $("#task-desc").textContent = out.info.description || "";
    buildNetwork(out.info);
    show(out.frame, out.state);
  } catch (err) {
    setError(err.message);
  } finally {
    lab.busy = false;
    saveUrl();
  }
}

function show(frame, state) {
  lab.frame = frame;
  if (state) lab.state = state;
  const last = lab.curve[lab.curve.length - 1];
  if (!last || last.epoch !== frame.epoch) lab.curve.push({ epoch: frame.epoch, train: frame.train_loss, test: frame.test_loss });
  if (lab.curve.length > 2000) lab.curve.splice(0, lab.curve.length - 2000);
  drawBoundary();
  drawNeurons(frame);
  drawStats(frame);
  lineChart($("#loss-chart"), [
    { label: "train loss", colour: "#0877bd", x: lab.curve.map((p) => p.epoch), y: lab.curve.map((p) => p.train) },
    { label: "test loss", colour: "#f59322", x: lab.curve.map((p) => p.epoch), y: lab.curve.map((p) => p.test) },
  ]);
  $("#epoch").textContent = frame.epoch;
  if (frame.error) { setError(frame.error); pause(); }
}

function drawBoundary() {
  const canvas = $("#boundary"), info = lab.info, frame = lab.frame;
  if (!info || !frame) return;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const b = frame.boundary;
  const showTest = $("#show-test").checked;
  if (b.kind === "curve") {
    const ys = [...info.train.y, ...info.test.y, ...b.y.filter((y) => y !== null)];
    const range = info.kind === "regression" ? [Math.min(...ys), Math.max(...ys)] : [-0.1, 1.1];
    const pad = (range[1] - range[0]) * 0.08 || 1;
    const { sx, sy } = scaler(canvas, info.extent, [range[0] - pad, range[1] + pad]);
    const map = (x, y) => [sx(x[0] ?? x), sy(y)];
    drawPoints(canvas, info.train, map, "regression", false);
    if (showTest) drawPoints(canvas, info.test, map, "regression", true);
    drawCurve(canvas, b.x, b.y, (x, y) => [sx(x), sy(y)]);
  } else {
    paintGrid(canvas, b.data, b.shape[0], boundaryColour(b));
    const { sx, sy } = scaler(canvas, info.extent);
    const map = (x, y) => [sx(x[0]), sy(x[1])];
    drawPoints(canvas, info.train, map, info.kind, false);
    if (showTest) drawPoints(canvas, info.test, map, info.kind, true);
  }
}

function drawStats(frame) {
  const rows = [];
  const m = frame.metrics, kind = lab.info.kind;
  rows.push(["loss", fmt(frame.train_loss, 4), fmt(frame.test_loss, 4)]);
  const names = kind === "regression" ? ["r2", "mae"] : ["accuracy", "precision", "recall"];
  for (const name of names) rows.push([name === "r2" ? "R²" : name, fmt(m.train[name]), fmt(m.test ? m.test[name] : null)]);
  $("#stats").innerHTML = "<tr><th></th><th>train</th><th>test</th></tr>" +
    rows.map((r) => `<tr><th>${r[0]}</th><td>${r[1]}</td><td>${r[2]}</td></tr>`).join("");
  const cm = m.test && m.test.confusion_matrix;
  if (cm) {
    const labels = lab.info.class_names.map(esc);
    $("#confusion").innerHTML = `<tr><th class="text">true ↓ / predicted →</th>${labels.map((l) => `<th>${l}</th>`).join("")}</tr>` +
      cm.map((row, i) => `<tr><th>${labels[i]}</th>${row.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("");
  } else {
    $("#confusion").innerHTML = "";
  }
}

// --- the network: one small heatmap per neuron, links by weight sign and size, click to set -------
function buildNetwork(info) {
  const net = $("#network");
  net.innerHTML = "";
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  net.appendChild(svg);
  const titles = ["inputs", ...info.widths.slice(1, -1).map((w, i) => `layer ${i + 1}`), "output"];
  const sizes = [info.features.length, ...info.widths.slice(1)];
  sizes.forEach((n, l) => {
    const col = document.createElement("div");
    col.className = "layer";
    col.innerHTML = `<div class="title">${titles[l]}</div>`;
    for (let j = 0; j < n; j++) {
      const c = document.createElement("canvas");
      c.className = "neuron"; c.width = 16; c.height = 16; c.dataset.layer = l; c.dataset.index = j;
      c.title = l === 0 ? info.features[j] : `neuron ${j} of ${titles[l]} (click: set its bias)`;
      if (l > 0) c.addEventListener("click", () => editWeight(l - 1, j, null));
      col.appendChild(c);
    }
    net.appendChild(col);
  });
}

function drawNeurons(frame) {
  const info = lab.info, net = $("#network");
  const svg = net.querySelector("svg");
  net.querySelectorAll('canvas.neuron[data-layer="0"]').forEach((c) => {
    c.getContext("2d").fillStyle = "#eee"; c.getContext("2d").fillRect(0, 0, 16, 16);
    c.getContext("2d").fillStyle = "#333"; c.getContext("2d").font = "7px sans-serif";
    c.getContext("2d").fillText(info.features[c.dataset.index], 1, 10);
  });
  frame.neurons.forEach((layer, l) => layer.forEach((neuron, j) => {
    const c = net.querySelector(`canvas.neuron[data-layer="${l + 1}"][data-index="${j}"]`);
    if (!c) return;
    if (info.n_inputs === 2) {
      const data = bytes(neuron.data);
      paintGrid(c, neuron.data, info.neuron_grid, (i) => diverging(data[i]));
    } else {
      const data = bytes(neuron.data), ctx = c.getContext("2d");
      ctx.clearRect(0, 0, 16, 16);
      drawCurve(c, [...data.keys()], [...data], (x, y) => [x / (data.length - 1) * 16, 16 - y / 255 * 16], "#0877bd", 1);
    }
  }));
  const out = net.querySelector(`canvas.neuron[data-layer="${info.widths.length - 1}"]`);
  if (out && frame.boundary.kind !== "curve") paintGrid(out, frame.boundary.data, frame.boundary.shape[0], boundaryColour(frame.boundary));
  // links
  const box = net.getBoundingClientRect();
  svg.setAttribute("width", net.scrollWidth); svg.setAttribute("height", net.scrollHeight);
  svg.innerHTML = "";
  if (!frame.weights) return;
  const centre = (l, j) => {
    const r = net.querySelector(`canvas.neuron[data-layer="${l}"][data-index="${j}"]`).getBoundingClientRect();
    return [r.left - box.left + r.width / 2 + net.scrollLeft, r.top - box.top + r.height / 2];
  };
  const maxW = Math.max(1e-9, ...frame.weights.flatMap((L) => L.W.flat().map(Math.abs)));
  frame.weights.forEach((L, l) => L.W.forEach((row, i) => row.forEach((w, k) => {
    const [x1, y1] = centre(l, k), [x2, y2] = centre(l + 1, i);
    const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
    Object.entries({ x1, y1, x2, y2 }).forEach(([a, val]) => line.setAttribute(a, val));
    line.setAttribute("stroke", w >= 0 ? "#0877bd" : "#f59322");
    line.setAttribute("stroke-width", 0.5 + 4 * Math.abs(w) / maxW);
    line.setAttribute("opacity", 0.75);
    line.innerHTML = `<title>w = ${w} (layer ${l + 1}, neuron ${i}, input ${k}); click to set</title>`;
    line.addEventListener("click", () => editWeight(l, i, k));
    svg.appendChild(line);
  })));
}

async function editWeight(layer, row, col) {
  const current = lab.frame.weights ? (col === null ? lab.frame.weights[layer].b?.[row] : lab.frame.weights[layer].W[row][col]) : 0;
  const text = prompt(col === null ? `bias of neuron ${row} (layer ${layer + 1})` : `weight: layer ${layer + 1}, neuron ${row}, input ${col}`, current);
  if (text === null) return;
  await setWeight(layer, row, col, Number(text));
}

async function setWeight(layer, row, col, value) {
  await pause();
  try {
    const out = await api("POST", `/api/playground/${lab.session}/weights`, { layer, row, col, value });
    show(out.frame, out.state);
    saveUrl();
  } catch (err) { setError(err.message); }
}

// --- play / pause / step / reset -------------------------------------------------------------------
const FPS = 20; // frames a second at most
const painted = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One request in flight at a time: ask for a frame (a step without the loss curve), draw it, wait for the
// browser to paint (a hidden tab never paints, so it stops asking), then ask for the next.
function play() {
  if (!lab.session || lab.source) return;
  const loop = { stopped: false, done: null }, session = lab.session;
  lab.source = loop;
  $("#play").textContent = "Pause";
  loop.done = (async () => {
    while (!loop.stopped && lab.session === session) {
      const started = performance.now();
      let out;
      try {
        out = await api("POST", `/api/playground/${session}/step`, { epochs: Number($("#epf").value) || 1, curve: false });
      } catch (err) {
        if (!loop.stopped) { setError(err.message); pause(); }
        break;
      }
      if (lab.session !== session) break;
      show(out.frame, out.state); // even after a pause: the server trained it, the URL must say so
      if (out.stopped && !out.frame.error) { setError(out.stopped); pause(); }
      if (loop.stopped) break;
      if (Date.now() - lab.urlTimer > 1000) { lab.urlTimer = Date.now(); saveUrl(); }
      await painted();
      await sleep(1000 / FPS - (performance.now() - started));
    }
  })();
}

// Stop playing; resolves once the frame in flight (if any) has arrived, so the next request finds the
// session free.
function pause() {
  const loop = lab.source;
  if (loop) { loop.stopped = true; lab.source = null; }
  $("#play").textContent = "Play";
  if (lab.session) saveUrl();
  return loop ? loop.done : Promise.resolve();
}

async function post(path, body) {
  await pause();
  try {
    const out = await api("POST", `/api/playground/${lab.session}/${path}`, body);
    if (path === "reset") lab.curve = [];
    show(out.frame, out.state);
    saveUrl();
  } catch (err) { setError(err.message); }
}

async function save() {
  await pause();
  try {
    const out = await api("POST", `/api/playground/${lab.session}/save`);
    $("#saved").innerHTML = `saved as <a href="${out.url}">run ${out.run_id}</a>`;
  } catch (err) { setError(err.message); }
}

// Submit: fetch the class task's test inputs, predict them with this session, send them to the scoreboard.
async function submit() {
  await pause();
  const out = $("#submitted"), taskId = Number($("#class-task").value);
  out.textContent = "";
  const token = localStorage.getItem("neuronlab-student-token");
  try {
    if (!token) throw new Error("join a class first (Scoreboard → Join): your token is kept in this browser");
    if (!taskId) throw new Error("type the id of the class task to submit to");
    const inputs = await api("GET", `/api/class/tasks/${taskId}/inputs`);
    const { y } = await api("POST", `/api/playground/${lab.session}/predict`, { X: inputs.rows });
    const names = lab.info.class_names;
    const predictions = lab.info.kind === "regression" ? y : y.map((c) => names[c] ?? c);
    const response = await fetch(`/api/class/tasks/${taskId}/submissions`, { method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ predictions }) });
    const data = await response.json();
    if (!response.ok || data.status === "rejected") throw new Error(data.detail || data.error);
    out.innerHTML = `submitted: board value <b>${fmt(data.published)}</b>${data.new_best ? " (new best)" : ""} — ` +
      `<a href="/class/tasks/${taskId}">board</a>`;
  } catch (err) { setError(`submit: ${err.message}`); }
}

async function uploadCsv() {
  const file = $("#csv-file").files[0], target = $("#csv-target").value.trim();
  if (!file || !target) { setError("choose a CSV file and type the name of its target column"); return; }
  try {
    const out = await api("POST", "/api/datasets", { text: await file.text(), target });
    const opt = document.createElement("option");
    opt.value = out.task; opt.textContent = `${file.name} (${target})`;
    $("#task").appendChild(opt);
    $("#task").value = out.task;
    await onTaskChange();
  } catch (err) { setError(err.message); }
}

async function onTaskChange() {
  const t = lab.tasks.find((x) => x.name === $("#task").value);
  const oneD = t ? t.n_features === 1 : false;
  if (oneD) FEATURES.forEach((f) => { $(`#f-${CSS.escape(f)}`).checked = f === "x1"; });
  FEATURES.forEach((f) => { $(`#f-${CSS.escape(f)}`).disabled = oneD && f.includes("x2"); });
  $("#noise").disabled = t ? !("noise" in t.params) : true;
  $("#n_samples").disabled = t ? !("n_samples" in t.params) : true;
  if ($("#noise").disabled) $("#noise").value = "";
  if ($("#n_samples").disabled) $("#n_samples").value = "";
  await start();
}

async function init() {
  lab.tasks = (await api("GET", "/api/tasks")).filter((t) => t.n_features <= 2);
  $("#task").innerHTML = lab.tasks.map((t) => `<option value="${t.name}">${t.name} (${t.kind})</option>`).join("");
  $("#features").innerHTML = FEATURES.map((f) => `<label class="inline"><input type="checkbox" id="f-${f}"> ${f.replace("^2", "²").replace("*", "·")}</label>`).join("");
  const { v, epoch, edits, showTest } = fromUrl();
  if (String(v.task).startsWith("csv:")) {
    const opt = document.createElement("option"); opt.value = v.task; opt.textContent = v.task; $("#task").appendChild(opt);
  }
  writeControls(v);
  $("#show-test").checked = showTest;
  const t = lab.tasks.find((x) => x.name === v.task);
  if (t) FEATURES.forEach((f) => { $(`#f-${CSS.escape(f)}`).disabled = t.n_features === 1 && f.includes("x2"); });
  $("#task").addEventListener("change", onTaskChange);
  document.querySelectorAll("#controls input, #controls select").forEach((el) => {
    if (el.id === "task" || el.id === "epf" || el.id.startsWith("csv")) return;
    el.addEventListener("change", () => start());
  });
  $("#play").addEventListener("click", () => (lab.source ? pause() : play()));
  $("#step").addEventListener("click", () => post("step", { epochs: Number($("#epf").value) || 1 }));
  $("#reset").addEventListener("click", () => post("reset"));
  $("#regenerate").addEventListener("click", () => { $("#seed").value = Number($("#seed").value) + 1; start(); });
  $("#save").addEventListener("click", save);
  if ($("#submit")) $("#submit").addEventListener("click", submit);
  $("#csv-upload").addEventListener("click", uploadCsv);
  $("#show-test").addEventListener("change", () => { drawBoundary(); saveUrl(); });
  $("#set-weight").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const col = $("#sw-col").value.trim();
    setWeight(Number($("#sw-layer").value) - 1, Number($("#sw-row").value), col === "" || col === "b" ? null : Number(col), Number($("#sw-value").value));
  });
  await start(epoch, edits);
  document.body.dataset.ready = "1";
}

init().catch((err) => setError(err.message));
