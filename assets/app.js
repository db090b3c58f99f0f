// Scrutiny pages: the live parts. Plain JavaScript, no build step; the page
// names itself in <body data-page>, its labels come in #texts (JSON).
"use strict";
(function () {
  const T = JSON.parse(document.getElementById("texts").textContent || "{}");
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const el = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const k of kids) e.append(k);
    return e;
  };
  // The session's form token: every write with the cookie carries it.
  const CSRF = ($('meta[name="csrf-token"]') || {}).content || "";
  // The sentence of an API error body, or a fallback.
  async function message(res) {
    try { const b = await res.json(); return b.message || b.error || res.statusText; }
    catch (_) { return res.status + " " + res.statusText; }
  }

  // ---- /upload --------------------------------------------------------
  function upload() {
    const drop = $("#drop"), input = $("#files");
    const ac = drop.dataset.ac, limit = Number(drop.dataset.limit);
    const body = $("#batch tbody");
    const queue = [];
    let running = 0;
    const MAX_PARALLEL = 2, MAX_TRIES = 8;

    function add(files) {
      $("#batch-section").hidden = false;
      for (const file of files) {
        const bar = el("progress", { max: 1, value: 0 });
        const state = el("span", { className: "st-queued", textContent: T.st_sending });
        const row = el("tr", {},
          el("td", { textContent: file.name }),
          el("td", {}, bar, " ", state),
          el("td", { className: "num pages" }),
          el("td", { className: "num findings" }));
        row.dataset.file = file.name;
        body.append(row);
        const item = { file, row, bar, state, tries: 0 };
        if (file.size > limit) {
          show(item, "st-refused", T.st_refused + " — " + T.too_large + " (" + Math.round(limit / 1e6) + " MB)");
          bar.remove();
          continue;
        }
        queue.push(item);
      }
      pump();
    }
    function show(item, cls, text) {
      item.state.className = cls;
      item.state.textContent = text;
      item.row.dataset.state = cls.replace("st-", "");
    }
    function pump() {
      while (running < MAX_PARALLEL && queue.length) {
        running++;
        send(queue.shift());
      }
    }
    function retry(item) {
      item.tries++;
      if (item.tries >= MAX_TRIES) {
        show(item, "st-failed", T.st_failed);
        running--; pump();
        return;
      }
      show(item, "st-queued", T.st_retrying + " (" + item.tries + ")");
      const wait = Math.min(30000, 1000 * 2 ** (item.tries - 1));
      const again = () => setTimeout(() => send(item), navigator.onLine === false ? 0 : wait);
      if (navigator.onLine === false) window.addEventListener("online", again, { once: true });
      else again();
    }
    // One file; a broken connection sends it again. The server stores one
    // document per SHA-256, so a second send cannot duplicate it.
    function send(item) {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/acs/" + ac + "/documents");
      xhr.setRequestHeader("X-CSRF-Token", CSRF);
      xhr.responseType = "json";
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) item.bar.value = e.loaded / e.total; };
      xhr.onload = () => {
        const b = xhr.response || {};
        if (xhr.status === 200 || xhr.status === 201) {
          // Sent: the bar starts again, for the pages read.
          item.bar.value = 0;
          item.row.dataset.id = b.id;
          item.row.firstChild.replaceChildren(el("a", { href: "/documents/" + b.id, textContent: item.file.name }));
          item.duplicate = xhr.status === 200;
          show(item, "st-" + b.status, (item.duplicate ? T.st_duplicate + " · " : "") + label(b.status));
          running--; pump();
          follow(item, b.id);
        } else if (xhr.status >= 500 || xhr.status === 0) {
          retry(item);
        } else {
          item.bar.remove();
          show(item, "st-refused", T.st_refused + " — " + (b.message || xhr.status));
          running--; pump();
        }
      };
      xhr.onerror = xhr.ontimeout = () => retry(item);
      const form = new FormData();
      form.append("file", item.file, item.file.name);
      xhr.send(form);
    }
    function label(status) {
      return { queued: T.st_queued, processing: T.st_processing, done: T.st_done, failed: T.st_failed }[status] || status;
    }
    // Follows a stored document until it is read and checked.
    async function follow(item, id) {
      let delay = 700;
      for (;;) {
        try {
          const res = await fetch("/api/v1/documents/" + id, { cache: "no-store" });
          if (res.status === 401 || res.status === 403) {
            show(item, "st-failed", await message(res));
            return;
          }
          if (res.ok) {
            const d = await res.json();
            const read = d.pages.filter((p) => p.status !== "queued").length;
            $(".pages", item.row).textContent = read + " / " + d.pages.length;
            if (d.pages.length) item.bar.value = read / d.pages.length;
            // The open findings, each said in a sentence, a click from the review.
            const open = d.findings.filter((f) => f.status === "open");
            const cell = $(".findings", item.row);
            cell.replaceChildren(open.length
              ? el("a", { href: "/review?ac=" + ac, textContent: String(open.length), title: open.map((f) => f.message).join("\n") })
              : String(open.length));
            if (open.length) cell.append(el("div", { className: "help", textContent: open.slice(0, 3).map((f) => f.message).join(" · ") + (open.length > 3 ? " …" : "") }));
            const dup = item.duplicate ? T.st_duplicate + " · " : "";
            show(item, "st-" + d.status, dup + label(d.status) + (d.reason ? " — " + d.reason : ""));
            if (d.status === "done" || d.status === "failed") { item.bar.value = 1; return; }
          }
        } catch (_) { /* offline for a moment: keep following */ }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(3000, delay * 1.3);
      }
    }
    input.addEventListener("change", () => { add(input.files); input.value = ""; });
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      add(e.dataTransfer.files);
    });
  }

  // ---- /counting/{ac} --------------------------------------------------
  function counting() {
    const grid = $("#entry");
    const ac = grid.dataset.ac, round = grid.dataset.round, n = Number(grid.dataset.n);
    let confirmed = grid.dataset.locked !== "1";
    const MAX_ELECTORS = Number(grid.dataset.maxElectors) || 1500;
    const rows = $$("tbody tr", grid);
    const errorBox = $("#entry-error");
    const fail = (text) => { errorBox.textContent = text; errorBox.hidden = !text; };

    // Figures typed with a Hindi keyboard come as Devanagari digits (०-९).
    const digits = (v) => v.trim().replace(/[\u0966-\u096F]/g, (d) => String(d.charCodeAt(0) - 0x966));
    function totals() {
      const col = new Array(n).fill(0);
      for (const row of rows) {
        let sum = 0;
        $$("input.v", row).forEach((inp, i) => { const v = Number(digits(inp.value)) || 0; col[i] += v; sum += v; });
        $(".rowsum", row).textContent = sum;
      }
      $$("tfoot .colsum", grid).forEach((td, i) => { td.textContent = col[i]; });
      $("#grand").textContent = col.reduce((a, b) => a + b, 0);
    }
    function status(view) {
      const chip = $("#round-status");
      chip.className = "chip st-" + view.status;
      chip.textContent = T[view.status] || view.status;
      const approve = $("#approve"), publish = $("#publish");
      if (approve) approve.disabled = view.status !== "draft" || view.tables.length === 0;
      if (publish) publish.disabled = view.status !== "approved";
    }
    // Puts a row back as the server sent it (the inputs' default values).
    function revert(row) {
      $$("input", row).forEach((inp) => { inp.value = inp.defaultValue; });
      row.classList.remove("dirty", "failed");
      delete row.dataset.declined;
      totals();
      fail("");
    }
    // A figure no polling station can have (more than the most electors
    // one may have) is saved only once confirmed; a figure declined is
    // not asked about again until it changes or Enter is pressed.
    function outOfLine(row, explicit) {
      const inputs = $$("input.v", row);
      const big = inputs.find((inp) => Number(digits(inp.value)) > MAX_ELECTORS);
      if (!big) return false;
      const values = inputs.map((i) => i.value).join(",");
      if (!explicit && row.dataset.declined === values) return true;
      const what = T.table + " " + row.dataset.table + " · " + big.getAttribute("aria-label").split(": ").pop();
      if (window.confirm(T.confirm_large.replace("{what}", what).replace("{n}", digits(big.value)))) {
        delete row.dataset.declined;
        return false;
      }
      row.dataset.declined = values;
      row.classList.add("failed");
      fail(what + ": " + T.large_not_saved);
      big.focus();
      big.select();
      return true;
    }
    // The input a refusal is about: the PS number, or else the row's first.
    function culprit(row, body) {
      const text = ((body && (body.error + " " + body.message)) || "").toLowerCase();
      if (/tendered is/.test(text)) return $("input.tv", row);
      if (/rejected is/.test(text)) return $("input.rv", row);
      if (/ps-counted|exceeds-electors|ps_no|polling station/.test(text)) return $("input.ps", row);
      const m = text.match(/votes\[(\d+)\]/);
      if (m) return $$("input.v", row)[Number(m[1])] || $("input.ps", row);
      return $("input.ps", row);
    }
    async function save(row, explicit) {
      if (row.dataset.busy === "1" || !row.classList.contains("dirty")) return true;
      const ps = digits($("input.ps", row).value);
      const votes = $$("input.v", row).map((i) => digits(i.value));
      // Tendered and rejected votes are optional: empty is "not recorded".
      const optional = (cls) => { const i = $("input." + cls, row); return i ? digits(i.value) : ""; };
      const tendered = optional("tv");
      const rejected = optional("rv");
      const all = [ps, ...votes];
      let method, payload;
      if (all.every((v) => v === "") && tendered === "" && rejected === "") {
        if (row.dataset.saved !== "1") { row.classList.remove("dirty"); return true; }
        method = "DELETE";
      } else if (all.some((v) => !/^\d+$/.test(v)) || !/^\d*$/.test(tendered + rejected)) {
        row.classList.add("failed");
        fail(T.table + " " + row.dataset.table + ": " + T.fill_all);
        const wrong = (i) => !(i.matches(".tv, .rv") ? /^\d*$/ : /^\d+$/).test(digits(i.value));
        if (explicit) $$("input", row).find(wrong).focus();
        return false;
      } else {
        if (outOfLine(row, explicit)) return false;
        method = "PUT";
        const body = { ps_no: Number(ps), votes: votes.map(Number) };
        if (tendered !== "") body.tendered = Number(tendered);
        if (rejected !== "") body.rejected = Number(rejected);
        payload = JSON.stringify(body);
      }
      if (!confirmed) {
        // Cancel leaves the round as it was: the row goes back to what is
        // stored, so leaving it does not ask again.
        if (!window.confirm(T.confirm_edit)) { revert(row); return false; }
        confirmed = true;
      }
      row.dataset.busy = "1";
      row.classList.add("saving");
      try {
        const res = await fetch("/api/v1/acs/" + ac + "/rounds/" + round + "/tables/" + row.dataset.table, {
          method, headers: payload ? { "Content-Type": "application/json", "X-CSRF-Token": CSRF } : { "X-CSRF-Token": CSRF }, body: payload,
        });
        if (!res.ok) {
          row.classList.add("failed");
          let body = null;
          try { body = await res.json(); } catch (_) { /* not JSON */ }
          fail(T.table + " " + row.dataset.table + ": " + ((body && (body.message || body.error)) || res.status + " " + res.statusText));
          const inp = culprit(row, body);
          inp.focus();
          inp.select();
          return false;
        }
        status(await res.json());
        row.dataset.saved = method === "PUT" ? "1" : "0";
        row.classList.remove("dirty", "failed");
        $(".state", row).innerHTML = method === "PUT" ? '<span class="ok" title="' + T.saved + '">✓</span>' : "";
        fail("");
        return true;
      } catch (e) {
        row.classList.add("failed");
        fail(T.table + " " + row.dataset.table + ": " + T.not_saved + " (" + e.message + ")");
        return false;
      } finally {
        row.dataset.busy = "0";
        row.classList.remove("saving");
      }
    }
    rows.forEach((row, i) => {
      row.addEventListener("input", () => { row.classList.add("dirty"); totals(); });
      row.addEventListener("keydown", async (e) => {
        if (e.key !== "Enter") return;
        e.preventDefault();
        if (await save(row, true)) {
          const next = rows[i + 1];
          (next ? $("input.ps", next) : ($("#approve") || $("input.ps", rows[0]))).focus();
        }
      });
      row.addEventListener("focusout", (e) => {
        if (!row.contains(e.relatedTarget)) save(row);
      });
    });
    async function act(what) {
      const res = await fetch("/api/v1/acs/" + ac + "/rounds/" + round + "/" + what, { method: "POST", headers: { "X-CSRF-Token": CSRF } });
      if (res.ok) {
        // Back on the same round with the focus where the RO goes next.
        const u = new URL(location.href);
        u.searchParams.set("round", round);
        sessionStorage.setItem("scrutiny-focus", what === "approve" ? "publish" : "first");
        location.assign(u);
      }
      else fail(await message(res));
    }
    const approve = $("#approve"), publish = $("#publish");
    if (approve) approve.addEventListener("click", () => act("approve"));
    if (publish) publish.addEventListener("click", () => act("publish"));
    // An entry to correct opens its input.
    $$("#edits a[data-focus]").forEach((a) => a.addEventListener("click", (e) => {
      const inp = document.getElementById(a.dataset.focus);
      if (!inp) return;
      e.preventDefault();
      inp.focus();
      inp.select();
    }));
    // Where the focus starts: Publish after an approval, else the first
    // table still to enter (or the first table).
    const wanted = sessionStorage.getItem("scrutiny-focus");
    sessionStorage.removeItem("scrutiny-focus");
    if (wanted === "publish" && publish && !publish.disabled) publish.focus();
    else {
      const open = rows.find((r) => r.dataset.saved !== "1") || rows[0];
      const first = open && $("input.ps:not([disabled])", open);
      if (first) first.focus();
    }
  }

  // ---- /review ---------------------------------------------------------
  function review() {
    const help = $("#keys-help"), form = $("#decide");
    const typed = form && $("#read-value");
    let sent = false;
    // "Scan is correct" on a figure needs the figure the operator reads.
    const needsFigure = (button) => button && button.value === "scan_correct" && typed && !typed.value.trim();
    function submit(button) {
      if (needsFigure(button)) { typed.focus(); return; }
      form.requestSubmit(button);
    }
    if (form) {
      form.addEventListener("submit", (e) => {
        if (needsFigure(e.submitter)) { e.preventDefault(); typed.focus(); return; }
        sent = true;
      });
    }
    if (typed) typed.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      submit($('button[value="scan_correct"]', form));
    });
    // By the key's place, so that the keys work on a Hindi layout too. ?
    // shows and hides every key, U undoes the last decision, K skips; the
    // others press the decision's button.
    const places = { KeyS: "s", KeyE: "e", KeyR: "r", KeyY: "y", KeyN: "n", KeyA: "a", KeyX: "x", KeyU: "u", KeyK: "k" };
    document.addEventListener("keydown", (e) => {
      if (sent || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.target.closest && e.target.closest("input, textarea, select")) return;
      if (e.key === "?" && help) { e.preventDefault(); help.hidden = !help.hidden; return; }
      const key = places[e.code] || e.key.toLowerCase();
      if (key === "u" && $("#undo")) { e.preventDefault(); sent = true; $("#undo").requestSubmit(); return; }
      if (key === "k" && $("#skip")) { e.preventDefault(); sent = true; location.assign($("#skip").href); return; }
      const button = form && $('button[data-key="' + key + '"]', form);
      if (!button) return;
      e.preventDefault();
      submit(button);
    });
  }

  // ---- /progress ---------------------------------------------------------
  function progress() {
    // Asks for the board with the time of the figures it shows: the
    // server answers 204 while none has changed.
    const url = () => {
      const u = new URL(location.href);
      u.searchParams.set("partial", "1");
      const board = $("#board");
      if (board && board.dataset.updated) u.searchParams.set("since", board.dataset.updated);
      return u;
    };
    setInterval(async () => {
      try {
        const res = await fetch(url(), { cache: "no-store" });
        // A session that ended answers with the sign-in page: go there.
        if (res.redirected) { location.reload(); return; }
        if (!res.ok || res.status === 204) return;
        const html = await res.text();
        const board = $("#board");
        if (board) board.outerHTML = html;
      } catch (_) { /* keep the last board */ }
    }, 5000);
  }

  // ---- /review/grid ------------------------------------------------------
  // Every cut-out ticked; arrows move between them, Space unticks an
  // exception; a decision's key settles the ticked ones.
  function reviewGrid() {
    const form = $("#grid");
    if (!form) return;
    const boxes = $$('input[name="pick"]', form);
    const picked = $("#picked"), none = $("#none-picked");
    let sent = false;
    const mark = () => {
      for (const b of boxes) b.closest(".cell").classList.toggle("exception", !b.checked);
      if (picked) picked.textContent = String(boxes.filter((b) => b.checked).length);
    };
    for (const b of boxes) b.addEventListener("change", mark);
    form.addEventListener("submit", (e) => {
      if (!boxes.some((b) => b.checked)) { e.preventDefault(); none.hidden = false; return; }
      sent = true;
    });
    // Columns of the grid as laid out now, for Up and Down.
    const columns = () => {
      const top = boxes[0] && boxes[0].closest(".cell").offsetTop;
      const n = boxes.findIndex((b) => b.closest(".cell").offsetTop !== top);
      return n > 0 ? n : boxes.length;
    };
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: "up", ArrowDown: "down" };
    const places = { KeyS: "s", KeyE: "e", KeyR: "r", KeyY: "y", KeyN: "n", KeyA: "a", KeyX: "x" };
    document.addEventListener("keydown", (e) => {
      if (sent || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.target.closest && e.target.closest("textarea, select")) return;
      const at = boxes.indexOf(document.activeElement);
      if (e.key in moves && at >= 0) {
        e.preventDefault();
        const m = moves[e.key];
        const step = m === "up" ? -columns() : m === "down" ? columns() : m;
        const next = boxes[Math.min(boxes.length - 1, Math.max(0, at + step))];
        next.focus();
        return;
      }
      const key = places[e.code] || e.key.toLowerCase();
      const button = $('button[data-key="' + key + '"]', form);
      if (!button) return;
      e.preventDefault();
      form.requestSubmit(button);
    });
    mark();
    if (boxes[0]) boxes[0].focus();
  }

  // ---- /postal/{ac} ----------------------------------------------------
  // The reconciliation as the tally is typed; the register's CSV sent to
  // the API, then the desk again.
  function postal() {
    const out = $("#reconcile");
    const fig = (el) => Number(String(el.value).replace(/[०-९]/g, (d) => "०१२३४५६७८९".indexOf(d))) || 0;
    const fill = (s, v) => s.replace(/\{(\w)\}/g, (_, k) => String(v[k]));
    function reconcile() {
      if (!out) return;
      const a = Number(out.dataset.accepted), r = Number(out.dataset.rejected);
      const v = $$("input.tally").reduce((sum, el) => sum + fig(el), 0);
      const p = fig($("#rejected-papers")), e = fig($("#rejected-covers"));
      const holds = a === v + p && r === e;
      out.className = out.dataset.settled !== "1" ? "help" : holds ? "done" : "error";
      out.textContent = out.dataset.settled !== "1" ? T.reconcile_waits
        : fill(holds ? T.reconcile_holds : T.reconcile_fails, { a, v, p, r, c: v + p, e });
    }
    for (const el of $$("#tally input")) el.addEventListener("input", reconcile);
    reconcile();
    const button = $("#import"), file = $("#register-file"), err = $("#register-error");
    if (button) button.addEventListener("click", async () => {
      const f = file.files[0];
      if (!f) { file.focus(); return; }
      button.disabled = true;
      try {
        const res = await fetch("/api/v1/acs/" + file.dataset.ac + "/etpbs-register", {
          method: "PUT", headers: { "Content-Type": "text/csv", "X-CSRF-Token": CSRF }, body: await f.text(),
        });
        if (res.ok) { const u = new URL(location.href); u.searchParams.set("saved", "register"); location.assign(u); return; }
        err.textContent = await message(res);
        err.hidden = false;
      } finally { button.disabled = false; }
    });
  }

  const pages = { upload, counting, review, progress, "review-grid": reviewGrid, postal };
  const page = pages[document.body.dataset.page];
  if (page) page();
})();
