// The run browser: list + filter + select to compare; one run's curves and notes; the comparison page.
import { api, fmt } from "./api.js";
import { PALETTE, lineChart } from "./draw.js";

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const colour = (k) => `rgb(${PALETTE[k % PALETTE.length].join(",")})`;

function headline(metrics) {
  const test = metrics.test || {};
  return test.accuracy ?? test.r2 ?? null;
}

function flatten(prefix, value, out) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, out);
  } else out[prefix] = value;
  return out;
}

function cell(v) {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : fmt(v, 4);
  if (v === null || v === undefined) return "—";
  return esc(typeof v === "object" ? JSON.stringify(v) : v);
}

// Every loss column of a history (train, and validation or test where kept), named in words; a column may
// hold values at some epochs only (a playground run's test loss: one per frame drawn), drawn through those.
const LOSS_NAMES = { train_loss: "train loss", val_loss: "validation loss", test_loss: "test loss" };
function curves(history, label) {
  if (!history) return [];
  return Object.entries(history).filter(([k]) => k.endsWith("loss")).map(([k, ys]) => {
    const at = ys.map((y, i) => [i + 1, y]).filter(([, y]) => y !== null);
    return { key: k, label: `${label ? `${label} ` : ""}${LOSS_NAMES[k] || k}`, x: at.map((p) => p[0]), y: at.map((p) => p[1]) };
  });
}

async function listRuns() {
  const q = new URLSearchParams();
  if ($("#f-task").value.trim()) q.set("task", $("#f-task").value.trim());
  if ($("#f-status").value) q.set("status", $("#f-status").value);
  try {
    let runs = await api("GET", `/api/runs?${q}`);
    if ($("#f-model").value) runs = runs.filter((r) => r.model === $("#f-model").value);
    $("#runs").innerHTML = "<tr><th></th><th>id</th><th class='text'>experiment</th><th class='text'>task</th><th class='text'>model</th>" +
      "<th>seed</th><th class='text'>status</th><th>test score</th><th class='text'>when</th></tr>" +
      runs.map((r) => `<tr><td><input type="checkbox" class="pick" value="${r.id}"></td><td><a href="/runs/${r.id}">${r.id}</a></td>` +
        `<td class="text">${esc(r.experiment)}</td><td class="text">${esc(r.task)}</td><td class="text">${esc(r.model)}</td><td>${r.seed}</td>` +
        `<td class="text">${esc(r.status)}</td><td>${fmt(headline(r.metrics))}</td><td class="text">${esc(r.created_at.slice(0, 16).replace("T", " "))}</td></tr>`).join("");
    document.querySelectorAll(".pick").forEach((el) => el.addEventListener("change", () => {
      $("#compare").disabled = document.querySelectorAll(".pick:checked").length < 2;
    }));
    $("#error").textContent = "";
  } catch (err) { $("#error").textContent = err.message; }
}

// A playground run's spec is the playground's URL state: config + epoch + hand-set weights.
function playgroundUrl(spec) {
  const q = new URLSearchParams(), cfg = spec.playground;
  for (const [k, v] of Object.entries(cfg)) {
    if (v === null) continue;
    q.set(k, Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  if (spec.epoch) q.set("epoch", spec.epoch);
  if (spec.edits && spec.edits.length) {
    q.set("edits", spec.edits.map((e) => [e.epoch, e.layer, e.row, e.col === null ? "b" : e.col, e.value].join(":")).join(";"));
  }
  return `/playground?${q}`;
}

export async function initRun(id) {
  const run = await api("GET", `/api/runs/${id}`);
  if (run.spec && run.spec.playground) {
    const link = document.createElement("a");
    link.id = "reopen"; link.href = playgroundUrl(run.spec); link.textContent = "open this state in the playground";
    $("h1").after(link);
  }
  const flat = flatten("", run.metrics, {});
  $("#metrics").innerHTML = Object.entries(flat).map(([k, v]) => `<tr><th class="text">${esc(k)}</th><td>${cell(v)}</td></tr>`).join("");
  // The playground's colours: train blue, validation/test orange.
  const series = curves(run.history).map((s, k) => ({ ...s, colour: s.key === "train_loss" ? "#0877bd" : s.key.endsWith("_loss") ? "#f59322" : colour(k + 2) }));
  lineChart($("#history"), series);
  $("#note-form").addEventListener("submit", async () => {
    try {
      const out = await api("POST", `/api/runs/${id}/notes`, { text: $("#note").value });
      $("#notes").textContent = out.notes || "";
      $("#note").value = ""; $("#error").textContent = "";
    } catch (err) { $("#error").textContent = err.message; }
  });
  document.body.dataset.ready = "1";
}

export async function initCompare(ids) {
  try {
    const c = await api("GET", `/api/runs/compare?ids=${encodeURIComponent(ids)}`);
    const head = `<tr><th class="text"></th>${c.run_ids.map((i) => `<th><a href="/runs/${i}">run ${i}</a></th>`).join("")}</tr>`;
    const rows = (obj) => Object.entries(obj).map(([k, vs]) => `<tr><th class="text">${esc(k)}</th>${vs.map((v) => `<td>${cell(v)}</td>`).join("")}</tr>`).join("");
    $("#differing").innerHTML = head + (rows(c.differing) || "<tr><td class='text muted'>none: same parameters</td></tr>");
    $("#metrics").innerHTML = head + rows(Object.fromEntries(Object.entries(c.metrics).filter(([k]) => !k.includes("confusion"))));
    const series = c.run_ids.flatMap((id, k) => curves(c.histories[id], `run ${id}`).slice(0, 2).map((s) => ({ ...s, colour: colour(k) })));
    lineChart($("#curves"), series);
    $("#figures").innerHTML = c.run_ids.flatMap((id) => c.artifacts[id].filter((n) => n.endsWith(".png")).map((n) =>
      `<figure style="display:inline-block"><img src="/api/runs/${id}/artifacts/${encodeURIComponent(n)}" alt="run ${id} ${esc(n)}"><figcaption>run ${id}: ${esc(n)}</figcaption></figure>`)).join("");
  } catch (err) { $("#error").textContent = err.message; }
  document.body.dataset.ready = "1";
}

if ($("#runs")) {
  $("#filters").addEventListener("submit", listRuns);
  $("#compare").addEventListener("click", () => {
    const ids = [...document.querySelectorAll(".pick:checked")].map((el) => el.value).join(",");
    location.href = `/runs/compare?ids=${ids}`;
  });
  listRuns().then(() => { document.body.dataset.ready = "1"; });
}
