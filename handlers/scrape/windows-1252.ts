// Node 20's TextDecoder("windows-1252") decodes bytes 0x80-0x9F as the C1 controls U+0080-U+009F (as
// ISO-8859-1 does) instead of €, ‚, “, ” and the rest. This maps them as WHATWG's index-windows-1252 does;
// a correct decoder (workerd, later Node) never yields those controls but for the 5 unmapped bytes, kept as is.
const C1_TO_1252 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

/** `text` as decoded by a windows-1252 TextDecoder, with the C1 range fixed. */
export function fixWindows1252(text: string): string {
  return text.replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(C1_TO_1252[c.charCodeAt(0) - 0x80]!));
}
