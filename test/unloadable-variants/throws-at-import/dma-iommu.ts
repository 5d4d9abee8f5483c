// A kernel file that throws while its module is evaluated (a table read
// past its end at load time): the harness must name this file and line as
// bad input before any case runs, not lose the run.

const granules: number[] = [];

/** Read at load time, as a static initialiser would be. */
export const DEFAULT_GRANULE: number = granules[0]!.valueOf();
