/** The unretried test clients open a connection per request, so a server closing an idle kept-alive socket cannot reset one. */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unretried } from '../support/unretried-client.ts';

const EMPTY = `<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`;
let connections = 0;
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(EMPTY);
});
server.on('connection', () => connections++);
let url = '';

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const client = (extra: object) =>
  new RDSClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    ...extra,
  });

describe('unretried test clients', () => {
  it('open a new connection for every request (the SDK default reuses one)', async () => {
    const fresh = client(unretried);
    connections = 0;
    for (let i = 0; i < 3; i++) await fresh.send(new DescribeDBInstancesCommand({}));
    expect(connections).toBe(3);
    const reusing = client({ maxAttempts: 1 });
    connections = 0;
    for (let i = 0; i < 3; i++) await reusing.send(new DescribeDBInstancesCommand({}));
    expect(connections).toBe(1);
    reusing.destroy();
    fresh.destroy();
  });
});
