// arcrime page: talks to the /v1 API of the same server; nothing is loaded from elsewhere and nothing
// is stored on the server (downloads are built here, in the browser).
"use strict";

const LABELS_AR = { extortion: "ابتزاز", defamation: "تشهير وقذف", impersonation: "انتحال صفة أو هوية" };
const COLORS = { extortion: [196, 40, 40], defamation: [138, 60, 170], impersonation: [20, 110, 150] };
const COUNTRIES_AR = {
  MA: "المغرب", DZ: "الجزائر", TN: "تونس", LY: "ليبيا", MR: "موريتانيا", EG: "مصر", SD: "السودان",
  JO: "الأردن", LB: "لبنان", SY: "سوريا", PS: "فلسطين", IQ: "العراق", SA: "السعودية", AE: "الإمارات",
  KW: "الكويت", QA: "قطر", BH: "البحرين", OM: "عُمان", YE: "اليمن",
};
const KINDS_AR = { code: "مدونة / قانون", law: "قانون", "decree-law": "مرسوم بقانون", "royal-decree": "مرسوم ملكي",
  dahir: "ظهير", regulation: "نظام / لائحة", decree: "مرسوم" };

const state = { health: null, rows: [], current: null, sort: { key: null, dir: 1 }, instruments: new Map(), pasted: 0 };
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

const fmt = (x) => x.toFixed(2);
const labelName = (lab) => LABELS_AR[lab] || lab;

// ------------------------------------------------------------------ API

async function api(path, options = {}) {
  let resp;
  try {
    resp = await fetch(path, options);
  } catch (e) {
    throw new Error("تعذّر الاتصال بالخادم؛ هل ما زال ‎arcrime serve‎ يعمل؟");
  }
  let body = null;
  try { body = await resp.json(); } catch (e) { /* not JSON */ }
  if (!resp.ok) {
    const msg = body ? (body.detail_ar || body.detail) : `HTTP ${resp.status}`;
    const err = new Error(msg);
    err.status = resp.status;
    throw err;
  }
  return body;
}

const postJSON = (path, data) => api(path, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });

async function instrument(id) {
  if (!state.instruments.has(id)) {
    state.instruments.set(id, api("/v1/legal/instruments/" + id.split("/").map(encodeURIComponent).join("/"))
      .catch(() => null));
  }
  return state.instruments.get(id);
}

// ------------------------------------------------------------------ messages

function showErrors(list) {
  const ul = $("#errors");
  ul.replaceChildren(...list.map((m) => el("li", {}, m)));
}
function addError(msg) { $("#errors").append(el("li", {}, msg)); }

function busy(on) {
  $("#busy").hidden = !on;
  $("#analyze").disabled = on;
  document.body.dataset.state = on ? "busy" : "idle";
}

// ------------------------------------------------------------------ analysing

async function analyzePasted() {
  const text = $("#article").value;
  showErrors([]);
  if (!text.trim()) { showErrors(["المقال فارغ: الصق نص مقال أولا."]); return; }
  const lim = state.health && state.health.limits.article_chars;
  if (lim && text.length > lim) {
    showErrors([`المقال طوله ${text.length} حرفا، والحد الأقصى ${lim} حرف.`]); return;
  }
  busy(true);
  try {
    state.pasted += 1;
    const res = await postJSON("/v1/predict", { id: `مقال-${state.pasted}`, text, evidence: true });
    const row = addRow(res, text);
    await showDetail(row);
  } catch (e) {
    showErrors([e.message]);
  } finally { busy(false); }
}

async function analyzeFiles(files) {
  showErrors([]);
  const limits = state.health ? state.health.limits : null;
  const records = [];
  busy(true);
  try {
    for (const f of files) {
      const ext = (f.name.match(/\.[^.]+$/) || [""])[0].toLowerCase();
      if (limits && !limits.file_types.includes(ext)) {
        addError(`الملف ${f.name}: هذا النوع من الملفات غير مدعوم؛ استعمل ملفات ‎.txt أو ‎.jsonl أو ‎.csv.`); continue;
      }
      if (limits && f.size > limits.body_bytes) {
        addError(`الملف ${f.name} حجمه ${(f.size / 1e6).toFixed(1)} ميغابايت، والحد الأقصى ${(limits.body_bytes / 1e6).toFixed(1)} ميغابايت للملف الواحد. قسّمه إلى ملفات أصغر.`);
        continue;
      }
      try {
        const parsed = await api("/v1/files/parse?name=" + encodeURIComponent(f.name), {
          method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: f });
        for (const p of parsed.problems) {
          addError(`${p.file}${p.line ? ` (السطر ${p.line})` : ""}${p.id ? ` (${p.id})` : ""}: ${p.error}`);
        }
        records.push(...parsed.articles);
      } catch (e) { addError(e.message); }
    }
    const size = limits ? limits.batch_articles : 64;
    const seen = new Set(state.rows.map((r) => r.result.id));
    for (const r of records) {  // ids unique within the table
      let id = r.id, k = 2;
      while (seen.has(id)) id = `${r.id} (${k++})`;
      seen.add(id); r.id = id;
    }
    for (let i = 0; i < records.length; i += size) {
      const chunk = records.slice(i, i + size);
      try {
        const out = await postJSON("/v1/predict/batch", { articles: chunk });
        out.predictions.forEach((res, j) => addRow(res, chunk[j].text));
      } catch (e) { addError(e.message); }
    }
  } finally { busy(false); }
}

