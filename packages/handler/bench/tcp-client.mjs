// The load client both TCP benches use: plain sockets, no HTTP client library in the way.
import { connect } from "node:net";
import { performance } from "node:perf_hooks";

/** One connection: send `depth` requests, wait for `depth` responses, repeat. Counts by bytes. */
export function client(port, depth, deadline, responseSize) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    const batch = Buffer.from("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(depth));
    let pending = 0;
    let done = 0;
    const send = () => {
      if (performance.now() > deadline) {
        socket.destroy();
        resolve(done);
        return;
      }
      pending = depth * responseSize;
      socket.write(batch);
    };
    socket.on("connect", send);
    socket.on("data", (b) => {
      pending -= b.length;
      if (pending <= 0) {
        done += depth;
        send();
      }
    });
    socket.on("error", reject);
  });
}

/** The byte size of one /hello response from `port` (headers included), read off a raw socket. */
export function responseSize(port, body) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let size = 0;
    socket.on("connect", () => socket.write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    socket.on("data", (b) => {
      size += b.length;
      if (b.toString("latin1").endsWith(body)) {
        socket.destroy();
        resolve(size);
      }
    });
    socket.on("error", reject);
  });
}
