// The entry point of a case-pool worker thread: source maps are switched on
// before anything else is loaded, so that an error's stack names the
// TypeScript file and line of every module (the harness's own as well as
// the variants'); then the worker itself.

process.setSourceMapsEnabled(true);

const { default: runTask } = await import('./worker.js');

export default runTask;
