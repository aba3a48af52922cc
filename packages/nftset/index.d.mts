// Types of the ES module entry point, index.mjs: the same exports as the
// CommonJS build.
export * from './dist/index.js'
