// The playground page: controls ⇄ URL ⇄ server session; while playing, the page pulls the next frame
// once it has drawn the last (so a slow tab never falls behind and a hidden one stops asking).
import { api, fmt } from "./api.js";
import { boundaryColour, drawCurve, drawPoints, lineChart, paintGrid, scaler } from "./draw.js";
import { NetworkView, prettyFeature } from "./network.js";
import { outputView, paintNeuron, watchNeurons } from "./enlarge.js";
import { lectureParams, setUpLecture } from "./lecture.js";
import { setUpPresets, showPresets } from "./presets.js";
import { initExport } from "./export.js";
import { mountThumbnails } from "./thumbnails.js";

const $ = (sel) => document.querySelector(sel);
// Class names come from users' CSV files: escape them before they go into markup.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const DEFAULTS = { task: "moons", noise: "", n_samples: "", train_ratio: 0.5, seed: 0, features: "x1,x2",
  hidden: "4,4", activation: "tanh", bias: 1, eta: 0.3, regularization: "none", alpha: 0, batch_size: 0,
  optimizer: "sgd", loss: "auto", epf: 5, stop: "", stop_at: "", discretize: 0 };
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
  for (const [key, value] of lectureParams()) q.set(key, value); // lecture mode's hidden controls stay hidden
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
    $("#ceiling").textContent = out.info.ceiling_text;
    $("#task-desc").textContent = out.info.description || "";
    const heat = out.frame.boundary, value = heat && heat.kind === "value"; // 2-D regression: the values shown
    const names = value ? [`low ${fmt(heat.lo, 2)}`, `high ${fmt(heat.hi, 2)}`]
      : out.info.kind === "regression" ? ["low", "high"] : out.info.class_names;
    if ($("#legend-mid")) $("#legend-mid").textContent = value ? `middle ${fmt((heat.lo + heat.hi) / 2, 2)}` : "unsure";
    $("#legend-0").textContent = names[0] ?? "class 0"; $("#legend-1").textContent = names[1] ?? "class 1";
    buildNetwork(out.info);
    show(out.frame, out.state);
    showPresets(v.task);
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
  lab.net.draw(frame, outputView($("#boundary"))); // the output neurons show the decision map itself
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
  const b = frame.boundary;
  const showTest = $("#show-test").checked;
  if (b.kind === "curve") {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const ys = [...info.train.y, ...info.test.y, ...b.y.filter((y) => y !== null)];
    const range = info.kind === "regression" ? [Math.min(...ys), Math.max(...ys)] : [-0.1, 1.1];
    const pad = (range[1] - range[0]) * 0.08 || 1;
    const { sx, sy } = scaler(canvas, info.extent, [range[0] - pad, range[1] + pad]);
    const map = (x, y) => [sx(x[0] ?? x), sy(y)];
    drawPoints(canvas, info.train, map, "regression", false);
    if (showTest) drawPoints(canvas, info.test, map, "regression", true);
    drawCurve(canvas, b.x, b.y, (x, y) => [sx(x), sy(y)]);
    paintNeuron(canvas, frame, info); // a hovered hidden neuron's curve replaces the fit (enlarge.js)
    return;
  }
  // The points never move while training: drawn once onto their own layer, stamped over each heatmap.
  const key = `${lab.session}:${showTest}`;
  if (!lab.points || lab.points.key !== key) {
    const layer = Object.assign(document.createElement("canvas"), { width: canvas.width, height: canvas.height });
    const { sx, sy } = scaler(layer, info.extent);
    const map = (x) => [sx(x[0]), sy(x[1])];
    const values = b.kind === "value" ? [b.lo, b.hi] : null; // 2-D regression: points in the heatmap's colours
    drawPoints(layer, info.train, map, info.kind, false, values);
    if (showTest) drawPoints(layer, info.test, map, info.kind, true, values);
    lab.points = { key, layer };
  }
  paintGrid(canvas, b.data, b.shape[0], boundaryColour(b, $("#discretize").checked));
  ctx.drawImage(lab.points.layer, 0, 0);
  paintNeuron(canvas, frame, info, lab.points.layer); // a hovered hidden neuron's map replaces the output
}

// Early stopping on the test split, what a student does by eye: the test loss has not improved on its best
// by more than STALL_TOL for `patience` epochs. Said as such when it fires, since a test score chosen this
// way is no longer an unbiased estimate (the honest way, a validation split, is in `neuronlab train`).
const STALL_TOL = 1e-4; // scikit-learn's tol
function stalled(frame, patience) {
  const s = lab.stall;
  if (!s || s.session !== lab.session || frame.epoch < s.epoch) { // a new session, or a reset
    lab.stall = { session: lab.session, best: Infinity, bestEpoch: frame.epoch, epoch: frame.epoch };
  }
  const t = lab.stall;
  t.epoch = frame.epoch;
  if (frame.test_loss !== null && frame.test_loss < t.best - STALL_TOL) { t.best = frame.test_loss; t.bestEpoch = frame.epoch; }
  return frame.epoch - t.bestEpoch >= patience;
}

