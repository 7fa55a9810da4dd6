/**
 * What a route module says about its routes for the OpenAPI document (openapi.ts): the zod schemas the route
 * itself validates with, and its answers. Routes are named as in the access table (auth/route-access.ts), so the
 * document takes each route's role from there and nothing is declared twice.
 */
import type { z } from 'zod';
import type { ROUTE_ACCESS } from '../auth/route-access.ts';

/** A route of the access table, `METHOD /path/:param`. */
export type RouteKey = keyof typeof ROUTE_ACCESS;

/** One documented answer: a zod schema of its JSON body, or another media type (the HTML report). */
export interface ResponseDoc {
  description: string;
  /** The JSON body; absent with `contentType`. */
  schema?: z.ZodType;
  /** A body that is not JSON (`text/html`), described by its media type only. */
  contentType?: string;
}

/** A route's documentation. Errors every route shares (401, 403, 413, 415, 500, 503) are added by openapi.ts. */
export interface RouteDoc {
  summary: string;
  description?: string;
  /** Grouping in the document: `runs`, `models`, ... */
  tag: string;
  /** The path parameters, as the route checks them (path-params.ts); default: each `:name` a string. */
  params?: z.ZodObject;
  /** The query parameters, as the route parses them (each property one parameter). */
  query?: z.ZodObject;
  /** The JSON body, as the route parses it. */
  body?: z.ZodType;
  /** Whether the body may be left out (a promotion takes its defaults from an empty body). Default: required. */
  bodyOptional?: boolean;
  /** Headers the route reads besides `Authorization` (the codec server's `X-Namespace`). */
  headers?: z.ZodObject;
  /** Answers by status: the successes, and the route's own errors (an error status's body is the error shape). */
  responses: Partial<Record<200 | 201 | 202 | 400 | 404 | 409, ResponseDoc | string>>;
}

/** Documentation of a module's routes, keyed as in the access table. */
export type RouteDocs = Partial<Record<RouteKey, RouteDoc>>;

/**
 * A response schema checked at compile time against the TypeScript type the route answers with: `answers<RunView>()
 * (runView)` does not compile when a RunView would not fit `runView`, so the document cannot drift from the code.
 */
export function answers<T>(): <S extends z.ZodType>(
  schema: S,
  ...mustFit: [T] extends [z.input<S>] ? [] : [never]
) => S {
  return ((schema: z.ZodType) => schema) as never;
}
