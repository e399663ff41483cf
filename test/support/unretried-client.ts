/**
 * Client settings for tests that must see the first answer unretried (maxAttempts 1). Without retries a
 * kept-alive socket is a race: a Node server closes an idle one after its keepAliveTimeout (5 s), and a
 * request sent on it in that instant fails `read ECONNRESET` (seen in CI after a 5 s wait). A fresh
 * connection per request removes the race; the SDK's default retry covers it for every other client.
 */
import { Agent } from 'node:http';

export const unretried = { maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } };
