// The gateway-against-Kannel bar chart for docs/PERFORMANCE.md: plain SVG, written by hand, no dependency.

export interface ChartGroup {
  label: string;
  gateway: number | undefined;
  /** The gateway's rate to every message in a final state (receipts correlated), when measured. */
  gatewayFinal?: number | undefined;
  kannel: number | undefined;
  /** The target as a multiple of Kannel's rate, drawn as a mark over the gateway bar. */
  targetRatio: number;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const px = (n: number) => Number(n.toFixed(1));

export function barChart(title: string, subtitle: string, groups: ChartGroup[]): string {
  const width = 760;
  const height = 400;
  const left = 70;
  const right = 20;
  const top = 70;
  const bottom = 70;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const values = groups.flatMap((g) => [
    g.gateway ?? 0,
    g.gatewayFinal ?? 0,
    g.kannel ?? 0,
    g.kannel !== undefined ? g.kannel * g.targetRatio : 0,
  ]);
  const rawMax = Math.max(1, ...values);
  const magnitude = 10 ** Math.floor(Math.log10(rawMax));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => rawMax / s <= 6) ?? magnitude * 10;
  const max = Math.ceil(rawMax / step) * step;
  const y = (v: number) => px(top + plotH - (v / max) * plotH);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escape(title)}</text>`,
    `<text x="${width / 2}" y="44" text-anchor="middle" fill="#555">${escape(subtitle)}</text>`,
  ];
  for (let v = 0; v <= max; v += step) {
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${fmt(v)}</text>`,
    );
  }
  out.push(
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle" fill="#555">messages per second</text>`,
  );
  const groupW = plotW / Math.max(1, groups.length);
  // gateway: to the sink's TARGET line (last submit_sm, or last receipt acknowledged), as Kannel is timed
  const barW = px(Math.min(56, groupW / 4));
  groups.forEach((g, i) => {
    const cx = px(left + groupW * i + groupW / 2);
    const bars: Array<[number | undefined, string, number]> = [
      [g.gateway, '#2f6db5', px(cx - 1.5 * barW - 3)],
      [g.gatewayFinal, '#9cc0e8', px(cx - 0.5 * barW)],
      [g.kannel, '#c0692b', px(cx + 0.5 * barW + 3)],
    ];
    for (const [value, colour, x] of bars) {
      if (value === undefined) {
        out.push(`<text x="${x + barW / 2}" y="${y(0) - 6}" text-anchor="middle" fill="#999">n/a</text>`);
        continue;
      }
      out.push(
        `<rect x="${x}" y="${y(value)}" width="${barW}" height="${y(0) - y(value)}" fill="${colour}"/>`,
        `<text x="${x + barW / 2}" y="${y(value) - 5}" text-anchor="middle">${fmt(value)}</text>`,
      );
    }
    if (g.kannel !== undefined) {
      const target = g.kannel * g.targetRatio;
      const x = px(cx - 1.5 * barW - 3);
      out.push(
        `<line x1="${x - 4}" x2="${x + barW + 4}" y1="${y(target)}" y2="${y(target)}" stroke="#1a1a1a" stroke-width="2" stroke-dasharray="5 3"/>`,
      );
    }
    out.push(`<text x="${cx}" y="${top + plotH + 20}" text-anchor="middle">${escape(g.label)}</text>`);
    if (g.gateway !== undefined && g.kannel !== undefined) {
      out.push(
        `<text x="${cx}" y="${top + plotH + 36}" text-anchor="middle" fill="#555">gateway/Kannel ${(g.gateway / g.kannel).toFixed(2)} (target ${g.targetRatio})</text>`,
      );
    }
  });
  const ly = height - 14;
  out.push(
    `<rect x="${left}" y="${ly - 10}" width="12" height="12" fill="#2f6db5"/>`,
    `<text x="${left + 18}" y="${ly}">gateway</text>`,
    `<rect x="${left + 80}" y="${ly - 10}" width="12" height="12" fill="#9cc0e8"/>`,
    `<text x="${left + 98}" y="${ly}">gateway, every message final</text>`,
    `<rect x="${left + 280}" y="${ly - 10}" width="12" height="12" fill="#c0692b"/>`,
    `<text x="${left + 298}" y="${ly}">Kannel 1.4.5</text>`,
    `<line x1="${left + 400}" x2="${left + 426}" y1="${ly - 4}" y2="${ly - 4}" stroke="#1a1a1a" stroke-width="2" stroke-dasharray="5 3"/>`,
    `<text x="${left + 432}" y="${ly}">target: a multiple of Kannel</text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}
