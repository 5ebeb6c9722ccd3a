// The free variables of README.md's code blocks, typed as a merchant's own code would have them. Each
// block is compiled as a module of its own (tests/js/readme.test.mjs), so a block that declares or imports
// one of these names simply shadows it. A new README example that uses a new name: declare it here.
import type { Client, PayInput, Signer } from 'aggpay';
import type { IncomingMessage, ServerResponse } from 'node:http';

declare global {
  /** The examples after "Install" use the import shown there. */
  const createClient: typeof import('aggpay').createClient;
  const yuanToFen: typeof import('aggpay').yuanToFen;
  const fenToYuan: typeof import('aggpay').fenToYuan;
  const AggpayError: typeof import('aggpay').AggpayError;

  // Credentials, as loaded from the merchant's configuration.
  const baseUrl: string;
  const terminalSn: string;
  const terminalKey: string;
  const notifyPublicKey: string;
  const vendorSn: string;
  const vendorKey: string;
  const appId: string;
  /** Shouqianba's activation code. */
  const code: string;
  const appSecret: string;
  const serialNo: string;
  const privateKey: string;
  const platformCertificate: string;
  const merchantNo: string;
  const termNo: string;
  const accessId: string;
  const merchantCode: string;
  const signer: Signer;

  /** The worked example's client, used by the snippets after it. */
  const client: Client<'shouqianba'>;
  /** A till's barcode payment, built as in the worked example. */
  const payInput: PayInput<'shouqianba'>;
  const signal: AbortSignal;

  // A notification handler: Node's http (or Express, which extends the same objects).
  const req: IncomingMessage;
  const res: ServerResponse;
  /** The request body's bytes: read from req, or Express's req.body under express.raw({ type: '*\/*' }). */
  const rawBodyBuffer: Buffer;

  // The cashier-pages example: a mini-program checkout and its merchant server.
  /** WeChat's jscode2session, called by the merchant server with the mini-program's app secret. */
  function jscode2session(code: string): Promise<string>;
  /** The code the page got from wx.login, as the merchant server received it. */
  const loginCode: string;
  /** The merchant server's answer to the page. */
  function respond(body: object): void;
  const merchantOrderNo: string;
  const notifyUrl: string;
  /** The mini-program's own API, as far as the example uses it. */
  const wx: { login(): Promise<{ code: string }>; requestPayment(options: object): void };
  /** The page's call to the merchant server. */
  function post(path: string, body: object): Promise<{ merchantOrderNo: string; payParams: object }>;
  /** Asks the merchant server for the order's state until it is final. */
  function follow(): void;
}

