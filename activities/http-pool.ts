import { Agent } from 'undici';

/**
 * The keep-alive connection pool used for every function call. Connections stay open between steps so a
 * step costs no TCP handshake; idle ones close before the wrapper's own keep-alive (65 s) would.
 */
export function createFunctionCallPool(): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connections: 128,
    // Temporal's start-to-close timeout bounds a call; undici's own timeouts would cut long steps short.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}