// The stop condition (toolbar): pause once the test accuracy (R² for regression) reaches, or the test
// loss falls to, the value set, or the test loss stalls; the epoch it happened at is said beside it.
function stopWhen(frame) {
  const what = $("#stop").value, at = Number($("#stop_at").value);
  if (!what || $("#stop_at").value === "" || !Number.isFinite(at)) return false;
  if (what === "stall") {
    if (!stalled(frame, at)) return false;
    $("#stopped-at").textContent = `test loss stalled: best ${fmt(lab.stall.best, 4)} at epoch ${lab.stall.bestEpoch}, ` +
      `paused at epoch ${frame.epoch} — early stopping on the test split, so its test score is no longer unbiased`;
    return true;
  }
  const test = frame.metrics.test || {};
  const score = lab.info.kind === "regression" ? test.r2 : test.accuracy;
  const hit = what === "loss" ? frame.test_loss !== null && frame.test_loss <= at : score !== null && score !== undefined && score >= at;
  if (hit) $("#stopped-at").textContent = `reached at epoch ${frame.epoch}`;
  return hit;
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

// --- the network (network.js) and the editor of one neuron's bias and incoming weights ----------------
function buildNetwork(info) {
  if (lab.net) lab.net.destroy();
  lab.net = new NetworkView($("#network"), info, openEditor);
  $("#neuron-editor").hidden = true;
}

// The exact value when the frame carries the weights (small nets), else the link's byte (≈).
function weightOf(layer, row, col) {
  const W = lab.frame && lab.frame.weights;
  if (W) return col === null ? (W[layer].b ? W[layer].b[row] : null) : W[layer].W[row][col];
  return col === null ? null : lab.net.approx(layer, row, col);
}

// Clicking (or pressing Enter on) a neuron or link opens this editor: the neuron's bias and each incoming
// weight as a number field; changing one sets it on the server (and in the URL).
function openEditor(layer, row, col) {
  const form = $("#neuron-editor"), info = lab.info;
  const nIn = layer === 0 ? info.features.length : info.widths[layer];
  const inputName = (k) => (layer === 0 ? prettyFeature(info.features[k]) : `neuron ${k} of layer ${layer}`);
  const last = layer === info.widths.length - 2;
  $("#ne-title").textContent = last ? "the output" : `neuron ${row} of layer ${layer + 1}`;
  const exact = Boolean(lab.frame && lab.frame.weights);
  const field = (k, label) => {
    const v = weightOf(layer, row, k);
    return `<label class="inline">${esc(label)} <input type="number" step="any" data-col="${k === null ? "b" : k}"` +
      ` value="${v === null ? "" : exact ? v : Number(v.toPrecision(3))}"${exact ? "" : ' placeholder="≈"'}></label>`;
  };
  $("#ne-fields").innerHTML = ($("#bias").checked ? field(null, "bias") : "") +
    [...Array(nIn).keys()].map((k) => field(k, `from ${inputName(k)}`)).join("");
  form.dataset.layer = layer; form.dataset.row = row;
  form.hidden = false;
  const focus = form.querySelector(`input[data-col="${col === null ? "b" : col}"]`) || form.querySelector("input");
  if (focus) { focus.focus(); focus.select(); }
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
// While playing, the page pulls: one step request in flight; its frame is drawn as soon as it lands, and
// only then is the next one asked for. So the server never trains a frame the page has not taken, a slow
// page simply gets fewer frames (each the latest), a hidden tab stops asking (it draws and asks again
// once seen), and Pause is answered at once: the button changes on the click; the frame already in
// flight is drawn when it lands (the server trained it, the URL must say so). Faster than the screen
// refreshes, the page waits for the next animation frame before asking again.
const painted = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

function drawNext(loop, out) {
  return new Promise((resolve) => {
    const draw = () => { if (!loop.drawn) { loop.drawn = true; show(out.frame, out.state); } resolve(); };
    loop.drawn = false; loop.flush = draw;
    if (loop.stopped || !document.hidden) draw();
    else document.addEventListener("visibilitychange", draw, { once: true });
  });
}

function play() {
  if (!lab.session || lab.source) return;
  const loop = { stopped: false, done: null, drawn: true, flush: null, last: 0 }, session = lab.session;
  lab.source = loop;
  $("#play").textContent = "Pause";
  $("#play").setAttribute("aria-pressed", "true");
  loop.done = (async () => {
    while (!loop.stopped && lab.session === session) {
      let out;
      try {
        out = await api("POST", `/api/playground/${session}/step`, { epochs: Number($("#epf").value) || 1, curve: false });
      } catch (err) {
        if (!loop.stopped) { setError(err.message); pause(); }
        break;
      }
      if (lab.session !== session) break;
      const since = performance.now() - loop.last;
      await drawNext(loop, out);
      loop.last = performance.now();
      if (since < 15) await painted();
      if (out.stopped && !out.frame.error) { setError(out.stopped); pause(); }
      if (stopWhen(out.frame)) pause();
      if (loop.stopped) break;
      if (Date.now() - lab.urlTimer > 1000) { lab.urlTimer = Date.now(); saveUrl(); }
    }
  })();
}

// Stop playing; resolves once the frame in flight (if any) has arrived and been drawn, so the next
// request finds the session free.
function pause() {
  const loop = lab.source;
  if (loop) {
    loop.stopped = true; lab.source = null;
    if (!loop.drawn && loop.flush) loop.flush(); // a frame waiting for an animation frame: draw it now
  }
  $("#play").textContent = "Play";
  $("#play").setAttribute("aria-pressed", "false");
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

// Save to class: the same run, saved in the class of the token this browser kept when its student joined,
// with a note; the class feed lists it and opens it in any classmate's playground.
async function share() {
  await pause();
  const out = $("#shared");
  out.textContent = "";
  const token = localStorage.getItem("neuronlab-student-token");
  try {
    if (!token) throw new Error("join a class first (Scoreboard → Join): your token is kept in this browser");
    const response = await fetch(`/api/class/playground/${lab.session}/save`, { method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ note: $("#class-note").value || null }) });
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail);
    out.innerHTML = `saved in your class as run ${data.run_id} — <a href="/class/${data.class_id}/feed">class feed</a>`;
  } catch (err) { setError(`save to class: ${err.message}`); }
}

