// The "Presets" picker: for the current task, curated good configurations (each one trained and checked
// by the tests: it reaches its stated test score by its stated epoch) and the three best runs saved from the
// playground on it. Apply opens the preset's page URL — a saved run's replays its epoch and hand-set
// weights, as any shared link does — keeping lecture mode's hidden controls.
// Why a button and not "apply on change": a keyboard user walks a closed <select> with the arrow keys, and
// every step would throw the current session away.
import { api, fmt } from "./api.js";
import { withLecture } from "./lecture.js";

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const metricName = (m) => (m === "r2" ? "R²" : "accuracy");
const state = { task: null, asked: 0, entries: new Map() };

function fill(data) {
  state.entries.clear();
  const option = (key, text, entry) => { state.entries.set(key, entry); return `<option value="${key}">${esc(text)}</option>`; };
  const curated = data.builtin.map((p, i) => option(`b${i}`,
    `${p.name} — test ${metricName(p.metric)} ≥ ${p.score} by epoch ${p.epochs}`,
    { url: p.url, why: `${p.why} (press Play: from seed 0 it reaches test ${metricName(p.metric)} ≥ ${p.score} by epoch ${p.epochs})` }));
  const saved = data.saved.map((s, i) => option(`s${i}`,
    `run ${s.run_id}: test ${metricName(s.metric)} ${fmt(s.score)} at epoch ${s.epoch}`,
    { url: s.url, why: `replays run ${s.run_id} (saved ${new Date(s.created_at).toLocaleDateString()}): its configuration, epoch ${s.epoch} and hand-set weights` }));
  $("#preset").innerHTML = '<option value="">choose…</option>' +
    `<optgroup label="good configurations">${curated.join("") || '<option disabled>none for this task</option>'}</optgroup>` +
    `<optgroup label="best saved runs">${saved.join("") || '<option disabled>none saved yet (Save as run adds yours)</option>'}</optgroup>`;
  $("#preset-why").textContent = "";
}

// Load the presets of `task` (again with `force`, e.g. after a run was saved); the latest request wins.
export async function showPresets(task, force = false) {
  if (!force && task === state.task) return;
  state.task = task;
  const asked = ++state.asked;
  try {
    const data = await api("GET", `/api/playground/presets?task=${encodeURIComponent(task)}`);
    if (asked === state.asked) fill(data);
  } catch (err) {
    if (asked === state.asked) { $("#preset").innerHTML = '<option value="">no presets</option>'; $("#preset-why").textContent = err.message; }
  }
}

export function setUpPresets() {
  $("#preset").addEventListener("change", () => {
    const entry = state.entries.get($("#preset").value);
    $("#preset-why").textContent = entry ? entry.why : "";
  });
  $("#preset-apply").addEventListener("click", () => {
    const entry = state.entries.get($("#preset").value);
    if (entry) location.assign(withLecture(entry.url)); else $("#preset-why").textContent = "choose a preset first";
  });
  // "Save as run" writes its link into #saved: the new run may be one of the best now.
  new MutationObserver(() => { if (state.task) showPresets(state.task, true); }).observe($("#saved"), { childList: true });
}
