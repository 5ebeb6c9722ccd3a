// What a runtime hands over as headers is a HeadersLike, as the facade's plainHeaders reads it: Node's
// IncomingHttpHeaders (values may be undefined or arrays), a fetch Headers, a Map, [name, value] pairs,
// a plain record.
import http from 'node:http';
import { createClient, type HeadersLike, type HttpResponseLike } from 'aggpay';

const client = createClient({ provider: 'shouqianba', credentials: { terminalSn: 't', terminalKey: 'k', notifyPublicKey: 'pem' } });

http.createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  const { ack } = await client.verifyNotification({ headers: req.headers, body: Buffer.concat(chunks) });
  res.writeHead(ack.status, ack.headers).end(ack.body);
});

declare const incoming: http.IncomingHttpHeaders;
const all: HeadersLike[] = [
  incoming,
  new Headers({ authorization: 'x' }),
  new Map([['authorization', 'x']]),
  [['authorization', 'x'], ['content-type', 'application/json']],
  [['authorization', 'x']] as const,
  { authorization: 'x', 'x-many': ['a', 'b'], absent: undefined },
  {},
];
const response: HttpResponseLike = { status: 200, headers: new Headers(), body: new ArrayBuffer(0) };

// @ts-expect-error a header value is text, not a number
const numbers: HeadersLike = { 'content-length': 12 };
// @ts-expect-error pairs are [name, value]
const triples: HeadersLike = [['a', 'b', 'c']];

declare const console: { log(...a: unknown[]): void };
console.log(all, response, numbers, triples);
