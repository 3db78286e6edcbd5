// Every data case, grouped by topic. The corpus test runs each at every split.
import type { Case } from "../harness.ts";
import { connectionCases } from "./connection.ts";
import { framingCases } from "./framing.ts";
import { headerCases } from "./headers.ts";
import { holeCases } from "./holes.ts";
import { llhttpCases } from "./llhttp-ported.ts";
import { requestLineCases } from "./request-line.ts";
import { responseCases } from "./responses.ts";
import { smugglingCases } from "./smuggling.ts";

export const caseGroups: Record<string, Case[]> = {
  "request line": requestLineCases,
  "field lines": headerCases,
  "body framing": framingCases,
  responses: responseCases,
  "connection and limits": connectionCases,
  smuggling: smugglingCases,
  "ported from llhttp": llhttpCases,
  "holes a differential fuzz found": holeCases,
};

export const allCases: Case[] = Object.values(caseGroups).flat();