// ------------------------------------------------------------------ the batch table

function columns() {
  const labs = state.health ? state.health.labels : Object.keys(LABELS_AR);
  return [
    { key: "id", title: "المعرّف", value: (r) => r.result.id },
    { key: "labels", title: "التصنيفات", value: (r) => r.result.labels.map(labelName).join("، ") },
    ...labs.map((lab) => ({ key: "score:" + lab, title: labelName(lab), num: true, value: (r) => r.result.scores[lab], lab })),
    { key: "refs", title: "المراجع القانونية", num: true, value: (r) => r.result.legal_refs.length },
  ];
}

function addRow(result, text) {
  const row = { result, text };
  state.rows.push(row);
  renderTable();
  return row;
}

function renderTable() {
  const cols = columns();
  $("#batch").hidden = state.rows.length === 0;
  $("#batch-head").replaceChildren(...cols.map((c) => {
    const th = el("th", { scope: "col", tabindex: "0", dataset: { key: c.key } }, c.title);
    if (state.sort.key === c.key) th.setAttribute("aria-sort", state.sort.dir > 0 ? "ascending" : "descending");
    const go = () => sortBy(c.key);
    th.addEventListener("click", go);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
    return th;
  }));
  let rows = state.rows.slice();
  if (state.sort.key) {
    const c = cols.find((x) => x.key === state.sort.key);
    rows.sort((a, b) => {
      const x = c.value(a), y = c.value(b);
      return (c.num ? x - y : String(x).localeCompare(String(y), "ar")) * state.sort.dir;
    });
  }
  $("#batch-table tbody").replaceChildren(...rows.map((r) => {
    const tr = el("tr", { tabindex: "0", dataset: { id: r.result.id } }, ...cols.map((c) => {
      const v = c.value(r);
      if (c.lab) {
        const hit = r.result.labels.includes(c.lab);
        return el("td", { class: "num" }, hit ? el("span", { class: "hit" }, fmt(v)) : fmt(v));
      }
      return el("td", c.num ? { class: "num" } : {}, String(v));
    }));
    if (r === state.current) tr.classList.add("current");
    tr.addEventListener("click", () => showDetail(r, true));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter") showDetail(r, true); });
    return tr;
  }));
}

