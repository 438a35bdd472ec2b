/**
 * The page's stand-in for the Node modules (fs, path, os, perf_hooks) that the WASM backend's ESM
 * bundle imports but uses only when it runs under Node; the import map resolves them here.
 */
export default {};
