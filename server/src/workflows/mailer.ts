import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** The same message sent twice (a retried step) carries the same id, so receivers can drop the copy. */
  messageId: string;
}

/** Sends mail over SMTP (`PROTEAN_SMTP_URL`, e.g. smtp://user:pass@mail.example.com:587). */
export class Mailer {
  readonly #transport: Transporter | undefined;
  readonly from: string;

  constructor(smtpUrl: string | undefined, from = 'Protean <no-reply@protean.local>') {
    this.#transport = smtpUrl ? nodemailer.createTransport(smtpUrl) : undefined;
    this.from = from;
  }

  get configured(): boolean {
    return this.#transport !== undefined;
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string; accepted: string[] }> {
    if (!this.#transport) throw new Error('No SMTP server is configured (PROTEAN_SMTP_URL), so no email can be sent');
    const info = await this.#transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId });
    return { messageId: info.messageId, accepted: (info.accepted as (string | { address: string })[]).map((a) => (typeof a === 'string' ? a : a.address)) };
  }

  close(): void {
    this.#transport?.close();
  }
}
