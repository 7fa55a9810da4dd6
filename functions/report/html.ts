/**
 * HTML building blocks of the report: every interpolated value is escaped unless it is already `SafeHtml`
 * (the output of `html` itself), so a dataset name, a label or a parameter can never become markup.
 */

/** A piece of markup that is already escaped (built by `html`). */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What `html` accepts between its markup: nested markup, or plain values (escaped); null and undefined give nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (char) => ESCAPES[char]!);
}

/** Tagged template: `html\`<td>${value}</td>\`` escapes `value`; arrays are joined; SafeHtml passes through. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/**
 * Markup the code itself wrote (a constant stylesheet), taken as it is. Never pass a value from a run through it:
 * inside `<style>` no escaping applies, so only constants belong there.
 */
export function trustedMarkup(constant: string): SafeHtml {
  return new SafeHtml(constant);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

/**
 * A number for people: whole numbers as they are, others with 4 decimals (trailing zeros dropped), very large or
 * very small ones in exponent notation; not-finite values as "n/a".
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Number.isInteger(value)) return Math.abs(value) < 1e15 ? String(value) : value.toExponential(3);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9 || magnitude < 1e-4) return value.toExponential(3);
  return String(Number(value.toFixed(4)));
}

/** A parameter value in one line: numbers formatted, strings as they are, anything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? String(value);
}

/**
 * Flattens nested objects into dotted keys (`model.params.C`), in their own order; arrays and empty objects
 * stay whole. Meant for the parameters table.
 */
export function flatten(value: Record<string, unknown>, prefix = ''): [string, unknown][] {
  const rows: [string, unknown][] = [];
  for (const [key, inner] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner) && Object.keys(inner).length > 0) {
      rows.push(...flatten(inner as Record<string, unknown>, path));
    } else {
      rows.push([path, inner]);
    }
  }
  return rows;
}

/** `link` when it is an http(s) URL or a path (never `javascript:` or another scheme), else undefined. */
export function safeHref(link: string | undefined): string | undefined {
  if (!link) return undefined;
  if (link.startsWith('/') && !link.startsWith('//')) return link;
  try {
    const url = new URL(link);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