// The class-task picker: the tasks of the class this browser's token belongs to (open ones), the one
// matching the playground's task first.
async function loadClassTasks() {
  const token = localStorage.getItem("neuronlab-student-token");
  if (!token) return;
  const auth = { Authorization: `Bearer ${token}` };
  try {
    const me = await (await fetch("/api/class/me", { headers: auth })).json();
    if (!me.class_id) return;
    const room = await api("GET", `/api/class/classes/${me.class_id}`);
    lab.classTasks = room.tasks.filter((t) => t.status === "open");
    $("#class-task").innerHTML = lab.classTasks.length ? lab.classTasks.map((t) =>
      `<option value="${t.id}">${esc(t.name)} (${esc(t.kind)}, ${t.feature_names.length} input${t.feature_names.length === 1 ? "" : "s"})</option>`).join("")
      : '<option value="">your class has no open task</option>';
    const same = lab.classTasks.find((t) => t.source && t.source.task === $("#task").value);
    if (same) $("#class-task").value = same.id;
  } catch (err) { /* no class: the picker keeps saying so */ }
}

// Why this session cannot answer that class task (null when it can): the kinds or the inputs differ.
function mismatch(task) {
  const info = lab.info, n = task.feature_names.length;
  const ours = info.kind === "regression" ? "regression" : "classification";
  const theirs = task.kind === "regression" ? "regression" : "classification";
  if (ours !== theirs || n !== info.n_inputs) {
    return `task mismatch: class task "${task.name}" is a ${task.kind} task on ${n} input${n === 1 ? "" : "s"}, ` +
      `but this playground trains a ${info.kind} model on ${info.n_inputs} (${info.task}); pick its task first`;
  }
  return null;
}

