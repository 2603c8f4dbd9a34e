import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP receiver on 127.0.0.1 for tests: what it accepted is what the recipient would read.
 * Addresses starting with `refused` are refused at RCPT, as a mail server refuses one it does not know.
 */
export class MailReceiver {
  readonly received: ParsedMail[] = [];
  /** Woken by each mail the receiver accepts. */
  readonly #waiting: (() => void)[] = [];
  readonly #smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo: (address, _session, callback) => callback(address.address.startsWith('refused') ? Object.assign(new Error('No such mailbox'), { responseCode: 550 }) : undefined),
    onData: (stream, _session, callback) => {
      simpleParser(stream)
        .then((mail) => {
          this.received.push(mail);
          for (const wake of this.#waiting.splice(0)) wake();
          callback();
        })
        .catch(callback);
    },
  });

  /** Starts listening; answers the SMTP URL a sender is configured with. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#smtp.listen(0, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.#smtp.server.address() as AddressInfo).port}?ignoreTLS=true`;
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => this.#smtp.close(() => resolve()));
  }

  /** The mail to `address`, as soon as the receiver has it (a failure after `timeoutMs` names what did arrive). */
  async mailTo(address: string, timeoutMs = 20_000): Promise<ParsedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mail = this.received.find((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((to) => to?.value.some((v) => v.address === address)));
      if (mail) return mail;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no mail reached ${address}; received: ${this.received.map((m) => m.subject).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
