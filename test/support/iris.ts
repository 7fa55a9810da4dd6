/** The iris table (150 rows, species as text) as a CSV external sources serve, and a copy with bad rows. */
import { readFileSync } from 'node:fs';

const IRIS = new URL('../../deploy/local/demo-data/iris.csv', import.meta.url);

/** `sepal_length,sepal_width,petal_length,petal_width,species` and 150 rows. */
export function irisCsv(): string {
  return readFileSync(IRIS, 'utf8');
}

/** The same table with a few extreme petal lengths (about 50 standard deviations out), as a broken sensor would send. */
export function withOutliers(csv: string): string {
  const [header, ...rows] = csv.trimEnd().split('\n');
  const broken = rows.map((row, index) => {
    if (index % 75 !== 7) return row; // two rows: more would inflate the standard deviation and mask themselves
    const cells = row.split(',');
    cells[2] = '95.0';
    return cells.join(',');
  });
  return `${[header, ...broken].join('\n')}\n`;
}
