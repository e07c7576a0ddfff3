import { defineConfig } from "vite";

// The build goes to ui/dist, which CMake embeds in the weir binary.
// `npm run dev` proxies the API to a weir serve on 127.0.0.1:8080.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
