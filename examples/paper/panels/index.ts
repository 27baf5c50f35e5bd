// The demo's extra panels, run in this order by ../main.ts. Add a panel by writing
// `./<name>.ts` exporting a `Panel` and appending it here.
import type { Panel } from './types.js';
import { varianceAdaptationPanel } from './variance-adaptation.js';
import { vognPanel } from './vogn.js';
import { rlPanel } from './rl.js';
import { spectrumSlqPanel } from './spectrum-slq.js';
import { laplacePanel } from './laplace.js';
import { influencePanel } from './influence.js';
import { cnnPanel } from './cnn.js';

export const panels: readonly Panel[] = [spectrumSlqPanel, varianceAdaptationPanel, vognPanel, rlPanel, laplacePanel, influencePanel, cnnPanel];
