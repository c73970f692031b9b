/**
 * The dashboard's one ES module, served as /ui/app.js. It is text here so
 * that a `bun build --compile` binary carries it (no file to find at run
 * time). It keeps pages live over /v1/events (EventSource, which resumes
 * after the last event it saw when the agent comes back), updates table
 * rows in place, and sends the form and cancel as JSON. No template
 * literals inside: this is a String.raw.
 * @module
 */

export const APP_JS = String
  .raw`// psij-agent dashboard: live updates over the agent's event stream.
const body = document.body;
const FINAL = new Set(["COMPLETED", "FAILED", "CANCELED"]);
const enc = encodeURIComponent;
const fmt = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);
const status = (text) => {
  const el = document.getElementById("live");
  if (el && el.textContent !== text) el.textContent = text;
};

function timeIn(td, iso) {
  td.replaceChildren();
  if (!iso) return;
  const t = document.createElement("time");
  t.dateTime = iso;
  t.textContent = fmt(Date.parse(iso));
  td.append(t);
}

function badge(state) {
  const s = document.createElement("span");
  s.className = "state s-" + state;
  s.textContent = state;
  return s;
}

// Every transition after the one the page was rendered at; on a lost
// connection EventSource retries by itself (sending Last-Event-ID), and
// one refused outright is opened again from the last event seen.
function follow(onEvent, job) {
  let last = Number(body.dataset.lastEvent || 0);
  let es;
  const open = () => {
    const q = new URLSearchParams({ after: String(last) });
    if (job) q.set("job", job);
    es = new EventSource("/v1/events?" + q);
    es.onopen = () => status("live");
    es.addEventListener("transition", (m) => {
      const e = JSON.parse(m.data);
      if (e.eventId <= last) return;
      last = e.eventId;
      onEvent(e);
    });
    es.onerror = () => {
      status("reconnecting…");
      if (es.readyState !== EventSource.CLOSED) return;
      // Refused outright: a session that ended says so instead of retrying for ever.
      fetch("/v1/health").then((r) => {
        if (r.status === 401) status("signed out: run psij-agent ui for a new login URL");
        else setTimeout(open, 1000);
      }, () => setTimeout(open, 1000));
    };
  };
  open();
}

function fragment(html, tag) {
  const t = document.createElement(tag);
  t.innerHTML = html;
  return t;
}

function jobsPage() {
  const table = document.getElementById("jobs");
  const tbody = table.tBodies[0];
  const query = table.dataset.query || "";
  const newestFirst = table.dataset.newestFirst === "1";
  const waiting = new Map();
  const rowOf = (id) => tbody.querySelector('tr[data-id="' + CSS.escape(id) + '"]');

  function apply(tr, e) {
    if (e.seq <= Number(tr.dataset.seq)) return;
    tr.dataset.seq = String(e.seq);
    const cell = (c) => tr.querySelector('[data-col="' + c + '"]');
    cell("state").replaceChildren(badge(e.state));
    if (e.state === "ACTIVE" && !cell("started").textContent) timeIn(cell("started"), e.time);
    if (FINAL.has(e.state)) timeIn(cell("ended"), e.time);
    if (e.exitCode !== undefined) cell("exit").textContent = String(e.exitCode);
    cell("message").textContent = e.message || "";
    cell("evidence").textContent = e.evidence || "";
    if (!cell("native").textContent) load(e.jobId, true);
  }

  // A row from the agent, rendered as the server renders rows; events that
  // came while it was on its way are applied after it.
  async function load(id, refresh) {
    if (waiting.has(id)) return;
    waiting.set(id, []);
    try {
      const r = await fetch("/ui/row/" + enc(id) + query);
      if (r.status !== 200) return;
      const row = fragment(await r.text(), "tbody").firstElementChild;
      const old = rowOf(id);
      if (old) old.replaceWith(row);
      else if (refresh) return;
      else {
        const top = tbody.rows[0];
        if (top && Number(top.dataset.n) > Number(row.dataset.n)) return;
        tbody.prepend(row);
        const count = document.getElementById("job-count");
        if (count) count.textContent = String(Number(count.textContent) + 1);
        while (tbody.rows.length > 50) tbody.lastElementChild.remove();
      }
      for (const e of waiting.get(id)) apply(row, e);
    } finally {
      waiting.delete(id);
    }
  }

  follow((e) => {
    const held = waiting.get(e.jobId);
    if (held) return void held.push(e);
    const tr = rowOf(e.jobId);
    if (tr) apply(tr, e);
    else if (newestFirst) load(e.jobId, false);
  });
  submitForm((job) => newestFirst && load(job.id, false));
}

function submitForm(submitted) {
  const form = document.getElementById("submit-form");
  if (!form) return;
  const general = document.getElementById("submit-error");
  const result = document.getElementById("submit-result");
  const inputs = [...form.querySelectorAll("[data-path]")];
  const clear = () => {
    general.hidden = true;
    for (const el of inputs) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
      const err = document.getElementById(el.id + "-error");
      err.hidden = true;
      err.textContent = "";
    }
  };
  const seconds = (v) => {
    const m = /^(?:(\d+):)?(\d+):(\d+)$/.exec(v);
    if (m) return Number(m[1] || 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    return /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  };
  const set = (doc, path, value) => {
    const keys = path.slice(2).split(".");
    let o = doc;
    for (const k of keys.slice(0, -1)) o = o[k] = o[k] || {};
    o[keys[keys.length - 1]] = value;
  };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clear();
    result.textContent = "";
    const doc = { version: 1 };
    let executor = "";
    for (const el of inputs) {
      const v = el.value.trim();
      if (v === "") continue;
      const path = el.dataset.path;
      if (path === "query.executor") executor = v;
      else if (path === "$.arguments") set(doc, path, el.value.split("\n").filter((a, i, all) => a !== "" || i < all.length - 1));
      else if (path === "$.attributes.duration") set(doc, path, seconds(v));
      else if (el.inputMode === "numeric") set(doc, path, /^\d+$/.test(v) ? Number(v) : v);
      else set(doc, path, v);
    }
    const url = "/v1/jobs" + (executor ? "?executor=" + enc(executor) : "");
    let r, j;
    try {
      r = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(doc),
      });
      j = await r.json();
    } catch (err) {
      general.textContent = "The agent did not answer: " + err.message;
      general.hidden = false;
      return;
    }
    if (r.ok) {
      result.replaceChildren("Submitted ", Object.assign(document.createElement("a"), {
        href: "/jobs/" + enc(j.id),
        textContent: j.id,
      }), " (" + j.state + ")");
      submitted(j);
      return;
    }
    // The input whose path is the field the agent names, or the nearest one above it.
    const field = j.field || "";
    const el = inputs.filter((i) => field === i.dataset.path || field.startsWith(i.dataset.path + ".") || field.startsWith(i.dataset.path + "["))
      .sort((a, b) => b.dataset.path.length - a.dataset.path.length)[0];
    const text = j.detail || j.title || ("HTTP " + r.status);
    if (el) {
      const err = document.getElementById(el.id + "-error");
      err.textContent = text;
      err.hidden = false;
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", err.id);
      el.focus();
    } else {
      general.textContent = text;
      general.hidden = false;
    }
  });
}

function jobPage() {
  const id = body.dataset.job;
  const box = document.getElementById("job-live");
  const tails = document.getElementById("tails");
  const result = document.getElementById("action-result");
  let busy = false;
  let again = false;
  const get = async (path, into) => {
    const r = await fetch("/ui/jobs/" + enc(id) + path);
    if (r.ok) into.innerHTML = await r.text();
    return r.ok;
  };
  const bindCancel = () => {
    const b = document.getElementById("cancel");
    if (!b) return;
    b.addEventListener("click", async () => {
      if (!confirm("Cancel job " + id + "?")) return;
      b.disabled = true;
      const r = await fetch("/v1/jobs/" + enc(id) + "/cancel", {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      if (r.ok) result.textContent = "Cancel sent; the state changes when the scheduler confirms.";
      else {
        const j = await r.json().catch(() => ({}));
        result.textContent = "Cancel refused: " + (j.detail || r.status);
        b.disabled = false;
      }
    });
  };
  const refresh = async () => {
    if (busy) return void (again = true);
    busy = true;
    try {
      const hadFocus = document.activeElement && document.activeElement.id === "cancel";
      if (await get("/live", box)) {
        bindCancel();
        if (hadFocus) document.getElementById("cancel")?.focus();
        const st = document.getElementById("job-state");
        if (st && FINAL.has(st.textContent)) {
          box.dataset.final = "1";
          await get("/tail", tails);
        }
      }
    } finally {
      busy = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };
  bindCancel();
  follow(() => refresh(), id);
  setInterval(() => {
    if (!box.dataset.final) get("/tail", tails).catch(() => {});
  }, 2000);
}

function healthPage() {
  const box = document.getElementById("health");
  const tick = async () => {
    try {
      const r = await fetch("/ui/health");
      if (r.ok) {
        box.innerHTML = await r.text();
        status("updated " + fmt(Date.now()).slice(11) + " UTC");
      } else status("not signed in (HTTP " + r.status + ")");
    } catch {
      status("reconnecting…");
    }
  };
  status("live");
  setInterval(tick, 5000);
}

if (body.dataset.page === "jobs") jobsPage();
else if (body.dataset.page === "job") jobPage();
else if (body.dataset.page === "health") healthPage();
`;
