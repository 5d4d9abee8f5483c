// The entry point of a fuzz worker thread: source maps first, so that an
// error's stack names the TypeScript files; then the worker itself.

process.setSourceMapsEnabled(true);

const { default: fuzzTask } = await import('./worker.js');

export default fuzzTask;
