// Generated from harness/report/report.schema.json by scripts/gen-types.ts. Do not edit; run npm run gen:types.

/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "ViolationKind".
 */
export type ViolationKind =
  | 'device-read-stale'
  | 'cpu-read-stale'
  | 'data-leak'
  | 'device-fault'
  | 'reach-other-allocation'
  | 'reach-free-slot'
  | 'reach-unowned'
  | 'segment-limits'
  | 'private-memory'
  | 'stale-pte'
  | 'iommu-collision'
  | 'map-refused'
  | 'resource-leak'
  | 'memory-corruption'
  | 'cache-outside'
  | 'driver-assumption'
  | 'kernel-warning'
  | 'kernel-oops'
  | 'soft-lockup';
/**
 * One fixture on one variant, keyed fixture@variant.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "CaseResult".
 */
export type CaseResult = CaseOk | CaseError | CaseTimeout;
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Grade".
 */
export type Grade = 'identical' | 'same-state' | 'same-verdict' | 'fixed' | 'regressed' | 'mixed';

/**
 * The canonical result of a run: what ran (with content hashes and the tree's commit), every case's result, and the comparisons made. Every other report format is rendered from this document.
 */
export interface Report {
  format: 'dma-iommu-harness/report';
  version: 1;
  /**
   * What produced the report.
   */
  command: {
    name: 'run' | 'compare' | 'review' | 'bisect' | 'fuzz' | 'faults';
    args: string[];
  };
  tree: Tree;
  fixtures: ReportFixture[];
  variants: ReportVariant[];
  series: Series[];
  cases: CaseResult[];
  expectations: Expectation[];
  comparisons: ComparisonSet[];
  bisections: Bisection[];
  totals: Totals;
  /**
   * What a fuzz run searched and found; null for other commands.
   */
  fuzz: null | Fuzz;
  faults: null | Faults;
  /**
   * For compare and review: the TypeScript diff of the second variant's model against the first's, file by file, so a reader can check that the model says what the C patch says.
   */
  source_diffs: SourceDiff[];
}
/**
 * The git commit of the harness tree the report was made from, and whether it had uncommitted changes; null outside a git work tree.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Tree".
 */
