// Lets the checkout import itself as "gradwork": notebooks (`import * as gw from "gradwork"` in a
// tslab cell) and exercises resolve the package through node_modules, like any installed package.
//
// The link `node_modules/gradwork -> ..` replaces a self-dependency (`"gradwork": "file:."`), which
// made every consumer of the published package depend on itself. It is created by `npm install`
// (the `prepare` script), and again by `npm start` / `npm run notebooks` in case a later
// `npm install <pkg>` pruned it. It is never created inside an installed copy of the package.
import { packageRoot } from "../paths";
import * as fs from "node:fs";
import * as path from "node:path";

export interface LinkResult {
  /** What happened, for a one-line log. */
  message: string;
  /** True when `node_modules/gradwork` resolves to the checkout afterwards. */
  ok: boolean;
}

/**
 * Make `<root>/node_modules/gradwork` a symlink to `<root>` (relative, so the checkout can move).
 * Does nothing inside an installed package (a path with node_modules in it) or when the link
 * already points home.
 *
 * @example
 * // in the checkout: node dist/tools/link-self.js
 * console.log(ensureSelfLink().message); // "node_modules/gradwork already links to the checkout"
 */
export function ensureSelfLink(root: string = packageRoot()): LinkResult {
  const pj = path.join(root, "package.json");
  if (!fs.existsSync(pj) || JSON.parse(fs.readFileSync(pj, "utf8")).name !== "gradwork") {
    return { ok: false, message: `${root} is not the gradwork checkout: no link made` };
  }
  if (root.split(path.sep).includes("node_modules") || !fs.existsSync(path.join(root, "lib"))) {
    return { ok: false, message: "an installed copy of gradwork: no self-link needed" };
  }
  const link = path.join(root, "node_modules", "gradwork");
  const real = fs.realpathSync(root);
  try {
    if (fs.realpathSync(link) === real) return { ok: true, message: "node_modules/gradwork already links to the checkout" };
  } catch {
    // missing or dangling: (re)create below
  }
  const st = fs.lstatSync(link, { throwIfNoEntry: false });
  if (st && !st.isSymbolicLink()) {
    return { ok: false, message: `${link} is a real folder, not a link to the checkout: remove it and run \`npm install\`` };
  }
  if (st) fs.unlinkSync(link);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync("..", link, "dir");
  return { ok: true, message: "linked node_modules/gradwork to the checkout (notebooks import \"gradwork\")" };
}

if (require.main === module) {
  const r = ensureSelfLink();
  (r.ok ? console.log : console.warn)(`gradwork: ${r.message}`);
}
