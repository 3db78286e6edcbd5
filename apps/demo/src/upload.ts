/**
 * `/upload` (POST, PUT): consumes the body part by part as it arrives and answers
 * `{"bytes": n, "sha256": hex}`. Nothing is kept but the running hash and count, so memory is
 * bounded for any body size; reading is flow-controlled by the connection.
 */
import { createHash } from "node:crypto";
import type { HttpRequest, WholeResponse } from "@k/handler";
import { json } from "./responses.js";

/** What `/upload` answers with. */
export interface UploadResult {
  bytes: number;
  sha256: string;
}

/** The `/upload` handler. */
export async function handleUpload(request: HttpRequest): Promise<WholeResponse> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const part of request.body) {
    hash.update(part);
    bytes += part.byteLength;
  }
  const result: UploadResult = { bytes, sha256: hash.digest("hex") };
  return json(200, result);
}