function sortBy(key) {
  state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
  renderTable();
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function csvCell(v) {
  const s = String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function toCSV() {
  const labs = state.health.labels;
  const head = ["id", "labels", ...labs.map((l) => "score_" + l), "legal_refs"];
  const lines = state.rows.map((r) => [r.result.id, r.result.labels.join(";"),
    ...labs.map((l) => r.result.scores[l]), r.result.legal_refs.length].map(csvCell).join(","));
  return "\ufeff" + [head.join(","), ...lines].join("\r\n") + "\r\n";  // BOM: spreadsheets read it as UTF-8
}

function toJSONL() {
  return state.rows.map((r) => {
    const { evidence, ...plain } = r.result;  // the same records as `arcrime predict`
    return JSON.stringify(plain) + "\n";
  }).join("");
}

// ------------------------------------------------------------------ one article

async function showDetail(row, fetchEvidence = false) {
  state.current = row;
  renderTable();
  if (fetchEvidence && !row.result.evidence) {
    busy(true);
    try {
      const res = await postJSON("/v1/predict", { id: row.result.id, text: row.text, evidence: true });
      row.result = res;
    } catch (e) { showErrors([e.message]); } finally { busy(false); }
  }
  await Promise.all(row.result.legal_refs.filter((r) => r.instrument).map((r) => instrument(r.instrument)));
  renderResult(row);
}

function renderLabels(res) {
  const h = state.health;
  $("#labels").replaceChildren(...h.labels.map((lab) => {
    const s = res.scores[lab], thr = h.thresholds[lab], hit = res.labels.includes(lab);
    const fill = el("span", { class: "fill" });
    fill.style.width = (s * 100).toFixed(1) + "%";
    const tick = el("span", { class: "thr", title: "العتبة " + fmt(thr) });
    tick.style.left = (thr * 100).toFixed(1) + "%";
    const meter = el("span", { class: "meter", role: "meter", "aria-valuemin": "0", "aria-valuemax": "1",
      "aria-valuenow": String(s), "aria-label": labelName(lab) }, fill, tick);
    return el("div", { class: "label" + (hit ? " predicted" : ""), dataset: { label: lab } },
      el("span", { class: "name" }, labelName(lab), " ", el("small", {}, lab)),
      meter,
      el("span", { class: "verdict" }, `${fmt(s)} مقابل العتبة ${fmt(thr)} — ${hit ? "متوقَّع ✓" : "غير متوقَّع"}`));
  }));
}

function renderText(row) {
  // Cut the text at every sentence and reference boundary; sentences wrap their pieces, references
  // become <mark> elements (a reference crossing a sentence end is split but keeps one data-ref).
  const text = row.text, res = row.result;
  const sents = res.evidence ? res.evidence.sentences : [];
  const refs = res.legal_refs;
  const cuts = new Set([0, text.length]);
  for (const s of sents) { cuts.add(s.start); cuts.add(s.end); }
  for (const r of refs) { cuts.add(r.start); cuts.add(r.end); }
  const pts = [...cuts].sort((a, b) => a - b);
  const out = $("#text");
  out.replaceChildren();
  let curSent = -1, sentEl = null;
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i], b = pts[i + 1];
    const si = sents.findIndex((s) => s.start <= a && b <= s.end);
    const ri = refs.findIndex((r) => r.start <= a && b <= r.end);
    if (si !== curSent) {
      curSent = si;
      sentEl = si >= 0 ? el("span", { class: "sent", dataset: { sent: String(si) } }) : null;
      if (sentEl) out.append(sentEl);
    }
    const piece = text.slice(a, b);
    let node = document.createTextNode(piece);
    if (ri >= 0) {
      const r = refs[ri];
      node = el("mark", { class: "legal-ref" + (r.instrument ? "" : " unknown"), tabindex: "0",
        dataset: { ref: String(ri), instrument: r.instrument || "" } }, piece);
      node.addEventListener("mouseenter", () => showCard(node, r));
      node.addEventListener("focus", () => showCard(node, r));
      node.addEventListener("click", (e) => { e.stopPropagation(); showCard(node, r); });
      node.addEventListener("mouseleave", hideCardSoon);
    }
    (sentEl || out).append(node);
  }
}

function renderEvidence(row, active) {
  const res = row.result, box = $("#evidence");
  box.replaceChildren();
  document.querySelectorAll("#text .sent").forEach((s) => {
    s.classList.remove("evidence", "focus"); s.style.backgroundColor = ""; s.removeAttribute("title");
  });
  if (!res.evidence) { box.append(el("p", { class: "ev-none" }, "لم تُحسب الأدلة لهذا المقال.")); return; }
  if (res.labels.length === 0) {
    box.append(el("p", { class: "ev-none" }, "لم يُتوقَّع أي تصنيف، فلا أدلة لعرضها.")); return;
  }
  if (res.evidence.note) { box.append(el("p", { class: "ev-none" }, "المقال جملة واحدة: حذفها لا يترك نصا يُقيَّم، فلا أدلة.")); return; }
  const lab = active && res.labels.includes(active) ? active : res.labels[0];
  box.append(el("div", { class: "tabs", role: "group", "aria-label": "اختر التصنيف" }, ...res.labels.map((l) =>
    el("button", { type: "button", "aria-pressed": String(l === lab), dataset: { label: l },
      onclick: () => renderEvidence(row, l) }, `${labelName(l)} (${res.evidence.labels[l].length})`))));
  const items = res.evidence.labels[lab];
  if (items.length === 0) {
    box.append(el("p", { class: "ev-none" }, "لا توجد جملة يُنقص حذفُها الدرجة: الحكم موزَّع على النص كله."));
    return;
  }
  const max = Math.max(...items.map((e) => e.contribution));
  const [r, g, b] = COLORS[lab] || [31, 95, 168];
  const sentIndex = (e) => res.evidence.sentences.findIndex((s) => s.start === e.start && s.end === e.end);
  const list = el("ol", { class: "ev-list", dataset: { label: lab } });
  for (const e of items) {
    const si = sentIndex(e);
    const span = document.querySelector(`#text .sent[data-sent="${si}"]`);
    if (span) {
      span.classList.add("evidence");
      span.style.backgroundColor = `rgba(${r}, ${g}, ${b}, ${(0.1 + 0.3 * e.contribution / max).toFixed(3)})`;
      span.title = `${labelName(lab)}: −${fmt(e.contribution)}`;
    }
    const snippet = e.text.length > 140 ? e.text.slice(0, 140) + "…" : e.text;
    const li = el("li", { tabindex: "0", dataset: { sent: String(si) } },
      el("span", { class: "contrib" }, "−" + fmt(e.contribution)), " ", snippet, " ",
      el("span", { class: "flip" }, `(بدونها ${fmt(e.score_without)}${e.flips ? "، ويسقط التصنيف" : ""})`));
    const focus = (on) => span && span.classList.toggle("focus", on);
    li.addEventListener("mouseenter", () => focus(true));
    li.addEventListener("mouseleave", () => focus(false));
    li.addEventListener("click", () => span && span.scrollIntoView({ block: "center", behavior: "smooth" }));
    list.append(li);
  }
  box.append(list);
}

