// `node --import bench/hardening/fixed-window-hook.mjs apps/uacregd/dist/main.js …`: the daemon with its in-flight
// window pinned at max_in_flight (the behaviour before the adaptive window of docs/decisions.md), for comparison
// only. The engine's built admission queue is loaded with INITIAL_WINDOW and MIN_WINDOW raised above any
// max_in_flight, so every registrar's window is min(that, max_in_flight) = max_in_flight and halving leaves it there.
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
export async function load(url, context, next) {
  const r = await next(url, context);
  if (!url.endsWith("/packages/engine/dist/admission-queue.js")) return r;
  const src = String(r.source)
    .replace("export const INITIAL_WINDOW = 32;", "export const INITIAL_WINDOW = Number.MAX_SAFE_INTEGER;")
    .replace("export const MIN_WINDOW = 16;", "export const MIN_WINDOW = Number.MAX_SAFE_INTEGER;");
  if (!src.includes("INITIAL_WINDOW = Number.MAX_SAFE_INTEGER") || !src.includes("MIN_WINDOW = Number.MAX_SAFE_INTEGER")) {
    throw new Error("fixed-window-hook: admission-queue.js no longer has the constants this hook pins");
  }
  return { ...r, source: src };
}
`)}`,
  import.meta.url,
);
