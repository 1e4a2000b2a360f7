// A small strict JSON reader for file headers: like JSON.parse, but a key repeated in one object
// is an error (JSON.parse silently keeps the last one), objects have no prototype (so keys such as
// "__proto__", "constructor" or "toString" are ordinary keys), and nesting is limited.

/** Thrown for malformed JSON; the message gives the position. */
export class StrictJsonError extends Error {}

/** A parsed JSON value; objects are prototype-less records. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/**
 * Parse `text` as one JSON value (surrounding whitespace allowed). Throws StrictJsonError on
 * malformed input, on a key that appears twice in one object, or past 64 levels of nesting.
 *
 * @example
 * parseStrictJson('{"a": 1, "a": 2}'); // throws: duplicate key "a"
 */
export function parseStrictJson(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new StrictJsonError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const str = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text);
    if (!m) fail("malformed string");
    i += m![0].length;
    return JSON.parse(m![0]) as string;
  };
  const value = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: { [key: string]: JsonValue } = Object.create(null);
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a string key");
        const at = i;
        const key = str();
        if (Object.prototype.hasOwnProperty.call(obj, key)) {
          i = at;
          fail(`duplicate key ${JSON.stringify(key)}`);
        }
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        obj[key] = value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail(i >= text.length ? "unexpected end of input" : `unexpected character ${JSON.stringify(text[i])}`);
    i += m[0].length;
    return Number(m[0]);
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail("unexpected text after the JSON value");
  return v;
}
