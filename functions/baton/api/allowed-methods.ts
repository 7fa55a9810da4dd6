import { TrieRouter } from 'hono/router/trie-router';
import { ROUTE_ACCESS } from '../auth/route-access.ts';

/**
 * The methods the access table has for a path (HEAD with GET, which Hono answers for every GET route); empty when
 * no route serves the path. A request with another method gets 405 and these in `Allow`, not a 404 that would say
 * the route does not exist.
 */
export function allowedMethods(): (path: string) => string[] {
  const router = new TrieRouter<string>();
  for (const route of Object.keys(ROUTE_ACCESS)) {
    const [method, path] = route.split(' ') as [string, string];
    router.add('ALL', path, method);
  }
  return (path) => {
    const methods = new Set(router.match('GET', path)[0].map(([method]) => method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
