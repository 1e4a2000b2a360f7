// Broken: throws while loading (e.g. a leftover debugging line).
const cfg: any = undefined;
export const lr = cfg.lr;
export function addBackward(x: number, y: number, d: number): [number, number] {
  return [d, d];
}
