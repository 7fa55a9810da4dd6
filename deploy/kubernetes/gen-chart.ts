/** `npm run gen:chart`: writes the chart's function data (baton/files/functions.json) from stack.yml. */
import { relative } from 'node:path';
import { repoRoot } from '../local/stack-config.ts';
import { writeFileAtomic } from '../tools/layout.ts';
import { chartData, chartDataFile, chartDataText, committedChartData } from './chart-data.ts';

const text = chartDataText(await chartData());
const same = text === (await committedChartData());
if (!same) writeFileAtomic(chartDataFile, text);
console.log(`${relative(repoRoot, chartDataFile)} ${same ? 'is up to date' : 'written'}`);
