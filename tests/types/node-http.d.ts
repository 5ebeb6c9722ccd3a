// The part of Node's own types (@types/node: http.d.ts, buffer.d.ts, globals.d.ts) that a merchant's
// notification handler touches, copied in shape so the checks need no @types package. What matters is
// kept exactly: IncomingHttpHeaders is a NodeJS.Dict (every value may be undefined, repeated headers are
// arrays), writeHead takes OutgoingHttpHeaders, a Buffer is a Uint8Array.

declare namespace NodeJS {
  interface Dict<T> {
    [key: string]: T | undefined;
  }
}

interface Buffer extends Uint8Array {
  toString(encoding?: 'utf8' | 'utf-8' | 'hex' | 'base64' | 'latin1'): string;
}
declare var Buffer: {
  from(data: string | Uint8Array | ArrayBuffer, encoding?: 'utf8' | 'hex' | 'base64'): Buffer;
  concat(list: readonly Uint8Array[], totalLength?: number): Buffer;
};

/** CommonJS require of the package, as a .cts file sees it. */
declare function require(id: 'aggpay'): typeof import('aggpay');

declare module 'node:http' {
  // incoming headers will never contain number
  interface IncomingHttpHeaders extends NodeJS.Dict<string | string[]> {
    accept?: string | undefined;
    authorization?: string | undefined;
    'content-length'?: string | undefined;
    'content-type'?: string | undefined;
    host?: string | undefined;
    'set-cookie'?: string[] | undefined;
    'user-agent'?: string | undefined;
  }
  type OutgoingHttpHeader = number | string | string[];
  interface OutgoingHttpHeaders extends NodeJS.Dict<OutgoingHttpHeader> {}
  class IncomingMessage implements AsyncIterable<Buffer> {
    headers: IncomingHttpHeaders;
    headersDistinct: NodeJS.Dict<string[]>;
    rawHeaders: string[];
    method?: string | undefined;
    url?: string | undefined;
    on(event: 'data', listener: (chunk: Buffer) => void): this;
    on(event: 'end', listener: () => void): this;
    [Symbol.asyncIterator](): AsyncIterator<Buffer>;
  }
  class ServerResponse {
    statusCode: number;
    setHeader(name: string, value: number | string | readonly string[]): this;
    writeHead(statusCode: number, statusMessage?: string, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
    writeHead(statusCode: number, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
    end(cb?: () => void): this;
    end(chunk: string | Uint8Array, cb?: () => void): this;
  }
  type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
  interface Server {
    listen(port?: number, hostname?: string, listeningListener?: () => void): this;
  }
  function createServer(requestListener?: RequestListener): Server;
}
