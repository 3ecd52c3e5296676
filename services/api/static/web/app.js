// juesuan web page: upload by drag and drop, live progress, and the report's filters.
// Plain JavaScript, no framework, nothing loaded from elsewhere. Every page works without it
// except uploading.
"use strict";

(function () {
  const POLL_MS = 1500;

  // ------------------------------------------------------------------ live part of a batch page
  const live = document.getElementById("live");
  let polling = null;

  function liveComplete() {
    const p = live && live.querySelector("#progress");
    return p ? p.dataset.complete === "true" : true;
  }

  async function refreshLive() {
    if (!live) return;
    try {
      const r = await fetch(live.dataset.src, { credentials: "same-origin", cache: "no-store" });
      if (r.status === 401 || r.redirected) { window.location.reload(); return; }
      if (!r.ok) return;
      const html = await r.text();
      const doc = new DOMParser().parseFromString(html, "text/html");
      live.replaceChildren(...Array.from(doc.body.childNodes));
      live.dataset.complete = liveComplete() ? "true" : "false";
    } catch (e) {
      // a missed poll is retried by the next one
    }
  }

  function startPolling() {
    if (!live || polling) return;
    polling = setInterval(async () => {
      await refreshLive();
      if (liveComplete() && !uploading) { clearInterval(polling); polling = null; }
    }, POLL_MS);
  }

  if (live && live.dataset.complete !== "true" && live.querySelector("#documents")) startPolling();

  // ------------------------------------------------------------------ uploads
  const drop = document.getElementById("drop");
  let uploading = false;

  function fmtSize(n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB";
  }

  function addResult(text, cls) {
    const li = document.createElement("li");
    li.textContent = text;
    if (cls) li.className = cls;
    document.getElementById("upload-results").appendChild(li);
  }

  // Requests that respect the server's limits: at most max-files files and max-bytes per request.
  function groups(files, maxFiles, maxBytes) {
    const out = [];
    let cur = [], size = 0;
    for (const f of files) {
      if (cur.length && (cur.length >= maxFiles || size + f.size > maxBytes)) { out.push(cur); cur = []; size = 0; }
      cur.push(f); size += f.size;
    }
    if (cur.length) out.push(cur);
    return out;
  }

  function send(batch, files, onProgress) {
    return new Promise((resolve) => {
      const form = new FormData();
      for (const f of files) form.append("files", f, f.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/batches/" + encodeURIComponent(batch) + "/files");
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); };
      xhr.onload = () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => resolve({ status: 0, body: null });
      xhr.send(form);
    });
  }

  const STATE_ZH = { queued: "已接收，排队检查", duplicate: "重复文件，未重复检查", failed: "未接收" };

  async function upload(fileList) {
    if (!drop || !fileList.length) return;
    const batch = drop.dataset.batch;
    const maxFile = Number(drop.dataset.maxFile), maxFiles = Number(drop.dataset.maxFiles);
    const maxBytes = Number(drop.dataset.maxBytes) - 1048576; // room for the form's own bytes
    const files = [];
    for (const f of fileList) {
      if (f.size > maxFile) addResult(f.name + "：文件过大（" + fmtSize(f.size) + "），超过单个文件 " + fmtSize(maxFile) + " 的上限，未上传。", "sev-error");
      else if (f.size === 0) addResult(f.name + "：空文件，未上传。", "sev-error");
      else files.push(f);
    }
    if (!files.length) return;
    uploading = true;
    const status = document.getElementById("upload-status");
    const bar = document.getElementById("upload-bar");
    const text = document.getElementById("upload-text");
    status.hidden = false;
    const total = files.reduce((s, f) => s + f.size, 0);
    let sent = 0;
    for (const g of groups(files, maxFiles, maxBytes)) {
      const gsize = g.reduce((s, f) => s + f.size, 0);
      const r = await send(batch, g, (loaded) => {
        const pct = Math.min(100, Math.round(100 * (sent + loaded) / total));
        bar.style.width = pct + "%";
        text.textContent = "正在上传 " + files.length + " 个文件：" + pct + "%";
      });
      sent += gsize;
      if (r.status === 200 && Array.isArray(r.body)) {
        for (const item of r.body) {
          // a refusal or a duplicate says it all in its reason; otherwise the state in words
          const label = item.error || STATE_ZH[item.state] || item.state;
          addResult(item.filename + "：" + label, item.state === "failed" ? "sev-error" : "");
        }
      } else if (r.status === 401) {
        addResult("登录已过期：请刷新页面后重新登录。", "sev-error");
        break;
      } else {
        const detail = r.body && r.body.detail ? r.body.detail : "网络错误或服务不可用（HTTP " + r.status + "），请稍后重试。";
        addResult(g.map((f) => f.name).join("、") + "：上传失败：" + detail, "sev-error");
      }
      startPolling();
      refreshLive();
    }
    bar.style.width = "100%";
    text.textContent = "上传结束：" + files.length + " 个文件已提交，检查进度见下方。";
    uploading = false;
  }

  if (drop) {
    const input = document.getElementById("file-input");
    input.addEventListener("change", () => { upload(Array.from(input.files)); input.value = ""; });
    ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
    ["dragleave", "dragend"].forEach((t) => drop.addEventListener(t, () => drop.classList.remove("over")));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files) upload(Array.from(e.dataTransfer.files));
    });
  }

  // ------------------------------------------------------------------ report filters
  const filters = document.getElementById("filters");
  if (filters) {
    const cards = Array.from(document.querySelectorAll("article.finding"));
    const count = document.getElementById("filter-count");
    const none = document.getElementById("no-match");
    function apply() {
      const sev = new Set(Array.from(filters.querySelectorAll("input[name=severity]:checked")).map((i) => i.value));
      const cat = new Set(Array.from(filters.querySelectorAll("input[name=category]:checked")).map((i) => i.value));
      const q = (filters.querySelector("input[name=q]").value || "").trim().toLowerCase();
      let shown = 0;
      for (const c of cards) {
        const ok = sev.has(c.dataset.severity) && cat.has(c.dataset.category) && (!q || c.dataset.text.includes(q));
        c.hidden = !ok;
        if (ok) shown++;
      }
      count.textContent = "显示 " + shown + " / " + cards.length + " 条";
      none.hidden = shown > 0;
      const params = new URLSearchParams();
      sev.forEach((v) => params.append("severity", v));
      cat.forEach((v) => params.append("category", v));
      if (q) params.set("q", q);
      history.replaceState(null, "", window.location.pathname + "?" + params.toString());
    }
    filters.addEventListener("change", apply);
    filters.addEventListener("input", apply);
    filters.addEventListener("submit", (e) => { e.preventDefault(); apply(); });
    apply();
  }
})();
