// The class feed and a student's progress: the runs saved in a class, fetched with the token this browser
// kept when its student joined (an instructor pastes theirs).  Every name and note is a student's own
// text: it goes into the page as text, never as markup.
import { fmt } from "./api.js";

const form = document.getElementById("feed-form");
const list = document.getElementById("entries");
const out = document.getElementById("result");
const classId = Number(form.dataset.class);
const view = form.dataset.view;
let me = null;

async function call(method, url, body) {
  const headers = { Authorization: `Bearer ${form.token.value.trim()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => ({ detail: response.statusText }));
  if (!response.ok) throw new Error(data.detail || response.statusText);
  return data;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function scoreLine(entry) {
  if (entry.score === null) return `${entry.status}: no test score`;
  const ceiling = entry.ceiling === null ? "" : ` of ${fmt(entry.ceiling)} possible (the ceiling)`;
  return `test ${entry.metric} ${fmt(entry.score)}${ceiling}`;
}

function item(entry) {
  const li = el("li");
  li.id = `run-${entry.run_id}`;
  li.dataset.run = entry.run_id;
  if (entry.hidden) li.classList.add("hidden-entry");
  const head = el("div");
  const who = el("a", entry.author + (entry.mine ? " (you)" : ""), "who");
  who.href = `/class/${classId}/progress?member=${entry.member_id}`;
  head.append(who, ` saved run ${entry.run_id} · ${entry.task} · ${entry.model} · `,
    el("time", new Date(entry.created_at).toLocaleString()));
  if (entry.hidden) head.append(el("span", " · hidden by the instructor", "muted"));
  li.append(head, el("div", scoreLine(entry), "score"));
  if (entry.note) li.append(el("p", entry.note, "note"));
  const actions = el("div", undefined, "actions");
  if (entry.playground_url) {
    const open = el("a", "Open in my playground", "open");
    open.href = entry.playground_url;
    actions.append(open);
  } else {
    actions.append(el("span", `a ${entry.experiment} run (seed ${entry.seed}): not a playground state`, "muted"));
  }
  if (me && me.role === "instructor") {
    const hide = el("button", entry.hidden ? "Show again" : "Hide", "hide");
    hide.type = "button";
    hide.addEventListener("click", async () => {
      try {
        await call("POST", `/api/class/runs/${entry.run_id}/hide`, { hidden: !entry.hidden });
        await load();
      } catch (err) { out.className = "error"; out.textContent = err.message; }
    });
    actions.append(hide);
  }
  li.append(actions);
  return li;
}

async function load() {
  out.className = ""; out.textContent = "";
  try {
    me = await call("GET", "/api/class/me");
    const q = new URLSearchParams();
    const task = form.task.value;
    if (task) q.set("task", task);
    const member = view === "progress" ? (form.dataset.member || me.member_id) : null;
    if (view === "progress" && !member) throw new Error("an instructor opens a student's progress from the feed");
    if (member) q.set("member_id", member);
    const entries = await call("GET", `/api/class/classes/${classId}/feed?${q}`);
    list.replaceChildren(...entries.map(item));
    if (view === "progress") {
      const name = entries.length ? entries[0].author : (me.member_id === Number(member) ? me.name : "");
      document.getElementById("title").textContent = `Progress${name ? " of " + name : ""}`;
    }
    for (const entry of entries) {
      if (![...form.task.options].some((o) => o.value === entry.task)) form.task.append(new Option(entry.task, entry.task));
    }
    out.textContent = entries.length ? `${entries.length} run(s)` : "No runs saved yet.";
    const url = new URL(location.href);
    if (task) url.searchParams.set("task", task); else url.searchParams.delete("task");
    history.replaceState(null, "", url);
  } catch (err) {
    list.replaceChildren();
    out.className = "error"; out.textContent = err.message;
  }
  document.body.dataset.ready = "1";
}

form.token.value = localStorage.getItem("neuronlab-student-token") || "";
const wanted = new URLSearchParams(location.search).get("task");
if (wanted) form.task.append(new Option(wanted, wanted, true, true));
form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
form.task.addEventListener("change", load);
if (form.token.value) load(); else { out.textContent = "Paste your token (or join the class first) to see the feed."; document.body.dataset.ready = "1"; }
