// Lecture mode: an instructor hides chosen controls (TensorFlow Playground's hideable controls), and the
// choice lives in the URL — `&hide=training,features` or single controls by their URL key, e.g.
// `&hide=eta,alpha,batch_size` — so a reload or a shared link hides the same; `&lecture=1` enlarges the
// boundary and the network for a projector.
// Why one generated stylesheet instead of setting `hidden` on elements: a hidden control must be gone for
// mouse and keyboard (display: none takes it out of the Tab order), including elements other scripts add
// later (the task thumbnails); a rule matches them whenever they appear, an attribute would not.
const $ = (sel) => document.querySelector(sel);

// name → [what the checkbox says, the CSS selectors it hides]. A knob's name is its URL key.
const knob = (id) => `label:has(#${id})`;
export const HIDEABLE = {
  data: ["Data (all)", "fieldset:has(#task)"],
  features: ["Features (all)", "fieldset:has(#features)"],
  network: ["Network (all)", "fieldset:has(#hidden)"],
  training: ["Training (all)", "fieldset:has(#eta)"],
  task: ["task", `${knob("task")}, #task-desc, .thumbs`],
  noise: ["noise", knob("noise")],
  n_samples: ["samples", knob("n_samples")],
  train_ratio: ["train : test", knob("train_ratio")],
  seed: ["seed", knob("seed")],
  regenerate: ["Regenerate", "#regenerate"],
  csv: ["your own CSV", "details:has(#csv-file)"],
  hidden: ["hidden layers", knob("hidden")],
  activation: ["activation", knob("activation")],
  bias: ["bias", knob("bias")],
  eta: ["η", knob("eta")],
  regularization: ["regularisation", knob("regularization")],
  alpha: ["α", knob("alpha")],
  batch_size: ["batch size", knob("batch_size")],
  optimizer: ["optimiser", knob("optimizer")],
  loss: ["loss", knob("loss")],
  play: ["Play", "#play"],
  step: ["Step", "#step"],
  reset: ["Reset", "#reset"],
  epf: ["epochs per frame", knob("epf")],
  stop: ["stop condition", `${knob("stop")}, #stopped-at`],
  save: ["Save as run", "#save, #saved"],
  export: ["Export buttons", "#export-py, #export-json"],
  class: ["class toolbar", `${knob("class-task")}, #submit, #submitted, ${knob("class-note")}, #share, #shared`],
  presets: ["Presets", "#presets-box"],
  test: ["show test points", knob("show-test")],
  discretize: ["discretize", knob("discretize")],
  "set-weight": ["set-weight form", "#set-weight"],
  "loss-chart": ["loss chart", "h2:has(+ #loss-chart), #loss-chart"],
  metrics: ["metrics", "h2:has(+ #stats), #stats"],
  ceiling: ["best possible model", "p:has(#ceiling)"],
  confusion: ["confusion matrix", "h2:has(+ #confusion), #confusion"],
  lecture: ["this panel (bring it back by editing the URL)", "#lecture-panel"],
};
const KEPT = ["hide", "lecture"]; // the URL parameters of lecture mode, kept by every URL the page writes

// The lecture parameters of the current URL, for the page's own URL writer (playground.js urlOf).
export function lectureParams() {
  const q = new URLSearchParams(location.search);
  return KEPT.filter((k) => q.get(k)).map((k) => [k, q.get(k)]);
}

// `url` (a playground URL) with this page's lecture parameters: a preset applied keeps the lecture's choice.
export function withLecture(url) {
  const u = new URL(url, location.href);
  for (const [k, v] of lectureParams()) u.searchParams.set(k, v);
  return u.pathname + u.search;
}

function chosen() {
  const q = new URLSearchParams(location.search);
  const names = (q.get("hide") || "").split(",").map((s) => s.trim()).filter(Boolean);
  return { known: names.filter((n) => n in HIDEABLE), unknown: names.filter((n) => !(n in HIDEABLE)),
    big: q.get("lecture") === "1" };
}

function apply() {
  const { known, unknown, big } = chosen();
  let style = $("#lecture-style");
  if (!style) { style = Object.assign(document.createElement("style"), { id: "lecture-style" }); document.head.append(style); }
  style.textContent = known.map((n) => `${HIDEABLE[n][1]} { display: none !important; }`).join("\n");
  document.body.classList.toggle("lecture", big);
  const note = $("#hide-note");
  note.hidden = !unknown.length;
  note.textContent = unknown.length ? `hide: unknown name${unknown.length > 1 ? "s" : ""} ` +
    `${unknown.map((n) => `"${n}"`).join(", ")} (ignored); known names: ${Object.keys(HIDEABLE).join(", ")}` : "";
  document.querySelectorAll("#lecture-choices input[data-hide]").forEach((box) => { box.checked = known.includes(box.dataset.hide); });
  $("#lecture-big").checked = big;
}

// The panel's checkboxes write the URL (keeping every other parameter), then the page follows the URL.
function write() {
  const q = new URLSearchParams(location.search);
  const names = [...document.querySelectorAll("#lecture-choices input[data-hide]:checked")].map((b) => b.dataset.hide);
  const unknown = chosen().unknown; // an unknown name stays until the instructor edits the URL
  const hide = [...names, ...unknown].join(",");
  if (hide) q.set("hide", hide); else q.delete("hide");
  if ($("#lecture-big").checked) q.set("lecture", "1"); else q.delete("lecture");
  const s = q.toString();
  history.replaceState(null, "", location.pathname + (s ? `?${s}` : ""));
  apply();
}

export function setUpLecture() {
  $("#lecture-choices").innerHTML = Object.entries(HIDEABLE).map(([name, [label]]) =>
    `<label class="inline"><input type="checkbox" data-hide="${name}"> ${label}</label>`).join("");
  $("#lecture-panel").addEventListener("change", write);
  apply();
}