// Submit: fetch the class task's test inputs, predict them with this session, send them to the scoreboard,
// and say what came of it: the board's value after it (the Ladder publishes a gain only above its step,
// rounded to the step) and the submissions left.
async function submit() {
  await pause();
  const out = $("#submitted"), taskId = Number($("#class-task").value);
  out.textContent = "";
  const token = localStorage.getItem("neuronlab-student-token");
  try {
    if (!token) throw new Error("join a class first (Scoreboard → Join): your token is kept in this browser");
    const task = (lab.classTasks || []).find((t) => t.id === taskId);
    if (!task) throw new Error("choose one of your class's tasks");
    const why = mismatch(task);
    if (why) throw new Error(why);
    const inputs = await api("GET", `/api/class/tasks/${taskId}/inputs`);
    const { y } = await api("POST", `/api/playground/${lab.session}/predict`, { X: inputs.rows });
    const names = lab.info.class_names;
    const predictions = lab.info.kind === "regression" ? y : y.map((c) => names[c] ?? c);
    const response = await fetch(`/api/class/tasks/${taskId}/submissions`, { method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ predictions }) });
    const data = await response.json();
    if (!response.ok || data.status === "rejected") throw new Error(data.detail || data.error);
    const step = data.ladder_step, digits = (String(step).split(".")[1] || "").length;
    const value = (v) => Number(v).toFixed(digits);
    const verdict = data.new_best
      ? `this submission: <b>${value(data.published)}</b> on the public part (a new best; rounded to ${step})`
      : `this submission did not beat your published <b>${value(data.published)}</b> by more than ${step}: the board keeps it`;
    const left = [data.remaining_today === null ? null : `${data.remaining_today} left today`,
      data.remaining_total === null ? null : `${data.remaining_total} in all`].filter(Boolean).join(", ");
    out.innerHTML = `${verdict}${left ? ` · <span class="quota">${left}</span>` : ""} — <a href="/class/tasks/${taskId}">board</a>`;
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
  // Back on a 2-D task from a 1-D one, no feature reads x2: the net would see x1 alone and say nothing.
  const usesX2 = FEATURES.some((f) => f.includes("x2") && $(`#f-${CSS.escape(f)}`).checked);
  if (t && t.n_features === 2 && !usesX2) { $("#f-x1").checked = true; $("#f-x2").checked = true; }
  FEATURES.forEach((f) => { $(`#f-${CSS.escape(f)}`).disabled = oneD && f.includes("x2"); });
  $("#noise").disabled = t ? !("noise" in t.params) : true;
  $("#n_samples").disabled = t ? !("n_samples" in t.params) : true;
  if ($("#noise").disabled) $("#noise").value = "";
  if ($("#n_samples").disabled) $("#n_samples").value = "";
  await start();
}

async function init() {
  setUpLecture(); // first, before anything is awaited: chosen controls hide at once
  setUpPresets();
  watchNeurons($("#network"), drawBoundary);
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
  if (t && t.n_features === 1) FEATURES.forEach((f) => { // a 1-D task has no x2 (an old URL may still name it)
    const box = $(`#f-${CSS.escape(f)}`);
    box.disabled = f.includes("x2");
    if (box.disabled) box.checked = false;
  });
  if (t && t.n_features === 1 && !FEATURES.some((f) => $(`#f-${CSS.escape(f)}`).checked)) $("#f-x1").checked = true;
  $("#task").addEventListener("change", onTaskChange);
  mountThumbnails($("#task")); // the data picker: a picture per task (not awaited: the page starts meanwhile)
  document.querySelectorAll("#controls input, #controls select").forEach((el) => {
    if (el.id === "task" || el.id === "epf" || el.id.startsWith("csv")) return;
    el.addEventListener("change", () => start());
  });
  $("#play").addEventListener("click", () => (lab.source ? pause() : play()));
  $("#step").addEventListener("click", () => post("step", { epochs: Number($("#epf").value) || 1 }));
  $("#reset").addEventListener("click", () => post("reset"));
  $("#regenerate").addEventListener("click", () => { $("#seed").value = Number($("#seed").value) + 1; start(); });
  $("#save").addEventListener("click", save);
  initExport(() => lab.session, setError); // Export Python / Export JSON (export.js)
  if ($("#submit")) { $("#submit").addEventListener("click", submit); loadClassTasks(); }
  if ($("#share")) $("#share").addEventListener("click", share);
  $("#csv-upload").addEventListener("click", uploadCsv);
  $("#show-test").addEventListener("change", () => { drawBoundary(); saveUrl(); });
  $("#discretize").addEventListener("change", () => { if (lab.frame) show(lab.frame); saveUrl(); });
  ["#stop", "#stop_at"].forEach((sel) => $(sel).addEventListener("change", () => { $("#stopped-at").textContent = ""; saveUrl(); }));
  $("#ne-fields").addEventListener("change", (ev) => {
    const el = ev.target, form = $("#neuron-editor");
    if (el.value === "" || !Number.isFinite(Number(el.value))) return;
    const col = el.dataset.col === "b" ? null : Number(el.dataset.col);
    setWeight(Number(form.dataset.layer), Number(form.dataset.row), col, Number(el.value));
  });
  $("#ne-close").addEventListener("click", () => { $("#neuron-editor").hidden = true; });
  $("#neuron-editor").addEventListener("keydown", (ev) => { if (ev.key === "Escape") $("#neuron-editor").hidden = true; });
  $("#set-weight").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const col = $("#sw-col").value.trim();
    setWeight(Number($("#sw-layer").value) - 1, Number($("#sw-row").value), col === "" || col === "b" ? null : Number(col), Number($("#sw-value").value));
  });
  await start(epoch, edits);
  document.body.dataset.ready = "1";
}

init().catch((err) => setError(err.message));
