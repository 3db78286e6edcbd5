// diagnostics_channel (issue 11): subscribers of node:http's channel names see each request's
// created/start/finish in order, with the documented fields, and errors on the error channel.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import { createConnection, createMemoryTransport, DiagnosticsResponse, diagnosticsChannels, HttpRequest } from "@k/handler";
import type { ConnectionOptions, DiagnosticsMessage } from "@k/handler";
import { readResponses, until } from "./helpers.js";

type Event = { name: string; message: DiagnosticsMessage & { error?: unknown }; statusAtPublish: number; finishedAtPublish: boolean };
let events: Event[] = [];
const listeners: [string, (m: unknown, name: string | symbol) => void][] = [];

function listen(): void {
  for (const name of Object.values(diagnosticsChannels)) {
    const fn = (m: unknown, n: string | symbol) => {
      const message = m as Event["message"];
      events.push({
        name: String(n),
        message,
        statusAtPublish: message.response?.statusCode ?? -1,
        finishedAtPublish: message.response?.finished ?? false,
      });
    };
    subscribe(name, fn);
    listeners.push([name, fn]);
  }
}

afterEach(() => {
  for (const [name, fn] of listeners.splice(0)) unsubscribe(name, fn);
  events = [];
});

function connectTraced(options: ConnectionOptions) {
  const transport = createMemoryTransport();
  transport.attach(createConnection(transport, { diagnosticsServer: "the-server", onError: () => {}, ...options }));
  return transport;
}

describe("diagnostics_channel", () => {
  it("publishes created, start and finish for each request, in order, with the documented fields", async () => {
    listen();
    const transport = connectTraced({
      handler: (req) => ({ status: req.target === "/a" ? 200 : 201, headers: { "x-t": req.target }, body: "hi" }),
    });
    transport.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    await until(() => events.filter((e) => e.name === "http.server.response.finish").length === 2);
    expect(events.map((e) => `${e.name} ${e.message.request?.target}`)).toEqual([
      "http.server.response.created /a",
      "http.server.request.start /a",
      "http.server.response.finish /a",
      "http.server.response.created /b",
      "http.server.request.start /b",
      "http.server.response.finish /b",
    ]);
    const [created, start, finish] = events;
    expect(start!.message.request).toBeInstanceOf(HttpRequest);
    expect(start!.message.request!.method).toBe("GET");
    expect(start!.message.response).toBeInstanceOf(DiagnosticsResponse);
    // One response object per request, from created to finish.
    expect(created!.message.response).toBe(start!.message.response);
    expect(finish!.message.response).toBe(start!.message.response);
    expect(start!.message.server).toBe("the-server");
    expect(start!.message.socket).toBe(transport);
    expect(Object.keys(created!.message).sort()).toEqual(["request", "response"]);
    expect(Object.keys(start!.message).sort()).toEqual(["request", "response", "server", "socket"]);
    // At start nothing is sent yet; at finish the response is complete.
    expect(start!.statusAtPublish).toBe(0);
    expect(start!.finishedAtPublish).toBe(false);
    expect(finish!.statusAtPublish).toBe(200);
    expect(finish!.finishedAtPublish).toBe(true);
    const response = finish!.message.response!;
    expect(response.headersSent).toBe(true);
    expect(response.bytes).toBe(2);
    expect(response.headers).toContainEqual(["x-t", "/a"]);
    expect(response.wireBytes).toBeGreaterThan(2);
    expect(events[5]!.statusAtPublish).toBe(201);
    expect(readResponses(transport.output()).responses).toHaveLength(2);
  });

  it("publishes a failing component's error with its request on k.http.server.request.error", async () => {
    listen();
    const boom = new Error("boom");
    const transport = connectTraced({ handler: () => { throw boom; } });
    transport.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    await until(() => events.some((e) => e.name === "http.server.response.finish"));
    const names = events.map((e) => e.name);
    expect(names).toEqual([
      "http.server.response.created",
      "http.server.request.start",
      "k.http.server.request.error",
      "http.server.response.finish",
    ]);
    const error = events[2]!.message;
    expect(error.error).toBe(boom);
    expect(error.request!.target).toBe("/x");
    expect(error.response).toBe(events[1]!.message.response);
    expect(events[3]!.statusAtPublish).toBe(500);
  });
});
