// The demo page's live demos (stream, upload, echo, WebSocket). Plain browser JavaScript, no build step, no dependencies.

const $ = (id) => document.getElementById(id);

// ---- /stream: read the body chunk by chunk and count (and check) the bytes ----------------
$("stream-button").addEventListener("click", async () => {
  const button = $("stream-button");
  const total = Number($("stream-size").value);
  const progress = $("stream-progress");
  const counter = $("stream-bytes");
  const status = $("stream-status");
  button.disabled = true;
  status.textContent = "";
  status.className = "";
  progress.max = total;
  progress.value = 0;
  counter.textContent = "0";
  let received = 0;
  let wrong = -1;
  const started = performance.now();
  try {
    const response = await fetch(`/stream?bytes=${total}&chunk=65536`, { cache: "no-store" });
    if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
    const reader = response.body.getReader();
    let lastPaint = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Byte i of /stream is i mod 256: check the first byte of every chunk.
      if (wrong < 0 && value.length > 0 && value[0] !== (received & 0xff)) wrong = received;
      received += value.length;
      const now = performance.now();
      // The full count is painted only after the reader reports the end (below): a counter
      // showing every byte then means the whole response, terminating chunk included, arrived.
      if (now - lastPaint > 50 && received < total) {
        lastPaint = now;
        counter.textContent = String(received);
        progress.value = received;
      }
    }
    counter.textContent = String(received);
    progress.value = received;
    const seconds = (performance.now() - started) / 1000;
    const rate = received / 1048576 / Math.max(seconds, 0.001);
    status.textContent = wrong >= 0
      ? ` — pattern mismatch at byte ${wrong}`
      : ` — done in ${seconds.toFixed(2)} s (${rate.toFixed(1)} MiB/s)`;
    if (wrong >= 0) status.className = "error";
  } catch (error) {
    counter.textContent = String(received);
    status.textContent = ` — failed: ${error.message}`;
    status.className = "error";
  } finally {
    button.disabled = false;
  }
});

// ---- /upload: XMLHttpRequest, because fetch reports no upload progress ---------------------
$("upload-button").addEventListener("click", () => {
  const file = $("upload-file").files[0];
  const progress = $("upload-progress");
  const hash = $("upload-hash");
  const status = $("upload-status");
  const button = $("upload-button");
  status.className = "result";
  if (file === undefined) {
    status.textContent = "Choose a file first.";
    return;
  }
  hash.textContent = "…";
  status.textContent = `Uploading ${file.name} (${file.size} bytes)…`;
  progress.max = Math.max(file.size, 1);
  progress.value = 0;
  button.disabled = true;

  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/upload");
  xhr.setRequestHeader("content-type", "application/octet-stream");
  xhr.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) {
      progress.max = event.total;
      progress.value = event.loaded;
    }
  });
  xhr.addEventListener("load", () => {
    button.disabled = false;
    if (xhr.status !== 200) {
      hash.textContent = "–";
      status.textContent = `Upload failed: HTTP ${xhr.status}`;
      status.className = "result error";
      return;
    }
    const result = JSON.parse(xhr.responseText);
    progress.value = progress.max;
    hash.textContent = result.sha256;
    status.textContent = `The server received ${result.bytes} bytes.`;
  });
  xhr.addEventListener("error", () => {
    button.disabled = false;
    hash.textContent = "–";
    status.textContent = "Upload failed: network error";
    status.className = "result error";
  });
  xhr.send(file);
});

// ---- /echo: what the server received, pretty-printed, with the body decoded ---------------
$("echo-button").addEventListener("click", async () => {
  const method = $("echo-method").value;
  const path = $("echo-path").value.startsWith("/echo") ? $("echo-path").value : "/echo";
  const result = $("echo-result");
  try {
    const init = { method, headers: { "X-Demo": "k-demo page" } };
    if (method !== "GET") init.body = $("echo-body").value;
    const response = await fetch(path, init);
    const echoed = await response.json();
    const bytes = Uint8Array.from(atob(echoed.body), (c) => c.charCodeAt(0));
    const decoded = new TextDecoder().decode(bytes);
    // One line per header pair: the order and spelling of names is the point of /echo.
    const headers = echoed.headers.map((pair) => `    ${JSON.stringify(pair)}`).join(",\n");
    result.textContent = [
      "{",
      `  "method": ${JSON.stringify(echoed.method)},`,
      `  "target": ${JSON.stringify(echoed.target)},`,
      `  "version": ${JSON.stringify(echoed.version)},`,
      `  "headers": [\n${headers}\n  ],`,
      `  "body": ${JSON.stringify(echoed.body)}   // decoded: ${JSON.stringify(decoded)}`,
      "}",
    ].join("\n");
    result.className = "result";
  } catch (error) {
    result.textContent = `failed: ${error.message}`;
    result.className = "result error";
  }
});

// ---- /ws: one WebSocket, opened on the first send, every echo counted ---------------------
let socket = null;
let echoed = 0;
function connectWs() {
  if (socket !== null && socket.readyState <= WebSocket.OPEN) return socket;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  socket = new WebSocket(url);
  $("ws-status").textContent = "connecting";
  socket.addEventListener("open", () => ($("ws-status").textContent = "open"));
  socket.addEventListener("message", (event) => {
    echoed++;
    $("ws-count").textContent = String(echoed);
    const log = $("ws-log");
    log.textContent = `${log.textContent}echo: ${event.data}\n`.split("\n").slice(-11).join("\n");
  });
  socket.addEventListener("close", (event) => ($("ws-status").textContent = `closed (${event.code})`));
  socket.addEventListener("error", () => ($("ws-status").textContent = "error"));
  return socket;
}
$("ws-send").addEventListener("click", () => {
  const ws = connectWs();
  const text = $("ws-text").value;
  if (ws.readyState === WebSocket.OPEN) ws.send(text);
  else ws.addEventListener("open", () => ws.send(text), { once: true });
});
