import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { THEME_METRICS } from '@cityops/schema';
import { catalogueTable } from './catalogue.js';

/** a markdown table's cells, whatever padding prettier gave it */
const cells = (table: string) =>
  table
    .trim()
    .split('\n')
    .filter((l) => !/^\|\s*-/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );

describe('the README table of the metrics', () => {
  it('is the catalogue, row for row', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('<!-- catalogue:start -->');
    const end = readme.indexOf('<!-- catalogue:end -->');
    expect(start).toBeGreaterThan(0);
    expect(cells(readme.slice(start + '<!-- catalogue:start -->'.length, end))).toEqual(cells(catalogueTable()));
    expect(cells(catalogueTable())).toHaveLength(Object.keys(THEME_METRICS).length + 1);
  });
});
