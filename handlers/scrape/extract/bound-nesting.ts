// Deep nesting makes HTML parsers quadratic: htmlparser2 (and parse5) move their whole open-element stack
// on every tag, so 200,000 unclosed <div>s (1 MB) blocked the event loop for 95 s. This linear pass runs
// htmlparser2's own Tokenizer, follows the open-element stack the way its Parser builds it (implied
// closes, void and foreign self-closing elements) and blanks every opening tag that would sit deeper than
// `maxDepth`, keeping the text. flattenDeep reduces whatever is deeper than 200 levels to text anyway.
import { Tokenizer } from "htmlparser2";

/** htmlparser2's `openImpliesClose` (Parser.js): opening the key closes these while they are on top. */
const P = ["p"];
const FORM = ["input", "option", "optgroup", "select", "button", "datalist", "textarea"];
const IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>(
  (
    [
      ["tr", ["tr", "th", "td"]],
      ["th", ["th"]],
      ["td", ["thead", "th", "td"]],
      ["body", ["head", "link", "script"]],
      ["li", ["li"]],
      ["select", FORM],
      ["input", FORM],
      ["output", FORM],
      ["button", FORM],
      ["datalist", FORM],
      ["textarea", FORM],
      ["option", ["option"]],
      ["optgroup", ["optgroup", "option"]],
      ["dd", ["dd", "dt"]],
      ["dt", ["dd", "dt"]],
      ["rt", ["rt", "rp"]],
      ["rp", ["rt", "rp"]],
      ["tbody", ["thead", "tbody"]],
      ["tfoot", ["thead", "tbody"]],
      ...[
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "header",
        "hr",
        "main",
        "nav",
        "ol",
        "pre",
        "section",
        "table",
        "ul",
      ].map((tag) => [tag, P] as const),
    ] as const
  ).map(([tag, closes]) => [tag, new Set(closes)]),
);

const VOID = new Set([
  "area",
  "base",
  "basefont",
  "br",
  "col",
  "command",
  "embed",
  "frame",
  "hr",
  "img",
  "input",
  "isindex",
  "keygen",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);
const FOREIGN = new Set(["math", "svg"]);
const HTML_INTEGRATION = new Set([
  "mi",
  "mo",
  "mn",
  "ms",
  "mtext",
  "annotation-xml",
  "foreignobject",
  "desc",
  "title",
]);
/** Their content is text to the tokenizer; their opening tag is never blanked. */
const RAW_TEXT = new Set(["script", "style", "title", "textarea", "xmp"]);

/** `html` itself when no element nests deeper than `maxDepth`, else a copy with the deeper opening tags blanked. */
export function boundNesting(html: string, maxDepth = 512): string {
  const stack: string[] = [];
  const onStack = new Map<string, number>();
  const foreign: boolean[] = [];
  const blanks: Array<[number, number]> = [];
  let tag = "";
  let tagStart = 0;
  let pushed = false;
  let blank = false;

  const push = (name: string) => {
    stack.push(name);
    onStack.set(name, (onStack.get(name) ?? 0) + 1);
  };
  const pop = () => {
    const name = stack.pop()!;
    onStack.set(name, onStack.get(name)! - 1);
    return name;
  };
  const endOfTag = (endIndex: number) => {
    if (blank) blanks.push([tagStart, endIndex + 1]);
    blank = false;
  };
  const noop = () => {};
  const tokenizer = new Tokenizer(
    { xmlMode: false, decodeEntities: false },
    {
      onopentagname(start, endIndex) {
        tag = html.slice(start, endIndex).toLowerCase();
        tagStart = start - 1;
        pushed = false;
        const closes = IMPLIES_CLOSE.get(tag);
        while (closes && stack.length && closes.has(stack[stack.length - 1]!)) pop();
        if (VOID.has(tag)) return;
        if (stack.length >= maxDepth && !RAW_TEXT.has(tag)) {
          blank = true;
          return;
        }
        push(tag);
        pushed = true;
        if (FOREIGN.has(tag)) foreign.push(true);
        else if (HTML_INTEGRATION.has(tag)) foreign.push(false);
      },
      onopentagend: endOfTag,
      onselfclosingtag(endIndex) {
        // Self-closing only in SVG/MathML (the Parser's foreign context); elsewhere `<div/>` opens a div.
        if (pushed && foreign.length && foreign[foreign.length - 1]) {
          pop();
          if (FOREIGN.has(tag) || HTML_INTEGRATION.has(tag)) foreign.pop();
        }
        endOfTag(endIndex);
      },
      onclosetag(start, endIndex) {
        const name = html.slice(start, endIndex).toLowerCase();
        if (FOREIGN.has(name) || HTML_INTEGRATION.has(name)) foreign.pop();
        if (VOID.has(name) || !onStack.get(name)) return;
        while (pop() !== name);
      },
      onattribdata: noop,
      onattribentity: noop,
      onattribend: noop,
      onattribname: noop,
      oncdata: noop,
      oncomment: noop,
      ondeclaration: noop,
      onend: noop,
      onprocessinginstruction: noop,
      ontext: noop,
      ontextentity: noop,
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  if (!blanks.length) return html;
  let out = "";
  let from = 0;
  for (const [start, end] of blanks) {
    out += `${html.slice(from, start)} `;
    from = end;
  }
  return out + html.slice(from);
}
