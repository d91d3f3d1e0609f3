//! Program checks before lowering: definitions that cannot work (duplicate parameters, names that hide builtins, statements with no effect).
import type { Program, Span } from "./ast.js";
import { lookup } from "./catalogue.js";
import { type Diagnostic, type SourceMap, diagnostic } from "./diagnostics.js";
import { phononTransform } from "./compile/transform.js";

/** Diagnostics about the program's definitions as a whole; lowering reports the rest. */
export function checkProgram(program: Program, map: SourceMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (severity: "error" | "warning", message: string, span: Span, suggestion?: string): void => {
    out.push(diagnostic(map, severity, message, span, suggestion ? { suggestion } : {}));
  };
  for (const s of program.statements) {
    if (s.type === "fn" || (s.type === "bus" && s.params.length > 0)) {
      const seen = new Set<string>();
      for (const p of s.params) {
        if (seen.has(p)) report("error", `the parameter '${p}' is listed twice`, s.nameSpan);
        seen.add(p);
      }
    }
    if (s.type === "fn") {
      if (lookup(s.name) || phononTransform(s.name)) {
        report("warning", `'fn ${s.name}' hides the builtin '${s.name}' in this file`, s.nameSpan, "choose another name to keep the builtin");
      }
    }
    if (s.type === "bus" && s.params.length > 0 && s.op === "#") {
      report("error", `a function bus is written with '$' or ':', not '#': ~${s.name} ${s.params.join(" ")} $ …`, s.nameSpan);
    }
    if (s.type === "bus" && s.params.some((p) => lookup(p) || phononTransform(p))) {
      const p = s.params.find((x) => lookup(x) || phononTransform(x))!;
      report("warning", `the parameter '${p}' of '~${s.name}' hides the builtin '${p}' inside it`, s.nameSpan);
    }
  }
  return out;
}
