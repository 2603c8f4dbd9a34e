// graphql-js, as the CommonJS build every package resolves to under Node (graphql-ws and
// graphql-jit import 'graphql' and get index.js). A bundler that prefers the package's `module`
// field (the test runner's) would give our code index.mjs instead: a second copy whose types the
// first refuses ("from another module or realm"). Naming the file keeps one copy everywhere.
export * from 'graphql/index.js';
