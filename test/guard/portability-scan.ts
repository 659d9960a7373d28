// A static scan of handlers/ for what would break the edge runtime: imports of Node built-ins (node: or
// bare), of src/, bullmq, ioredis or pg, and reads of process.env (module level: always wrong; inside a
// function: env must come from the runtime adapter). Parses each file with rolldown's (oxc) TS parser.
import { builtinModules } from "node:module";
import { dirname, relative, resolve, sep } from "node:path";
import { parseAst } from "rolldown/parseAst";

export interface Violation {
  file: string;
  line: number;
  rule: "node-builtin" | "src-import" | "server-package" | "process-env-module-level" | "process-env";
  detail: string;
}

const SERVER_PACKAGES = ["bullmq", "ioredis", "pg"];
const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith("_")));

type Node = { type: string; start: number; end: number; [k: string]: unknown };

const isNode = (v: unknown): v is Node =>
  typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string";
const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/** Walks `node`; `inFunction` says whether the code runs only when a function is called. */
function walk(node: unknown, inFunction: boolean, visit: (n: Node, inFunction: boolean) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, inFunction, visit);
    return;
  }
  if (!isNode(node)) return;
  visit(node, inFunction);
  const inner = inFunction || FUNCTIONS.has(node.type);
  for (const [key, value] of Object.entries(node)) {
    if (key !== "type" && key !== "start" && key !== "end") walk(value, inner, visit);
  }
}

function isProcessEnv(n: Node): boolean {
  if (n.type !== "MemberExpression") return false;
  const obj = n.object as Node;
  const prop = n.property as Node & { name?: string; value?: string };
  const propName = prop.name ?? prop.value;
  if (propName !== "env") return false;
  if (obj.type === "Identifier" && obj.name === "process") return true;
  // globalThis.process.env
  return (
    obj.type === "MemberExpression" &&
    ((obj.property as { name?: string }).name === "process" ||
      (obj.property as { value?: string }).value === "process")
  );
}

/** Violations in one file. `file` is its path (for resolving relative imports); `root` is the repo root. */
export function scanSource(source: string, file: string, root: string): Violation[] {
  const out: Violation[] = [];
  const program = parseAst(source, { lang: file.endsWith(".tsx") ? "tsx" : "ts" }, file);
  const rel = relative(root, file);
  const checkSpecifier = (spec: string, at: number, typeOnly: boolean) => {
    const line = lineOf(source, at);
    if (spec.startsWith(".")) {
      const target = relative(root, resolve(dirname(file), spec));
      if (target === "src" || target.startsWith(`src${sep}`))
        out.push({ file: rel, line, rule: "src-import", detail: spec });
      return;
    }
    if (typeOnly) return; // erased at build time
    const bare = spec.startsWith("node:") ? spec.slice(5) : spec;
    if (spec.startsWith("node:") || BUILTINS.has(bare) || BUILTINS.has(bare.split("/")[0]!)) {
      out.push({ file: rel, line, rule: "node-builtin", detail: spec });
      return;
    }
    const pkg = spec.split("/")[0]!;
    if (SERVER_PACKAGES.includes(pkg)) out.push({ file: rel, line, rule: "server-package", detail: spec });
  };
  walk(program.body, false, (n, inFunction) => {
    const from = n.source as (Node & { value?: unknown }) | null | undefined;
    if (
      (n.type === "ImportDeclaration" ||
        n.type === "ExportNamedDeclaration" ||
        n.type === "ExportAllDeclaration") &&
      from &&
      typeof from.value === "string"
    ) {
      const typeOnly = n.importKind === "type" || n.exportKind === "type";
      checkSpecifier(from.value, n.start, typeOnly);
    } else if (n.type === "ImportExpression" && from?.type === "Literal" && typeof from.value === "string") {
      checkSpecifier(from.value, n.start, false);
    } else if (n.type === "CallExpression") {
      const callee = n.callee as Node & { name?: string };
      const [arg] = (n.arguments as Array<Node & { value?: unknown }>) ?? [];
      if (callee.type === "Identifier" && callee.name === "require" && typeof arg?.value === "string")
        checkSpecifier(arg.value, n.start, false);
    } else if (isProcessEnv(n)) {
      out.push({
        file: rel,
        line: lineOf(source, n.start),
        rule: inFunction ? "process-env" : "process-env-module-level",
        detail: inFunction
          ? "reads process.env (take config from the adapter)"
          : "reads process.env at module level",
      });
    }
  });
  return out;
}
