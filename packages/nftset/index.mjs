// ES module entry point. It re-exports the CommonJS build instead of
// shipping a second copy, so `import` and `require` in one process share
// the same classes: an NftsetError thrown through one passes an
// `instanceof` check made through the other.
export * from './dist/index.js'
