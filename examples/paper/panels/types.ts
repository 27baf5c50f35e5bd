// A panel of the demo's "beyond the paper" section: one self-contained study with its figures,
// the claims it checks, and every number it plots. Panels are listed in ./index.ts and run by
// ../main.ts after the paper's figures, in order.
import type { Figure } from '../report.js';

/** What a panel contributes to out/report.html and out/results.json. */
export interface PanelResult {
  readonly figures: readonly Figure[];
  readonly claims: readonly { readonly claim: string; readonly holds: boolean }[];
  /** Every plotted number, stored under the panel's id in out/results.json. */
  readonly results: unknown;
}

export interface Panel {
  /** Key in out/results.json and prefix of its figure ids. */
  readonly id: string;
  /** Progress-bar label. */
  readonly stage: string;
  /** Progress units this panel will tick (for the bar's total). */
  units(quick: boolean): number;
  /** Runs the study; `quick` asks for a reduced setting (CURVAX_DEMO_QUICK=1). */
  run(quick: boolean, tick: () => void): PanelResult | Promise<PanelResult>;
}