function renderResult(row) {
  const sec = $("#result");
  sec.hidden = false;
  $("#result-title").textContent = "النتيجة: " + row.result.id;
  renderLabels(row.result);
  renderText(row);
  renderEvidence(row);
  sec.dataset.state = "ready";
  sec.dataset.id = row.result.id;
}

// ------------------------------------------------------------------ the reference card

let hideTimer = null;
function hideCardSoon() { hideTimer = setTimeout(() => { $("#card").hidden = true; }, 400); }

async function showCard(anchor, ref) {
  clearTimeout(hideTimer);
  const card = $("#card");
  const info = ref.instrument ? await instrument(ref.instrument) : null;
  const rows = [];
  const arts = ref.articles.length ? ref.articles.join("، ") : "—";
  if (info) {
    rows.push(["البلد", `${COUNTRIES_AR[info.country] || info.country} (${info.country})`]);
    rows.push(["النوع", KINDS_AR[info.kind] || info.kind]);
    rows.push(["المواد / الفصول", arts]);
    for (const a of ref.articles) {
      const d = info.articles.find((x) => x.article === a);
      if (d && (d.label_ar || d.subject_en)) rows.push([`الفصل ${a}`, d.label_ar || d.subject_en]);
    }
  } else {
    rows.push(["المواد / الفصول", arts]);
  }
  const dl = el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  const src = info && info.source
    ? el("p", {}, el("a", { href: info.source, target: "_blank", rel: "noopener noreferrer", class: "source" }, "المصدر"))
    : null;
  card.replaceChildren(
    el("h4", { class: "title" }, info ? info.name_ar : "نص قانوني غير موجود في المعجم"),
    el("div", { class: "id" }, ref.instrument || ref.text), dl, src);
  card.hidden = false;
  card.dataset.instrument = ref.instrument || "";
  const box = anchor.getBoundingClientRect();
  const top = window.scrollY + box.bottom + 6;
  let left = window.scrollX + box.right - card.offsetWidth;
  left = Math.max(window.scrollX + 8, Math.min(left, window.scrollX + document.documentElement.clientWidth - card.offsetWidth - 8));
  card.style.top = top + "px";
  card.style.left = left + "px";
}

// ------------------------------------------------------------------ start

async function start() {
  $("#analyze").addEventListener("click", analyzePasted);
  $("#clear").addEventListener("click", () => { $("#article").value = ""; showErrors([]); });
  $("#dl-csv").addEventListener("click", () => download("arcrime.csv", toCSV(), "text/csv;charset=utf-8"));
  $("#dl-jsonl").addEventListener("click", () => download("arcrime.jsonl", toJSONL(), "application/jsonl"));
  const dz = $("#dropzone");
  dz.addEventListener("dragover", (e) => { e.preventDefault(); dz.classList.add("over"); });
  dz.addEventListener("dragleave", () => dz.classList.remove("over"));
  dz.addEventListener("drop", (e) => { e.preventDefault(); dz.classList.remove("over"); analyzeFiles([...e.dataTransfer.files]); });
  dz.addEventListener("keydown", (e) => { if (e.key === "Enter") $("#files").click(); });
  $("#files").addEventListener("change", (e) => { analyzeFiles([...e.target.files]); e.target.value = ""; });
  const card = $("#card");
  card.addEventListener("mouseenter", () => clearTimeout(hideTimer));
  card.addEventListener("mouseleave", hideCardSoon);
  document.addEventListener("click", (e) => { if (!card.contains(e.target)) card.hidden = true; });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") card.hidden = true; });
  try {
    state.health = await api("/v1/health");
    const h = state.health;
    $("#model-info").textContent = `النموذج: ${h.model} — العتبات المضبوطة: ` +
      h.labels.map((l) => `${labelName(l)} ${fmt(h.thresholds[l])}`).join("، ");
    $("#limits").textContent = `الحدود: ${h.limits.article_chars.toLocaleString("ar")} حرف للمقال، ` +
      `${(h.limits.body_bytes / 1e6).toFixed(1)} ميغابايت للملف، ${h.limits.batch_articles} مقالا في كل دفعة.`;
    document.body.dataset.ready = "1";
  } catch (e) {
    showErrors([e.message]);
  }
}

document.addEventListener("DOMContentLoaded", start);
