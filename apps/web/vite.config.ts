/**
 * Vite builds the status page (index.html + src/client/) into dist/www: hashed assets under dist/www/assets, no CDN,
 * no external font. dist/index.js (the Node entry, built by tsc) sits next to it and is not part of what is served.
 * `pnpm --filter @uacreg/web dev` proxies /api and /events to a daemon (UACREG_WEB_PROXY, default 127.0.0.1:8889).
 */
import { defineConfig } from "vite";

const target = `http://${process.env.UACREG_WEB_PROXY ?? "127.0.0.1:8889"}`;

export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  build: {
    outDir: "dist/www",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": target, "/events": target },
  },
});
