/**
 * tslab's TypeScript converter, restarted when a stop left it half-way.
 *
 * tslab's converter debounces rebuilds with a fake timer; a compile cut short leaves that timer
 * pending, and from then on every cell fails with "Unexpected pending rebuildTimer" until the
 * kernel is restarted (issue 19, point 4). This wrapper notices that error, closes the broken
 * converter, makes a fresh one and compiles the cell again (declarations of earlier cells are
 * passed with every call, so nothing is lost but modules added with `//%module`).
 */

export interface Converter {
  convert(decls: string, src: string): unknown;
  close(): void;
  [other: string]: unknown;
}

const BROKEN = /pending rebuildTimer|rebuildTimer is not set/;

/**
 * A converter made by `create` whose `convert` recovers from a stuck rebuild timer once per call.
 * @example const conv = recoveringConverter(() => createConverter({ isJS: false, isBrowser: false }));
 */
export function recoveringConverter(create: () => Converter, log: (s: string) => void = (s) => process.stderr.write(s)): Converter {
  let current = create();
  const proxy: Converter = new Proxy({} as Converter, {
    get(_t, key) {
      if (key === "convert") {
        return (decls: string, src: string) => {
          try {
            return current.convert(decls, src);
          } catch (e) {
            if (!BROKEN.test(String((e as Error)?.message))) throw e;
            log("gradwork kernel: the TypeScript compiler was left half-way by a stop; restarting it\n");
            try {
              current.close();
            } catch {
              // already broken
            }
            current = create();
            return current.convert(decls, src);
          }
        };
      }
      const v = current[key as string];
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(current) : v;
    },
  });
  return proxy;
}
