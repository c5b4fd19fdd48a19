import { THEME_METRICS, type ThemeMetricDef } from '@cityops/schema';

/** The README's metric table, made from the catalogue (`THEME_METRICS`); a test keeps them equal. */
export function catalogueTable(): string {
  const rows = Object.entries(THEME_METRICS as Record<string, ThemeMetricDef>).map(
    ([id, d]) => `| \`${id}\` | ${d.zh} ${d.en} | ${d.unit} | ${d.worse} | ${d.definition} |`,
  );
  return ['| metric | name | unit | worse | definition |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
