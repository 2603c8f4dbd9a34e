import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import type { CaptureService } from './capture-service.ts';

export interface InboundMailOptions {
  host?: string;
  port: number;
  /** Largest message accepted, in bytes. */
  maxBytes?: number;
}

/**
 * The inbound email channel: an SMTP listener that logs each message to the matching customer
 * (by the sender's address; an unknown sender becomes a customer). A message is addressed to the
 * workspace by its slug: `<slug>@…` or `log+<slug>@…`; mail for no known workspace is refused
 * with 550 at RCPT, so the sending server tells its user.
 */
export class InboundMail {
  readonly #db: Database;
  readonly #capture: CaptureService;
  readonly #server: SMTPServer;
  readonly #options: InboundMailOptions;

  constructor(db: Database, capture: CaptureService, options: InboundMailOptions) {
    this.#db = db;
    this.#capture = capture;
    this.#options = options;
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: options.maxBytes ?? 10 * 1024 * 1024,
      banner: 'Protean inbound mail',
      logger: false,
      onRcptTo: (address, _session, callback) => {
        this.#tenantOf(address)
          .then((tenant) => callback(tenant ? undefined : Object.assign(new Error(`No workspace receives mail at ${address.address}`), { responseCode: 550 })))
          .catch((error: Error) => callback(Object.assign(error, { responseCode: 451 })));
      },
      onData: (stream, session, callback) => {
        this.#receive(stream, session.envelope.rcptTo)
          .then(() => callback())
          .catch((error: Error) => callback(Object.assign(new Error(`Not logged: ${error.message}`), { responseCode: 451 })));
      },
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host ?? '127.0.0.1', () => resolve());
    });
    return (this.#server.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #tenantOf(address: SMTPServerAddress): Promise<{ id: string; slug: string } | undefined> {
    const local = address.address.split('@')[0]?.toLowerCase() ?? '';
    const slug = local.startsWith('log+') ? local.slice(4) : local;
    const [tenant] = await this.#db.system((q) => q.query<{ id: string; slug: string }>('select id, slug from tenant where slug = $1', [slug]));
    return tenant;
  }

  async #receive(stream: NodeJS.ReadableStream, recipients: SMTPServerAddress[]): Promise<void> {
    const mail = await simpleParser(stream as unknown as Parameters<typeof simpleParser>[0]);
    const from = (mail.from as AddressObject | undefined)?.value[0];
    if (!from?.address) throw new Error('the message has no sender address');
    for (const recipient of recipients) {
      const tenant = await this.#tenantOf(recipient);
      if (!tenant) continue;
      const principal = await this.#principal(tenant);
      await this.#capture.capture(principal, {
        type: 'email',
        channel: 'email',
        subject: mail.subject ?? '',
        body: mail.text ?? '',
        occurredAt: (mail.date ?? new Date()).toISOString(),
        contact: { email: from.address, ...(from.name ? { name: from.name } : {}) },
        ...(mail.messageId ? { externalId: `email:${mail.messageId}` } : {}),
      });
    }
  }

  /** Mail is logged as the workspace's first admin (the owner of what it creates). */
  async #principal(tenant: { id: string; slug: string }): Promise<Principal> {
    const [row] = await this.#db.system((q) =>
      q.query<{ id: string; name: string; role: string; locale: string; tenantName: string }>(
        "select u.id, u.name, u.role, u.locale, t.name as \"tenantName\" from app_user u join tenant t on t.id = u.tenant_id where u.tenant_id = $1 and u.role = 'admin' and u.active order by u.created_at limit 1",
        [tenant.id],
      ),
    );
    if (!row) throw new Error('the workspace has no active admin to log mail as');
    return { tenantId: tenant.id, tenantSlug: tenant.slug, tenantName: row.tenantName, userId: row.id, userName: row.name, role: row.role, locale: row.locale, via: 'session' };
  }
}
