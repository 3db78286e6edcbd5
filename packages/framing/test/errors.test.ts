// The error class and its guard.
import { describe, expect, it } from "vitest";
import { FramingError, isFramingError } from "@k/framing";

describe("FramingError", () => {
  it("carries its code, name, message and cause", () => {
    const cause = new Error("socket closed");
    const error = new FramingError("ABORTED", "gone", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("FramingError");
    expect(error.code).toBe("ABORTED");
    expect(error.message).toBe("gone");
    expect(error.cause).toBe(cause);
  });

  it("is recognised by isFramingError, and nothing else is", () => {
    expect(isFramingError(new FramingError("INVALID_HEADER", "x"))).toBe(true);
    expect(isFramingError(new Error("x"))).toBe(false);
    expect(isFramingError({ code: "INVALID_HEADER", name: "FramingError" })).toBe(false);
    expect(isFramingError(null)).toBe(false);
    expect(isFramingError("FramingError")).toBe(false);
  });

  it("is recognised across copies of the package through its registered brand", () => {
    const foreign = Object.create(Object.defineProperty({}, Symbol.for("@k/framing.FramingError"), { value: true }));
    expect(isFramingError(foreign)).toBe(true);
  });
});