export interface Tree {
  commit: string | null;
  dirty: boolean | null;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "ReportFixture".
 */
export interface ReportFixture {
  id: string;
  file: string | null;
  question: string;
  /**
   * Of the fixture file's bytes.
   */
  sha256: string;
  expect: {
    [k: string]: ViolationKind[];
  };
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "ReportVariant".
 */
export interface ReportVariant {
  id: string;
  parent: string | null;
  series: string;
  subject: string;
  upstream: null | {
    commit?: string;
    message_id?: string;
    link?: string;
  };
  summary: string;
  /**
   * Of the variant folder's files (names and bytes).
   */
  sha256: string;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Series".
 */
export interface Series {
  name: string;
  /**
   * The series' own variants, parents first.
   */
  variants: string[];
  /**
   * The base it starts from, then its variants.
   */
  members: string[];
  steps: [string, string][];
  /**
   * members, when they form one chain.
   */
  chain: null | string[];
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "CaseOk".
 */
export interface CaseOk {
  id: string;
  fixture: string;
  variant: string;
  status: 'ok';
  /**
   * The violation kinds seen, in the order of the ViolationKind enum; empty when clean.
   */
  verdict: ViolationKind[];
  violations: Violation[];
  /**
   * Driver misuse the run noticed; not the variant's fault.
   */
  notes: string[];
  costs: Costs;
  estimate?: Estimate;
  /**
   * One line per step and per thing the machine did, each starting with the step's label.
   */
  trace: string[];
  final: FinalState;
  faults?: FaultRun;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Violation".
 */
export interface Violation {
  kind: ViolationKind;
  /**
   * Label of the step, e.g. "3" or "4#17.2"; "end" for checks after the last step.
   */
  step: string;
  /**
   * One dma-debug-style sentence: what happened, then [label=value] pairs.
   */
  sentence: string;
}
/**
 * Work the simulated kernel did, whatever the verdict.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Costs".
 */
export interface Costs {
  bounce_copies: number;
  bounce_bytes: number;
  zeroed_bytes: number;
  cache_cleans: number;
  cache_invalidates: number;
  cache_bytes: number;
  iommu_maps: number;
  iommu_unmaps: number;
  iotlb_syncs: number;
  iova_allocs: number;
  iova_lookups: number;
  /**
   * pseries: TCE hcalls made (H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE), each call counted once; not priced by the cost profiles.
   */
  tce_hcalls: number;
}
/**
 * The case's counters priced by a cost profile (profiles/): an estimated time, and its parts. What the operations cost on the platform the profile describes, not what the model takes to run.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Estimate".
 */
export interface Estimate {
  /**
   * The profile id.
   */
  profile: string;
  /**
   * The whole estimate, in nanoseconds.
   */
  ns: number;
  /**
   * IOMMU maps, unmaps and IOTLB syncs.
   */
  iommu_ns: number;
  /**
   * Bounce copies and zeroing.
   */
  copy_ns: number;
  /**
   * Cache maintenance.
   */
  cache_ns: number;
}
/**
 * The machine's state at the end of a case, one section per part that holds state, each written by that part: "domain NAME" for each IOMMU domain (page table runs, allocated IOVA ranges, the IOVA rcache), "swiotlb" (slots in use as "index+count" runs, and the count), "cpu" (dirty cache lines), "driver" (handles still mapped). Lists show their first 16 items, then "… N more".
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "FinalState".
 */
export interface FinalState {
  [k: string]: {};
}
/**
 * A case run with allocations made to fail: which, and how many allocations of each kind the run made (its injection points).
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "FaultRun".
 */
export interface FaultRun {
  kind: 'iova' | 'swiotlb' | 'pgtable' | 'pages' | 'slab';
  /**
   * The first allocation of the kind to fail, from 1; 0 when nothing fails (the run counts its injection points).
   */
  nth: number;
  /**
   * How many fail from the nth on; -1: all of them.
   */
  times: number;
  /**
   * Failures injected; 0 when the run made fewer than nth allocations of the kind.
   */
  injected: number;
  points: {
    iova: number;
    swiotlb: number;
    pgtable: number;
    pages?: number;
    slab?: number;
  };
  /**
   * Map calls that returned an error.
   */
  failed_maps: number;
  /**
   * In a faults report, violations of a failing run left out of its case: those beyond the first 4 of each kind that its fixture's own case does not have.
   */
  left_out?: number;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "CaseError".
 */
export interface CaseError {
  id: string;
  fixture: string;
  variant: string;
  status: 'error';
  /**
   * Whose code threw: the variant's kernel files (also when absent), or the harness's own (a bug in the harness).
   */
  origin?: 'variant' | 'harness';
  /**
   * The exception, and the project file and line it was thrown at.
   */
  message: string;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "CaseTimeout".
 */
export interface CaseTimeout {
  id: string;
  fixture: string;
  variant: string;
  status: 'timeout';
  budget_ms: number;
  /**
   * The step the case had reached when its time ran out, as the trace labels steps (3#2.1: the first step of round 2 of the repeat at step 3), or boot, or end. Where a case runs out of time depends on the machine's speed.
   */
  step?: string;
  /**
   * Each repeat around that step, outermost first: its own label, the round reached and its count.
   */
  rounds?: {
    repeat: string;
    round: number;
    count: number;
  }[];
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Expectation".
 */
export interface Expectation {
  case: string;
  expected: ViolationKind[];
  actual: ViolationKind[] | ('error' | 'timeout');
  met: boolean;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "ComparisonSet".
 */
export interface ComparisonSet {
  /**
   * The series this is a step of, or null for an ad-hoc comparison.
   */
  series: string | null;
  before: string;
  after: string;
  counts: {
    identical: number;
    'same-state': number;
    'same-verdict': number;
    fixed: number;
    regressed: number;
    mixed: number;
  };
  items: Comparison[];
}
/**
 * One fixture, graded from the before variant's result to the after variant's.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Comparison".
 */
export interface Comparison {
  fixture: string;
  grade: Grade;
  removed: string[];
  added: string[];
  costs: CostChange[];
  /**
   * Label of the first step whose trace differs.
   */
  divergence: string | null;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "CostChange".
 */
export interface CostChange {
  key:
    | 'bounce_copies'
    | 'bounce_bytes'
    | 'zeroed_bytes'
    | 'cache_cleans'
    | 'cache_invalidates'
    | 'cache_bytes'
    | 'iommu_maps'
    | 'iommu_unmaps'
    | 'iotlb_syncs'
    | 'iova_allocs'
    | 'iova_lookups'
    | 'tce_hcalls';
  before: number;
  after: number;
}
/**
 * Where along a chain of variants one fixture's verdict (or trace) changes.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Bisection".
 */
export interface Bisection {
  fixture: string;
  series: string;
  mode: 'verdict' | 'trace';
  chain: string[];
  /**
   * The verdict (or status) on each variant of the chain.
   */
  outcomes: string[];
  /**
   * Variants whose outcome differs from their parent's, in chain order.
   */
  change_points: string[];
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Totals".
 */
export interface Totals {
  cases: number;
  clean: number;
  violating: number;
  error: number;
  timeout: number;
  expectations_met: number;
  expectations_failed: number;
  /**
   * Regressed or mixed comparisons in comparisons whose series is null (what compare and review gate on).
   */
  regressions: number;
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Fuzz".
 */
export interface Fuzz {
  series: string;
  seed: number;
  /**
   * Scenarios generated in the search (shrinking not counted).
   */
  runs: number;
  /**
   * Generated scenarios the statistics count (shrinking not counted).
   */
  scenarios: number;
  /**
   * How many evaluated scenarios had each feature (bounced, non-coherent, ...).
   */
  features: {
    [k: string]: number;
  };
  /**
   * How many evaluated scenarios showed each violation kind on some variant.
   */
  kinds: {
    [k: string]: number;
  };
  findings: Finding[];
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Finding".
 */
export interface Finding {
  /**
   * What the scenario was kept and shrunk for.
   */
  class: string;
  /**
   * Every class it shows that no earlier finding did.
   */
  classes: string[];
  variant: string;
  kind: 'change' | 'violation';
  /**
   * Id of the fixture written for it.
   */
  fixture: string;
  file: string;
  steps: number;
  seed: number;
  commands_path: string;
  path: string;
}
/**
 * A faults run: each fixture ran once counting its injection points (the case under the fixture's own id) and then once per failing allocation (the cases under the runs' ids, "<fixture>~<kind>:<nth>", with "+" when every later one fails too). A failing run's case keeps its whole verdict but only the violations its fixture's own case does not have (the first 4 of each kind; faults.left_out counts the rest), and of its trace, for each step where a fault was injected, the call's line and what followed the fault, then the kept violations' lines; `explain <run id> --variant V` gives the whole case.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "Faults".
 */
export interface Faults {
  kinds: ('iova' | 'swiotlb' | 'pgtable' | 'pages' | 'slab')[];
  fixtures: {
    fixture: string;
    runs: string[];
  }[];
}
/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "SourceDiff".
 */
export interface SourceDiff {
  before: string;
  after: string;
  files: {
    /**
     * The kernel file's name in the variants (dma-iommu.ts).
     */
    file: string;
    /**
     * The copy the first variant runs (its own or its nearest ancestor's), relative to the project root; "" when it runs none.
     */
    before_path: string;
    /**
     * The copy the second variant runs, likewise.
     */
    after_path: string;
    added: number;
    removed: number;
    /**
     * Unified diff between the two copies, with their paths.
     */
    patch: string;
  }[];
}
