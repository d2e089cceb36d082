// The layer map of docs/architecture.md, enforced by `npm run lint`:
//   cli → {inventory, play, watch, sim} → {cloud, template, cache, config} → vendor
// errors.ts is the shared taxonomy every layer may use. Type-only imports do not count as
// runtime cycles (they vanish at compile time), but they still obey the layer direction.
const upper = "^src/(inventory|play|watch|sim)/";
const lower = "^src/(cloud|template|cache|config)/";
module.exports = {
  forbidden: [
    { name: "no-runtime-cycle", severity: "error", comment: "Runtime import cycles make load order matter.",
      from: { path: "^src/" }, to: { circular: true, dependencyTypesNot: ["type-only"], viaOnly: { dependencyTypesNot: ["type-only"] } } },
    { name: "nothing-imports-cli", severity: "error", comment: "cli is the top layer: only cli imports cli.",
      from: { path: "^src/", pathNot: "^src/cli/" }, to: { path: "^src/cli/" } },
    { name: "lower-layer-stays-low", severity: "error",
      comment: "cloud, template, cache and config sit below inventory, play, watch and sim.",
      from: { path: lower }, to: { path: upper } },
    { name: "errors-is-a-leaf", severity: "error", comment: "errors.ts is imported by every layer; it imports none.",
      from: { path: "^src/errors\\.ts$" }, to: { path: "^src/" } },
    { name: "sim-has-its-own-wire-types", severity: "error",
      comment: "An independent fake catches client mistakes; sharing the client's types would repeat them.",
      from: { path: "^src/sim/" }, to: { path: "^src/(cloud|inventory|play|watch|cache|template)/" } },
    { name: "upper-layers-are-siblings", severity: "error",
      comment: "inventory, play, watch and sim do not reach into each other, except play and watch using inventory's model and collection, and watch using play.",
      from: { path: "^src/(inventory|sim)/" }, to: { path: "^src/(play|watch)/" } },
    { name: "play-does-not-import-watch-or-sim", severity: "error",
      from: { path: "^src/play/" }, to: { path: "^src/(watch|sim)/" } },
    { name: "no-test-or-bench-in-src", severity: "error",
      from: { path: "^src/" }, to: { path: "^(test|bench)/" } },
    { name: "not-to-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js"] },
  },
};
