// The client of bench/http.mjs's idle-rss configuration: opens N keep-alive connections to a
// server, sends one GET /hello on each and reads the complete answer (Content-Length framing,
// which is what every bench server sends for /hello), then keeps them all open and idle.
// A separate process, so the server's RSS is not mixed with the client's.
//
// Prints one JSON line when all are answered: {"ready":N} (or {"error":"..."} and exits 1).
// Later it prints {"closed":K} if the server closed any of them before the client was told to
// stop; it stops (closing everything) on SIGTERM or when its stdin closes.
//
// Usage: node bench/idle-client.mjs --port P [--host 127.0.0.1] [--connections 2000]
//                                   [--parallel 100]
import { connect } from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    connections: { type: "string", default: "2000" },
    parallel: { type: "string", default: "100" },
  },
});
const PORT = Number(values.port);
const N = Number(values.connections);
// Connections being opened at once: bounded so the listen backlog (511 in Node) never
// overflows and no SYN is retried (a retry costs a second and says nothing about memory).
const PARALLEL = Number(values.parallel);
const REQUEST = Buffer.from(`GET /hello HTTP/1.1\r\nHost: ${values.host}:${PORT}\r\n\r\n`, "latin1");
const TIMEOUT_MS = 30_000;

const sockets = [];
let closedEarly = 0;
let stopping = false;

function fail(message) {
  process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  for (const socket of sockets) socket.destroy();
  process.exit(1);
}

/** Opens one connection, sends the request, resolves once the whole response has arrived. */
function openOne() {
  return new Promise((resolve, reject) => {
    const socket = connect(PORT, values.host);
    sockets.push(socket);
    let head = Buffer.alloc(0);
    let need = -1;
    const onData = (data) => {
      head = Buffer.concat([head, data]);
      if (need === -1) {
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        const length = /\r\ncontent-length:\s*(\d+)\r\n/i.exec(head.subarray(0, end + 2).toString("latin1"));
        if (length === null) return reject(new Error("a /hello answer without Content-Length"));
        need = end + 4 + Number(length[1]);
      }
      if (head.length >= need) {
        socket.off("data", onData);
        // From now on the connection is idle; anything the server sends or a close is counted.
        socket.on("data", () => {});
        socket.once("close", () => {
          if (!stopping) {
            closedEarly++;
            process.stdout.write(`${JSON.stringify({ closed: closedEarly })}\n`);
          }
        });
        resolve();
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(REQUEST);
  });
}

const timer = setTimeout(() => fail(`not all ${N} connections answered within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);
let next = 0;
async function worker() {
  while (next < N) {
    next++;
    await openOne();
  }
}
try {
  await Promise.all(Array.from({ length: Math.min(PARALLEL, N) }, worker));
} catch (error) {
  fail(`connection ${sockets.length}: ${error.message}`);
}
clearTimeout(timer);
process.stdout.write(`${JSON.stringify({ ready: N })}\n`);

function stop() {
  stopping = true;
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}
process.once("SIGTERM", stop);
process.stdin.on("end", stop).resume();
